"""`pip install .` works: build the wheel, install it in a fresh venv (no system site-packages,
no editable install), and run the main commands from a neutral folder on a sample."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO

pytestmark = pytest.mark.slow

SAMPLE = REPO / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"


def _run(cmd, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv where the wheel (not the source tree) is installed."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(REPO)], root)
    assert built.returncode == 0, built.stderr
    wheels = list((root / "dist").glob("pipeline_invalidite-*.whl"))
    assert len(wheels) == 1
    venv = root / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], root)
    assert made.returncode == 0, made.stderr
    inst = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheels[0])], root, timeout=1200)
    assert inst.returncode == 0, inst.stderr[-3000:]
    return venv / "bin"


def _clean(res):
    for stream in (res.stdout, res.stderr):
        assert "Traceback" not in stream and "FileNotFoundError" not in stream, stream[-2000:]


def test_the_installed_wheel_runs_every_main_command_from_a_neutral_folder(installed, tmp_path):
    work = tmp_path / "neutre"
    work.mkdir()
    pipeline = str(installed / "pipeline")

    where = _run([str(installed / "python"), "-c", "import pipeline; print(pipeline.__file__)"], work)
    assert where.returncode == 0 and "site-packages" in where.stdout and str(REPO) not in where.stdout

    init = _run([pipeline, "init", "squelette.yaml"], work)
    _clean(init)
    assert init.returncode == 0 and (work / "squelette.yaml").is_file()
    skeleton = _run([pipeline, "validate", "squelette.yaml"], work)
    _clean(skeleton)
    assert skeleton.returncode == 2 and "squelette.yaml, ligne" in skeleton.stderr + skeleton.stdout

    (work / "dossier.yaml").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    valid = _run([pipeline, "validate", "dossier.yaml"], work)
    _clean(valid)
    assert valid.returncode == 0 and "description valide" in valid.stdout

    build = _run([pipeline, "build", "dossier.yaml", "-o", "out"], work)
    _clean(build)
    assert build.returncode == 0, build.stderr
    out = work / "out" / "INV-2026-0001"
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert "af3.pdf" in " ".join(pdfs).lower() or len(pdfs) >= 5, pdfs
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["schema"] == "pipeline-build/1"

    check = _run([pipeline, "check", str(out), "--json", "-"], work)
    _clean(check)
    assert check.returncode == 1, check.stderr  # the AF3 / AF4 come from the doctors: incomplet
    report = json.loads(check.stdout[check.stdout.index("{"):])
    assert report["dossiers"][0]["status"] == "incomplet"
    assert "PIECE-MANQUANTE" in {f["rule"] for f in report["dossiers"][0]["findings"]}

    rules = _run([pipeline, "rules", "--json"], work)
    _clean(rules)
    assert rules.returncode == 0 and "AF4-QUORUM" in {r["id"] for r in json.loads(rules.stdout)}
    page = _run([pipeline, "rules", "AF4-QUORUM"], work)
    _clean(page)
    assert page.returncode == 0 and "Que faire" in page.stdout

    estimate = _run([pipeline, "estimate", "dossier.yaml"], work)
    _clean(estimate)
    assert estimate.returncode == 0 and "€" in estimate.stdout
