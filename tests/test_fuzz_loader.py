"""Fuzzing the dossier loader (Hypothesis): structured mutants of the samples' dossier.yaml.

Keys removed, types changed, unicode oddities, impossible dates, huge values, raw byte
damage. Whatever the input, `pipeline validate / estimate / timeline --ics` answer with a
documented exit code (0 done, 1 incomplet, 2 bad input — never 4, the code of a bug), print
no traceback, and write nothing when they refuse. Budget: FUZZ_EXAMPLES (25 by default;
the slow lane runs 10 times more).
"""
from __future__ import annotations

import copy
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli.main import main
from pipeline.dossier.yamlio import Loader
from tests.paths import REPO

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SAMPLES = sorted((REPO / "samples").glob("0*/dossier.yaml"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(FUZZ, max_examples=EXAMPLES * 10, derandomize=False)


def _plain(x):
    """YAML-dumpable copy (Decimal → text as written)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, Decimal):
        return float(x) if x == x.to_integral_value() or abs(x) < 1e15 else str(x)
    return x


BASES = [_plain(yaml.load(p.read_text(encoding="utf-8"), Loader=Loader)) for p in SAMPLES]

ODD_TEXT = st.sampled_from([
    "", " ", "\u200b", "\ufeffNOM", "e\u0301", "Ω" * 50, "🙂", "\u202eLTR", "a\x00b", "\t\t",
    "null", "~", "yes", "0x1F", "1e999", "-0", "2026-02-30", "2026-13-01", "0000-00-00",
    "31/12/2026", "9999-12-31", "1900-01-01", "'", '"', "- - -", "{}", "[]", "&a", "*a", "!!python/object:os.system",
])
VALUES = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    ODD_TEXT, st.text(max_size=40),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just("x" * 5000),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutants(draw) -> str:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    paths = [p for p in _paths(doc) if p]
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        op = draw(st.sampled_from(["delete", "replace", "replace", "rename"]))
        key = path[-1]
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(VALUES)
        elif isinstance(parent, dict):
            parent[draw(ODD_TEXT | st.text(max_size=8))] = parent.pop(key)
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except Exception:
        text = "dossier: ["
    # Raw damage now and then: truncation, a byte flipped into something else.
    cut = draw(st.one_of(st.none(), st.integers(0, max(0, len(text) - 1))))
    if cut is not None and draw(st.booleans()):
        text = text[:cut]
    return text


def _run(args, capsys) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    out = capsys.readouterr()
    return code, out.out + out.err


def _check_text(text: str, tmp_path: Path, capsys, encoding="utf-8") -> None:
    f = tmp_path / "dossier.yaml"
    f.write_bytes(text.encode(encoding, "surrogatepass") if isinstance(text, str) else text)
    ics = tmp_path / "cal.ics"
    ics.unlink(missing_ok=True)
    for args in (["validate", str(f)], ["estimate", "--json", str(f)], ["timeline", "--ics", str(ics), str(f)]):
        before = sorted(p.name for p in tmp_path.iterdir())
        code, out = _run(args, capsys)
        assert code in (0, 1, 2), (args[0], code, out[-800:], text[:2000])
        assert "Traceback" not in out and "Erreur interne" not in out, (args[0], out[-800:])
        if code == 2:
            assert "Erreur" in out
            assert sorted(p.name for p in tmp_path.iterdir()) == before, "écrit malgré un refus"
        ics.unlink(missing_ok=True)


@FUZZ
@given(text=mutants())
def test_structured_mutants(text, tmp_path, capsys):
    _check_text(text, tmp_path, capsys)


@FUZZ
@given(data=st.data())
def test_raw_byte_damage(data, tmp_path, capsys):
    raw = bytearray(SAMPLES[data.draw(st.integers(0, len(SAMPLES) - 1))].read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    _check_text(bytes(raw), tmp_path, capsys)


@pytest.mark.slow
@SLOW
@given(text=mutants())
def test_structured_mutants_long(text, tmp_path, capsys):
    _check_text(text, tmp_path, capsys)


@pytest.mark.parametrize("value", [".inf", "-.Inf", ".nan"])
def test_non_finite_yaml_float_is_a_french_refusal(value, tmp_path, capsys):
    """Found by the long fuzz lane: `dossier: .inf` crashed the Decimal loader (exit 4)."""
    text = SAMPLES[0].read_text("utf-8").replace("  tib: 2200.0", f"  tib: {value}")
    assert f"tib: {value}" in text
    _check_text(text, tmp_path, capsys)
    code, out = _run(["validate", str(tmp_path / "dossier.yaml")], capsys)
    assert code == 2 and "pension.tib" in out and "nombre attendu" in out
