"""Session fixture: the PDF sample dossiers of `pipeline check`, generated once per test run.

`check_samples` runs samples/make_check_samples.py (with scans) into a temporary folder and
returns its index (index.json) with one more key, "root": the folder as a Path. Layout and
meaning of each folder: samples/CHECK_SAMPLES.md.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def load_generator():
    """The samples/make_check_samples.py module (samples/ is not a package)."""
    name = "make_check_samples"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLES / "make_check_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def check_samples(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("check_samples") / "out"
    index = load_generator().generate(out, scans=True)
    return {**index, "root": out}
