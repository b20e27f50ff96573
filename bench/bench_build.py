"""Benchmark of `pipeline build` (a script, not a test).

Builds N dossiers (default 50, variants of the samples) three ways, in the same run:
  batch        render all, ONE soffice for every document of every dossier (build_many)
  per dossier  one soffice per dossier (what `pipeline build` does for one dossier)
  naive        one soffice per document (the baseline: `soffice --convert-to` per file)
and prints dossiers per minute and the ratios.

    .venv/bin/python bench/bench_build.py [-n 50] [--skip-naive]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import ROOT  # noqa: E402
from pipeline.build.run import convert_plans, finish, plan  # noqa: E402
from pipeline.fsutil import private_umask  # noqa: E402
from pipeline.dossier.load import load_dossier  # noqa: E402


def dossiers(n: int):
    samples = sorted((ROOT / "samples").glob("0*/dossier.yaml"))
    base = [load_dossier(p) for p in samples]
    out = []
    for i in range(n):
        d = base[i % len(base)]
        info = d.dossier.model_copy(update={"id": f"BENCH-{i:03d}"})
        out.append(d.model_copy(update={"dossier": info}))
    return out


def run_batch(ds, out: Path) -> float:
    t = time.perf_counter()
    plans = [plan(d) for d in ds]
    for p, pdfs in zip(plans, convert_plans(plans)):
        finish(p, pdfs, out)
    return time.perf_counter() - t


def run_per_dossier(ds, out: Path) -> float:
    t = time.perf_counter()
    for d in ds:
        p = plan(d)
        finish(p, convert_plans([p])[0], out)
    return time.perf_counter() - t


def run_naive(ds, out: Path) -> float:
    from pipeline.build.convert import convert_many

    t = time.perf_counter()
    for d in ds:
        p = plan(d)
        with tempfile.TemporaryDirectory() as tmp:
            pdfs = {}
            for r in p.docs:
                src = Path(tmp) / f"{r.doc_id}.docx"
                src.write_bytes(r.docx)
                pdfs[r.doc_id] = convert_many([src], Path(tmp) / "pdf")[0].read_bytes()
        finish(p, pdfs, out)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=50, help="nombre de dossiers (défaut 50)")
    ap.add_argument("--skip-naive", action="store_true", help="sans la référence naïve (longue)")
    args = ap.parse_args()
    private_umask()
    ds = dossiers(args.n)
    n_docs = sum(len(plan(d).docs) for d in ds[:5]) * args.n / min(5, args.n)
    print(f"{args.n} dossiers, environ {n_docs:.0f} documents, machine : {sys.platform}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        tmp = Path(tmp)
        results.append(("batch (1 soffice pour tout)", run_batch(ds, tmp / "batch")))
        results.append(("1 soffice par dossier", run_per_dossier(ds, tmp / "per_dossier")))
        if not args.skip_naive:
            results.append(("naïf (1 soffice par fichier)", run_naive(ds, tmp / "naive")))
        # Same input, same bytes whatever the way of converting.
        a = sorted(p.read_bytes() for p in (tmp / "batch").rglob("*.pdf"))
        b = sorted(p.read_bytes() for p in (tmp / "per_dossier").rglob("*.pdf"))
        same = "identiques" if a == b else "DIFFÉRENTS"
    base = results[-1][1]
    print(f"{'mode':32} {'secondes':>9} {'dossiers/min':>13} {'× vs dernier':>13}")
    for name, secs in results:
        print(f"{name:32} {secs:9.1f} {args.n / secs * 60:13.1f} {base / secs:13.2f}")
    print(f"PDF produits en batch et par dossier : {same}")


if __name__ == "__main__":
    main()
