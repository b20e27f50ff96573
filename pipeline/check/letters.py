"""One report per collectivité, ready to send: a letter on the CDG's letterhead (PDF), the
same as HTML and JSON.

The letter says only what the check found: each dossier's findings with the rule's "what to
do" and the file and page as evidence (a page reference, never a page image: the pièces are
medical). The dossiers of one collectivité appear only in its own report; the index names
collectivités and counts, no agent.

PDF by reportlab (already a dependency, pure Python): the letter is drawn in one pass per
collectivité, with no LibreOffice process to start and no .docx round trip, so a batch of a
hundred collectivités takes seconds; the letterhead stays data (config/cdg.yaml).
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline import resources
from pipeline.check.cdg import Cdg
from pipeline.text import fold

SCHEMA = "pipeline-cdg-rapport/1"
INDEX_SCHEMA = "pipeline-cdg-index/1"
UNKNOWN_SLUG = "collectivite-non-identifiee"
SEVERITY_ORDER = {"bloquant": 0, "avertissement": 1, "info": 2}
SEVERITY_LABEL = {"bloquant": "Bloquant", "avertissement": "Avertissement", "info": "Pour information"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
CAVEAT = ("Ce contrôle automatique porte sur les pièces reçues par le centre de gestion : il relève ce qui manque "
          "ou se contredit dans les documents, il ne préjuge pas de la décision de la CNRACL.")


@dataclass
class Group:
    """The dossiers of one collectivité (collectivite None: no dossier.yaml to name it)."""

    slug: str
    collectivite: Optional[dict]
    reports: list = field(default_factory=list)

    @property
    def nom(self) -> str:
        return self.collectivite["nom"] if self.collectivite else "Collectivité non identifiée"


def date_fr(day: dt.date) -> str:
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def slugify(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return s[:80] or "collectivite"


def group_by_collectivite(reports) -> list[Group]:
    """Groups in collectivité name order; same SIRET = same collectivité; the unidentified last."""
    groups: dict[str, Group] = {}
    for r in reports:
        c = r.collectivite
        key = (c.get("siret") or fold(c["nom"])) if c else ""
        if key not in groups:
            groups[key] = Group("", c)
        groups[key].reports.append(r)
    known = sorted((g for k, g in groups.items() if k), key=lambda g: fold(g.nom))
    used: set[str] = set()
    for g in known:
        slug = slugify(g.nom)
        if slug in used or slug == UNKNOWN_SLUG:  # two collectivités of the same name
            slug = f"{slug}-{g.collectivite.get('siret') or len(used)}"
        used.add(slug)
        g.slug = slug
    if "" in groups:
        groups[""].slug = UNKNOWN_SLUG
        known.append(groups[""])
    return known


# ---------------------------------------------------------------- content (shared by the three formats)
def _que_faire(rule: str) -> str:
    from pipeline.validators.registry import REGISTRY

    text = REGISTRY[rule].todo if rule in REGISTRY else ""
    # Addressed to a collectivité: no command names or program files (dossier.yaml is theirs).
    text = re.sub(r",?\s*voir\s+(?:form_templates|validators|config)/\S+?\.(?:yaml|md)", "", text)
    text = re.sub(r"\s*\([^()]*`[^()]*\)", "", text)
    text = re.sub(r"\s*;\s*`[^`]*`[^.;]*", "", text)
    return text.strip()


def agent_label(agent: Optional[dict]) -> str:
    if not agent:
        return "Agent non identifié"
    parts = [agent.get("civilite") or "", agent.get("prenoms") or "", (agent.get("nom") or "").upper()]
    out = " ".join(p for p in parts if p)
    if agent.get("nom_naissance") and fold(agent["nom_naissance"]) != fold(agent.get("nom") or ""):
        out += f" (née {agent['nom_naissance'].upper()})" if agent.get("civilite") == "Madame" else \
            f" (nom de naissance {agent['nom_naissance'].upper()})"
    return out


def _evidence(f) -> str:
    if not f.file:
        return ""
    return f"{f.file}, page {f.page}" if f.page else f.file


def _dossier(r, labels: dict) -> dict:
    findings = sorted(r.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 3))
    return {
        "dossier_id": r.dossier_id or r.dossier,
        "agent": r.agent,
        "agent_label": agent_label(r.agent),
        "status": r.status,
        "status_label": ("Aucun point bloquant relevé par le contrôle" if r.status == "complet"
                         else "Incomplet : à compléter avant l'envoi à la CNRACL"),
        "bloquants": r.count("bloquant"),
        "avertissements": r.count("avertissement"),
        "pieces_manquantes": [{"id": p.id, "libelle": p.libelle or labels.get(p.id, p.id)}
                              for p in r.pieces if p.status == "manquante"],
        "constats": [{
            "rule": f.rule, "severity": f.severity, "severity_label": SEVERITY_LABEL.get(f.severity, f.severity),
            "piece": f.piece, "piece_libelle": labels.get(f.piece, "") if f.piece else "",
            "message": f.message, "que_faire": _que_faire(f.rule), "source": f.source,
            "file": f.file, "page": f.page, "preuve": _evidence(f),
        } for f in findings],
    }


def letter(group: Group, cdg: Cdg, today: dt.date) -> dict:
    """Everything the report shows, as data (this is also the JSON report)."""
    from pipeline.dossier.pieces import load_catalogue

    labels = {p.id: p.libelle for p in load_catalogue().pieces}
    reports = sorted(group.reports, key=lambda r: (r.status == "complet", fold(agent_label(r.agent)), r.dossier))
    dossiers = [_dossier(r, labels) for r in reports]
    complets = sum(1 for d in dossiers if d["status"] == "complet")
    return {
        "schema": SCHEMA,
        "date": today.isoformat(),
        "date_texte": date_fr(today),
        "cdg": {"nom": cdg.nom, "service": cdg.service, "adresse": cdg.adresse, "telephone": cdg.telephone,
                "email": cdg.email, "signataire": cdg.signataire.model_dump(), "ville": cdg.ville},
        "collectivite": group.collectivite,
        "collectivite_nom": group.nom,
        "slug": group.slug,
        "summary": {"dossiers": len(dossiers), "complets": complets, "incomplets": len(dossiers) - complets,
                    "bloquants": sum(d["bloquants"] for d in dossiers),
                    "avertissements": sum(d["avertissements"] for d in dossiers)},
        "objet": "Contrôle avant envoi à la CNRACL des dossiers de retraite pour invalidité",
        "introduction": _introduction(group, len(dossiers), complets),
        "avertissement": CAVEAT,
        "dossiers": dossiers,
    }


def _introduction(group: Group, n: int, complets: int) -> str:
    s = "s" if n > 1 else ""
    head = (f"Le centre de gestion a contrôlé {n} dossier{s} de retraite pour invalidité de votre collectivité "
            "avant leur envoi à la CNRACL sur la plateforme PEP'S. ")
    if group.collectivite is None:
        head = (f"{n} dossier{s} du lot ne comporte{'nt' if n > 1 else ''} pas de description (dossier.yaml) : "
                "la collectivité n'a pas pu être identifiée. ")
    incomplets = n - complets
    if incomplets == 0:
        tail = f"Le contrôle n'a relevé aucun point bloquant (dossier{s} ci-dessous)."
    else:
        tail = (f"{incomplets} dossier{'s' if incomplets > 1 else ''} sur {n} "
                f"{'doivent' if incomplets > 1 else 'doit'} être complété{'s' if incomplets > 1 else ''} "
                "avant l'envoi : vous trouverez ci-dessous, pour chaque agent, ce qui manque ou est à corriger, "
                "ce qu'il faut faire, et le document et la page concernés.")
    return head + tail


def to_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- HTML (Jinja2, autoescape)
@functools.cache
def _template(name: str):
    """Compiled once per process (compiling costs more than rendering a letter)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    return env.from_string(resources.text("form_templates", name))


