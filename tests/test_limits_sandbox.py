"""Readers in limited workers (pipeline/read/sandbox.py): memory, time, crash → a reason, the
parent goes on; workers reused within a run."""
from __future__ import annotations

import os
import signal
import time

import pikepdf
import pytest

from pipeline.read import limits, sandbox
from pipeline.read.identify import identify_files


def _fail(item, reason):
    return ("échec", item, reason)


def _work(item):
    if item == "mémoire":
        return len(bytearray(8 << 30))  # 8 Gio: beyond the cap
    if item == "temps":
        time.sleep(60)
    if item == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "bogue":
        raise RuntimeError("bogue")
    return ("ok", item, os.getpid())


def test_memory_time_crash_become_reasons_and_the_run_goes_on():
    t = time.monotonic()
    out = sandbox.run_isolated(_work, ["a", "mémoire", "b", "temps", "crash", "bogue", "c"], _fail,
                               jobs=2, seconds=2, isolate=True)
    assert time.monotonic() - t < 30
    assert [o[0] for o in out] == ["ok", "échec", "ok", "échec", "échec", "échec", "ok"]
    assert [o[1] for o in out] == ["a", "mémoire", "b", "temps", "crash", "bogue", "c"]
    assert out[1][2] == limits.MEMORY_REASON and "mémoire" in out[1][2]
    assert out[3][2] == limits.TIME_REASON and "temps permis" in out[3][2]
    assert out[4][2] == limits.CRASH_REASON and out[5][2] == limits.CRASH_REASON
    assert all(o[2] != os.getpid() for o in out if o[0] == "ok")


def test_workers_are_reused_within_a_run():
    out = sandbox.run_isolated(_work, list("abcdefgh"), _fail, jobs=2, isolate=True)
    pids = {o[2] for o in out}
    assert len(pids) <= 2 and os.getpid() not in pids


def test_opt_out_reads_in_process(monkeypatch):
    monkeypatch.setenv("PIPELINE_ISOLATION", "0")
    out = sandbox.run_isolated(_work, ["a"], _fail)
    assert out[0][2] == os.getpid()


def test_no_worker_left_behind():
    sandbox.run_isolated(_work, ["a", "temps"], _fail, jobs=2, seconds=1, isolate=True)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _hog(ident):
    bytearray(8 << 30)


def test_identify_files_turns_a_hog_into_an_unreadable_file(tmp_path):
    ok, bad = tmp_path / "ok.pdf", tmp_path / "lourd.pdf"
    for p in (ok, bad):
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.save(p)
    out = identify_files([ok, bad], then=lambda d: _hog(d) if d.file == "lourd.pdf" else None,
                         ocr=False, isolate=True)
    assert [d.file for d in out] == ["ok.pdf", "lourd.pdf"]
    assert out[0].problem is None and len(out[0].pages) == 1
    assert out[1].problem == limits.MEMORY_REASON
