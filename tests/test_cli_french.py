"""The command line speaks French: usage errors, help pages, option values, dossier values.

The real entry point runs in a subprocess with an English locale, as on a server.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.paths import REPO

SAMPLE = REPO / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"
# English words Typer/Click/pydantic would print; none may reach a user.
ENGLISH = re.compile(r"\b(Usage|No such|Did you mean|Missing|Input should|Got unexpected|requires|"
                     r"Show this message|Commands|Error|Aborted|default|required|Try)\b")


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env.pop("LANGUAGE", None)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def english_left(text: str) -> list[str]:
    return ENGLISH.findall(text)


def test_unknown_command_is_french_with_a_suggestion():
    r = run("biuld")
    assert r.returncode == 2
    assert "Commande inconnue : « biuld »" in r.stderr
    assert "vouliez-vous dire build" in r.stderr
    assert english_left(r.stderr + r.stdout) == []


SLOW = pytest.mark.slow  # one process each: the fast lane keeps one case of each kind


@pytest.mark.parametrize("args, expected", [
    (("check", "--jobs", "x", "."), "valeur invalide pour --jobs : nombre entier attendu"),
    (("check", "--nope"), "option inconnue : --nope"),
    pytest.param(("validate",), "argument obligatoire absent : DOSSIER", marks=SLOW),
    pytest.param(("init", "a.yaml", "b", "c"), "argument(s) en trop : b c", marks=SLOW),
    pytest.param(("check", "--profile"), "l'option --profile attend une valeur", marks=SLOW),
    pytest.param(("estimate", "--json=oui", "x.yaml"), "l'option --json n'attend pas de valeur", marks=SLOW),
])
def test_usage_errors_are_french(args, expected, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert expected in r.stderr
    assert "Aide : pipeline" in r.stderr
    assert english_left(r.stderr) == []


@pytest.mark.parametrize("command", ["", "check", *(pytest.param(c, marks=SLOW) for c in ("estimate", "rules", "init", "watch"))])
def test_help_pages_are_french(command):
    r = run(*([command] if command else []), "--help")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Utilisation : pipeline" in out
    assert "Affiche cette aide." in out
    assert english_left(out) == []
    for leak in ("<bool>", "<path>", "<str>", "<int>", "{"):
        assert leak not in out, f"{leak} in help of {command!r}"


def test_help_of_check_names_arguments_and_types_in_french():
    out = run("check", "--help").stdout
    assert "Utilisation : pipeline check [OPTIONS] [DOSSIER]" in out
    assert "<chemin>" in out and "<entier>" in out
    assert "Commandes" in run("--help").stdout


def test_version():
    r = run("--version")
    assert r.returncode == 0
    assert re.fullmatch(r"pipeline \d+\.\d+\.\d+\S*\n", r.stdout)


@pytest.mark.parametrize("field, value, expected", [
    ("heures_hebdomadaires: 35", "heures_hebdomadaires: trente-cinq", "nombre attendu"),
    pytest.param("affiliation_cnracl: true", "affiliation_cnracl: peut-être", "oui/non attendu", marks=SLOW),
    pytest.param("date_naissance: 1967-09-14", "date_naissance: 14/09/1967", "date", marks=SLOW),
])
def test_dossier_value_errors_are_french(tmp_path, field, value, expected):
    text = SAMPLE.read_text(encoding="utf-8")
    assert field in text
    bad = tmp_path / "dossier.yaml"
    bad.write_text(text.replace(field, value, 1), encoding="utf-8")
    r = run("validate", str(bad))
    assert r.returncode == 2
    assert expected in r.stderr
    line = next(i for i, l in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if value in l)
    assert f"ligne {line}" in r.stderr
    assert english_left(r.stderr) == []
    assert "should" not in r.stderr


def test_catalogue_is_compiled_from_the_po():
    """The shipped .mo says what the .po says (recompile with `make locale`)."""
    import gettext

    from pipeline.cli.i18n import locale_dir

    po = (locale_dir() / "fr/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', po, flags=re.M)
    assert len(pairs) >= 15
    mo = gettext.translation("messages", str(locale_dir()), languages=["fr"])
    for msgid, msgstr in pairs:
        assert mo.gettext(msgid) == msgstr


def test_no_command_prints_the_help_without_an_empty_error():
    r = run()
    assert r.returncode == 2
    assert "Utilisation : pipeline [OPTIONS] COMMANDE [ARGUMENTS]..." in r.stdout
    assert "Erreur" not in r.stderr
