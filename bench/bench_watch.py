"""Benchmark of the drop-folder watcher (not a timed test).

A burst of scanned pages (image-only PDFs, N pages in files of 2 pages) is dropped at once in
INBOX while a real `pipeline watch` process runs. Printed: pages per minute, and the median
and 95th percentile time from drop to filed, next to a naive baseline in the same run:
plain OCRmyPDF on the same files, one after the other (what a script calling `ocrmypdf` in a
loop would do), which files nothing.

    .venv/bin/python bench/bench_watch.py [--pages 200] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from tests.test_watch_support import (  # noqa: E402
    AGENTS, drop, identity_lines, make_dossier, page_image, scan_pdf, start_watcher, stop, wait_until,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--per-file", type=int, default=2)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench_watch_"))
    try:
        run(base, args.pages, args.workers, args.per_file)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run(base: Path, n_pages: int, workers: int, per_file: int) -> None:
    inbox, root, src = base / "depot", base / "dossiers", base / "sources"
    for d in (inbox, root, src):
        d.mkdir()
    keys = list(AGENTS)
    for k in keys:
        make_dossier(root, k)
    n_files = max(1, n_pages // per_file)
    print(f"Préparation de {n_files} fichiers numérisés de {per_file} pages ({n_files * per_file} pages)…")
    files = {}
    for i in range(n_files):
        k = keys[i % len(keys)]
        pages = [page_image("CERTIFICAT MEDICAL INITIAL", identity_lines(k)[3:] + [f"Document {i} page {p + 1}"], dpi=150)
                 for p in range(per_file)]
        files[f"scan_{i:03d}.pdf"] = scan_pdf(pages)
    total_pages = n_files * per_file

    # Naive baseline: ocrmypdf on each file, one after the other, in this process.
    from pipeline.read.ocr import ocr_pdf

    t0 = time.monotonic()
    for name, data in files.items():
        (src / name).write_bytes(data)
        ocr_pdf(src / name, src / f"ocr_{name}", jobs=1)
    naive = time.monotonic() - t0

    # The watcher on the same burst.
    log = base / "watch.log"
    proc = start_watcher(inbox, root, "--workers", str(workers), "--settle", "0.5", log=log)
    try:
        time.sleep(2.0)  # workers started
        dropped = {}
        t0 = time.monotonic()
        for name, data in files.items():
            drop(inbox, name, data)
            dropped[name] = time.time()
        db_path = root / "_watch" / "journal.sqlite"

        def done() -> bool:
            if not db_path.exists():
                return False
            db = sqlite3.connect(str(db_path))
            try:
                n = db.execute("SELECT COUNT(*) FROM files WHERE state='terminee'").fetchone()[0]
            finally:
                db.close()
            return n == len(files)

        assert wait_until(done, 3600, step=0.5), log.read_text()[-2000:]
        elapsed = time.monotonic() - t0
        db = sqlite3.connect(str(db_path))
        filed = dict(db.execute("SELECT f.name, MAX(p.filed_at) FROM files f JOIN parts p ON p.file_id=f.id GROUP BY f.id"))
        outcomes = dict(db.execute("SELECT outcome, COUNT(*) FROM files GROUP BY 1"))
        db.close()
        stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    lat = sorted(filed[n] - dropped[n] for n in files if n in filed)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * len(lat))) - 1)]
    ppm_w, ppm_n = total_pages / elapsed * 60, total_pages / naive * 60
    print(f"Issues : {outcomes}")
    print(f"{'':32}{'pipeline watch':>16}{'ocrmypdf en boucle':>20}{'ratio':>8}")
    print(f"{'pages numérisées':32}{total_pages:>16}{total_pages:>20}")
    print(f"{'durée (s)':32}{elapsed:>16.1f}{naive:>20.1f}{naive / elapsed:>8.2f}")
    print(f"{'pages par minute':32}{ppm_w:>16.1f}{ppm_n:>20.1f}{ppm_w / ppm_n:>8.2f}")
    print(f"{'dépôt → classé, médiane (s)':32}{statistics.median(lat):>16.1f}")
    print(f"{'dépôt → classé, 95e centile (s)':32}{p95:>16.1f}")
    print(f"({workers} processus de traitement, {os.cpu_count()} cœurs ; la boucle naïve OCRise sans typer, "
          "découper, router, classer ni contrôler)")


if __name__ == "__main__":
    main()
