"""Across stages: what a gestionnaire sees when the tools are used one after the other."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.check.run import check_batch, check_dossier
from pipeline.read.labels import text_yesno_marks
from pipeline.text import fold

ROOT = Path(__file__).resolve().parent.parent
SAMPLE1 = ROOT / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"


@pytest.fixture(scope="module")
def built_01(tmp_path_factory):
    out = tmp_path_factory.mktemp("integration")
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", str(SAMPLE1), "-o", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return out / "INV-2026-0001"


def test_check_of_a_fresh_build_lists_what_others_must_still_do(built_01):
    """The pre-filled AF3 goes to the doctor: the check says exactly what is still to be done,
    and does not trip over the build's own manifest, checklist and zip."""
    report = check_dossier(built_01)
    rules = sorted((f.rule, f.piece) for f in report.findings)
    assert rules == [
        ("AF3-PARTIE-MEDECIN-VIDE", "af3"),
        ("AF3-SIGNATURE-EMPLOYEUR", "af3"),
        ("PIECE-MANQUANTE", "expertise_medicale"),
    ]
    # The doctor's unfitness question is blank (two empty boxes): no answer, so no
    # attestation de reclassement is asked for on that account.
    data = report.as_dict()
    status = {p["id"]: p["status"] for p in data["pieces"]}
    assert status["attestation_reclassement"] == "non_requise"
    assert report.status == "incomplet"


def test_two_printed_empty_boxes_mean_no_answer():
    text = fold("L'agent est-il inapte à toutes fonctions ? ☐ Oui ☐ Non\nSi « Non » : l'attestation "
                "relative au reclassement est obligatoire.")
    assert text_yesno_marks(text, "inapte a toutes (les )?fonctions") == (None, True, True)
    ticked = text.replace("☐ non", "☒ non", 1)
    assert text_yesno_marks(ticked, "inapte a toutes (les )?fonctions") == (False, True, True)


def test_batch_ignores_tool_and_hidden_folders(tmp_path, check_samples):
    root = tmp_path / "lot"
    src = Path(check_samples["root"]) / "01_non_imputable_toutes_fonctions" / "complet"
    shutil.copytree(src, root / "commune_a")
    (root / "_watch" / "travail").mkdir(parents=True)
    (root / "_watch" / "journal.sqlite").write_bytes(b"SQLite format 3\x00")
    (root / ".cache").mkdir()
    reports = list(check_batch(root, jobs=1))
    assert [r.dossier for r in reports] == ["commune_a"]
    assert reports[0].status == "complet"


def test_cli_json_to_stdout_is_pure_json(built_01):
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", "check", str(built_01), "--json", "-"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert data["schema"] == "pipeline-check/1"
    assert data["summary"] == {"dossiers": 1, "complets": 0, "incomplets": 1}


def test_timeline_json_gives_the_dates_a_tool_needs():
    res = subprocess.run([sys.executable, "-m", "pipeline.cli", "timeline",
                          str(ROOT / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["schema"] == "pipeline-timeline/1"
    # Potential radiation date for PEP'S: the day after the plenary council (22/09/2026).
    assert data["date_radiation_potentielle"] == "2026-09-23"
    assert data["limite_age"] == "2034-09-14"
    assert {e["code"] for e in data["etapes"]} >= {"restreint", "af3", "pleniere"}
    assert data["fins_droits"][-1]["libelle"] == "disponibilité d'office" and data["fins_droits"][-1]["en_cours"]


def test_every_rule_has_a_page_saying_why_and_what_to_do():
    from pipeline.validators.registry import all_rules

    for r in all_rules():
        assert len(r.why) > 40 and len(r.todo) > 20 and len(r.example) > 20, r.id


def test_cli_rule_page_and_unknown_rule():
    page = subprocess.run([sys.executable, "-m", "pipeline.cli", "rules", "af4-quorum"],
                          capture_output=True, text=True, timeout=60)
    assert page.returncode == 0
    assert "AF4-QUORUM — gravité : bloquant" in page.stdout and "Que faire" in page.stdout
    assert "reconvoquer" in page.stdout and "Exemple" in page.stdout and "86-442" in page.stdout
    bad = subprocess.run([sys.executable, "-m", "pipeline.cli", "rules", "AF4-QUORAM"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "vouliez-vous dire AF4-QUORUM" in bad.stderr
