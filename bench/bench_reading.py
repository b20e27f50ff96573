"""Reading benchmark on layouts the readers were never tuned on (a script, not a timed test).

    .venv/bin/python bench/bench_reading.py [--quick] [--text-seeds 1000-1049] [--scan-seeds 1000-1003]
                                            [--scan-dpi 200] [--jobs 2] [--no-check] [--keep DIR]

Draws the held-out seeds of samples/variations.py (complete dossiers, every pièce in a random
layout; never the development seeds), reads every file as the check does, and prints:
- identification accuracy per page, per pièce, text PDFs and scans separately;
- field precision / recall per field and per form (a value read but wrong counts against
  both; « unreadable » counts only against recall); checkboxes read as the opposite answer;
- on the complete dossiers, the findings `pipeline check` raises (target: no « pièce
  manquante », no finding at all on these complete dossiers);
- speed: text pages per second next to a naive pdfplumber pass (both after the modules are
  loaded, the best of three alternating rounds; the text-and-words share of the reading shown
  too), scanned pages per minute next to plain `ocrmypdf` on the same files, in the same run.
The default run stays under about ten minutes on two cores.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

ERRORS: list[str] = []
CHECKBOXES = {"inapte_toutes_fonctions", "ati", "deja_indemnisee", "imputable", "seconde_convocation",
              "signature", "type_imputabilite"}
BLOCKS = {"medecin_traitant", "conclusions", "taux"}


# ------------------------------------------------------------------ reading (the product)
def read_parts(path: str) -> list[dict]:
    """The pièces the product reads in one file: [{piece, first_page, last_page, fields}], as the check does."""
    from pipeline.check.run import read_document

    out = []
    first = read_document(Path(path))
    for ident in first.parts or [first]:
        fields = dict(ident.fields)
        for k, v in ident.names.items():
            fields.setdefault(k, v)
        fields.setdefault("date_naissance", ident.birth_date)
        fields.setdefault("nir", ident.nirs)
        out.append({"piece": ident.piece, "first_page": ident.first_page,
                    "last_page": ident.last_page or len(ident.pages) or 1, "fields": _plain(fields)})
    return out


def _plain(fields: dict) -> dict:
    out = {}
    for k, v in fields.items():
        if isinstance(v, (dt.date,)):
            v = v.isoformat()
        elif hasattr(v, "value") and not isinstance(v, (str, bool, int, float, list, dict)):
            v = getattr(v, "value")
        if isinstance(v, list):
            v = [x if not isinstance(x, dt.date) else x.isoformat() for x in v]
        out[k] = v
    return out


def _safe_read(path: str) -> tuple[str, list[dict], float]:
    t0 = time.perf_counter()
    try:
        parts = read_parts(path)
    except Exception as e:  # a crash is a failure of every field of the file, not of the bench
        parts = [{"piece": None, "first_page": 1, "last_page": 999, "fields": {}, "error": repr(e)}]
    return path, parts, time.perf_counter() - t0


# ------------------------------------------------------------------ scoring
def _fold(s) -> str:
    from pipeline.text import strip_accents

    return re.sub(r"[^a-z0-9]", "", strip_accents(str(s)).lower())


def _empty(v) -> bool:
    return v is None or v == "" or v == [] or v == {}


def judge(name: str, truth, got) -> str:
    """correct | wrong | missing | tn (nothing expected, nothing read) | fp (nothing expected, something read)."""
    if _empty(truth) and truth is not False:
        return "tn" if (_empty(got) or got is False) else "fp"
    if got is None or (_empty(got) and not isinstance(truth, bool)):
        return "missing"
    if name == "membres":
        key = lambda m: (m.get("role"), m.get("presence"), bool(m.get("signe")))  # noqa: E731
        return "correct" if sorted(map(key, got)) == sorted(map(key, truth)) else "wrong"
    if name == "nir":
        got = got if isinstance(got, list) else [got]
        return "correct" if _fold(truth) in [_fold(g) for g in got] else "wrong"
    if isinstance(truth, bool):
        return "correct" if got is truth else "wrong"
    if name in BLOCKS:
        from rapidfuzz import fuzz

        # Free text: tokens compared as sets (a table's header or a cell's wrap order is not an error).
        from pipeline.text import strip_accents

        norm = lambda x: re.sub(r"[^a-z0-9 ]", " ", strip_accents(str(x)).lower())  # noqa: E731
        return "correct" if fuzz.token_set_ratio(norm(truth), norm(got)) >= 90 else "wrong"
    return "correct" if _fold(truth) == _fold(got) else "wrong"


def score(truth_files: list[dict], results: dict) -> dict:
    ident = defaultdict(lambda: [0, 0])  # piece → [right pages, pages]
    fields = defaultdict(lambda: defaultdict(int))  # (piece, field) → outcome counts
    by_hand = defaultdict(lambda: defaultdict(int))  # values typed / « handwritten » → outcome counts
    opposite = []
    for t in truth_files:
        parts = results[t["path"]]
        for page, piece in enumerate(t["pages"], 1):
            got = next((p["piece"] for p in parts if p["first_page"] <= page <= p["last_page"]), None)
            ident[piece][1] += 1
            ident[piece][0] += got == piece
        for part in t["parts"]:
            got = next((p for p in parts if p["piece"] == part["piece"]
                        and p["first_page"] <= part["first_page"] <= p["last_page"]), None)
            for name, truth in part["fields"].items():
                v = got["fields"].get(name) if got else None
                outcome = judge(name, truth, v)
                fields[(part["piece"], name)][outcome] += 1
                hand = (part.get("style") or {}).get("value_font") == "V_hand"
                by_hand["manuscrites" if hand else "tapées"][outcome] += 1
                if outcome in ("wrong", "missing", "fp"):
                    ERRORS.append(f"{outcome:7s} {t['path'].split('/')[-3]}/{t['file']} {part['piece']}.{name}: "
                                  f"attendu {truth!r} lu {v!r}")
                if outcome == "wrong" and name in CHECKBOXES:
                    opposite.append(f"{t['path']} p.{part['first_page']} {part['piece']}.{name}: {truth} lu {v}")
    return {"ident": ident, "fields": fields, "opposite": opposite, "by_hand": by_hand}


def _pr(c: dict) -> tuple[float, float, float]:
    correct, wrong, missing, fp = c["correct"], c["wrong"], c["missing"], c["fp"]
    predicted = correct + wrong + fp
    expected = correct + wrong + missing
    p = correct / predicted if predicted else 1.0
    r = correct / expected if expected else 1.0
    acc = (correct + c["tn"]) / (expected + fp + c["tn"]) if (expected + fp + c["tn"]) else 1.0
    return p, r, acc


def print_scores(title: str, s: dict) -> None:
    print(f"\n== {title} ==")
    total = [sum(v[0] for v in s["ident"].values()), sum(v[1] for v in s["ident"].values())]
    print(f"Identification (par page) : {total[0]}/{total[1]} = {100 * total[0] / max(1, total[1]):.1f} %")
    for piece, (ok, n) in sorted(s["ident"].items()):
        print(f"  {piece:28s} {ok:4d}/{n:<4d} {100 * ok / n:6.1f} %")
    print(f"\n{'pièce.champ':40s} {'préc.':>6s} {'rappel':>6s} {'exact.':>6s}  justes fausses illisib. faux+")
    per_form = defaultdict(lambda: defaultdict(int))
    for (piece, name), c in sorted(s["fields"].items()):
        p, r, a = _pr(c)
        for k, v in c.items():
            per_form[piece][k] += v
        print(f"  {piece + '.' + name:38s} {100 * p:6.1f} {100 * r:6.1f} {100 * a:6.1f}  {c['correct']:6d} "
              f"{c['wrong']:7d} {c['missing']:8d} {c['fp']:5d}")
    print("  -- par pièce --")
    allc = defaultdict(int)
    for piece, c in sorted(per_form.items()):
        p, r, a = _pr(c)
        for k, v in c.items():
            allc[k] += v
        print(f"  {piece:38s} {100 * p:6.1f} {100 * r:6.1f} {100 * a:6.1f}")
    p, r, a = _pr(allc)
    print(f"  {'TOUS LES CHAMPS':38s} {100 * p:6.1f} {100 * r:6.1f} {100 * a:6.1f}")
    print("  -- selon l'écriture des valeurs (pièces remplies à la main : police manuscrite Breip) --")
    for kind, c in sorted(s["by_hand"].items(), reverse=True):
        p, r, a = _pr(c)
        n = c["correct"] + c["wrong"] + c["missing"] + c["fp"] + c["tn"]
        print(f"  {'valeurs ' + kind + f' ({n} champs)':38s} {100 * p:6.1f} {100 * r:6.1f} {100 * a:6.1f}")
    print(f"Cases lues à l'opposé de la réponse : {len(s['opposite'])}")
    for line in s["opposite"][:10]:
        print(f"  ! {line}")


# ------------------------------------------------------------------ runs
def generate(seeds: list[int], out: Path, mode: str, dpi) -> list[Path]:
    from variations import HELDOUT_SEEDS, generate as gen

    dirs = []
    for seed in seeds:
        if seed not in HELDOUT_SEEDS:
            print(f"  attention : la graine {seed} n'est pas une graine réservée à la mesure")
        dirs.append(out / f"seed_{seed:04d}")
        gen(seed, dirs[-1], mode=mode, dpi=dpi)
    return dirs


def truths(dirs: list[Path]) -> list[dict]:
    out = []
    for d in dirs:
        for f in sorted((d / "truth").glob("*.json")):
            t = json.loads(f.read_text(encoding="utf-8"))
            t["path"] = str(d / "dossier" / t["file"])
            out.append(t)
    return out


def read_all(files: list[str], jobs: int) -> tuple[dict, float]:
    t0 = time.perf_counter()
    if jobs <= 1:
        res = [_safe_read(f) for f in files]
    else:
        with ProcessPoolExecutor(jobs) as ex:
            res = list(ex.map(_safe_read, files))
    errors = [(p, parts[0]["error"]) for p, parts, _ in res if parts and "error" in parts[0]]
    for p, e in errors[:5]:
        print(f"  erreur de lecture {p} : {e}")
    return {p: parts for p, parts, _ in res}, time.perf_counter() - t0


def warm_up() -> None:
    """What a run loads once before its first file (pipeline.read.identify.identify_files, before
    its workers start): modules and form descriptions, pdfplumber with them, so that neither
    side of the comparison counts a one-off import."""
    from pipeline.check.run import read_form_fields  # noqa: F401
    from pipeline.read.identify import preload

    preload()


def speed_rounds(files: list[str], t_read: float, rounds: int = 3) -> tuple[float, float, float, int]:
    """Reading, text-and-words and the naive pass timed in turn, `rounds` times: the best time of
    each (a noisy machine slows one round, rarely all three, and never one side alone)."""
    reads, words, naives = [t_read], [], []
    for k in range(rounds):
        if k:
            reads.append(read_all(files, 1)[1])
        words.append(words_only(files))
        n_pages, t = naive(files)
        naives.append(t)
    return min(reads), min(words), min(naives), n_pages


def words_only(files: list[str]) -> float:
    """Seconds to read every page's text and words (limits, text layer, word boxes, fillable
    fields), without identification nor fields: the product's share comparable to the naive pass."""
    from pipeline.read.reader import read_file

    t0 = time.perf_counter()
    for f in files:
        read_file(Path(f), ocr=False).close_pdf()
    return time.perf_counter() - t0


