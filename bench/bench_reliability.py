"""Rapport de fiabilité : des entrées abîmées ou hostiles données aux commandes, comme un
utilisateur les lance (`python -m pipeline ...`, un processus par entrée).

    python bench/bench_reliability.py           # mesure complète (quelques minutes)
    python bench/bench_reliability.py --quick   # quelques entrées par famille (une minute environ)

Pour chaque famille : entrées essayées, traces Python (« Traceback » à l'écran), codes de
sortie hors de l'ensemble documenté, dépassements de temps, pic de mémoire (le plus gros
processus de la famille, lecteurs isolés compris), fichiers perdus (un fichier reçu disparu ou
modifié) et fichiers en double (un fichier apparu dans le dossier reçu ; le cache
.pieces_reconnues.json de bundle, voulu, n'est pas compté).

Deux jeux de graines : « mise au point » (pour corriger) et « mesure » (jamais utilisé pour
corriger, ce sont ses chiffres que l'on rapporte). Les dommages sont ceux des tests de
fuzzing (tests/fuzz_inputs.py) : octets changés, insérés, supprimés, dupliqués, fichier
tronqué.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.bundle.layout import IDENT_CACHE  # noqa: E402
from tests.fuzz_inputs import mutate, random_ops, snapshot, sound_inputs, sound_zip, write_folder  # noqa: E402

TIMEOUT = 120  # secondes par entrée : au-delà, un dépassement de temps
SEEDS = {"mise au point": 1000, "mesure": 2026_11_25}
SAMPLE_YAMLS = sorted((REPO / "samples").glob("0*/dossier.yaml"))

# famille → (libellé, entrées par jeu de graines : complet, rapide)
FAMILIES = {
    "chargeur": ("chargeur dossier.yaml (validate)", 40, 6),
    "pdf": ("check, PDF abîmés", 25, 4),
    "images": ("check, images abîmées", 25, 4),
    "zip": ("check, zip abîmés", 25, 4),
    "bundle": ("bundle, pièces abîmées", 8, 2),
    "watch": ("watch, arrêts brutaux (kill -9)", 40, 12),  # fichiers déposés (une seule séance)
    "guichet": ("guichet web, examen des fichiers envoyés", 40, 8),
}
NOT_MEASURED = {
    "guichet web (envoi)": "mesuré au niveau de l'examen des fichiers (pipeline.web.desk.uploads.examine), "
                           "sans passer par HTTP ; le chemin HTTP complet est couvert par tests/web",
}


# ---------------------------------------------------------------- one input per family
def _yaml_mutant(rnd: random.Random) -> bytes:
    import yaml

    from pipeline.dossier.yamlio import Loader

    text = rnd.choice(SAMPLE_YAMLS).read_text(encoding="utf-8")
    roll = rnd.random()
    if roll < 0.05:  # « billion laughs »
        return b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" * 3
    if roll < 0.5:  # structured: one field removed or given an odd value
        doc = yaml.load(text, Loader=Loader)
        node = doc
        while isinstance(node, dict) and node:
            key = rnd.choice(list(node))
            if isinstance(node[key], dict) and node[key] and rnd.random() < 0.7:
                node = node[key]
                continue
            if rnd.random() < 0.4:
                del node[key]
            else:
                node[key] = rnd.choice([None, "", "2026-02-30", -1, 10 ** 30, "x" * 20000, [], {"a": 1},
                                        "\u202e\u200b", 1e308, True, "31/12/2026"])
            break
        return yaml.dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")
    return mutate(text.encode("utf-8"), random_ops(rnd, 3))


def make_case(family: str, rnd: random.Random, tmp: Path, sound: dict) -> tuple[list, Path, set]:
    """(arguments of `pipeline`, folder received — must stay intact —, exit codes allowed)."""
    if family == "chargeur":
        folder = write_folder(tmp / "recu", {"dossier.yaml": _yaml_mutant(rnd)})
        return ["validate", str(folder / "dossier.yaml")], folder, {0, 1, 2}
    if family == "pdf":
        folder = write_folder(tmp / "recu", {f"piece_{i}.pdf": mutate(sound["arrete.pdf"], random_ops(rnd))
                                             for i in range(2)})
        return ["check", str(folder), "--json", str(tmp / "rapport.json"), "--jobs", "1"], folder, {0, 1}
    if family == "images":
        files = {f"scan_{i}{Path(name).suffix}": mutate(sound[name], random_ops(rnd))
                 for i, name in enumerate(["certificat.png", "certificat.jpg", "certificat.tif"])}
        folder = write_folder(tmp / "recu", files)
        return ["check", str(folder), "--json", str(tmp / "rapport.json"), "--jobs", "1"], folder, {0, 1}
    if family == "zip":
        data = sound_zip({"dossier/arrete.pdf": sound["arrete.pdf"], "dossier/certificat.png": sound["certificat.png"]})
        folder = write_folder(tmp / "recu", {"envoi.zip": mutate(data, random_ops(rnd))})
        return ["check", str(folder / "envoi.zip"), "--json", str(tmp / "rapport.json"), "--jobs", "1"], folder, {0, 1, 2}
    if family == "bundle":
        files = {"dossier.yaml": rnd.choice(SAMPLE_YAMLS).read_bytes(),
                 "arrete.pdf": mutate(sound["arrete.pdf"], random_ops(rnd)),
                 "certificat.png": mutate(sound["certificat.png"], random_ops(rnd))}
        folder = write_folder(tmp / "recu", files)
        return ["bundle", str(folder), "-o", str(tmp / "lot"), "--brouillon"], folder, {0, 1}
    raise ValueError(family)


# ---------------------------------------------------------------- watch, killed again and again
def run_watch(seed: int, count: int, row: dict) -> None:
    """`count` files dropped (sound, damaged, noise) while the watcher is killed (SIGKILL) and
    restarted; then every file must be in the journal once, finished, and kept once (archive
    or quarantine); no dossier PDF twice."""
    import hashlib
    import signal
    from collections import Counter

    from tests.test_watch_support import (AGENTS, drop, identity_lines, journal_rows, make_dossier,
                                          start_watcher, stop, text_pdf, wait_until)

    rnd = random.Random(seed)
    sound = sound_inputs()
    tmp = Path(tempfile.mkdtemp(prefix="bench-fiab-watch-"))
    proc = None
    try:
        inbox, root = tmp / "depot", tmp / "dossiers"
        inbox.mkdir()
        root.mkdir()
        for k in AGENTS:
            make_dossier(root, k)
        files = {}
        for i in range(count):
            kind = i % 4
            if kind in (0, 1):
                k = rnd.choice(list(AGENTS))
                files[f"doc_{i:03d}.pdf"] = text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines(k) + [f"n° {i}"])
            elif kind == 2:
                files[f"abime_{i:03d}.pdf"] = mutate(sound["arrete.pdf"], random_ops(rnd))
            else:
                files[f"bruit_{i:03d}.png"] = mutate(sound["certificat.png"], random_ops(rnd))
        log = tmp / "watch.log"
        t = time.monotonic()
        proc = start_watcher(inbox, root, "--workers", "1", log=log)
        names = list(files)
        for start in range(0, len(names), 4):
            for name in names[start:start + 4]:
                drop(inbox, name, files[name])
            time.sleep(rnd.uniform(0.2, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            proc = start_watcher(inbox, root, "--workers", "1", log=log)

        def done():
            rows = journal_rows(root) if (root / "_watch" / "journal.sqlite").exists() else []
            return len(rows) >= len(files) and all(r[2] == "terminee" for r in rows)

        if not wait_until(done, TIMEOUT * 2):
            row["temps"] += 1
        code = stop(proc)
        row["secondes"] = time.monotonic() - t
        row["entrees"] = len(files)
        if code != 0:
            row["codes"] += 1
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            row["traces"] += 1
            row["exemples"].append("trace dans le journal du surveillant")
        rows = journal_rows(root)
        seen = Counter(r[1] for r in rows)
        outcomes = Counter(r[3] for r in rows)
        row["exemples"].append("issues : " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items(), key=str))
                               + f" ; {len(files) // 4 + (len(files) % 4 > 0)} arrêts brutaux")
        row["perdus"] += sum(1 for n in files if seen[n] == 0)
        row["doubles"] += sum(c - 1 for c in seen.values() if c > 1)
        work = root / "_watch"
        kept = [p for p in (work / "archive").rglob("*") if p.is_file()]
        kept += [p for p in (work / "quarantaine").rglob("*") if p.is_file() and not p.name.endswith(".motif.txt")]
        row["perdus"] += max(0, len(files) - len(kept) - len([p for p in inbox.rglob("*") if p.is_file()]))
        filed = [p for d in root.glob("dossier_*") for p in d.glob("*.pdf")]
        digests = Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in filed)
        row["doubles"] += sum(c - 1 for c in digests.values() if c > 1)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- one family, in a child
def run_family(family: str, seed: int, count: int) -> dict:
    """Runs in its own process: RUSAGE_CHILDREN then holds the peak of this family alone."""
    sound = sound_inputs()
    row = {"entrees": 0, "traces": 0, "codes": 0, "temps": 0, "perdus": 0, "doubles": 0, "secondes": 0.0,
           "exemples": []}
    if family == "watch":
        run_watch(seed, count, row)
        row["memoire_mo"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        return row
    if family == "guichet":
        run_desk_uploads(seed, count, row, sound)
        return row
    env = dict(os.environ, COLUMNS="200", PYTHONPATH=str(REPO))
    for i in range(count):
        rnd = random.Random(seed * 1000 + i)
        tmp = Path(tempfile.mkdtemp(prefix="bench-fiab-"))
        try:
            args, folder, allowed = make_case(family, rnd, tmp, sound)
            before = snapshot(folder)
            t = time.monotonic()
            try:
                r = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                                   timeout=TIMEOUT, env=env, cwd=tmp)
                code, out = r.returncode, r.stdout + r.stderr
            except subprocess.TimeoutExpired:
                code, out = None, ""
                row["temps"] += 1
            row["secondes"] = max(row["secondes"], time.monotonic() - t)
            row["entrees"] += 1
            bad = None
            if "Traceback" in out:
                row["traces"] += 1
                bad = "trace"
            if code is not None and code not in allowed:
                row["codes"] += 1
                bad = bad or f"code {code}"
            after = snapshot(folder)
            after.pop(IDENT_CACHE, None)  # bundle's documented cache of recognised pièces (no content)
            row["perdus"] += sum(1 for k, v in before.items() if after.get(k) != v)
            row["doubles"] += sum(1 for k in after if k not in before)
            if bad and len(row["exemples"]) < 3:
                row["exemples"].append(f"graine {seed * 1000 + i} : {bad} : {out.strip().splitlines()[-1:]}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    row["memoire_mo"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return row


def run_desk_uploads(seed: int, count: int, row: dict, sound: dict) -> None:
    """The desk's upload check on damaged files, in this process: a file is accepted or refused
    with a French reason (Refused); any other exception counts as a traceback."""
    import traceback

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline.web.settings")
    os.environ.setdefault("PIPELINE_DATA", tempfile.mkdtemp(prefix="bench-guichet-"))
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pipeline.web.desk.uploads import Refused, examine

    names = ["arrete.pdf", "certificat.png", "certificat.jpg", "certificat.tif"]
    for i in range(count):
        rnd = random.Random(seed * 1000 + i)
        name = rnd.choice(names)
        data = mutate(sound[name], random_ops(rnd))
        t = time.monotonic()
        try:
            examine(SimpleUploadedFile(name, data))
        except Refused as e:
            if not str(e).startswith("« "):
                row["codes"] += 1  # a refusal must name the file
        except Exception:  # noqa: BLE001 — what the bench counts
            row["traces"] += 1
            if len(row["exemples"]) < 3:
                row["exemples"].append(f"graine {seed * 1000 + i} : {traceback.format_exc().splitlines()[-1]}")
        row["secondes"] = max(row["secondes"], time.monotonic() - t)
        row["entrees"] += 1
    row["memoire_mo"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


# ---------------------------------------------------------------- table
HEADERS = ["Famille", "Entrées", "Traces", "Codes faux", "Hors délai", "Mémoire max (Mo)",
           "Fichiers perdus", "Fichiers en double", "Plus longue (s)"]


def print_table(title: str, rows: list[tuple[str, dict]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for h in HEADERS:
            table.add_column(h, justify="left" if h == "Famille" else "right")
        for label, r in rows:
            table.add_row(label, *(str(x) for x in _cells(r)))
        Console(width=150).print(table)
    except ImportError:
        print(f"\n{title}")
        print(" | ".join(HEADERS))
        for label, r in rows:
            print(" | ".join([label, *(str(x) for x in _cells(r))]))


def _cells(r: dict) -> list:
    return [r["entrees"], r["traces"], r["codes"], r["temps"], r["memoire_mo"], r["perdus"], r["doubles"],
            f"{r['secondes']:.1f}"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Rapport de fiabilité face aux entrées abîmées.")
    ap.add_argument("--quick", action="store_true", help="quelques entrées par famille seulement")
    ap.add_argument("--famille", help=argparse.SUPPRESS)  # internal: one family in a child process
    ap.add_argument("--graine", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--nombre", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.famille:
        print(json.dumps(run_family(a.famille, a.graine, a.nombre)))
        return 0
    failures = 0
    for seed_set, seed in SEEDS.items():
        rows = []
        for family, (label, full, quick) in FAMILIES.items():
            n = quick if a.quick else full
            r = subprocess.run([sys.executable, __file__, "--famille", family, "--graine", str(seed), "--nombre", str(n)],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"{label} : le banc a échoué\n{r.stderr[-2000:]}", file=sys.stderr)
                failures += 1
                continue
            row = json.loads(r.stdout)
            rows.append((label, row))
            failures += row["traces"] + row["codes"] + row["temps"] + row["perdus"] + row["doubles"]
            for ex in row["exemples"]:
                print(f"  {label} — {ex}")
        print_table(f"Fiabilité — jeu de graines « {seed_set} » (graine {seed}){' — rapide' if a.quick else ''}", rows)
    for label, why in NOT_MEASURED.items():
        print(f"{label} : {why}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
