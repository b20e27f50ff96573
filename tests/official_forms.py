"""Test tooling: fillable AF3 / AF4 drawn like the CNRACL's downloadable forms.

Field names are those of the field map (`champs_pdf` of validators/forms/af3.yaml, af4.yaml),
so `pipeline build --af3-officiel` can fill them and the readers read them back. The « on »
state of the AF3 boxes is renamed « Oui » (the CNRACL's PDF need not use « Yes »): the
filler must take each box's own state name. Nothing here is part of the product.
"""
from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

# (label printed, PDF field name, multiline)
AF3_PAGES = [
    ("Cadre A – Identification de l'agent", [
        ("Nom de naissance", "nom_naiss", False), ("Nom d'usage", "nom_usage", False),
        ("Prénoms", "prenoms", False), ("Date de naissance", "date_naiss", False),
        ("N° de sécurité sociale (NIR)", "nir", False), ("Statut", "statut", False),
        ("Durée hebdomadaire de service", "duree_hebdo", False),
        ("Médecin traitant", "medecin_traitant", True),
    ], [("L'agent est-il inapte à toutes fonctions ?", "inapte_toutes_fonctions")]),
    ("Cadre C – Accident de service ou de trajet", [
        ("Date de l'accident", "date_accident", False),
    ], [("Allocation temporaire d'invalidité (ATI) perçue ?", "ati"),
        ("Infirmité déjà indemnisée ?", "deja_indemnisee"),
        ("Invalidité imputable au service ?", "imputable")]),
    ("Cadre F – Employeur", [
        ("Nom et qualité du signataire", "signataire_employeur", False),
    ], []),
    ("Partie réservée au médecin agréé", [
        ("Médecin agréé", "medecin_agree", False), ("Conclusions", "conclusions", True),
    ], []),
]
AF4_PAGES = [
    ("Partie A – Séance", [
        ("Nom de naissance", "nom_naiss", False), ("Nom d'usage", "nom_usage", False),
        ("Prénoms", "prenoms", False), ("Date de naissance", "date_naiss", False),
        ("N° de sécurité sociale (NIR)", "nir", False), ("Date de la séance", "date_seance", False),
        ("Date de l'AF3", "date_af3", False),
    ], []),
    ("Avis du conseil médical", [], [("L'agent est-il inapte à toutes fonctions ?", "inapte_toutes_fonctions")]),
]
TITLES = {"af3": ("Imprimé AF3 – Rapport médical du médecin agréé", "AF3-2406", AF3_PAGES),
          "af4": ("Imprimé AF4 – Procès-verbal du conseil médical en formation plénière", "AF4-2406", AF4_PAGES)}


def draw_form(form: str, on_state: str = "Oui", xfa: bool = False) -> bytes:
    """A blank fillable `form` (af3 | af4), A4, one section per page; `xfa`: with an (empty)
    XFA part as LiveCycle forms carry."""
    title, code, pages = TITLES[form]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(title)
    w, h = A4
    for n, (section, texts, questions) in enumerate(pages, 1):
        c.setFont("Helvetica", 8)
        c.drawRightString(w - 40, h - 30, code)
        c.setFont("Helvetica-Bold", 13)
        c.drawString(40, h - 60, title)
        c.setFont("Helvetica-Bold", 11)
        c.drawString(40, h - 95, section)
        y = h - 130
        for label, name, multi in texts:
            c.setFont("Helvetica", 10)
            c.drawString(40, y, label)
            height = 48 if multi else 16
            c.acroForm.textfield(name=name, value="", x=230, y=y - height + 12, width=320, height=height,
                                 fontName="Helvetica", fontSize=10, borderWidth=0.5, maxlen=0,
                                 fieldFlags="multiline" if multi else "")
            y -= height + 14
        for question, base in questions:
            c.setFont("Helvetica", 10)
            c.drawString(40, y, question)
            for i, answer in enumerate(("oui", "non")):
                x = 330 + i * 70
                c.acroForm.checkbox(name=f"{base}_{answer}", checked=False, x=x, y=y - 3, size=12,
                                    buttonStyle="cross", borderWidth=0.8, fieldFlags="")
                c.drawString(x + 16, y, answer.capitalize())
            y -= 28
        c.setFont("Helvetica", 8)
        c.drawCentredString(w / 2, 30, f"{code} – page {n} / {len(pages)}")
        c.showPage()
    c.save()
    return _rework(buf.getvalue(), on_state, xfa)


def _rework(pdf: bytes, on_state: str, xfa: bool) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    if xfa:
        stream = StreamObject()
        stream.set_data(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
        writer._root_object["/AcroForm"][NameObject("/XFA")] = writer._add_object(stream)
    for page in writer.pages:
        for ref in page.get("/Annots") or []:
            a = ref.get_object()
            ap = a.get("/AP")
            if a.get("/FT") != "/Btn" or ap is None:
                continue
            for key in ("/N", "/D"):
                states = ap[key].get_object() if key in ap else None
                if states is not None and "/Yes" in states:
                    states[NameObject(f"/{on_state}")] = states.pop("/Yes")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_form(form: str, folder: Path, **kw) -> Path:
    path = Path(folder) / f"{form}_cnracl.pdf"
    path.write_bytes(draw_form(form, **kw))
    return path


def write_plain_pdf(path: Path) -> Path:
    """An AF3 printed without any field (a scanned or « flattened » copy)."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.drawString(40, 800, "Imprimé AF3 – Rapport médical du médecin agréé")
    c.showPage()
    c.save()
    return Path(path)
