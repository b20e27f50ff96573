"""The house: no import cycle, no import from a lower floor to a higher one (README « Architecture »)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

from tests.paths import REPO


def _script():
    spec = importlib.util.spec_from_file_location("import_graph", REPO / "scripts/import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ig = _script()


def test_every_stage_package_has_a_floor():
    g = ig.graph()
    assert len(g) > 50
    stages = {ig.stage(m) for m in g}
    assert {"foundation", "dossier", "compute", "build", "read", "validators", "check", "watch", "cli"} <= stages
    for name in (REPO / "pipeline").iterdir():
        if name.is_dir() and (name / "__init__.py").exists():
            assert name.name in ig.FLOORS, f"pipeline/{name.name}/ has no floor in scripts/import_graph.py"


def test_no_import_cycle():
    assert ig.cycles(ig.graph()) == []


def test_no_upward_import():
    assert ig.upward(ig.graph()) == []


def test_the_checks_see_a_cycle_and_an_upward_import(tmp_path):
    """The detector itself: a small package with both faults."""
    pkg = tmp_path / "pipeline"
    for sub in ("dossier", "check", "cli"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "dossier" / "load.py").write_text("from pipeline.dossier import coherence\n", encoding="utf-8")
    (pkg / "dossier" / "coherence.py").write_text(
        "def f():\n    from pipeline.dossier.load import x\n    from pipeline.check import run\n", encoding="utf-8")
    (pkg / "check" / "run.py").write_text("from . import report\n", encoding="utf-8")
    (pkg / "check" / "report.py").write_text("import pipeline.dossier.load\n", encoding="utf-8")
    g = ig.graph({"pipeline": pkg})
    assert ig.cycles(g) == [["pipeline.check.report", "pipeline.check.run", "pipeline.dossier.coherence",
                             "pipeline.dossier.load"]]
    assert ig.upward(g) == [("pipeline.dossier.coherence", "pipeline.check"),
                            ("pipeline.dossier.coherence", "pipeline.check.run")]
    assert g["pipeline.check.run"] == {"pipeline.check", "pipeline.check.report"}  # relative import resolved


def test_script_prints_the_graph_and_exits_0():
    r = subprocess.run([sys.executable, str(REPO / "scripts/import_graph.py")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Cycles d'import : 0" in r.stdout and "Imports vers un étage supérieur : 0" in r.stdout
    assert "cli" in r.stdout and "dossier" in r.stdout
