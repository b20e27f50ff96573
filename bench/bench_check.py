"""Benchmark of `pipeline check` (a script, not a timed test).

    .venv/bin/python bench/bench_check.py [--dossiers 100] [--samples DIR] [--naive-dossiers N]

Prints, side by side and in the same run on the same files:
- text PDFs: pages per second of the full check over a batch of generated dossiers, next to a
  naive pass that opens every page with pdfplumber and extracts all its text (target ≥ 10×);
- scans: scanned pages per minute of the full check next to plain `ocrmypdf` on the same files;
- peak RSS of a batch of 10 and of 100 dossiers (streaming: it should stay flat).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def generate(out: Path) -> dict:
    from tests.fixtures_samples import load_generator

    return load_generator().generate(out, scans=True)


def make_batch(samples: Path, index: dict, dest: Path, n: int) -> Path:
    """`n` dossiers copied from the complete and defective text samples, in turn."""
    sources = []
    for entry in index["cases"].values():
        sources += [samples / entry["complet"], samples / entry["complet_autre"]]
    for entry in index["defauts"].values():
        sources += [samples / entry["dir"], samples / entry["dir_autre"]]
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for i in range(n):
        src = sources[i % len(sources)]
        target = dest / f"d{i:03d}"
        shutil.copytree(src, target, ignore=shutil.ignore_patterns("dossier.yaml"))
    return dest


def pdfs(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.pdf") if p.is_file())


def naive(files: list[Path]) -> tuple[int, float]:
    import pdfplumber

    pages, t0 = 0, time.perf_counter()
    for f in files:
        try:
            with pdfplumber.open(str(f)) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    pages += 1
        except Exception:
            pass
    return pages, time.perf_counter() - t0


def full_check(batch: Path, jobs: int) -> tuple[int, float, int]:
    from pipeline.check.run import check_batch

    pages, n, t0 = 0, 0, time.perf_counter()
    for r in check_batch(batch, jobs=jobs):
        pages += r.pages
        n += 1
    return pages, time.perf_counter() - t0, n


def peak_rss(batch: Path, jobs: int) -> tuple[float, float]:
    """(main process, largest worker) peak RSS in MiB, measured in a fresh interpreter."""
    code = (
        "import resource, sys\n"
        "from pipeline.check.run import check_batch\n"
        f"for r in check_batch({str(batch)!r}, jobs={jobs}): pass\n"
        "s = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "c = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(f'{s:.1f} {c:.1f}')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    s, c = out.stdout.split()
    return float(s), float(c)


def scans(samples: Path, index: dict, jobs: int, tmp: Path) -> None:
    from pipeline.check.run import check_dossier

    folders = [samples / e["scan"] for e in index["cases"].values() if "scan" in e]
    files = [f for d in folders for f in pdfs(d)]
    t0 = time.perf_counter()
    pages = ocr_pages = 0
    for d in folders:
        r = check_dossier(d, jobs=jobs)
        pages += r.pages
        ocr_pages += r.ocr_pages
    t_check = time.perf_counter() - t0
    t0 = time.perf_counter()
    for f in files:
        subprocess.run(["ocrmypdf", "-q", "-l", "fra", "--jobs", str(jobs), "--output-type", "pdf",
                        "--optimize", "0", str(f), str(tmp / "ocr_out.pdf")], check=True,
                       env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    t_ocr = time.perf_counter() - t0
    print(f"\nScans ({len(folders)} dossiers, {len(files)} fichiers, {pages} pages, {jobs} processus)")
    print(f"  pipeline check : {pages / t_check * 60:8.1f} pages scannées / min  ({t_check:.1f} s ; "
          f"{ocr_pages} pages passées à l'OCR, en tout ou en partie)")
    print(f"  ocrmypdf seul  : {pages / t_ocr * 60:8.1f} pages scannées / min  ({t_ocr:.1f} s)")
    print(f"  rapport        : {t_ocr / t_check:8.1f} ×")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dossiers", type=int, default=100)
    ap.add_argument("--samples", type=Path, help="échantillons déjà générés (sinon générés ici)")
    ap.add_argument("--naive-dossiers", type=int, default=0, help="limiter la passe naïve à N dossiers (0 : tous)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-scans", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        tmp = Path(tmp)
        samples = args.samples or tmp / "samples"
        if args.samples is None:
            t0 = time.perf_counter()
            index = generate(samples)
            print(f"Échantillons générés en {time.perf_counter() - t0:.1f} s")
        else:
            index = json.loads((samples / "index.json").read_text(encoding="utf-8"))
        batch = make_batch(samples, index, tmp / "batch", args.dossiers)
        files = pdfs(batch)
        if args.naive_dossiers:
            keep = {f"d{i:03d}" for i in range(args.naive_dossiers)}
            naive_files = [f for f in files if f.parent.name in keep]
        else:
            naive_files = files
        n_pages, t_naive = naive(naive_files)
        c1_pages, c1_t, _ = full_check(batch, 1)
        cj_pages, cj_t, n = full_check(batch, args.jobs)
        naive_rate = n_pages / t_naive
        print(f"\nPDF texte : lot de {n} dossiers, {len(files)} fichiers, {cj_pages} pages")
        print(f"  passe naïve pdfplumber (1 processus) : {naive_rate:8.1f} pages/s  "
              f"({n_pages} pages en {t_naive:.1f} s)")
        print(f"  pipeline check, 1 processus          : {c1_pages / c1_t:8.1f} pages/s  ({c1_t:.1f} s)  "
              f"→ {c1_pages / c1_t / naive_rate:5.1f} ×")
        print(f"  pipeline check, {args.jobs} processus          : {cj_pages / cj_t:8.1f} pages/s  ({cj_t:.1f} s)  "
              f"→ {cj_pages / cj_t / naive_rate:5.1f} ×   (objectif ≥ 10 ×)")
        small = make_batch(samples, index, tmp / "batch10", 10)
        s10, c10 = peak_rss(small, args.jobs)
        s100, c100 = peak_rss(batch, args.jobs)
        print("\nMémoire (pic RSS) : processus principal / plus gros processus de travail")
        print(f"  10 dossiers  : {s10:7.1f} Mio / {c10:7.1f} Mio")
        print(f"  {n} dossiers : {s100:7.1f} Mio / {c100:7.1f} Mio   (×{max(s100, c100) / max(s10, c10):.2f})")
        if not args.no_scans:
            scans(samples, index, args.jobs, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
