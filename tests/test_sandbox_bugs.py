"""A bug of the program met while reading is an internal error (exit code 4, French message
asking to report it), never a FICHIER-ILLISIBLE finding on the user's dossier; a file the
parsing libraries reject stays FICHIER-ILLISIBLE (tests/test_fuzz_readers.py, test_limits_sandbox.py)."""
from __future__ import annotations

import json

import pikepdf
import pytest
from pypdf import PdfReader

from pipeline.cli.main import main
from pipeline.errors import ExitCode
from pipeline.read import identify, sandbox


def _folder(tmp_path):
    folder = tmp_path / "dossier"
    folder.mkdir()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(folder / "piece.pdf")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4\nceci n'est pas un PDF lisible\n")
    return folder


@pytest.mark.parametrize("isolate", ["1", "0"])
def test_a_bug_in_our_reading_code_is_an_internal_error_not_a_finding(isolate, tmp_path, monkeypatch, capsys):
    folder = _folder(tmp_path)
    # A real bug in pipeline code: the catalogue entry's titles are not a list (page_scores
    # iterates them). Forked workers inherit the patched module.
    monkeypatch.setattr(identify, "_CAT", [{"piece": "af3", "titres": None}])
    monkeypatch.setenv("PIPELINE_ISOLATION", isolate)
    with pytest.raises(SystemExit) as e:
        main(["check", str(folder), "--json", "-"])
    out = capsys.readouterr()
    assert e.value.code == ExitCode.INTERNE == 4
    err = " ".join(out.err.split())
    assert "erreur interne du programme pendant la lecture de « " in err
    assert "TypeError, pipeline.read.identify, ligne" in err
    assert "ce n'est pas un défaut du fichier" in err and "Signalez-le aux mainteneurs" in err
    assert "Traceback" not in out.err + out.out
    assert "FICHIER-ILLISIBLE" not in out.out  # no report, no false finding


def test_the_same_folder_without_the_bug_gives_its_findings(tmp_path, capsys):
    folder = _folder(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["check", str(folder), "--json", "-"])
    assert e.value.code == ExitCode.INCOMPLET
    findings = json.loads(capsys.readouterr().out)["dossiers"][0]["findings"]
    unreadable = [f for f in findings if f["rule"] == "FICHIER-ILLISIBLE"]
    assert [f["file"] for f in unreadable] == ["notes.pdf"]


def _raise_in_library():
    PdfReader(123)  # pypdf fails on what it is given: AttributeError inside pypdf


def _raise_in_pipeline():
    from pipeline.read.identify import page_scores

    page_scores(None)  # None.split: AttributeError in pipeline code


def _raise_through_stdlib():
    import re

    re.search("x", None)  # TypeError inside re, called from here (not pipeline code)


def _raise_through_stdlib_from_pipeline():
    from pipeline.read import labels

    labels._start(None, "x")  # re relays a None our code passed: ours


@pytest.mark.parametrize("fn, where", [
    (_raise_in_library, None), (_raise_through_stdlib, None),
    (_raise_in_pipeline, "pipeline.read.identify, ligne "), (_raise_through_stdlib_from_pipeline, "pipeline.read.labels, ligne "),
])
def test_bug_criterion(fn, where):
    with pytest.raises(Exception) as e:
        fn()
    found = sandbox.bug_location(e.value)
    assert (found is None) if where is None else found.startswith(where), found


def test_a_parsing_error_type_is_never_a_bug():
    try:
        int("x")
    except ValueError as e:
        assert sandbox.bug_location(e) is None
