"""Reports of `pipeline check`: JSON contract, no medical text, HTML as Chromium shows it."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from pipeline.cli.main import main

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


@pytest.fixture(scope="module")
def batch_reports(check_samples, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    root = check_samples["root"] / "lots" / "batch"
    return root, out


def test_json_contract_and_exit_status(check_samples, tmp_path, capsys):
    root = check_samples["root"]
    code, out, err = _run(["check", str(root / check_samples["defauts"]["AF4-QUORUM"]["dir"]), "--json", "-"], capsys)
    assert code == 1
    data = json.loads(out)  # stdout is the JSON only; the summary went to stderr
    assert "INCOMPLET" in err
    assert data["schema"] == "pipeline-check/1"
    assert data["summary"] == {"dossiers": 1, "complets": 0, "incomplets": 1}
    d = data["dossiers"][0]
    assert d["status"] == "incomplet"
    assert {p["status"] for p in d["pieces"]} <= {"presente", "manquante", "non_requise"}
    f = next(f for f in d["findings"] if f["rule"] == "AF4-QUORUM")
    assert set(f) >= {"rule", "severity", "piece", "file", "page", "message", "source"}
    assert (f["severity"], f["piece"], f["file"], f["page"]) == ("bloquant", "af4", "af4.pdf", 1)

    code, out, _ = _run(["check", str(root / check_samples["cases"]["01_non_imputable_toutes_fonctions"]["complet"]),
                         "--json", "-"], capsys)
    assert code == 0 and json.loads(out)["dossiers"][0]["status"] == "complet"


def test_json_report_has_no_medical_text_and_is_private(check_samples, tmp_path, capsys):
    root = check_samples["root"]
    target = tmp_path / "r.json"
    code, _, _ = _run(["check", "--batch", str(root / "lots" / "batch"), "--json", str(target)], capsys)
    assert code == 1
    text = target.read_text(encoding="utf-8").lower()
    for medical in ("polyarthrite", "inaptitude absolue", "ténosynovite", "conclusions :", "avis favorable"):
        assert medical not in text
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    data = json.loads(text)
    assert data["summary"] == {"dossiers": 5, "complets": 3, "incomplets": 2}


def test_command_cannot_run_exit_2(tmp_path, capsys):
    code, _, err = _run(["check", str(tmp_path / "absent")], capsys)
    assert code == 2 and "introuvable" in err
    (tmp_path / "d").mkdir()
    bad = tmp_path / "dossier.yaml"
    bad.write_text("dossier: [\n", encoding="utf-8")
    code, _, err = _run(["check", str(tmp_path / "d"), "--dossier", str(bad)], capsys)
    assert code == 2 and "YAML" in err
    code, _, err = _run(["check", str(tmp_path / "d"), "--profile", "cdg99"], capsys)
    assert code == 2 and "profil" in err


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium absent")
def test_html_report_as_seen_in_chromium(check_samples, tmp_path, capsys):
    """Print the HTML to PDF with headless Chromium and read back what a person sees."""
    import pypdfium2 as pdfium

    root = check_samples["root"] / "lots" / "batch"
    page = tmp_path / "rapport.html"
    code, _, _ = _run(["check", "--batch", str(root), "--html", str(page)], capsys)
    assert code == 1
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script" not in html  # self-contained
    pdf = tmp_path / "rapport.pdf"
    profile = tmp_path / "chrome-profile"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    doc = pdfium.PdfDocument(str(pdf))
    try:
        sizes = {tuple(round(v) for v in doc[i].get_size()) for i in range(len(doc))}
        texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()
    assert sizes == {(595, 842)}  # A4 portrait
    assert len(texts) >= 5  # one section (page) per dossier
    seen = "\n".join(texts)
    for name in ("commune_a", "commune_b", "commune_c", "commune_d", "commune_e"):
        assert name in seen
    c_page = next(t for t in texts if "commune_c" in t)
    assert "INCOMPLET" in c_page and "AF4-QUORUM" in c_page and "quorum" in c_page
    assert "Imprimé AF4" in c_page  # findings grouped under their pièce
    d_page = next(t for t in texts if "commune_d" in t)
    assert "Pièces manquantes" in d_page and "fiche de poste" in d_page.lower()
