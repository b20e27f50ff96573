"""No user-facing output names an internal file of the project: public sources only.

The estimate, the rule catalogue and pages, the timeline, the checklist of a build and the
HTML report of a check are read as a user gets them.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.paths import REPO

INTERNAL = re.compile(r"seed\s*0\d\d|\bseed\b|computations\.md|pieces\.md|rules\.md|WORDING\.md|domain/|"
                      r"shared/|README\.md", re.I)
SAMPLES = sorted(REPO.glob("samples/0*/dossier.yaml"))


def run(*args: str, cwd=None) -> str:
    r = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=300,
                       cwd=cwd, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode in (0, 1), r.stderr
    return r.stdout + r.stderr


def leaks(text: str) -> list[str]:
    return sorted({m.group(0) for m in INTERNAL.finditer(text)})


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.parent.name)
def test_estimate_cites_public_sources(sample):
    text = run("estimate", str(sample))  # the JSON carries the same sources
    assert leaks(text) == []
    assert "2003-1306" in text  # the décret the estimate rests on


def test_rules_catalogue_and_pages_cite_public_sources():
    catalogue = run("rules", "--json")  # every rule's page: what it checks, why, what to do, source
    assert leaks(run("rules")) == [] and leaks(catalogue) == []
    rules = json.loads(catalogue)
    assert len(rules) > 15 and all(r["source"] for r in rules)
    assert leaks(run("rules", "PIECE-MANQUANTE")) == []


def test_timeline_and_build_checklist(tmp_path):
    sample = SAMPLES[0]
    assert leaks(run("timeline", str(sample))) == []
    out = tmp_path / "out"
    text = run("build", str(sample), "-o", str(out), "--no-pdf")
    files = [p for p in out.rglob("*") if p.suffix in (".txt", ".json")]
    assert files
    for p in files:
        text += p.read_text(encoding="utf-8")
    assert leaks(text) == []


def test_html_report_cites_public_sources(tmp_path):
    root = tmp_path / "lot"
    for name in ("A", "B"):
        (root / name).mkdir(parents=True)
        (root / name / "note.txt").write_text("rien", encoding="utf-8")
    page = tmp_path / "rapport.html"
    run("check", "--batch", str(root), "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert "PIECE-MANQUANTE" in html and "Source :" in html
    assert leaks(html) == []
