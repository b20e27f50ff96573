"""Benchmark of the PDF conversion of `pipeline build` (a script, not a test).

The .docx of N dossiers (variants of the samples, numbered BENCH-000…) are rendered ONCE
(docxtpl), then converted two ways in the same run:
  warm   ONE LibreOffice kept running behind unoserver (pipeline.build.convert.Converter),
         what the desk and `pipeline build --batch` use; its start-up is counted
  naive  one `soffice --convert-to` per file (convert_one_by_one), the baseline
and prints a table in French: documents, seconds, documents/s, ratio; then the time of one
whole dossier built warm (render, convert, stamp, write), as the desk does.
Targets: warm ≥ 10× naive for 50 dossiers, one dossier warm < 3 s.

The naive baseline costs about 1.3 s per file: `--naive-sample K` times K files only and
extrapolates to all of them (labelled « extrapolé » in the table).

    .venv/bin/python bench/bench_build.py [-n 50] [--quick] [--naive-sample K]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.build.convert import Converter, convert_one_by_one  # noqa: E402
from pipeline.build.run import build, plan  # noqa: E402
from pipeline.dossier.load import load_dossier  # noqa: E402
from pipeline.fsutil import private_umask  # noqa: E402


def dossiers(n: int):
    """N dossiers: the samples in turn, each with its own number."""
    samples = sorted((ROOT / "samples").glob("0*/dossier.yaml"))
    base = [load_dossier(p) for p in samples]
    out = []
    for i in range(n):
        d = base[i % len(base)]
        out.append(d.model_copy(update={"dossier": d.dossier.model_copy(update={"id": f"BENCH-{i:03d}"})}))
    return out


def render_all(ds, folder: Path) -> tuple[list[Path], float]:
    """Every .docx of every dossier written under folder/<id>/, and the rendering time."""
    t = time.perf_counter()
    paths = []
    for d in ds:
        p = plan(d)
        sub = folder / d.dossier.id
        sub.mkdir(parents=True)
        for r in p.docs:
            path = sub / f"{r.doc_id}.docx"
            path.write_bytes(r.docx)
            paths.append(path)
    return paths, time.perf_counter() - t


def fr(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=50, help="nombre de dossiers (défaut 50)")
    ap.add_argument("--quick", action="store_true", help="aperçu : 5 dossiers")
    ap.add_argument("--naive-sample", type=int, default=0, metavar="K",
                    help="ne convertir que K fichiers un par un et extrapoler (0 : tous)")
    ap.add_argument("--repeat", type=int, default=3, help="dossiers construits à chaud un par un (défaut 3)")
    args = ap.parse_args()
    n = 5 if args.quick else args.n
    private_umask()
    ds = dossiers(n)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        tmp = Path(tmp)
        docx, t_render = render_all(ds, tmp / "docx")
        total = len(docx)
        print(f"{n} dossiers, {total} documents .docx rendus une fois en {fr(t_render)} s", flush=True)

        conv = Converter()
        t = time.perf_counter()
        conv.start()
        t_start = time.perf_counter() - t
        try:
            if not conv.warm:
                print(f"Attention : pas de LibreOffice résident ({conv.fallback_reason}) ; "
                      "la ligne « à chaud » mesure la conversion de secours.")
            t = time.perf_counter()
            conv.convert_many(docx, tmp / "warm")
            t_warm = time.perf_counter() - t + t_start
            # One dossier as the desk builds it, the converter already running.
            one = []
            for i in range(max(1, args.repeat)):
                t = time.perf_counter()
                build(ds[i % len(ds)], tmp / "one", converter=conv)
                one.append(time.perf_counter() - t)
        finally:
            conv.stop()

        k = total if not args.naive_sample else min(args.naive_sample, total)
        # Spread the sample over the dossiers and the kinds of documents.
        sample = docx if k == total else [docx[round(i * (total - 1) / max(1, k - 1))] for i in range(k)]
        print(f"Référence naïve : {k} fichier(s) convertis un par un…", flush=True)
        t = time.perf_counter()
        convert_one_by_one(sample, tmp / "naive")
        t_naive_k = time.perf_counter() - t
        t_naive = t_naive_k * total / k
        extrapolated = k < total

    naive_label = "naïf (1 soffice par fichier)" + (f", extrapolé de {k}" if extrapolated else "")
    rows = [("à chaud (1 LibreOffice résident)", total, t_warm), (naive_label, total, t_naive)]
    print()
    print(f"{'mode':44} {'documents':>9} {'secondes':>9} {'documents/s':>12} {'ratio':>7}")
    for name, docs, secs in rows:
        print(f"{name:44} {docs:9d} {fr(secs):>9} {fr(docs / secs, 2):>12} {fr(t_naive / secs, 1) + ' ×':>7}")
    print()
    print(f"Démarrage du LibreOffice résident : {fr(t_start)} s (compris dans « à chaud ») ; hors démarrage, "
          f"{fr(total / (t_warm - t_start), 2)} documents/s, {fr(t_naive / (t_warm - t_start))} × le naïf")
    if extrapolated:
        print(f"Naïf mesuré sur {k} fichier(s) : {fr(t_naive_k)} s, soit {fr(t_naive_k / k, 2)} s par fichier ; "
              f"total extrapolé à {total} fichiers.")
    print(f"Un dossier à chaud : {fr(statistics.median(one), 2)} s (médiane de {len(one)} ; rendu, conversion, "
          "tampons, écriture)")
    ratio = t_naive / t_warm
    print(f"Objectifs : à chaud ≥ 10 × le naïf pour 50 dossiers ({fr(ratio)} × ici, {n} dossiers) ; "
          f"un dossier à chaud < 3 s ({'atteint' if statistics.median(one) < 3 else 'non atteint'}).")


if __name__ == "__main__":
    main()