def naive(files: list[str]) -> tuple[int, float]:
    import pdfplumber

    pages, t0 = 0, time.perf_counter()
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return pages, time.perf_counter() - t0


def _ocrmypdf(args: tuple[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "ocrmypdf", "-q", "-l", "fra", "--jobs", "1", "--output-type", "pdf", "--optimize", "0",
                    args[0], args[1]], check=False, env=dict(os.environ, OMP_THREAD_LIMIT="1"),
                   capture_output=True)


def plain_ocr(files: list[str], tmp: Path, jobs: int) -> float:
    t0 = time.perf_counter()
    todo = [(f, str(tmp / f"ocr_{i}.pdf")) for i, f in enumerate(files)]
    with ProcessPoolExecutor(jobs) as ex:
        list(ex.map(_ocrmypdf, todo))
    return time.perf_counter() - t0


def check_dossiers(dirs: list[Path], jobs: int) -> None:
    from pipeline.check.run import check_dossier

    counts, where, manquantes = defaultdict(int), defaultdict(list), []
    severity: dict[str, str] = {}
    for d in dirs:
        r = check_dossier(d / "dossier", jobs=jobs)
        for f in r.findings:
            if f.severity in ("bloquant", "avertissement"):
                counts[f.rule] += 1
                severity[f.rule] = f.severity
                where[f.rule].append(f"{d.name}/{f.file or f.piece or ''}")
                if f.rule == "PIECE-MANQUANTE":
                    manquantes.append(f"{d.name}: {f.piece}")
    # Every dossier drawn is complete and right: each finding raised on it is a false finding;
    # the blocking ones are what a user would be wrongly stopped by.
    blocking = sum(n for rule, n in counts.items() if severity[rule] == "bloquant")
    print(f"  constats à tort sur {len(dirs)} dossiers complets : {sum(counts.values())}, dont {blocking} bloquant(s) "
          f"et {sum(counts.values()) - blocking} avertissement(s) (« à vérifier » pour ce qui n'a pu être lu)")
    for rule, n in sorted(counts.items()):
        print(f"    {rule:34s} {n:3d}  {severity[rule]:13s} {'; '.join(where[rule][:4])}")
    print(f"  « pièce manquante » à tort : {len(manquantes)}  {'; '.join(manquantes[:8])}")


