"""Meta-test: every registered rule has a unit test that fires it (marked `@pytest.mark.fires(ID)`)."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from pipeline.validators.registry import all_rules


def _fired_ids() -> set[str]:
    fired = set()
    for path in Path(__file__).parent.glob("test_rules_*.py"):
        mod = importlib.import_module(f"tests.rules.{path.stem}")
        for _, func in inspect.getmembers(mod, inspect.isfunction):
            for mark in getattr(func, "pytestmark", []):
                if mark.name == "fires":
                    fired.update(mark.args)
    return fired


def test_every_registered_rule_has_a_test_that_fires_it():
    registered = {r.id for r in all_rules()}
    fired = _fired_ids()
    assert registered - fired == set(), "règles sans test qui les déclenche"
    assert fired - registered == set(), "tests marqués pour une règle qui n'existe pas"
