"""Chaos: files dropped while the watcher is killed (SIGKILL) and restarted again and again.

Every dropped file must end up accounted for exactly once (filed, duplicate, quarantined or
à trier): none lost, none filed twice.
"""
from __future__ import annotations

import hashlib
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline import qr
from tests.test_watch_support import (
    AGENTS, drop, identity_lines, image_bytes, journal_rows, make_dossier, page_image, parts_rows, run_once,
    scan_pdf, start_watcher, stop, text_pdf, wait_until,
)

pytestmark = pytest.mark.slow  # kill -9 and SIGTERM at random moments (about a minute)

TITLES = [("certificat_medical_initial", "CERTIFICAT MÉDICAL INITIAL"), ("plan_trajet", "PLAN DU TRAJET"),
          ("expertise_medicale", "RAPPORT D'EXPERTISE MÉDICALE"), ("pv_police", "PROCÈS-VERBAL DE POLICE")]


def _inputs(rnd: random.Random) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    keys = list(AGENTS)
    for i in range(76):
        k = keys[i % 3]
        piece, title = TITLES[i % len(TITLES)]
        if i % 3 == 0:
            pages = 1 + i % 3
            files[f"doc_{i:03d}.pdf"] = text_pdf(title, identity_lines(k) + [f"n° {i}"], pages=pages, qr_payloads=[
                qr.page_payload(AGENTS[k]["id"], piece, "DOC", p + 1, pages) for p in range(pages)])
        else:
            files[f"doc_{i:03d}.pdf"] = text_pdf(title, identity_lines(k) + [f"n° {i}"])
    # Two small images (OCR), a bundle, junk, an orphan document.
    img = page_image("PLAN DU TRAJET", [], qr_payload=qr.page_payload(AGENTS["A"]["id"], "plan_trajet", "DOC", 1, 1), dpi=100)
    files["photo_1.png"] = image_bytes(img, "PNG")
    files["photo_2.jpg"] = image_bytes(img, "JPEG", quality=85)
    for i in range(6):
        files[f"bruit_{i}.bin"] = bytes(rnd.getrandbits(8) for _ in range(800 + i))
    for i in range(6):
        files[f"orphelin_{i}.pdf"] = text_pdf("COURRIER", [f"sans identité {i}"])
    names = sorted(n for n in files if n.startswith(("doc_", "photo_")))
    for i, src in enumerate(rnd.sample(names, 10)):  # exact copies under other names, of documents filed
        files[f"copie_{i}.pdf"] = files[src]
    assert len(files) == 100
    return files


def test_kill9_at_random_moments_exactly_once(tmp_path):
    rnd = random.Random(20261122)
    inbox, root = tmp_path / "depot", tmp_path / "dossiers"
    inbox.mkdir()
    root.mkdir()
    for k in AGENTS:
        make_dossier(root, k)
    files = _inputs(rnd)
    order = list(files)
    rnd.shuffle(order)
    log = tmp_path / "watch.log"
    kills = 0
    proc = start_watcher(inbox, root, "--workers", "2", log=log)
    try:
        batches = [order[i:i + 10] for i in range(0, 100, 10)]
        for batch in batches:
            for name in batch:
                drop(inbox, name, files[name])
            time.sleep(rnd.uniform(0.2, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
            proc = start_watcher(inbox, root, "--workers", "2", log=log)
        # Two more kills while the backlog is being worked through.
        for _ in range(2):
            time.sleep(rnd.uniform(0.3, 1.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
            proc = start_watcher(inbox, root, "--workers", "2", log=log)

        def done():
            rows = journal_rows(root)
            return len(rows) == 100 and all(r[2] == "terminee" for r in rows)

        assert wait_until(done, 150), (Counter(r[2] for r in journal_rows(root)), log.read_text()[-2000:])
        assert stop(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert kills >= 10
    assert "reprise du fichier" in log.read_text()  # restarts really found files in hand
    rows = journal_rows(root)
    # Exactly once: one journal row per dropped file, each in one final place.
    assert sorted(r[1] for r in rows) == sorted(files)
    outcomes = Counter(r[3] for r in rows)
    assert outcomes["doublon"] == 10
    assert outcomes["quarantaine"] == 6, [r for r in rows if r[3] == "quarantaine"]
    assert outcomes["a_trier"] == 6
    assert outcomes["classe"] == 100 - 22
    # Duplicates are the later copy of a content already received, never both.
    by_sha = {}
    for fid, name, state, outcome, reason, sha in rows:
        by_sha.setdefault(sha, []).append(outcome)
    for sha, outs in by_sha.items():
        assert len([o for o in outs if o != "doublon"]) == 1
    # None filed twice: the dossier folders hold exactly the filed parts, all different.
    parts = [p for p in parts_rows(root) if p[4] == "dossier"]
    on_disk = sorted(p for k in "abc" for p in (root / f"dossier_{k}").glob("*.pdf"))
    assert sorted(Path(p[5]) for p in parts) == on_disk
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in on_disk]
    assert len(set(digests)) == len(digests)
    expected_parts = sum(1 for r in rows if r[3] == "classe")
    assert len(parts) == expected_parts
    # Nothing left behind; every original kept once (archive or quarantine).
    work = root / "_watch"
    assert [p for p in inbox.rglob("*") if p.is_file()] == []
    assert list((work / "travail").iterdir()) == []
    originals = [p for p in (work / "archive").rglob("*") if p.is_file()]
    quarantined = [p for p in (work / "quarantaine").iterdir() if not p.name.endswith(".motif.txt")]
    assert len(originals) + len(quarantined) == 100


def test_sigterm_finishes_or_rolls_back(tmp_path):
    inbox, root = tmp_path / "depot", tmp_path / "dossiers"
    inbox.mkdir()
    root.mkdir()
    make_dossier(root, "B")
    for i in range(3):  # scans: OCR makes them slow enough to be in hand at SIGTERM
        drop(inbox, f"scan_{i}.pdf", scan_pdf([page_image("CERTIFICAT MEDICAL INITIAL", identity_lines("B")[3:] + [f"n {i}"])]))
    proc = start_watcher(inbox, root, "--workers", "1", "--poll", log=tmp_path / "log")
    try:
        assert wait_until(lambda: (root / "_watch" / "journal.sqlite").exists() and len(journal_rows(root)) >= 1, 30)
        assert stop(proc, signal.SIGTERM, timeout=40) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    r = run_once(inbox, root)
    assert r.returncode == 0, r.stderr
    rows = journal_rows(root)
    assert sorted(r[1] for r in rows) == ["scan_0.pdf", "scan_1.pdf", "scan_2.pdf"]
    assert all(r[2] == "terminee" and r[3] == "classe" for r in rows)
    assert sorted(p.name for p in (root / "dossier_b").glob("*.pdf")) == [
        "certificat_medical_initial.pdf", "certificat_medical_initial_2.pdf", "certificat_medical_initial_3.pdf"]
