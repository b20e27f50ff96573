"""`pipeline check` on the generated sample dossiers (samples/make_check_samples.py).

Done when: every complete sample says complet, every defective variant reports exactly the
broken rule (and the pièce / page the generator expects), the scans give the same verdicts.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.check.run import check_batch, check_dossier
from pipeline.read.identify import identify_document


def _expected(folder: Path) -> dict:
    return json.loads((folder / "attendu.json").read_text(encoding="utf-8"))


def _verdict(report) -> tuple[list[str], list[str], str]:
    rules = sorted({f.rule for f in report.findings if f.severity != "info"})
    info = sorted({f.rule for f in report.findings if f.severity == "info"})
    return rules, info, report.status


def _compare(folder: Path, report) -> list[str]:
    att = _expected(folder)
    rules, info, status = _verdict(report)
    problems = []
    if (rules, info, status) != (att["rules"], att["info"], att["status"]):
        problems.append(f"{folder.name}: got {rules} {info} {status}, want {att['rules']} {att['info']} {att['status']}")
    for want in att.get("findings", []):
        hits = [f for f in report.findings if f.rule == want["rule"]
                and all(getattr(f, k) == v for k, v in want.items() if k != "rule")]
        if not hits:
            problems.append(f"{folder.name}: no finding matching {want}")
    return problems


def test_complete_samples_are_complet_in_both_layouts(check_samples):
    root = check_samples["root"]
    problems = []
    for case, entry in check_samples["cases"].items():
        for kind in ("complet", "complet_autre"):
            folder = root / entry[kind]
            report = check_dossier(folder)
            problems += _compare(folder, report)
            # Every file is recognised as the pièce the generator wrote.
            got = {f["file"]: f["piece"] or f["a_ne_pas_envoyer"] for f in report.files}
            if got != _expected(folder)["pieces"]:
                problems.append(f"{case}/{kind}: pièces {got} != {_expected(folder)['pieces']}")
    assert not problems, "\n".join(problems)


def test_each_defect_reports_exactly_its_rule(check_samples):
    root = check_samples["root"]
    problems = []
    for name, entry in check_samples["defauts"].items():
        for key in ("dir", "dir_autre"):
            folder = root / entry[key]
            problems += [f"[{key}] {p}" for p in _compare(folder, check_dossier(folder))]
    assert not problems, "\n".join(problems)


def test_scans_give_the_same_verdicts(check_samples):
    root = check_samples["root"]
    problems = []
    for case, entry in check_samples["cases"].items():
        folder = root / entry["scan"]
        report = check_dossier(folder, jobs=2)
        assert report.ocr_pages > 0  # the pages really were read by OCR
        problems += _compare(folder, report)
        got = {f["file"]: f["piece"] for f in report.files}
        if got != _expected(folder)["pieces"]:
            problems.append(f"{case}/scan: pièces {got}")
    assert not problems, "\n".join(problems)


def test_batch_streams_reports_in_order_with_expected_status(check_samples):
    root = check_samples["root"]
    expected = check_samples["lots"]["batch"]["dossiers"]
    reports = list(check_batch(root / "lots" / "batch", jobs=2))
    assert [r.dossier for r in reports] == sorted(expected)
    for r in reports:
        want = expected[r.dossier]
        assert _verdict(r) == (want["rules"], want["info"], want["status"]), r.dossier


def test_isolated_files_typed_by_content(check_samples):
    folder = check_samples["root"] / "fichiers"
    att = json.loads((folder / "attendu.json").read_text(encoding="utf-8"))["files"]
    for name, want in att.items():
        ident = identify_document(folder / name)
        if "FICHIER-ILLISIBLE" in want["rules"]:
            assert ident.problem, name
        else:
            assert ident.problem is None, (name, ident.problem)
            assert ident.piece == want["piece"], name


def test_a_folder_of_bad_files_is_findings_not_a_crash(check_samples):
    report = check_dossier(check_samples["root"] / "fichiers")
    unreadable = sorted(f.file for f in report.findings if f.rule == "FICHIER-ILLISIBLE")
    assert unreadable == ["chiffre.pdf", "corrupt.pdf", "texte.docx", "vide.pdf"]
    assert report.status == "incomplet"


def test_identify_document_gives_qr_identity_and_version(check_samples):
    import datetime as dt

    folder = check_samples["root"] / check_samples["cases"]["01_non_imputable_toutes_fonctions"]["complet"]
    ident = identify_document(folder / "af3.pdf")
    assert (ident.piece, ident.method, ident.confidence) == ("af3", "qr", 1.0)
    assert ident.qr and ident.qr[0].piece_id == "af3" and ident.qr[0].page == 1
    assert (ident.form, ident.version) == ("AF3", "2406")
    assert ident.nirs == ["267095011604237"]
    assert ident.names["nom_naissance"] == "lefevre" and ident.birth_date == dt.date(1967, 9, 14)
    other = check_samples["root"] / check_samples["cases"]["01_non_imputable_toutes_fonctions"]["complet_autre"]
    by_content = [identify_document(p) for p in sorted(other.glob("*.pdf"))]
    assert {i.method for i in by_content} <= {"code", "titre"}  # no QR in the other layout


def test_description_cross_checked_against_documents(check_samples):
    ROOT = Path(__file__).resolve().parent.parent

    folder = check_samples["root"] / check_samples["cases"]["03_accident_service_ati"]["complet"]
    wrong = ROOT / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"
    report = check_dossier(folder, wrong)
    rules = {f.rule for f in report.findings}
    assert {"IDENTITE-DISCORDANTE", "CAS-DISCORDANT"} <= rules
    assert report.status == "incomplet"
    right = ROOT / "samples" / "03_accident_service_ati" / "dossier.yaml"
    assert check_dossier(folder, right).findings == []


@pytest.fixture(scope="module")
def scanned_defects(check_samples, tmp_path_factory):
    """A few defective dossiers scanned like the complete ones (boxes and tables read on images)."""
    import shutil
    import sys

    ROOT = Path(__file__).resolve().parent.parent

    sys.path.insert(0, str(ROOT / "samples"))
    import scan

    root = check_samples["root"]
    out = tmp_path_factory.mktemp("scanned_defects")
    picks = [("PIECE-MANQUANTE_2", "dir"), ("AF4-SECONDE-CONVOCATION", "dir"), ("AF4-QUORUM", "dir_autre")]
    folders = []
    for name, key in picks:
        src = root / check_samples["defauts"][name][key]
        dst = out / f"{name}_{key}"
        dst.mkdir()
        for f in src.iterdir():
            if f.suffix == ".pdf":
                (dst / f.name).write_bytes(scan.scan_pdf(f.read_bytes(), f.name))
            else:
                shutil.copy(f, dst / f.name)
        folders.append(dst)
    return folders


def test_scanned_defects_give_the_same_verdicts(scanned_defects):
    problems = []
    for folder in scanned_defects:
        report = check_dossier(folder, jobs=2)
        assert report.ocr_pages > 0
        problems += _compare(folder, report)
    assert not problems, "\n".join(problems)
