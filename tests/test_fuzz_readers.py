"""Fuzzing the readers (Hypothesis): mutated and truncated PDFs, damaged images, damaged zips,
run through `pipeline check DOSSIER --json -` as a user runs it.

Whatever the damage: no traceback, an exit code of the documented set (0 complet, 1 incomplet,
2 refused input; 3 only if a system component is missing — never 4, the code of a bug), every
file either read or reported as FICHIER-ILLISIBLE by name, nothing written into the input
folder, no temporary extraction left behind. Budget: FUZZ_EXAMPLES (25 by default, shared
with tests/test_fuzz_loader.py; each example here runs a whole check, so a third of it), the
slow lane runs 10 times more.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli.main import main
from pipeline.read import limits
from tests.fuzz_inputs import mutate, snapshot, sound_inputs, sound_zip, write_folder

EXAMPLES = max(3, int(os.environ.get("FUZZ_EXAMPLES", "25")) // 3)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(FUZZ, max_examples=EXAMPLES * 10, derandomize=False)
SOUND = sound_inputs()
SECONDS = limits.limit("lecture", "secondes").valeur

POS = st.integers(0, 1 << 20)
OP = st.one_of(
    st.tuples(st.just("tronquer"), POS),
    st.tuples(st.just("octet"), POS, st.integers(0, 255)),
    st.tuples(st.just("inserer"), POS, st.one_of(
        st.binary(min_size=1, max_size=32),
        st.sampled_from([b"%%EOF", b"endobj", b"stream\n", b"endstream", b"/Length 999999999",
                         b"\x00" * 64, b"\xff" * 8, b"IEND", b"PK\x03\x04"]))),
    st.tuples(st.just("dupliquer"), POS, st.integers(1, 512)),
    st.tuples(st.just("supprimer"), POS, st.integers(1, 512)),
)
OPS = st.lists(OP, min_size=1, max_size=6)


def _tmp_extractions() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("pipeline-zip-*")}


class _PrivateTemp:
    """The check's temporary folders in a folder of this test only (other test processes may be
    extracting zips in the shared one at the same time)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self):
        self.folder.mkdir(exist_ok=True)
        self.saved, tempfile.tempdir = tempfile.tempdir, str(self.folder)
        return self

    def __exit__(self, *exc):
        tempfile.tempdir = self.saved


def run_check(target: Path, capsys) -> tuple[int, str, str, float]:
    """`pipeline check TARGET --json - --jobs 1`: exit code, stdout, stderr, seconds."""
    t = time.monotonic()
    try:
        main(["check", str(target), "--json", "-", "--jobs", "1"])
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    out = capsys.readouterr()
    return code, out.out, out.err, time.monotonic() - t


def assert_sane(code: int, out: str, err: str, seconds: float) -> None:
    assert "Traceback" not in out + err and "Erreur interne" not in err, err[-1500:]
    if code == 3:  # allowed only for a missing component, said in French
        assert "Tesseract" in err or "composant" in err, err[-800:]
    else:
        assert code in (0, 1, 2), (code, err[-800:])
    assert seconds < SECONDS + 30, seconds


def assert_each_file_read_or_reported(out: str, names: list[str]) -> None:
    rep = json.loads(out)["dossiers"][0]
    read = {f["file"] for f in rep["files"] if f["lisible"]}
    unreadable = {f.get("file") for f in rep["findings"] if f["rule"] == "FICHIER-ILLISIBLE"}
    for name in names:
        assert name in read or name in unreadable, (name, rep["files"], rep["findings"])
    for f in rep["findings"]:
        if f["rule"] == "FICHIER-ILLISIBLE":
            assert f["file"] in f["message"] and "ne peut pas être lu" in f["message"], f


