"""The rule catalogue: every rule module, in catalogue order, and running them on a dossier.

Like a linter's codes: `pipeline rules` prints this catalogue from the code itself, and the
ids are a public interface: add new ids, never rename.
"""
from __future__ import annotations

from pipeline.validators import rules_af3, rules_af4, rules_dossier, rules_pieces
from pipeline.validators.base import REGISTRY, SEVERITIES, Finding, Hit, Rule, rule  # noqa: F401

# Importing a rule module registers its rules; the catalogue lists them in this order.
MODULES = (rules_pieces, rules_af3, rules_af4, rules_dossier)


def all_rules() -> list[Rule]:
    rank = {m.__name__: i for i, m in enumerate(MODULES)}
    return sorted(REGISTRY.values(), key=lambda r: rank[r.func.__module__])  # stable: source order within a module


def run_all(ctx) -> list[Finding]:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    out: list[Finding] = []
    for r in all_rules():
        out.extend(r.run(ctx))
    return sorted(out, key=lambda f: order[f.severity])
