"""Completed AF3 / AF4 (as the doctor and the council fill them) rendered in the build's layout.

The sample generator relies on this contract (pipeline/documents.py docstring). One
LibreOffice run converts the four forms of this file.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.paths import REPO as ROOT
from pipeline.build import documents
from pipeline import qr
from pipeline.build.convert import convert_many
from pipeline.dossier.load import load_dossier
from pipeline.build.render import render_docx
from pipeline.build.stamp import stamp_pdf

pytestmark = pytest.mark.slow  # renders completed AF3/AF4 with LibreOffice (about 10 s)

SAMPLE = ROOT / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pages_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return [norm(doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    finally:
        doc.close()


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    d = load_dossier(SAMPLE)
    tmp = tmp_path_factory.mktemp("completion")
    contexts = {
        "af3_complete": ("af3", documents.render_context_af3(d, {
            "inapte_toutes_fonctions": False,
            "conclusions": "Inaptitude absolue et définitive aux fonctions.\nReclassement à étudier.",
            "taux": [{"infirmite": "Polyarthrite rhumatoïde évolutive", "taux": 45},
                     {"infirmite": "Séquelles de ténosynovite", "taux": "20"}],
            "date": dt.date(2026, 6, 18),
            "signe": True,
            "employeur_signe": True,
            "ati": True,
            "deja_indemnisee": True,
        })),
        "af3_obsolete_vide": ("af3", documents.render_context_af3(d, {"version": "1401", "medecin_traitant": ""})),
        "af4_complete": ("af4", documents.render_context_af4(d, {
            "membres": [
                {"role": "president", "nom": "Marc Lebrun", "presence": "present", "signe": True},
                {"role": "medecin", "nom": "Dr Claire Pasquier", "presence": "visio", "signe": False},
                {"role": "representant_personnel", "nom": "Patrick Lemoine", "presence": "absent", "signe": False},
            ],
            "seconde_convocation": True,
            "inapte_toutes_fonctions": True,
            "avis": "Avis favorable à la mise à la retraite pour invalidité.",
            "date_af3": dt.date(2026, 6, 20),
            "medecin_af3": "Antoine MOREL",
        })),
        "af4_obsolete": ("af4", documents.render_context_af4(d, {"version": "1401"})),
    }
    paths = []
    for name, (template, ctx) in contexts.items():
        p = tmp / f"{name}.docx"
        p.write_bytes(render_docx(template, ctx, d.dossier.date_etablissement))
        paths.append(p)
    out = {}
    for (name, (template, ctx)), pdf in zip(contexts.items(), convert_many(paths, tmp / "pdf")):
        st = stamp_pdf(pdf.read_bytes(), dossier_id=d.dossier.id, piece_id=template, code=ctx["code"],
                       when=d.dossier.date_etablissement)
        (tmp / f"{name}.pdf").write_bytes(st.data)
        out[name] = tmp / f"{name}.pdf"
    return out


def test_completed_af3_shows_doctor_answers(forms):
    p1, p2, p3, p4 = pages_text(forms["af3_complete"])
    assert "inapte à toutes fonctions ? ☐ Oui ☒ Non" in p2
    assert "(ATI) ? ☒ Oui ☐ Non" in p3
    assert "autre régime ? ☒ Oui ☐ Non" in p3
    assert "Signature : Signé" in p3
    assert "Conclusions : Inaptitude absolue et définitive aux fonctions. Reclassement à étudier." in p4
    assert "Polyarthrite rhumatoïde évolutive 45 %" in p4 and "20 %" in p4
    assert "Date : 18/06/2026" in p4
    assert "Signature du médecin agréé : Signé" in p4
    assert "AF3-2406" in p4


def test_obsolete_af3_with_empty_doctor_block(forms):
    pages = pages_text(forms["af3_obsolete_vide"])
    assert len(pages) == 4
    assert "Médecin traitant : La fiche de poste est obligatoire" in pages[0]
    assert all("AF3-1401" in p for p in pages) and "AF3-2406" not in " ".join(pages)
    payload = qr.decode_pdf_page(forms["af3_obsolete_vide"], 0)[0]
    assert (payload.form_code, payload.page, payload.pages) == ("AF3-1401", 1, 4)


def test_completed_af4_members_and_opinion(forms):
    p1, p2 = pages_text(forms["af4_complete"])
    assert "☒ Seconde convocation" in p1
    assert "Président | Marc Lebrun | présent | signé" in p1
    assert "Médecin | Dr Claire Pasquier | visioconférence | non signé" in p1
    assert "Représentant du personnel | Patrick Lemoine | absent | non signé" in p1
    assert "Date de l'AF3 : 20/06/2026" in p1 and "Établi par le Docteur Antoine MOREL" in p1
    assert "inapte à toutes fonctions ? ☒ Oui ☐ Non" in p2
    assert "Avis : Avis favorable à la mise à la retraite pour invalidité." in p2
    assert "45 %" in p2  # part E shows the rates on a completed form


def test_obsolete_af4_code(forms):
    pages = pages_text(forms["af4_obsolete"])
    assert len(pages) == 2 and all("AF4-1401" in p for p in pages)
    # Members default to the dossier's, in the completed format.
    assert "Président | Marc Lebrun | présent | signé" in pages[0]
