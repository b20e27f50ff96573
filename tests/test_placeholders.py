"""A value left to fill is refused with its line (exit 2), never a valid dossier."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipeline.dossier.load import parse_text
from pipeline.errors import InvalidInput
from pipeline.text import is_placeholder, same_person
from tests.paths import REPO

SAMPLE = REPO / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"


def _variant(old: str, new: str) -> str:
    text = SAMPLE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("old, new, field", [
    ("nom_naissance: Lefèvre", 'nom_naissance: "À COMPLÉTER"', "agent.nom_naissance"),
    ("nom_naissance: Lefèvre", "nom_naissance: A completer", "agent.nom_naissance"),
    ("prenoms: Sophie Marie", 'prenoms: ""', "agent.prenoms"),
    ("prenoms: Sophie Marie", 'prenoms: "()"', "agent.prenoms"),
    ("qualite: Le Maire", 'qualite: "  "', "employeur.signataire.qualite"),
])
def test_placeholder_is_an_error_with_its_line(old, new, field):
    text = _variant(old, new)
    with pytest.raises(InvalidInput) as e:
        parse_text(text, "dossier.yaml")
    problems = [p for p in e.value.problems if p.field == field]
    assert len(problems) == 1, e.value.problems
    assert problems[0].line == _line_of(text, new)
    assert "remplacez-le par la valeur réelle" in problems[0].message or "valeur vide" in problems[0].message


def test_cli_refuses_a_placeholder_with_exit_2(tmp_path):
    bad = tmp_path / "dossier.yaml"
    bad.write_text(_variant("fonctions: Agent d'entretien", 'fonctions: "À COMPLÉTER" #'), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(bad)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 2
    line = _line_of(bad.read_text(encoding="utf-8"), "À COMPLÉTER")
    assert f"ligne {line}" in r.stderr and "agent.fonctions" in r.stderr and "« À COMPLÉTER » est resté" in r.stderr
    assert "Traceback" not in r.stderr


def test_two_placeholder_doctors_are_not_the_same_doctor():
    assert not same_person("À COMPLÉTER", "À COMPLÉTER")
    assert not same_person("()", "()")
    assert same_person("Dr Paul Martin", "MARTIN Paul")
    # the skeleton: each doctor is reported as left to fill, not as « the médecin agréé »
    from pipeline.dossier.skeleton import skeleton

    with pytest.raises(InvalidInput) as e:
        parse_text(skeleton("non_imputable", "toutes_fonctions"), "dossier.yaml")
    messages = [p.message for p in e.value.problems]
    assert not any("médecin agréé qui remplit" in m for m in messages)
    fields = {p.field for p in e.value.problems}
    assert {"medecin_traitant.nom", "medecin_agree.nom"} <= fields


def test_coherence_does_not_call_placeholder_doctors_the_same():
    from pipeline.dossier.coherence import check_coherence
    from pipeline.dossier.load import parse_text as parse

    d, located = parse(SAMPLE.read_text(encoding="utf-8"), "dossier.yaml")
    same = d.model_copy(update={"medecin_traitant": d.medecin_agree.model_copy(update={"nom": "À COMPLÉTER", "prenom": None}),
                                "medecin_agree": d.medecin_agree.model_copy(update={"nom": "À COMPLÉTER", "prenom": None})})
    assert not [p for p in check_coherence(same, located) if "médecin agréé" in p.message]


@pytest.mark.parametrize("value, expected", [
    ("À COMPLÉTER", True), ("a compléter", True), ("", True), ("()", True), (" - ", True), ("TODO", True),
    ("Martin", False), ("Le Maire", False), ("50000", False), (None, False), (12, False),
])
def test_is_placeholder(value, expected):
    assert is_placeholder(value) is expected
