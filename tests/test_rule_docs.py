"""The explanation of a rule lives with its definition; docs/rules/ is generated from it."""
from __future__ import annotations

import importlib.util
import re

from pipeline.validators.registry import all_rules
from tests.paths import REPO

# Internal working files of the project: a user-facing source never names them.
INTERNAL = re.compile(r"rules\.md|pieces\.md|computations\.md|seed\s*\d+|README du domaine|\.ya?ml\b", re.I)
# What a public source looks like: a legal text, an official form or page, a CDG's guidance.
PUBLIC = re.compile(r"décret|arrêté|code |CNRACL|INSEE|CDG\d+|loi n°", re.I)


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", REPO / "scripts" / "gen_rule_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_docs_rules_is_up_to_date_with_the_generator():
    gen = _generator()
    assert gen.stale() == [], "lancez : python scripts/gen_rule_docs.py"
    pages = gen.render()
    assert set(pages) == {f"{r.id}.md" for r in all_rules()} | {"README.md"}
    page = (REPO / "docs" / "rules" / "AF4-QUORUM.md").read_text(encoding="utf-8")
    for title in ("## Pourquoi", "## Que faire", "## Exemple", "## Source"):
        assert title in page
    assert "86-442" in page


def test_generator_check_sees_a_stale_page(tmp_path):
    gen = _generator()
    for name, text in gen.render().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert gen.stale(tmp_path) == []
    (tmp_path / "PAGE-BLANCHE.md").write_text("modifiée à la main", encoding="utf-8")
    (tmp_path / "ANCIENNE.md").write_text("x", encoding="utf-8")
    assert gen.stale(tmp_path) == ["ANCIENNE.md", "PAGE-BLANCHE.md"]


def test_every_source_is_public_and_no_text_names_an_internal_file():
    for r in all_rules():
        assert PUBLIC.search(r.source), (r.id, r.source)
        for text in (r.source, r.checks, r.why, r.todo, r.example):
            assert not INTERNAL.search(text.replace("dossier.yaml", "")), (r.id, text)