def _logo_data_uri(cdg: Cdg) -> str:
    p = cdg.logo_path()
    if p is None:
        return ""
    mime = "image/png" if p.suffix.lower() == ".png" else "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(p.read_bytes()).decode("ascii")


def to_html(data: dict, cdg: Cdg) -> str:
    return _template("rapport_collectivite.html.j2").render(l=data, logo=_logo_data_uri(cdg))


def index_html(index: dict) -> str:
    return _template("rapport_index.html.j2").render(i=index)


# ---------------------------------------------------------------- PDF (reportlab)
_FONTS = {"Lettre": "DejaVuSans.ttf", "Lettre-Gras": "DejaVuSans-Bold.ttf"}
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def _fonts() -> tuple[str, str]:
    """DejaVu Sans (every French character) when installed, else the PDF's own Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Lettre" in pdfmetrics.getRegisteredFontNames():
        return "Lettre", "Lettre-Gras"
    for d in _FONT_DIRS:
        if all((Path(d) / f).is_file() for f in _FONTS.values()):
            for name, f in _FONTS.items():
                pdfmetrics.registerFont(TTFont(name, str(Path(d) / f)))
            return "Lettre", "Lettre-Gras"
    return "Helvetica", "Helvetica-Bold"


def to_pdf(data: dict, cdg: Cdg) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,
                                    TableStyle)
    from xml.sax.saxutils import escape as x

    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=10.5, textColor=colors.HexColor("#444444"))
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    h_cdg = ParagraphStyle("hcdg", parent=base, fontName=bold, fontSize=12, leading=15)
    h2 = ParagraphStyle("h2", parent=base, fontName=bold, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3)
    cell = ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5)
    cell_b = ParagraphStyle("cellb", parent=cell, fontName=bold)
    red, amber, blue = colors.HexColor("#8a1010"), colors.HexColor("#8a5a00"), colors.HexColor("#1a4d8a")
    sev_colour = {"bloquant": red, "avertissement": amber, "info": blue}

    c = data["cdg"]
    story = []
    # Letterhead: logo, then the CDG's name and address.
    head_lines = [Paragraph(x(c["nom"]), h_cdg)]
    if c["service"]:
        head_lines.append(Paragraph(x(c["service"]), base))
    head_lines += [Paragraph(x(line), base) for line in c["adresse"]]
    contact = " – ".join(v for v in (c["telephone"], c["email"]) if v)
    if contact:
        head_lines.append(Paragraph(x(contact), small))
    logo = cdg.logo_path()
    if logo is not None:
        img = Image(str(logo))
        ratio = img.imageWidth / img.imageHeight if img.imageHeight else 2
        img.drawHeight = 18 * mm
        img.drawWidth = 18 * mm * ratio
        head = Table([[img, head_lines]], colWidths=[img.drawWidth + 4 * mm, None])
    else:
        head = Table([[head_lines]])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    story += [head, Spacer(1, 8 * mm)]
    # Addressee, right-hand block.
    coll = data["collectivite"]
    if coll:
        lines = []
        if coll.get("signataire"):
            lines.append(f"{coll['signataire']['qualite']}")
        lines.append(coll["nom"])
        a = coll.get("adresse") or {}
        lines += [v for v in (a.get("ligne1"), a.get("ligne2")) if v]
        lines.append(f"{a.get('code_postal', '')} {a.get('commune', '')}".strip())
        if coll.get("contact_rh") and coll["contact_rh"].get("nom"):
            lines.append(f"À l'attention de : {coll['contact_rh']['nom']}")
    else:
        lines = ["Dossiers sans collectivité identifiée", "(usage interne du centre de gestion)"]
    addr = Table([["", [Paragraph(x(line), base) for line in lines]]], colWidths=[95 * mm, None])
    addr.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [addr, Spacer(1, 6 * mm),
              Paragraph(x(f"{c['ville']}, le {data['date_texte']}"), right), Spacer(1, 5 * mm),
              Paragraph(f"<b>Objet :</b> {x(data['objet'])}", base), Spacer(1, 4 * mm),
              Paragraph("Madame, Monsieur,", base), Spacer(1, 2 * mm),
              Paragraph(x(data["introduction"]), base), Spacer(1, 3 * mm)]
    # Summary table.
    rows = [[Paragraph("Agent", cell_b), Paragraph("Dossier", cell_b), Paragraph("Résultat du contrôle", cell_b),
             Paragraph("Bloquants", cell_b), Paragraph("Avertissements", cell_b)]]
    for d in data["dossiers"]:
        rows.append([Paragraph(x(d["agent_label"]), cell), Paragraph(x(d["dossier_id"]), cell),
                     Paragraph(x("Incomplet" if d["status"] == "incomplet" else "Aucun point bloquant"), cell),
                     Paragraph(str(d["bloquants"]), cell), Paragraph(str(d["avertissements"]), cell)])
    t = Table(rows, colWidths=[54 * mm, 30 * mm, 40 * mm, 22 * mm, 32 * mm], repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [t, Spacer(1, 3 * mm), Paragraph(x(data["avertissement"]), small)]
    # One section per dossier.
    for d in data["dossiers"]:
        block = [Paragraph(x(f"{d['agent_label']} — dossier {d['dossier_id']}"), h2),
                 Paragraph(f"<b>{x(d['status_label'])}</b>", ParagraphStyle(
                     "st", parent=base, textColor=red if d["status"] == "incomplet" else colors.HexColor("#0a5c1f")))]
        if d["pieces_manquantes"]:
            block.append(Paragraph("Pièces manquantes : " + x(", ".join(p["libelle"] for p in d["pieces_manquantes"])),
                                   base))
        story.append(KeepTogether(block))
        if not d["constats"]:
            story.append(Paragraph("Le contrôle n'a relevé aucun problème dans les pièces de ce dossier.", base))
            continue
        rows = [[Paragraph("Constat", cell_b), Paragraph("Ce qu'il faut faire", cell_b), Paragraph("Où", cell_b)]]
        for f in d["constats"]:
            colour = sev_colour.get(f["severity"], colors.black)
            constat = (f'<font color="#{colour.hexval()[2:]}"><b>{x(f["severity_label"])}</b></font>'
                       f" — {x(f['message'])}<br/><font size=7.5>Règle {x(f['rule'])} ; source : {x(f['source'])}</font>")
            where = x(f["preuve"] or (f["piece_libelle"] or "—"))
            rows.append([Paragraph(constat, cell), Paragraph(x(f["que_faire"] or "—"), cell), Paragraph(where, cell)])
        t = Table(rows, colWidths=[78 * mm, 64 * mm, 36 * mm], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 1.5 * mm), t]
    # Closing and signature.
    sig = c["signataire"]
    story += [Spacer(1, 6 * mm),
              KeepTogether([
                  Paragraph("Le service retraites du centre de gestion reste à votre disposition pour tout "
                            "renseignement. Veuillez agréer, Madame, Monsieur, l'expression de nos salutations "
                            "distinguées.", base),
                  Spacer(1, 6 * mm),
                  Paragraph(x(f"Fait à {c['ville']}, le {data['date_texte']}"), right),
                  Spacer(1, 2 * mm),
                  Paragraph(x(sig["qualite"]), right), Paragraph(f"<b>{x(sig['nom'])}</b>", right)])]

    footer = f"{c['nom']} — {data['collectivite_nom']} — contrôle du {data['date_texte']}"

    from reportlab.pdfbase.pdfmetrics import stringWidth

    room = A4[0] - 2 * 16 * mm - 15 * mm  # leave the page number its place
    while footer and stringWidth(footer, regular, 7.5) > room:
        footer = footer[:-2] + "…"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(16 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 16 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=14 * mm,
                            bottomMargin=18 * mm, title=f"Contrôle des dossiers — {data['collectivite_nom']}",
                            author=c["nom"], subject=data["objet"], invariant=1)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


# ---------------------------------------------------------------- the whole batch
def write_reports(reports, out_dir: Path, cdg: Cdg, today: Optional[dt.date] = None) -> dict:
    """DIR/<slug>/rapport.pdf, .html, .json for each collectivité, and DIR/index.json + index.html.

    Returns the index (collectivités, counts and paths: no agent).
    """
    from pipeline.fsutil import ensure_dir, write_bytes, write_text

    today = today or dt.date.today()
    out_dir = ensure_dir(Path(out_dir))
    entries = []
    for g in group_by_collectivite(reports):
        data = letter(g, cdg, today)
        folder = ensure_dir(out_dir / g.slug)
        write_bytes(folder / "rapport.pdf", to_pdf(data, cdg))
        write_text(folder / "rapport.html", to_html(data, cdg))
        write_text(folder / "rapport.json", to_json(data))
        entries.append({"collectivite": g.nom, "siret": (g.collectivite or {}).get("siret"), "slug": g.slug,
                        **data["summary"],
                        "fichiers": {k: f"{g.slug}/rapport.{k}" for k in ("pdf", "html", "json")}})
    index = {"schema": INDEX_SCHEMA, "date": today.isoformat(), "date_texte": date_fr(today), "cdg": cdg.nom,
             "collectivites": entries,
             "summary": {k: sum(e[k] for e in entries) for k in ("dossiers", "complets", "incomplets")}}
    write_text(out_dir / "index.json", to_json(index))
    write_text(out_dir / "index.html", index_html(index))
    return index