def _seeds(s: str) -> list[int]:
    from variations import parse_seeds

    return parse_seeds(s) if s else []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text-seeds", default="1000-1049")
    ap.add_argument("--scan-seeds", default="1000-1003")
    ap.add_argument("--scan-dpi", type=int, default=200, help="résolution des scans (0 : tirée au hasard, 150–300)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-check", action="store_true", help="ne pas lancer le contrôle complet des dossiers")
    ap.add_argument("--errors", type=Path, help="écrire ici le détail des champs mal lus (mise au point)")
    ap.add_argument("--keep", type=Path, help="garder les fichiers générés dans ce dossier")
    ap.add_argument("--quick", action="store_true",
                    help="mesure courte (10 dossiers texte, 1 dossier scanné) : quelques minutes sur 2 cœurs")
    args = ap.parse_args()
    if args.quick:
        args.text_seeds, args.scan_seeds = "1000-1009", "1000"
    from variations import DEV_SEEDS, HELDOUT_SEEDS

    print(f"Graines de mise au point : {DEV_SEEDS.start}–{DEV_SEEDS.stop - 1} (jamais mesurées ici) ; "
          f"graines mesurées : texte {args.text_seeds or '—'}, scans {args.scan_seeds or '—'} "
          f"(réservées : {HELDOUT_SEEDS.start}–{HELDOUT_SEEDS.stop - 1})")
    with tempfile.TemporaryDirectory(prefix="bench-reading-") as tmp:
        base = args.keep or Path(tmp)
        tmp = Path(tmp)
        text_seeds, scan_seeds = _seeds(args.text_seeds), _seeds(args.scan_seeds)
        if text_seeds:
            t0 = time.perf_counter()
            dirs = generate(text_seeds, base / "text", "text", None)
            tf = truths(dirs)
            files = [t["path"] for t in tf]
            print(f"PDF texte : {len(dirs)} dossiers, {len(files)} fichiers, "
                  f"{sum(len(t['pages']) for t in tf)} pages (générés en {time.perf_counter() - t0:.1f} s)")
            warm_up()
            results, t_read = read_all(files, 1)
            t_read, t_words, t_naive, n_pages = speed_rounds(files, t_read)
            print_scores("PDF texte (graines réservées)", score(tf, results))
            print(f"\nVitesse PDF texte (1 processus, modules chargés avant la mesure, meilleur de 3 tours) : lecture {n_pages / t_read:7.1f} "
                  f"pages/s ; pdfplumber naïf {n_pages / t_naive:7.1f} pages/s → {t_naive / t_read:5.1f} × (objectif ≥ 10 ×)")
            print(f"  dont texte et mots seuls (sans identification ni champs) : {n_pages / t_words:7.1f} pages/s "
                  f"→ {t_naive / t_words:5.1f} × le passage naïf")
            if not args.no_check:
                check_dossiers(dirs, args.jobs)
        if scan_seeds:
            t0 = time.perf_counter()
            dirs = generate(scan_seeds, base / "scan", "scan", args.scan_dpi or None)
            tf = truths(dirs)
            files = [t["path"] for t in tf]
            pages = sum(len(t["pages"]) for t in tf)
            print(f"\nScans : {len(dirs)} dossiers, {len(files)} fichiers, {pages} pages "
                  f"({args.scan_dpi or '150–300'} dpi ; générés en {time.perf_counter() - t0:.1f} s)")
            results, t_read = read_all(files, args.jobs)
            print_scores(f"Scans (graines réservées, {args.jobs} processus)", score(tf, results))
            t_ocr = plain_ocr(files, tmp, args.jobs)
            print(f"\nVitesse scans ({args.jobs} processus) : lecture {pages / t_read * 60:7.1f} pages/min ; "
                  f"ocrmypdf seul {pages / t_ocr * 60:7.1f} pages/min → {t_ocr / t_read:5.1f} × (objectif ≥ 3 ×)")
            if not args.no_check:
                check_dossiers(dirs, args.jobs)
    if args.errors:
        args.errors.write_text("\n".join(ERRORS) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
