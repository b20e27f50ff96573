"""pipeline build: documents read back from the PDFs, QR codes, checklist, manifest, CLI.

Each sample is built ONCE per session (one LibreOffice run per build); sample 01 through
the real command line, so the CLI is exercised with PDFs at no extra cost.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.paths import REPO as ROOT
from pipeline import qr
from pipeline.build.run import build
from pipeline.dossier.load import load_dossier

SAMPLES = ROOT / "samples"
PIPELINE = Path(sys.executable).parent / "pipeline"
CASES = {
    "01": "01_non_imputable_toutes_fonctions",
    "02": "02_non_imputable_ses_fonctions_ppr",
    "03": "03_accident_service_ati",
    "04": "04_accident_trajet_tiers_pv",
    "05": "05_maladie_professionnelle_tierce_personne",
}


def sample(n: str) -> Path:
    return SAMPLES / CASES[n] / "dossier.yaml"


def pdf_pages_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\r", " ")).strip()


def between(text: str, start: str, end: str) -> str:
    t = norm(text)
    i = t.index(start) + len(start)
    return t[i:t.index(end, i)].strip()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """Output folder of each sample: 01 via the CLI, the others via build()."""
    root = tmp_path_factory.mktemp("build")
    out = {}
    cli = subprocess.run([str(PIPELINE), "build", str(sample("01")), "-o", str(root)],
                         capture_output=True, text=True, timeout=300, env=dict(os.environ, COLUMNS="160"))
    assert cli.returncode == 0, cli.stderr
    out["cli_stdout"] = cli.stdout
    out["01"] = root / load_dossier(sample("01")).dossier.id
    for n in ("02", "03", "04", "05"):
        if sample(n).exists():
            out[n] = build(sample(n), root).out_dir
    return out


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


# -- AF3 -----------------------------------------------------------------------------------
def test_af3_has_four_pages_with_parts_identity_and_blank_doctor_part(built):
    pages = pdf_pages_text(built["01"] / "af3.pdf")
    assert len(pages) == 4
    p1, p2, p3, p4 = (norm(p) for p in pages)
    assert "IMPRIMÉ AF3 – RAPPORT MÉDICAL" in p1
    for part in ("Partie B – Employeur", "Partie C – Agent", "Partie D – Situation administrative",
                 "La fiche de poste est obligatoire", "Accident de service ou de trajet"):
        assert part in p1
    assert "Nom de naissance : LEFÈVRE" in p1 and "Nom d'usage : DURAND" in p1
    assert "NIR : 2 67 09 50 116 042 37" in p1
    assert "SIRET : 21500502700019" in p1
    assert "Date de naissance : 14/09/1967" in p1
    assert between(pages[0], "Médecin traitant :", "La fiche de poste") == \
        "Docteur Hélène GIRAUD 8 place de la Mairie 50180 Hébécrevon"
    # Not an accident: the accident part stays empty.
    assert between(pages[0], "Date de l'accident :", "Heure :") == ""
    assert "Partie G – Employeur" in p2 and "☒ Sur demande de l'agent ☐ D'office" in p2
    assert "L'agent est-il inapte à toutes fonctions ? ☐ Oui ☐ Non" in p2
    assert "Parties H et I – Médecin agréé" in p2
    for part in ("Partie K – Allocation temporaire d'invalidité", "Partie L – Infirmité déjà indemnisée",
                 "Partie M – Imputabilité au service", "Cadre F – Cachet et signature de l'employeur"):
        assert part in p3
    assert "(ATI) ? ☐ Oui ☒ Non" in p3
    assert "imputable au service ? ☐ Oui ☒ Non" in p3
    assert "Nom et qualité du signataire : Jean Lemarchand, Le Maire" in p3
    assert "Date : 05/10/2026" in p3
    assert "Partie réservée au médecin agréé" in p4
    assert "Médecin agréé : Docteur Antoine MOREL" in p4
    assert between(pages[3], "Conclusions :", "Taux d'invalidité") == ""
    assert between(pages[3], "Date :", "Signature du médecin agréé") == ""
    for i, p in enumerate((p1, p2, p3, p4), 1):
        assert "AF3-2406" in p and f"Page {i} / 4" in p


def test_af3_without_doctor_and_with_ati_and_accident(built):
    if "03" not in built:
        pytest.skip("échantillon 03 absent")
    pages = pdf_pages_text(built["03"] / "af3.pdf")
    d = load_dossier(sample("03"))
    assert between(pages[0], "Médecin traitant :", "La fiche de poste") == "Pas de médecin traitant"
    assert between(pages[0], "Date de l'accident :", "Heure :") == d.accident.date.strftime("%d/%m/%Y")
    p3 = norm(pages[2])
    assert "(ATI) ? ☒ Oui ☐ Non" in p3
    assert "imputable au service ? ☒ Oui ☐ Non" in p3
    assert "☒ Accident de service ☐ Accident de trajet ☐ Maladie professionnelle" in p3


# -- AF4 and the other documents ----------------------------------------------------------
def test_af4_prefill_lists_expected_members_and_leaves_opinion_blank(built):
    pages = pdf_pages_text(built["01"] / "af4.pdf")
    assert len(pages) == 2
    p1, p2 = norm(pages[0]), norm(pages[1])
    assert "IMPRIMÉ AF4 – PROCÈS-VERBAL DU CONSEIL MÉDICAL EN FORMATION PLÉNIÈRE" in p1
    assert "Date de la séance : 22/09/2026" in p1 and "Département : Manche" in p1
    assert "Président | Marc Lebrun |" in p1 and "Représentant du personnel | Patrick Lemoine |" in p1
    assert "Date de l'AF3 : 18/06/2026" in p1 and "Établi par le Docteur Antoine MOREL" in p1
    assert "NIR : 2 67 09 50 116 042 37" in p1
    assert "Polyarthrite rhumatoïde évolutive" in p2
    assert "45 %" not in p2  # rates are the council's
    assert "inapte à toutes fonctions ? ☐ Oui ☐ Non" in p2
    assert between(pages[1], "Avis :", "Signatures des membres") == ""
    assert "AF4-2406" in p1 and "Page 2 / 2" in p2


def test_rapport_hierarchique_variants_state_what_each_must(built):
    variants = {"03": "Accident de service", "04": "Accident de trajet", "05": "Maladie professionnelle"}
    for n, variant in variants.items():
        if n not in built:
            continue
        d = load_dossier(sample(n))
        text = norm(" ".join(pdf_pages_text(built[n] / "rapport_hierarchique.pdf")))
        assert "RAPPORT HIÉRARCHIQUE" in text and variant in text and "RH-PIN1" in text
        assert f"Fonctions exactes : {norm(d.agent.fonctions)}" in text
        if d.accident:
            a = d.accident
            assert f"Date de l'accident : {a.date:%d/%m/%Y}" in text
            assert f"Heure : {a.heure.replace(':', 'h')}" in text
            assert f"Lieu : {norm(a.lieu)}" in text
            assert f"Circonstances : {norm(a.circonstances)[:40]}" in text
            if variant == "Accident de trajet":
                assert f"Trajet : {norm(a.trajet)[:40]}" in text
            else:
                assert "Trajet :" not in text
        else:
            mp = d.maladie_professionnelle
            assert f"Risques rencontrés : {norm(mp.risques)[:40]}" in text
            assert f"Période d'exposition : " in text and f"{mp.exposition_debut:%d/%m/%Y}" in text
            assert "Date de l'accident" not in text
    assert not (built["01"] / "rapport_hierarchique.pdf").exists()


def test_attestation_reclassement_from_redeployment_history(built):
    if "02" not in built:
        pytest.skip("échantillon 02 absent")
    text = norm(" ".join(pdf_pages_text(built["02"] / "attestation_reclassement.pdf")))
    d = load_dossier(sample("02"))
    assert "ATTESTATION RELATIVE AU RECLASSEMENT" in text and "ARC-PIN1" in text
    for label in ("Adaptation du poste :", "Postes examinés :", "Invitation à présenter une demande de reclassement :",
                  "Période de préparation au reclassement :", "Réponse de l'agent :", "Motif de l'échec :"):
        assert label in text
    assert f"du {d.reclassement.ppr.debut:%d/%m/%Y} au {d.reclassement.ppr.fin:%d/%m/%Y}" in text


def test_notice_estimation_fiche_arrete(built):
    folder = built["01"]
    notice = norm(" ".join(pdf_pages_text(folder / "notice_agent.pdf")))
    assert "NOTICE À L'AGENT" in notice and "CNAS" in notice and "RIS" in notice
    # Never a medical detail in the notice.
    for word in ("Polyarthrite", "ténosynovite", "Rhumatologie", "45 %"):
        assert word not in notice
    assert "ESTIMATION INDICATIVE" in norm(pdf_pages_text(folder / "estimation.pdf")[0])
    fiche = norm(pdf_pages_text(folder / "fiche_de_poste.pdf")[0])
    assert "FICHE DE POSTE – DERNIÈRES FONCTIONS EXERCÉES" in fiche
    assert "Agent d'entretien des locaux scolaires" in fiche
    # First stage: the checklist says « non requise » and no arrêté is written, with the reason.
    assert not (folder / "arrete_radiation.pdf").exists()
    assert {p["id"]: p["status"] for p in manifest(folder)["pieces"]}["arrete_radiation"] == "non_requise"
    assert any("avis favorable de la CNRACL" in w for w in manifest(folder)["avertissements"])


def test_arrete_written_once_the_cnracl_opinion_is_dated(tmp_path):
    import datetime as dt

    d = load_dossier(sample("01"))
    d = d.model_copy(update={"dates": d.dates.model_copy(update={"avis_cnracl": dt.date(2027, 5, 12)})})
    folder = build(d, tmp_path).out_dir
    arrete = norm(" ".join(pdf_pages_text(folder / "arrete_radiation.pdf")))
    assert "PROJET" in arrete and "ARRÊTÉ PORTANT RADIATION DES CADRES" in arrete and "ARR-PIN1" in arrete
    assert "12/05/2027" in arrete
    row = {p["id"]: p for p in manifest(folder)["pieces"]}["arrete_radiation"]
    assert row["status"] == "a_obtenir" and row["files"] == ["arrete_radiation.pdf"]
    assert not any("avis favorable de la CNRACL" in w for w in manifest(folder)["avertissements"])


# -- QR codes ------------------------------------------------------------------------------
def test_every_page_carries_a_qr_code_with_dossier_piece_code_and_page(built):
    folder = built["01"]
    m = manifest(folder)
    checked = 0
    for f in m["files"]:
        if not f["file"].endswith(".pdf") or f["file"].startswith("peps/"):
            continue
        stem = Path(f["file"]).stem
        code = {"af3": "AF3-2406", "af4": "AF4-2406"}.get(stem)
        for i in range(f["pages"]):
            found = qr.decode_pdf_page(folder / f["file"], i, dpi=100)
            assert len(found) == 1, (f["file"], i)
            p = found[0]
            assert (p.dossier_id, p.page, p.pages) == ("INV-2026-0001", i + 1, f["pages"])
            assert p.piece_id == (f["piece_id"] or stem)
            if code:
                assert p.form_code == code
            checked += 1
    assert checked >= 10


# -- checklist, upload set, manifest, zip ----------------------------------------------------
EXPECTED = {
    "01": {"produite": {"fiche_de_poste"}, "a_obtenir": {"af3", "expertise_medicale", "af4"}},
    "02": {"produite": {"fiche_de_poste", "attestation_reclassement"}, "a_obtenir": {"af3", "expertise_medicale", "af4"}},
    "03": {"produite": {"fiche_de_poste", "rapport_hierarchique"},
           "a_obtenir": {"af3", "expertise_medicale", "af4", "certificat_medical_initial", "decision_imputabilite"}},
    "04": {"produite": {"fiche_de_poste", "rapport_hierarchique"},
           "a_obtenir": {"af3", "expertise_medicale", "af4", "certificat_medical_initial", "decision_imputabilite",
                         "plan_trajet", "pv_police"}},
    "05": {"produite": {"fiche_de_poste", "rapport_hierarchique"},
           "a_obtenir": {"af3", "expertise_medicale", "af4", "attestations_presence", "questionnaire_tp",
                         "certificat_medical_initial", "decision_imputabilite", "rapport_medecin_travail"}},
}


@pytest.mark.parametrize("n", sorted(EXPECTED))
def test_checklist_and_upload_set_per_sample(built, n):
    if n not in built:
        pytest.skip(f"échantillon {n} absent")
    folder = built[n]
    m = manifest(folder)
    by_status: dict[str, set] = {}
    for p in m["pieces"]:
        by_status.setdefault(p["status"], set()).add(p["id"])
    assert by_status.get("produite", set()) == EXPECTED[n]["produite"]
    assert by_status.get("a_obtenir", set()) == EXPECTED[n]["a_obtenir"]
    assert "manquante" not in by_status
    peps = sorted(p.name for p in (folder / "peps").iterdir())
    uploaded = {p["id"] for p in m["pieces"] if p["status"] == "produite" and p["transmission"] == "dépôt PEP'S"}
    assert peps == sorted(f"{i}.pdf" for i in uploaded)
    text = (folder / "liste_des_pieces.txt").read_text(encoding="utf-8")
    assert "[produite] fiche_de_poste" in text


def test_cdg_profiles_split_upload_and_post(built):
    # 01: CNRACL default: everything uploaded, no bordereau.
    m1 = manifest(built["01"])
    assert {p["transmission"] for p in m1["pieces"] if p["status"] != "non_requise"} == {"dépôt PEP'S"}
    assert not (built["01"] / "bordereau.pdf").exists()
    if "02" in built:  # CDG76: medical pièces by post, AF3 unopened, with a bordereau.
        m2 = manifest(built["02"])
        post = {p["id"] for p in m2["pieces"] if p["transmission"] == "courrier au CDG"}
        assert post == {"af3", "expertise_medicale", "af4"}
        bordereau = norm(" ".join(pdf_pages_text(built["02"] / "bordereau.pdf")))
        assert "BORDEREAU D'ENVOI" in bordereau and "ne pas ouvrir" in bordereau and "BOR-PIN1" in bordereau
    if "03" in built:  # CDG50: employer uploads all, career pièces by mail.
        m3 = manifest(built["03"])
        assert {p["transmission"] for p in m3["pieces"] if p["status"] != "non_requise"} == {"dépôt PEP'S"}
        assert "Livret de famille" in norm(pdf_pages_text(built["03"] / "bordereau.pdf")[0])


def test_manifest_matches_files_and_zip(built):
    folder = built["01"]
    m = manifest(folder)
    assert m["dossier"] == "INV-2026-0001"
    listed = {f["file"] for f in m["files"]}
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert on_disk == listed | {"manifest.json", "INV-2026-0001.zip"}
    for f in m["files"]:
        data = (folder / f["file"]).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["bytes"] == len(data)
        assert f["produced_by"].startswith("pipeline build")
        if f["file"].endswith(".pdf"):
            from pypdf import PdfReader

            reader = PdfReader(folder / f["file"])
            assert f["pages"] == len(reader.pages)
            box = reader.pages[0].mediabox
            assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2
            assert not reader.is_encrypted
    with zipfile.ZipFile(folder / "INV-2026-0001.zip") as z:
        assert set(z.namelist()) == listed | {"manifest.json"}
        assert {i.date_time for i in z.infolist()} == {(2026, 10, 5, 0, 0, 0)}
        assert z.read("peps/fiche_de_poste.pdf") == (folder / "peps" / "fiche_de_poste.pdf").read_bytes()


def test_fonts_are_embedded(built):
    from pypdf import PdfReader

    reader = PdfReader(built["01"] / "af3.pdf")
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            desc = desc.get_object()
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get("/BaseFont")


def test_output_is_owner_only(built):
    folder = built["01"]
    for p in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), p


def test_rerun_gives_identical_files(built, tmp_path):
    again = build(sample("01"), tmp_path).out_dir
    first = {str(p.relative_to(built["01"])): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in built["01"].rglob("*") if p.is_file()}
    second = {str(p.relative_to(again)): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in again.rglob("*") if p.is_file()}
    assert first == second


# -- CLI and failures ------------------------------------------------------------------------
def test_cli_prints_french_checklist(built):
    out = built["cli_stdout"]
    assert "Pièces du dossier INV-2026-0001" in out
    assert "produite" in out and "à obtenir du médecin agréé" in out
    # Pièces this case does not need are summed up in one line, not one row each.
    assert "Non requises pour ce cas : attestations_presence" in out


def test_cli_bad_dossier_exit_2_and_nothing_written(tmp_path):
    bad = SAMPLES / "erreurs" / "nir_faux.yaml"
    r = subprocess.run([str(PIPELINE), "build", str(bad), "-o", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "NIR" in r.stderr and "Erreur" in r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_libreoffice_is_a_clear_french_error(tmp_path):
    env = dict(os.environ, PIPELINE_SOFFICE="/nonexistent/soffice")
    r = subprocess.run([str(PIPELINE), "build", str(sample("01")), "-o", str(tmp_path)],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 3  # a missing component, not a bad input
    assert "LibreOffice" in r.stderr and "--no-pdf" in r.stderr
    assert not any(tmp_path.iterdir())


def test_failed_conversion_keeps_previous_output(tmp_path, monkeypatch):
    first = build(sample("01"), tmp_path, pdf=False).out_dir
    before = sorted(p.name for p in first.rglob("*"))
    monkeypatch.setenv("PIPELINE_SOFFICE", "/bin/false")
    from pipeline.build.convert import ConversionError

    with pytest.raises(ConversionError, match="LibreOffice n'a pas converti"):
        build(sample("01"), tmp_path)
    assert sorted(p.name for p in first.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["INV-2026-0001"]


def test_second_stage_without_pdf(tmp_path):
    r = build(sample("01"), tmp_path, pdf=False, seconde_etape=True)
    status = {row.id: row for row in r.checklist}
    # Second stage without the CNRACL's opinion date: the arrêté cannot be dated, so it is not written.
    assert status["arrete_radiation"].statut == "manquante"
    assert "dates.avis_cnracl" in status["arrete_radiation"].motif
    assert not (r.out_dir / "docx" / "arrete_radiation.docx").exists()
    assert (r.out_dir / "docx" / "af3.docx").exists()
    assert not list(r.out_dir.glob("*.pdf")) and not any((r.out_dir / "peps").iterdir())
    assert any("--no-pdf" in w for w in manifest(r.out_dir)["avertissements"])


def test_special_characters_are_escaped_in_documents():
    from docx import Document

    from pipeline.build import documents
    from pipeline.build.render import render_docx

    d = load_dossier(sample("01"))
    emp = d.employeur.model_copy(update={"collectivite": "Syndicat Eau & Assainissement <Nord>"})
    d = d.model_copy(update={"employeur": emp})
    data = render_docx("af3", documents.render_context_af3(d), d.dossier.date_etablissement)
    import io

    text = "\n".join(p.text for t in Document(io.BytesIO(data)).tables for c in t._cells for p in c.paragraphs)
    assert "Collectivité : Syndicat Eau & Assainissement <Nord>" in text
    # Same input, same bytes (fixed zip timestamps and properties).
    assert render_docx("af3", documents.render_context_af3(d), d.dossier.date_etablissement) == data
