"""Reproducible PDF dossiers for testing `pipeline check` (library + command line).

    python samples/make_check_samples.py OUT_DIR [--scans] [--only CASE]

Layout of OUT_DIR (the contract with the check engine and its tests; see CHECK_SAMPLES.md):

    OUT/index.json                  everything below, machine-readable
    OUT/<case>/complet/             our layout: the project's documents (AF3, AF4, fiche de
                                    poste, attestation de reclassement, rapport hiérarchique,
                                    rendered from form_templates/ like `pipeline build`) + the
                                    stand-ins of samples/standins.py in the same look; files
                                    named <pièce id>.pdf (<pièce id>_<n>.pdf when several)
    OUT/<case>/complet_autre/       the other layout (all reportlab stand-ins, no QR code),
                                    files named document_NN.pdf: identification by content
    OUT/<case>/scan/                scanned variant of complet/ (image-only PDFs), --scans
    OUT/defauts/<RULE-ID>[_n]/      one dossier per defect, our layout, derived from a case
    OUT/defauts_autre/<RULE-ID>[_n]/ the same defects in the other layout
    OUT/defauts_scan/<RULE-ID>[_n]/ --scans: a few defects scanned (SCANNED_DEFECTS)
    OUT/lots/batch/<name>/          a CDG batch: good and bad dossiers as sub-folders
    OUT/lots/attendu_batch.json     the expected status of each dossier of the batch
    OUT/fichiers/                   corrupt.pdf, chiffre.pdf, vide.pdf, image_nommee.pdf,
                                    pdf_nomme.jpg, texte.docx (+ attendu.json)

Every dossier folder holds an `attendu.json` (the check must ignore that file name):

    {"base": "01_...", "rules": ["AF4-QUORUM"], "info": [], "status": "incomplet",
     "findings": [{"rule": "AF4-QUORUM", "piece": "af4"}], "dossier_yaml": false,
     "pieces": {"af3.pdf": "af3", ...}, "description": "..."}

`rules` lists EXACTLY the findings of severity bloquant / avertissement expected (ids,
sorted, unique); `info` the info findings; `status` is `incomplet` when a bloquant rule is
expected. `dossier_yaml: true` means a dossier.yaml sits in the folder and is part of the
test (a cross-check between the description and the documents); other folders have no
dossier.yaml: the check must work from the documents alone.

Everything is deterministic: fixed dates from the dossiers, reportlab's invariant mode,
a fixed seed for the scans.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import scan  # noqa: E402
import standins as st  # noqa: E402

from pipeline import nir as nir_mod  # noqa: E402
from pipeline.fsutil import ensure_dir, write_bytes, write_text  # noqa: E402
from pipeline.dossier.load import load_dossier  # noqa: E402
from pipeline.dossier.model import Dossier  # noqa: E402
from pipeline.dossier.pieces import case_from_dossier, required_ids  # noqa: E402

SAMPLES_DIR = HERE
SCHEMA = "check-samples/1"
ATTENDU = "attendu.json"

# rules.md: severities (bloquant makes the dossier « incomplet »).
SEVERITY = {
    "PIECE-MANQUANTE": "bloquant", "PIECE-INUTILE": "info", "DOCUMENT-INCONNU": "avertissement",
    "FICHIER-ILLISIBLE": "bloquant", "FORMULAIRE-OBSOLETE": "bloquant",
    "AF3-MEDECIN-TRAITANT-VIDE": "bloquant", "AF3-MEDECIN-TRAITANT-AGREE": "bloquant",
    "AF3-SIGNATURE-EMPLOYEUR": "bloquant", "AF3-PARTIE-MEDECIN-VIDE": "bloquant",
    "AF4-QUORUM": "bloquant", "AF4-SECONDE-CONVOCATION": "avertissement",
    "AF4-VISIO-SANS-ATTESTATION": "bloquant", "AGENT-NON-ELIGIBLE": "bloquant",
    "IDENTITE-DISCORDANTE": "bloquant", "NIR-INVALIDE": "bloquant", "DATES-INCOHERENTES": "bloquant",
    "RAPPORT-HIERARCHIQUE-INCOMPLET": "avertissement", "ATI-NON-SIGNALEE": "avertissement",
    "PAGE-FORMAT": "avertissement", "PAGE-BLANCHE": "avertissement",
}

# The project's own documents: drawn from form_templates/*.docx like `pipeline build`.
BUILD_PIECES = ("af3", "af4", "fiche_de_poste", "attestation_reclassement", "rapport_hierarchique")
US_LETTER = (612.0, 792.0)
# Defects also written scanned (--scans) under defauts_scan/: the ones read from ticked boxes,
# handwritten strokes, blank zones and pages, where a scan behaves differently from text.
SCANNED_DEFECTS = ("PIECE-MANQUANTE_2", "AF3-MEDECIN-TRAITANT-VIDE", "AF3-SIGNATURE-EMPLOYEUR",
                   "AF3-PARTIE-MEDECIN-VIDE", "AF4-QUORUM", "AF4-SECONDE-CONVOCATION", "PAGE-BLANCHE")
OTHER_NIR_BASE = "1720676540123"  # another (invented) agent, valid key added below


def case_dirs(only: Optional[str] = None) -> list[Path]:
    dirs = sorted(p.parent for p in SAMPLES_DIR.glob("[0-9][0-9]_*/dossier.yaml"))
    if only:
        dirs = [p for p in dirs if p.name == only or p.name.startswith(only)]
    return dirs


# ---------------------------------------------------------------------------------------------
# What a dossier folder contains
# ---------------------------------------------------------------------------------------------

@dataclass
class Spec:
    """A dossier to draw: a case, the completed forms, and what a defect changes."""

    name: str
    base: str  # case folder name
    d: Dossier
    af3: dict
    af4: dict
    rules: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    description: str = "dossier complet"
    drop: tuple[str, ...] = ()  # pièces left out
    doc_dossier: dict[str, Dossier] = field(default_factory=dict)  # per-pièce dossier (identity)
    expertise_date: Optional[dt.date] = None
    rh_omit: tuple[str, ...] = ()  # labels left blank in the rapport hiérarchique
    extras: tuple[str, ...] = ()  # "bulletin_salaire", "decompte_pension", "courrier_inconnu", "corrompu"
    letter_page: Optional[str] = None  # pièce whose first page becomes US letter
    blank_after: Optional[str] = None  # pièce that gets a blank verso after its first page
    yaml_text: Optional[str] = None  # dossier.yaml copied into the folder (cross-check)

    @property
    def status(self) -> str:
        return "incomplet" if any(SEVERITY[r] == "bloquant" for r in self.rules) else "complet"

    def pieces(self) -> list[str]:
        ids = [p for p in required_ids(case_from_dossier(self.d)) if p != "arrete_radiation"]
        return [p for p in ids if p not in self.drop]


def complete_spec(case_dir: Path) -> Spec:
    d = load_dossier(case_dir / "dossier.yaml")
    return Spec(name=case_dir.name, base=case_dir.name, d=d, af3=st.af3_completion(d), af4=st.af4_completion(d))


def _agent(d: Dossier, **changes) -> Dossier:
    return d.model_copy(update={"agent": d.agent.model_copy(update=changes)})


def _variant(base: Spec, name: str, rules: list[str], description: str, **kw) -> Spec:
    s = copy.copy(base)
    s.af3, s.af4 = dict(base.af3), copy.deepcopy(base.af4)
    s.name, s.rules, s.description = name, sorted(set(rules)), description
    s.info, s.findings, s.doc_dossier = [], [], {}
    for k, v in kw.items():
        setattr(s, k, v)
    if not s.findings:
        s.findings = [{"rule": r} for r in s.rules + s.info]
    return s


def defect_specs(cases: dict[str, Spec]) -> list[Spec]:
    """One dossier per rule of rules.md, each breaking that rule and nothing else."""
    out: list[Spec] = []
    c1 = next((s for n, s in cases.items() if n.startswith("01")), None)
    c3 = next((s for n, s in cases.items() if n.startswith("03")), None)  # accident de service + ATI
    if c1 is not None:
        d = c1.d
        members = c1.af4["membres"]
        out.append(_variant(c1, "PIECE-MANQUANTE_1", ["PIECE-MANQUANTE"], "pas de fiche de poste",
                            drop=("fiche_de_poste",), findings=[{"rule": "PIECE-MANQUANTE", "piece": "fiche_de_poste"}]))
        v = _variant(c1, "PIECE-MANQUANTE_2", ["PIECE-MANQUANTE"],
                     "l'AF4 répond « Non » à « inapte à toutes fonctions » et aucune attestation de reclassement",
                     findings=[{"rule": "PIECE-MANQUANTE", "piece": "attestation_reclassement"}])
        v.af4.update(inapte_toutes_fonctions=False,
                     avis="Avis favorable à la mise à la retraite pour invalidité ; reclassement à rechercher.")
        out.append(v)
        out.append(_variant(c1, "PIECE-MANQUANTE_3", ["PIECE-MANQUANTE"], "pas d'AF3 (20 % des retours)",
                            drop=("af3",), findings=[{"rule": "PIECE-MANQUANTE", "piece": "af3"}]))
        v = _variant(c1, "PIECE-INUTILE", [], "un bulletin de salaire ajouté (à ne pas envoyer)",
                     extras=("bulletin_salaire",))
        v.info, v.findings = ["PIECE-INUTILE"], [{"rule": "PIECE-INUTILE", "piece": "bulletin_salaire"}]
        out.append(v)
        v = _variant(c1, "PIECE-INUTILE_2", [], "un décompte de pension ajouté (à ne pas envoyer)",
                     extras=("decompte_pension",))
        v.info, v.findings = ["PIECE-INUTILE"], [{"rule": "PIECE-INUTILE", "piece": "decompte_pension"}]
        out.append(v)
        out.append(_variant(c1, "DOCUMENT-INCONNU", ["DOCUMENT-INCONNU"], "un courrier sans rapport avec le dossier",
                            extras=("courrier_inconnu",)))
        out.append(_variant(c1, "FICHIER-ILLISIBLE", ["FICHIER-ILLISIBLE"], "un PDF tronqué ajouté",
                            extras=("corrompu",)))
        v = _variant(c1, "FORMULAIRE-OBSOLETE", ["FORMULAIRE-OBSOLETE"], "AF4 de 2014 (code AF4-1401)",
                     findings=[{"rule": "FORMULAIRE-OBSOLETE", "piece": "af4"}])
        v.af4["version"] = "1401"
        out.append(v)
        v = _variant(c1, "AF3-MEDECIN-TRAITANT-VIDE", ["AF3-MEDECIN-TRAITANT-VIDE"], "bloc médecin traitant vide",
                     findings=[{"rule": "AF3-MEDECIN-TRAITANT-VIDE", "piece": "af3"}])
        v.af3["medecin_traitant"] = ""
        out.append(v)
        v = _variant(c1, "AF3-MEDECIN-TRAITANT-AGREE", ["AF3-MEDECIN-TRAITANT-AGREE"],
                     "le médecin traitant indiqué est le médecin agréé (nom écrit autrement)",
                     findings=[{"rule": "AF3-MEDECIN-TRAITANT-AGREE", "piece": "af3"}])
        ma = d.medecin_agree
        v.af3["medecin_traitant"] = f"Dr {ma.nom.upper()} {ma.prenom or ''}\n{ma.adresse.une_ligne()}"
        out.append(v)
        v = _variant(c1, "AF3-SIGNATURE-EMPLOYEUR", ["AF3-SIGNATURE-EMPLOYEUR"], "cadre F sans signature",
                     findings=[{"rule": "AF3-SIGNATURE-EMPLOYEUR", "piece": "af3"}])
        v.af3["employeur_signe"] = False
        out.append(v)
        v = _variant(c1, "AF3-PARTIE-MEDECIN-VIDE", ["AF3-PARTIE-MEDECIN-VIDE"],
                     "page 4 vide : conclusions, taux, date et signature absents",
                     findings=[{"rule": "AF3-PARTIE-MEDECIN-VIDE", "piece": "af3"}])
        v.af3.update(conclusions="", taux=[], date=None, signe=False)
        out.append(v)
        three = [dict(m, presence="absent", signe=False) if m["role"] in ("president", "representant_administration")
                 else dict(m) for m in members]
        v = _variant(c1, "AF4-QUORUM", ["AF4-QUORUM"], "3 membres présents (2 médecins, 1 représentant du personnel)",
                     findings=[{"rule": "AF4-QUORUM", "piece": "af4"}])
        v.af4["membres"] = three
        out.append(v)
        v = _variant(c1, "AF4-SECONDE-CONVOCATION", ["AF4-SECONDE-CONVOCATION"],
                     "3 membres présents, seconde convocation cochée",
                     findings=[{"rule": "AF4-SECONDE-CONVOCATION", "piece": "af4"}])
        v.af4.update(membres=copy.deepcopy(three), seconde_convocation=True)
        out.append(v)
        visio = [dict(m, presence="visio", signe=False) if m["nom"] == "Dr Yves Renaud" else dict(m) for m in members]
        if visio == members:  # another base case: the second doctor
            docs = [i for i, m in enumerate(members) if m["role"].startswith("medecin")]
            visio = [dict(m, presence="visio", signe=False) if i == docs[-1] else dict(m) for i, m in enumerate(members)]
        # Decision: the missing certificate is a required pièce too (pieces.yaml,
        # visio_sans_signature), so PIECE-MANQUANTE(attestations_presence) is expected as well.
        v = _variant(c1, "AF4-VISIO-SANS-ATTESTATION", ["AF4-VISIO-SANS-ATTESTATION", "PIECE-MANQUANTE"],
                     "un médecin a siégé en visioconférence sans signer, pas d'attestation de présence",
                     findings=[{"rule": "AF4-VISIO-SANS-ATTESTATION", "piece": "af4"},
                               {"rule": "PIECE-MANQUANTE", "piece": "attestations_presence"}])
        v.af4["membres"] = visio
        out.append(v)
        dn = _agent(d, statut=type(d.agent.statut)("stagiaire"))
        out.append(_variant(c1, "AGENT-NON-ELIGIBLE_1", ["AGENT-NON-ELIGIBLE"], "agent stagiaire", d=dn,
                            findings=[{"rule": "AGENT-NON-ELIGIBLE", "piece": "af3"}]))
        dn = _agent(d, heures_hebdomadaires=Decimal("17.5"))
        out.append(_variant(c1, "AGENT-NON-ELIGIBLE_2", ["AGENT-NON-ELIGIBLE"], "17,5 heures par semaine (< 28 h)", d=dn,
                            findings=[{"rule": "AGENT-NON-ELIGIBLE", "piece": "af3"}]))
        other = nir_mod.with_key(OTHER_NIR_BASE)
        out.append(_variant(c1, "IDENTITE-DISCORDANTE_1", ["IDENTITE-DISCORDANTE"],
                            "le rapport d'expertise porte le NIR (valide) d'un autre agent",
                            doc_dossier={"expertise_medicale": _agent(d, nir=other)},
                            findings=[{"rule": "IDENTITE-DISCORDANTE", "piece": "expertise_medicale"}]))
        raw = (SAMPLES_DIR / c1.base / "dossier.yaml").read_text(encoding="utf-8")
        out.append(_variant(c1, "IDENTITE-DISCORDANTE_2", ["IDENTITE-DISCORDANTE"],
                            "dossier.yaml porte un autre NIR (valide) que toutes les pièces",
                            yaml_text=_replace_nir(raw, d.agent.nir, other)))
        bad = d.agent.nir[:13] + f"{(int(d.agent.nir[13:]) + 1) % 97:02d}"
        out.append(_variant(c1, "NIR-INVALIDE", ["NIR-INVALIDE"],
                            "le rapport d'expertise porte le NIR de l'agent avec une clé fausse (non comparé pour l'identité)",
                            doc_dossier={"expertise_medicale": _agent(d, nir=bad)},
                            findings=[{"rule": "NIR-INVALIDE", "piece": "expertise_medicale"}]))
        late = d.conseil_medical.pleniere.date + dt.timedelta(days=14)
        v = _variant(c1, "DATES-INCOHERENTES", ["DATES-INCOHERENTES"],
                     "l'AF3 est daté après la séance du conseil médical plénier", expertise_date=late)
        v.af3["date"] = late
        v.af4["date_af3"] = late
        out.append(v)
        out.append(_variant(c1, "PAGE-FORMAT", ["PAGE-FORMAT"], "fiche de poste au format US letter",
                            letter_page="fiche_de_poste",
                            findings=[{"rule": "PAGE-FORMAT", "piece": "fiche_de_poste", "page": 1}]))
        out.append(_variant(c1, "PAGE-BLANCHE", ["PAGE-BLANCHE"], "verso blanc (page 2) dans le rapport d'expertise",
                            blank_after="expertise_medicale",
                            findings=[{"rule": "PAGE-BLANCHE", "piece": "expertise_medicale", "page": 2}]))
    if c3 is not None:
        raw3 = (SAMPLES_DIR / c3.base / "dossier.yaml").read_text(encoding="utf-8")
        out.append(_variant(c3, "RAPPORT-HIERARCHIQUE-INCOMPLET", ["RAPPORT-HIERARCHIQUE-INCOMPLET"],
                            "accident de service : heure et circonstances absentes du rapport hiérarchique",
                            rh_omit=("Heure", "Circonstances"),
                            findings=[{"rule": "RAPPORT-HIERARCHIQUE-INCOMPLET", "piece": "rapport_hierarchique"}]))
        v = _variant(c3, "ATI-NON-SIGNALEE", ["ATI-NON-SIGNALEE"],
                     "dossier.yaml : ATI perçue ; l'AF3 répond « Non » en partie K", yaml_text=raw3,
                     findings=[{"rule": "ATI-NON-SIGNALEE", "piece": "af3"}])
        v.af3["ati"] = False
        out.append(v)
    return out


def _replace_nir(yaml_text: str, old: str, new: str) -> str:
    lines = []
    for line in yaml_text.splitlines(keepends=True):
        if line.strip().startswith("nir:") and nir_mod.normalize(line.split(":", 1)[1].strip().strip('"')) == old:
            line = line.split("nir:")[0] + f'nir: "{nir_mod.fmt(new)}"\n'
        lines.append(line)
    return "".join(lines)


# ---------------------------------------------------------------------------------------------
# Drawing the files
# ---------------------------------------------------------------------------------------------

class BuildLayout:
    """Our layout for the project's documents: form_templates/*.docx → PDF (LibreOffice).

    All documents of a run are converted in one LibreOffice call (its start-up dominates),
    with a private profile so that a LibreOffice started elsewhere does not interfere.
    """

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.jobs: dict[str, tuple[bytes, str, Dossier, str]] = {}  # key → (docx, pièce, dossier, code)
        self.pdf: dict[str, bytes] = {}

    @staticmethod
    def available() -> bool:
        try:
            import pipeline.build.documents  # noqa: F401
            import pipeline.build.render  # noqa: F401
        except Exception:
            return False
        return shutil.which("soffice") is not None and all(
            (SAMPLES_DIR.parent / "form_templates" / f"{p}.docx").exists() for p in BUILD_PIECES)

    def request(self, piece: str, d: Dossier, spec: Spec) -> str:
        from pipeline.build import documents
        from pipeline.build import render

        if piece == "af3":
            ctx = documents.render_context_af3(d, spec.af3)
        elif piece == "af4":
            ctx = documents.render_context_af4(d, spec.af4)
        elif piece == "rapport_hierarchique" and spec.rh_omit:
            acc = d.accident.model_copy(update={"heure": "" if "Heure" in spec.rh_omit else d.accident.heure,
                                                "circonstances": "" if "Circonstances" in spec.rh_omit else d.accident.circonstances})
            ctx = documents.render_context_rapport_hierarchique(d.model_copy(update={"accident": acc}))
        else:
            ctx = getattr(documents, f"render_context_{piece}")(d)
        docx = render.render_docx(piece, ctx, d.dossier.date_etablissement)
        key = f"{piece}-{_digest(docx)}"
        self.jobs.setdefault(key, (docx, piece, d, ctx["code"]))
        return key

    def convert(self) -> None:
        todo = {k: v for k, v in self.jobs.items() if k not in self.pdf}
        if not todo:
            return
        src = ensure_dir(self.workdir / "docx")
        dst = ensure_dir(self.workdir / "pdf")
        paths = []
        for k, (docx, *_rest) in todo.items():
            (src / f"{k}.docx").write_bytes(docx)
            paths.append(src / f"{k}.docx")
        try:  # the build's own conversion and stamping (footer « Page n / N », QR code)
            from pipeline.build import documents
            from pipeline.build.convert import convert_many
            from pipeline.build.stamp import stamp_pdf
        except ImportError:
            convert_many = stamp_pdf = None
        if convert_many is not None:
            pdfs = convert_many(paths, dst)
        else:
            profile = ensure_dir(self.workdir / "lo-profile")
            cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(dst)] + [str(p) for p in paths]
            subprocess.run(cmd, check=True, capture_output=True, timeout=600)
            pdfs = [dst / f"{k}.pdf" for k in todo]
        for (k, (docx, piece, d, code)), path in zip(todo.items(), pdfs):
            pdf = Path(path).read_bytes()
            if stamp_pdf is not None:
                titre = documents.DOCUMENTS[piece].titre
                self.pdf[k] = stamp_pdf(pdf, dossier_id=d.dossier.id, piece_id=piece, code=code,
                                        when=d.dossier.date_etablissement, title=titre,
                                        id_seed=_digest(docx).encode(), label=titre).data
            else:
                self.pdf[k] = stamp_qr(pdf, d.dossier.id, piece)


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def stamp_qr(pdf: bytes, dossier_id: str, piece: str) -> bytes:
    """Our QR code in the bottom-right corner of every page (WORDING.md), if not there yet."""
    import pypdf
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from pipeline.dossier import forms
    from pipeline import qr

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text() or ""
    codes = forms.find_codes(text)
    code = f"{codes[0][0]}-{codes[0][1]}" if codes else {
        "fiche_de_poste": "FP-PIN1", "attestation_reclassement": "ARC-PIN1", "rapport_hierarchique": "RH-PIN1"}.get(piece, "DOC")
    writer = pypdf.PdfWriter(clone_from=reader)
    n = len(writer.pages)
    for i, page in enumerate(writer.pages):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=(w, h), invariant=1)
        payload = qr.page_payload(dossier_id, piece, code, i + 1, n).encode()
        size = 20 * mm
        c.drawImage(ImageReader(io.BytesIO(qr.png_bytes(payload))), w - 12 * mm - size, 5 * mm, size, size)
        c.save()
        page.merge_page(pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    writer.add_metadata({"/Producer": "samples/make_check_samples.py"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class File:
    name: str
    piece: str  # pièce id, not-to-send id, "inconnu" or "corrompu"
    data: bytes | str  # bytes, or a BuildLayout key (resolved after conversion)
    post: list[Callable[[bytes], bytes]] = field(default_factory=list)


def _standin(piece: str, d: Dossier, spec: Spec, look: str, **kw) -> bytes:
    if piece == "af3":
        doc = st.content_af3(d, spec.af3)
    elif piece == "af4":
        doc = st.content_af4(d, spec.af4)
    elif piece == "rapport_hierarchique":
        doc = st.content_rapport_hierarchique(d, omit=spec.rh_omit)
    elif piece == "expertise_medicale":
        doc = st.content_expertise_medicale(d, date=spec.expertise_date)
    else:
        doc = st.content(piece, d, **kw)
    if piece == spec.letter_page and look == "autre":
        doc.pagesize = US_LETTER
    return st.render(doc, look)


def to_letter(pdf: bytes, index: int = 0) -> bytes:
    """Page `index` scaled to US letter (PAGE-FORMAT), content kept readable."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    writer = pypdf.PdfWriter(clone_from=reader)
    page = writer.pages[index]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    factor = min(US_LETTER[0] / w, US_LETTER[1] / h)
    page.scale_by(factor)
    page.mediabox = pypdf.generic.RectangleObject([0, 0, *US_LETTER])
    page.cropbox = page.mediabox
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def insert_blank(pdf: bytes, after: int = 0) -> bytes:
    """A blank A4 page (a scanned verso) inserted after page `after` (PAGE-BLANCHE)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    writer = pypdf.PdfWriter()
    for i, page in enumerate(reader.pages):
        writer.add_page(page)
        if i == after:
            writer.add_blank_page(float(page.mediabox.width), float(page.mediabox.height))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated(pdf: bytes) -> bytes:
    return pdf[: max(64, len(pdf) * 2 // 5)]


def dossier_files(spec: Spec, look: str, build: Optional[BuildLayout]) -> list[File]:
    """The files of one dossier folder in a look ("projet" = our layout, "autre")."""
    files: list[File] = []
    membres_visio = [m["nom"] for m in spec.af4["membres"] if m["presence"] == "visio" and not m["signe"]]
    for piece in spec.pieces():
        d = spec.doc_dossier.get(piece, spec.d)
        if piece == "attestations_presence":
            # One certificate per member by video who did not sign (present only when the
            # complete case has one; a defect that adds such a member adds none).
            names = [n for n in st.membres_visio_sans_signature(spec.d) if n in membres_visio]
            for i, name in enumerate(names, 1):
                data = _standin(piece, d, spec, look, membre=name)
                files.append(File(f"{piece}_{i}.pdf" if len(names) > 1 else f"{piece}.pdf", piece, data))
            continue
        if look == "projet" and build is not None and piece in BUILD_PIECES:
            data: bytes | str = build.request(piece, d, spec)
        else:
            data = _standin(piece, d, spec, look)
        f = File(f"{piece}.pdf", piece, data)
        if piece == spec.letter_page and look == "projet":
            f.post.append(to_letter)
        if piece == spec.blank_after:
            f.post.append(insert_blank)
        files.append(f)
    for i, extra in enumerate(spec.extras, 1):
        if extra == "corrompu":
            data = truncated(_standin("expertise_medicale", spec.d, spec, look))
        else:
            data = _standin(extra, spec.d, spec, look)
        files.append(File(f"annexe_{i}.pdf", "inconnu" if extra == "courrier_inconnu" else extra, data))
    if look == "autre":
        # Documents made elsewhere: names and order say nothing, identification is by content.
        import random

        order = list(range(len(files)))
        random.Random(f"{spec.name}|{spec.base}").shuffle(order)
        for i, j in enumerate(order, 1):
            files[j].name = f"document_{i:02d}.pdf"
        files.sort(key=lambda f: f.name)
    return files


def resolve(files: list[File], build: Optional[BuildLayout]) -> list[tuple[str, str, bytes]]:
    out = []
    for f in files:
        data = build.pdf[f.data] if isinstance(f.data, str) else f.data
        for fn in f.post:
            data = fn(data)
        out.append((f.name, f.piece, data))
    return out


def attendu(spec: Spec, pieces: dict[str, str], **extra) -> dict:
    return {
        "base": spec.base,
        "rules": sorted(set(spec.rules)),
        "info": sorted(set(spec.info)),
        "status": spec.status,
        "findings": spec.findings,
        "dossier_yaml": spec.yaml_text is not None,
        "pieces": pieces,
        "description": spec.description,
        **extra,
    }


def write_dossier(folder: Path, files: list[tuple[str, str, bytes]], spec: Spec, **extra) -> dict:
    ensure_dir(folder)
    for name, _, data in files:
        write_bytes(folder / name, data)
    if spec.yaml_text is not None:
        write_text(folder / "dossier.yaml", spec.yaml_text)
    att = attendu(spec, {name: piece for name, piece, _ in files}, **extra)
    write_text(folder / ATTENDU, json.dumps(att, ensure_ascii=False, indent=2) + "\n")
    return att


# ---------------------------------------------------------------------------------------------
# Files that are not dossiers: corrupt, encrypted, empty, mis-named, unsupported
# ---------------------------------------------------------------------------------------------

def write_fichiers(folder: Path, fiche_pdf: bytes) -> dict:
    import pypdf

    ensure_dir(folder)
    reader = pypdf.PdfReader(io.BytesIO(fiche_pdf))
    from pypdf.generic import ArrayObject, ByteStringObject

    writer = pypdf.PdfWriter(clone_from=reader)
    # RC4 with a fixed file identifier: the same bytes on every run (AES draws random IVs).
    ident = ByteStringObject(bytes.fromhex(_digest(fiche_pdf) * 2))
    writer._ID = ArrayObject([ident, ident])
    writer.encrypt(user_password="secret", owner_password="secret-proprietaire", algorithm="RC4-128")
    writer._ID = ArrayObject([ident, ident])  # encrypt() draws a random second identifier
    enc = io.BytesIO()
    writer.write(enc)

    from docx import Document

    docx_buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("FICHE DE POSTE – DERNIÈRES FONCTIONS EXERCÉES (document Word, non converti en PDF)")
    doc.core_properties.created = dt.datetime(2026, 1, 1)
    doc.core_properties.modified = dt.datetime(2026, 1, 1)
    doc.save(docx_buf)
    from pipeline.build.render import normalize_docx

    content = {
        "corrupt.pdf": (truncated(fiche_pdf), ["FICHIER-ILLISIBLE"], None, "PDF tronqué"),
        "chiffre.pdf": (enc.getvalue(), ["FICHIER-ILLISIBLE"], None, "PDF chiffré (mot de passe)"),
        "vide.pdf": (b"", ["FICHIER-ILLISIBLE"], None, "fichier de 0 octet"),
        "image_nommee.pdf": (scan.jpeg_of_page(fiche_pdf, 0, "image_nommee"), [], "fiche_de_poste",
                             "image JPEG nommée .pdf : type reconnu par le contenu, lue par OCR"),
        "pdf_nomme.jpg": (fiche_pdf, [], "fiche_de_poste", "PDF nommé .jpg : type reconnu par le contenu"),
        "texte.docx": (normalize_docx(docx_buf.getvalue(), dt.date(2026, 1, 1)), ["FICHIER-ILLISIBLE"], None,
                       "document Word : type non accepté (PDF attendu)"),
    }
    index = {}
    for name, (data, rules, piece, why) in content.items():
        write_bytes(folder / name, data)
        index[name] = {"rules": rules, "piece": piece, "description": why}
    att = {"files": index, "description": "fichiers isolés : chaque entrée dit ce que le contrôle doit en dire"}
    write_text(folder / ATTENDU, json.dumps(att, ensure_ascii=False, indent=2) + "\n")
    return att


# ---------------------------------------------------------------------------------------------
# The whole set
# ---------------------------------------------------------------------------------------------

class NoCase(ValueError):
    pass


def generate(out: Path, *, scans: bool = False, only: Optional[str] = None, use_build: bool = True,
             log: Callable[[str], None] = lambda s: None) -> dict:
    """Write every sample under `out` and return the index (also in index.json).

    Written in a staging folder renamed at the end: `out` is replaced whole or left as it was.
    """
    from pipeline.fsutil import staging_dir

    dirs = case_dirs(only)
    if not dirs:
        raise NoCase(f"aucun cas d'exemple ne correspond à « {only} » dans {SAMPLES_DIR} : "
                     "donnez le nom d'un dossier samples/0N_... ou son préfixe (ex. 01).")
    with staging_dir(Path(out)) as tmp:
        index = _generate(tmp, dirs, scans=scans, use_build=use_build, log=log)
    return index


def _generate(out: Path, dirs: list[Path], *, scans: bool, use_build: bool, log: Callable[[str], None]) -> dict:
    t0 = time.monotonic()
    cases = {c.name: complete_spec(c) for c in dirs}
    defects = defect_specs(cases)
    with tempfile.TemporaryDirectory(prefix="check-samples-") as tmp:
        build = BuildLayout(Path(tmp)) if use_build and BuildLayout.available() else None
        plans = []  # (folder, spec, look, files, kind)
        for name, spec in cases.items():
            plans.append((out / name / "complet", spec, "projet", dossier_files(spec, "projet", build), "complet"))
            plans.append((out / name / "complet_autre", spec, "autre", dossier_files(spec, "autre", build), "complet_autre"))
        for spec in defects:
            plans.append((out / "defauts" / spec.name, spec, "projet", dossier_files(spec, "projet", build), "defaut"))
            plans.append((out / "defauts_autre" / spec.name, spec, "autre", dossier_files(spec, "autre", build), "defaut_autre"))
        if build is not None:
            build.convert()
        t_draw = time.monotonic()
        index: dict = {"schema": SCHEMA, "layout_projet": "build" if build else "standins",
                       "cases": {}, "defauts": {}, "lots": {}, "fichiers": {}}
        resolved = {}
        for folder, spec, look, files, kind in plans:
            res = resolve(files, build)
            resolved[folder] = res
            att = write_dossier(folder, res, spec)
            rel = str(folder.relative_to(out))
            if kind.startswith("complet"):
                entry = index["cases"].setdefault(spec.name, {"required": spec.pieces()})
                entry[kind] = rel
                entry["pieces" if kind == "complet" else "pieces_autre"] = att["pieces"]
            else:
                entry = index["defauts"].setdefault(spec.name, {k: att[k] for k in (
                    "base", "rules", "info", "status", "findings", "dossier_yaml", "description")})
                entry["dir" if kind == "defaut" else "dir_autre"] = rel
        log(f"dossiers écrits ({len(plans)}) en {time.monotonic() - t0:.1f} s")
        if scans:
            memo: dict[tuple[str, str], bytes] = {}

            def scanned(name: str, data: bytes) -> bytes:
                # A defect shares most files with its base case: same bytes, same scan.
                key = (name, _digest(data))
                if key not in memo:
                    memo[key] = scan.scan_pdf(data, name)
                return memo[key]

            for name, spec in cases.items():
                src = out / name / "complet"
                files = [(n, p, scanned(n, data)) for n, p, data in resolved[src]]
                write_dossier(out / name / "scan", files, spec)
                index["cases"][name]["scan"] = f"{name}/scan"
            # A few defects read from boxes, strokes and blank areas: scanned too.
            for spec in defects:
                if spec.name not in SCANNED_DEFECTS:
                    continue
                src = out / "defauts" / spec.name
                files = [(n, p, data if p == "corrompu" else scanned(n, data)) for n, p, data in resolved[src]]
                write_dossier(out / "defauts_scan" / spec.name, files, spec)
                index["defauts"][spec.name]["dir_scan"] = f"defauts_scan/{spec.name}"
            log(f"scans écrits en {time.monotonic() - t_draw:.1f} s")
        # A CDG batch mixing good and bad dossiers, in both layouts.
        batch = out / "lots" / "batch"
        members = []
        firsts = list(cases)
        picks = [("commune_a", out / firsts[0] / "complet")]
        if len(firsts) > 1:
            picks.append(("commune_b", out / firsts[1] / "complet_autre"))
        for sub, name in (("commune_c", "AF4-QUORUM"), ("commune_d", "PIECE-MANQUANTE_1"),
                          ("commune_e", "AF4-SECONDE-CONVOCATION")):
            if name in index["defauts"]:
                picks.append((sub, out / index["defauts"][name]["dir"]))
        expected = {}
        for sub, src in picks:
            shutil.copytree(src, batch / sub)
            att = json.loads((src / ATTENDU).read_text(encoding="utf-8"))
            expected[sub] = {"status": att["status"], "rules": att["rules"], "info": att["info"],
                             "source": str(src.relative_to(out))}
            members.append(sub)
        for p in [batch, *batch.rglob("*")]:
            os.chmod(p, 0o700 if p.is_dir() else 0o600)
        summary = {"dossiers": len(expected), "complets": sum(e["status"] == "complet" for e in expected.values())}
        summary["incomplets"] = summary["dossiers"] - summary["complets"]
        write_text(out / "lots" / "attendu_batch.json",
                   json.dumps({"dossiers": expected, "summary": summary}, ensure_ascii=False, indent=2) + "\n")
        index["lots"]["batch"] = {"dir": "lots/batch", "dossiers": expected, "summary": summary}
        fiche = dict((n, d) for n, _, d in resolved[out / firsts[0] / "complet"])["fiche_de_poste.pdf"]
        index["fichiers"] = {"dir": "fichiers", **write_fichiers(out / "fichiers", fiche)}
    seconds = round(time.monotonic() - t0, 2)
    for p in [out, *out.rglob("*")]:  # owner-only, whatever the caller's umask (medical look-alikes)
        os.chmod(p, 0o700 if p.is_dir() else 0o600)
    write_text(out / "index.json", json.dumps(index, ensure_ascii=False, indent=2) + "\n")
    return {**index, "seconds": seconds}  # the timing stays out of index.json (reproducible)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Génère les dossiers PDF d'exemple du contrôle (pipeline check).")
    ap.add_argument("out", type=Path, help="dossier de sortie (remplacé s'il existe)")
    ap.add_argument("--scans", action="store_true", help="ajouter les variantes scannées (images seules)")
    ap.add_argument("--only", metavar="CASE", help="un seul cas, par son nom ou son préfixe (ex. 01)")
    ap.add_argument("--standins-only", action="store_true",
                    help="dessiner aussi les documents du projet avec reportlab (sans LibreOffice)")
    args = ap.parse_args(argv)
    os.umask(0o077)
    try:
        index = generate(args.out, scans=args.scans, only=args.only, use_build=not args.standins_only,
                         log=lambda s: print(s, file=sys.stderr))
    except NoCase as e:
        print(f"Erreur : {e}", file=sys.stderr)
        return 2
    print(f"{len(index['cases'])} cas, {len(index['defauts'])} défauts, lot de "
          f"{index['lots']['batch']['summary']['dossiers']} dossiers → {args.out} ({index['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
