"""Tables and progress read well in an 80-column terminal: ids never cut, words never split."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

from rich.console import Console

from tests.paths import REPO

SAMPLE = REPO / "samples/05_maladie_professionnelle_tierce_personne/dossier.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "LINES": "50"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def cell_tokens(out: str) -> set[str]:
    """Words printed inside the table cells (box characters and the ellipsis removed)."""
    text = re.sub(r"[│┃┏┓┗┛┡┩┠┨━─┳┻╇┼├┤└┘┌┐┬┴╋┣┫]", " ", out)
    return set(text.split())


def test_rules_table_keeps_ids_and_words_whole_at_80_columns():
    r = run("rules")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in r.stdout
    catalogue = json.loads(run("rules", "--json").stdout)
    for rule in catalogue:
        assert any(re.search(rf"(^|\s){re.escape(rule['id'])}(\s|$)", line) for line in lines), rule["id"]
    words = set()
    for rule in catalogue:
        words |= set(f"{rule['id']} {rule['severity']} {rule['checks']} {rule['source']}".split())
    words |= set("Règles de « pipeline check » Règle / gravité Ce qu'elle vérifie Source".split())
    split = cell_tokens(r.stdout) - words
    assert split == set(), f"words cut in the middle: {sorted(split)[:10]}"


def test_estimate_timeline_career_fit_80_columns_without_cutting_words():
    for command in ("estimate", "timeline", "career"):
        r = run(command, str(SAMPLE))
        assert r.returncode == 0, r.stderr
        table = [line for line in r.stdout.splitlines() if line[:1] in "┏┃┡│└"]
        assert table and max(len(line) for line in table) <= 80, command
        assert "…" not in r.stdout, command
        if command == "career":  # the nine CSV columns used to be folded letter by letter
            tokens = cell_tokens("\n".join(table))
            assert {"Position", "Quotité", "Activité", "Agent", "social", "stagiaire", "01/02/2004"} <= tokens


def _batch(tmp_path):
    root = tmp_path / "lot"
    for name in ("INV-2026-0001", "INV-2026-0002-collectivite-de-saint-lo"):
        (root / name).mkdir(parents=True)
        (root / name / "note.txt").write_text("rien", encoding="utf-8")
    return root


def test_batch_table_at_80_columns(tmp_path):
    r = run("check", "--batch", str(_batch(tmp_path)))
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    tokens = cell_tokens(r.stdout)
    assert {"INV-2026-0001", "INV-2026-0002-collectivite-de-saint-lo", "incomplet", "fiche_de_poste",
            "expertise_medicale,"} <= tokens
    assert "…" not in r.stdout


def test_batch_progress_names_the_dossier_and_shows_elapsed_time(tmp_path):
    from pipeline.check.run import batch_folders, check_batch
    from pipeline.cli.check import _run_batch

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    reports = _run_batch(_batch(tmp_path), None, 1, console, batch_folders, check_batch)
    shown = out.getvalue()
    assert len(reports) == 2
    assert "Contrôle du lot" in shown
    assert "dossier INV-2026-0001" in shown
    assert re.search(r"écoulé \d+:\d\d:\d\d", shown)
