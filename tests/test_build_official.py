"""pipeline build --af3-officiel / --af4-officiel: the CNRACL's fillable forms filled from dossier.yaml.

The forms are drawn by the test tooling (tests/official_forms.py) with the field names of the
map the readers use; the filled output is read back field by field with pypdf and with the
project's own reader (identification and fields, as `pipeline check` reads them).
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.build.run import plan
from tests.official_forms import draw_form, write_form, write_plain_pdf
from tests.paths import REPO

PIPELINE = Path(sys.executable).parent / "pipeline"
SAMPLE_01 = REPO / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"
SAMPLE_03 = REPO / "samples" / "03_accident_service_ati" / "dossier.yaml"


def run(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(PIPELINE), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def values(pdf: bytes) -> dict[str, str]:
    return {k: str(v.get("/V", "")) for k, v in (PdfReader(io.BytesIO(pdf)).get_fields() or {}).items()}


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cnracl")
    return {"af3": write_form("af3", folder), "af4": write_form("af4", folder)}


def official(p, doc_id: str):
    return next(r for r in p.docs if r.doc_id == doc_id)


def test_af3_filled_field_by_field(forms):
    af3 = official(plan(SAMPLE_03, officiels=forms), "af3")
    assert af3.docx == b"" and af3.code == "AF3-2406" and af3.pages == 4
    v = values(af3.pdf)
    assert v["nom_naiss"] == "MARCHAND" and v["prenoms"] == "Émilie"
    assert v["date_naiss"] == "21/11/1978" and v["nir"] == "2 78 11 50 502 077 40"
    assert v["statut"] == "fonctionnaire titulaire" and v["duree_hebdo"] == "35 heures"
    assert v["date_accident"] == "14/02/2022" and v["signataire_employeur"] == "Pierre Vasseur, Le Maire"
    assert v["medecin_traitant"] == "Pas de médecin traitant" and v["medecin_agree"] == "Olivier FABRE"
    # Boxes take the form's own « on » state (« Oui » here, not « Yes »).
    assert (v["ati_oui"], v["ati_non"]) == ("/Oui", "/Off")
    assert (v["imputable_oui"], v["imputable_non"]) == ("/Oui", "/Off")
    assert (v["deja_indemnisee_oui"], v["deja_indemnisee_non"]) == ("/Off", "/Oui")
    # The médecin agréé's answers and conclusions are left to him.
    assert (v["inapte_toutes_fonctions_oui"], v["inapte_toutes_fonctions_non"]) == ("/Off", "/Off")
    assert v["conclusions"] == ""


def test_filled_form_stays_fillable_and_shows_its_values(forms):
    af3 = official(plan(SAMPLE_01, officiels=forms), "af3")
    reader = PdfReader(io.BytesIO(af3.pdf))
    acro = reader.trailer["/Root"]["/AcroForm"]
    assert acro.get("/NeedAppearances") == True  # noqa: E712 (a PDF boolean object)
    for page in reader.pages:
        for ref in page["/Annots"]:
            a = ref.get_object()
            assert not int(a.get("/Ff", 0)) & 1, f"{a['/T']} est en lecture seule"
            if a["/T"] == "nom_naiss":
                # The appearance a viewer draws carries the value (not only /V).
                assert b"LEF" in a["/AP"]["/N"].get_object().get_data()
            if a["/T"] == "ati_non":
                assert a["/AS"] == "/Oui"
    # Multiline field: the doctor's address on its lines.
    assert values(af3.pdf)["medecin_traitant"] == "Docteur Hélène GIRAUD\n8 place de la Mairie\n50180 Hébécrevon"
    # Same input, same bytes.
    assert official(plan(SAMPLE_01, officiels=forms), "af3").pdf == af3.pdf


def test_xfa_part_is_dropped_so_viewers_show_the_fields(tmp_path):
    path = tmp_path / "af3_xfa.pdf"
    path.write_bytes(draw_form("af3", xfa=True))
    assert "/XFA" in PdfReader(path).trailer["/Root"]["/AcroForm"]
    af3 = official(plan(SAMPLE_01, officiels={"af3": path}), "af3")
    reader = PdfReader(io.BytesIO(af3.pdf))
    assert "/XFA" not in reader.trailer["/Root"]["/AcroForm"]
    assert values(af3.pdf)["nom_naiss"] == "LEFÈVRE"


def test_af4_filled(forms):
    af4 = official(plan(SAMPLE_01, officiels=forms), "af4")
    v = values(af4.pdf)
    assert v["nom_naiss"] == "LEFÈVRE" and v["nom_usage"] == "DURAND"
    assert v["date_seance"] == "22/09/2026" and v["date_af3"] == "18/06/2026"
    assert (v["inapte_toutes_fonctions_oui"], v["inapte_toutes_fonctions_non"]) == ("/Off", "/Off")


def test_project_reader_reads_the_filled_forms(forms, tmp_path):
    from pipeline.check.run import read_form_fields
    from pipeline.read.identify import identify_document

    p = plan(SAMPLE_03, officiels=forms)
    for doc_id in ("af3", "af4"):
        (tmp_path / f"{doc_id}.pdf").write_bytes(official(p, doc_id).pdf)
    d = identify_document(tmp_path / "af3.pdf")
    assert (d.piece, d.form, d.version) == ("af3", "AF3", "2406")
    read_form_fields(d)
    f = d.fields
    assert f["nom_naissance"].lower() == "marchand" and f["date_naissance"].isoformat() == "1978-11-21"
    assert f["nir"] == ["278115050207740"]
    assert (f["ati"], f["imputable"], f["deja_indemnisee"]) == (True, True, False)
    assert f.get("inapte_toutes_fonctions") is None
    d = identify_document(tmp_path / "af4.pdf")
    assert d.piece == "af4"
    read_form_fields(d)
    assert d.fields["date_seance"].isoformat() == "2026-10-06"


@pytest.mark.slow
def test_cli_build_then_check(forms, tmp_path):
    out = tmp_path / "out"
    r = run("build", SAMPLE_01, "-o", out, "--af3-officiel", forms["af3"], "--af4-officiel", forms["af4"])
    assert r.returncode == 0, r.stdout + r.stderr
    folder = out / "INV-2026-0001"
    assert not (folder / "docx" / "af3.docx").exists() and not (folder / "docx" / "af4.docx").exists()
    assert values((folder / "af3.pdf").read_bytes())["nom_naiss"] == "LEFÈVRE"
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["file"] == "af3.pdf")
    assert "imprimé officiel AF3-2406" in entry["produced_by"] and entry["pages"] == 4
    # The project's check identifies both official forms and sees the médecin's part still blank.
    report = tmp_path / "rapport.json"
    r = run("check", folder, "--json", report)
    assert r.returncode == 1, r.stdout + r.stderr
    rep = json.loads(report.read_text())["dossiers"][0]
    pieces = {f["file"]: f["piece"] for f in rep["files"]}
    assert pieces["af3.pdf"] == "af3" and pieces["af4.pdf"] == "af4"
    assert "AF3-PARTIE-MEDECIN-VIDE" in {f["rule"] for f in rep["findings"]}


@pytest.mark.parametrize("bad, expected", [
    ("absent", "fichier introuvable"),
    ("text", "n'est pas un PDF"),
    ("plain", "n'a aucun champ remplissable"),
    ("other_form", "champs absents : statut, duree_hebdo, medecin_traitant, date_accident"),
    ("truncated", "est un PDF endommagé ou illisible"),
])
def test_bad_official_form_is_refused_before_anything_is_written(bad, expected, forms, tmp_path):
    path = tmp_path / "af3.pdf"
    if bad == "text":
        path.write_text("ceci n'est pas un PDF")
    elif bad == "plain":
        write_plain_pdf(path)
    elif bad == "truncated":
        whole = draw_form("af3")
        path.write_bytes(whole[:len(whole) // 3])
    elif bad == "other_form":
        path = forms["af4"]  # an AF4 given as AF3: the AF3's own fields are missing
    out = tmp_path / "out"
    r = run("build", SAMPLE_01, "-o", out, "--af3-officiel", path)
    assert r.returncode == 2, r.stdout + r.stderr
    text = " ".join((r.stdout + r.stderr).split())
    assert "--af3-officiel" in text and expected in text, text
    assert "Traceback" not in text and "EOF marker" not in text  # French only
    assert not out.exists()


def test_official_form_with_no_pdf_is_refused(forms, tmp_path):
    r = run("build", SAMPLE_01, "-o", tmp_path / "out", "--no-pdf", "--af3-officiel", forms["af3"])
    assert r.returncode == 2 and "--no-pdf" in r.stdout + r.stderr
    assert not (tmp_path / "out").exists()