def check_folder(folder: Path, capsys) -> None:
    before = snapshot(folder)
    code, out, err, seconds = run_check(folder, capsys)
    assert_sane(code, out, err, seconds)
    assert code != 2, err[-800:]  # damaged pièces are findings, not a refusal
    if code in (0, 1):
        assert_each_file_read_or_reported(out, sorted(before))
    assert snapshot(folder) == before, "le dossier reçu a été modifié"


# ---------------------------------------------------------------- PDF
def _pdf_case(tmp_path: Path, ops: list, capsys) -> None:
    folder = write_folder(tmp_path / "dossier", {"arrete.pdf": mutate(SOUND["arrete.pdf"], ops)})
    check_folder(folder, capsys)


@FUZZ
@given(ops=OPS)
def test_damaged_pdf(ops, tmp_path_factory, capsys):
    _pdf_case(tmp_path_factory.mktemp("pdf"), ops, capsys)


@FUZZ
@given(cut=st.integers(0, len(SOUND["arrete.pdf"]) - 1))
def test_truncated_pdf(cut, tmp_path_factory, capsys):
    _pdf_case(tmp_path_factory.mktemp("pdf"), [("tronquer", cut)], capsys)


# ---------------------------------------------------------------- images
@FUZZ
@given(name=st.sampled_from(["certificat.png", "certificat.jpg", "certificat.tif"]), ops=OPS)
def test_damaged_image(name, ops, tmp_path_factory, capsys):
    folder = write_folder(tmp_path_factory.mktemp("img"), {name: mutate(SOUND[name], ops)})
    check_folder(folder, capsys)


# ---------------------------------------------------------------- zip
def _zip_case(tmp_path: Path, ops: list, capsys) -> None:
    members = {"dossier/arrete.pdf": SOUND["arrete.pdf"], "dossier/certificat.png": SOUND["certificat.png"]}
    z = tmp_path / "envoi.zip"
    z.write_bytes(mutate(sound_zip(members), ops))
    before = snapshot(tmp_path)
    with _PrivateTemp(tmp_path.parent / f"{tmp_path.name}-tmp"):
        extractions = _tmp_extractions()
        code, out, err, seconds = run_check(z, capsys)
        left = _tmp_extractions()
    assert_sane(code, out, err, seconds)
    if code == 2:
        assert "archive refusée" in err and str(z) in err, err[-800:]
    elif code in (0, 1):
        rep = json.loads(out)["dossiers"][0]
        names = [f["file"] for f in rep["files"]]
        assert_each_file_read_or_reported(out, names)
    assert snapshot(tmp_path) == before, "le dossier de l'archive a été modifié"
    assert left <= extractions, "extraction temporaire laissée sur le disque"


@FUZZ
@given(ops=OPS)
def test_damaged_zip(ops, tmp_path_factory, capsys):
    _zip_case(tmp_path_factory.mktemp("zip"), ops, capsys)


def test_sound_inputs_are_read(tmp_path, capsys):
    """The fuzz starts from files that the check reads: damage is what makes them fail."""
    folder = write_folder(tmp_path / "dossier", dict(SOUND))
    code, out, err, _ = run_check(folder, capsys)
    assert code in (0, 1), err
    rep = json.loads(out)["dossiers"][0]
    assert sorted(f["file"] for f in rep["files"] if f["lisible"]) == sorted(SOUND)
    assert not [f for f in rep["findings"] if f["rule"] == "FICHIER-ILLISIBLE"]


@pytest.mark.slow
@SLOW
@given(kind=st.sampled_from(["pdf", "png", "jpg", "tif", "zip"]), ops=OPS)
def test_damaged_inputs_long(kind, ops, tmp_path_factory, capsys):
    tmp = tmp_path_factory.mktemp(kind)
    if kind == "pdf":
        _pdf_case(tmp, ops, capsys)
    elif kind == "zip":
        _zip_case(tmp, ops, capsys)
    else:
        name = f"certificat.{kind}"
        check_folder(write_folder(tmp, {name: mutate(SOUND[name], ops)}), capsys)
