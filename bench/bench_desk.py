"""Load run of the web desk on loopback (not a timed test).

The real server: `pipeline serve` (waitress) on a free port, its data folder in a temporary
folder. 1 000 dossiers are written in the database through the ORM (case 01's description, each
with its own identifier), then N simulated gestionnaires (20 by default), each with its own
session, send M requests (200 by default): the dossier list (a random page), dossier pages, and
drops of small one-page PDFs. The task queue is not started (--no-consumer): a drop queues its
check, which is not run, so the figures are those of the web tier (pages and storing uploads).

Printed, in French: requests, errors, lost uploads (acknowledged on the page but not on disk or
not in the database), latency p50/p95/p99 of the dossier list with 1 000 dossiers, next to the
baseline of the same run: a static file (the desk's CSS) served by the same server and the same
stack (waitress, Django, WhiteNoise) — the floor under which no page can go; under load and
unloaded (one user, one request at a time). Also the SQL queries of one list page and one dossier
page (constant: tests/web/test_access.py checks the list's do not grow with the dossiers).

    .venv/bin/python bench/bench_desk.py [--quick] [--users 20] [--requests 200] [--dossiers 1000]
"""
from __future__ import annotations

import argparse
import http.cookiejar
import io
import os
import hashlib
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SAMPLE = REPO / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"
PASSWORD = "Banc-d-essai-2026!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_db(data: Path, n: int) -> list[str]:
    """Accounts and n dossiers through the ORM (stage and action as the desk stores them)."""
    os.environ["PIPELINE_DATA"] = str(data)
    os.environ["PIPELINE_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    from pipeline import web

    web.setup(data)
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from pipeline.web.desk.models import Cdg, Collectivite, Dossier, Profil

    cdg = Cdg.objects.create(nom="Centre de gestion de la Manche")
    coll = Collectivite.objects.create(nom="Commune de Saint-Lô", siret="21500502700019", cdg=cdg)
    text = SAMPLE.read_text(encoding="utf-8")
    stades = ["a_construire", "attente_af3", "attente_af4", "a_completer", "pret_a_envoyer"]
    rows = []
    for i in range(n):
        ref = f"INV-2026-{i + 1:04d}"
        rows.append(Dossier(uid=uuid.uuid4(), collectivite=coll, reference=ref, agent=f"Agent {i + 1}",
                            yaml=text.replace("INV-2026-0001", ref), etape="verification", valide=True,
                            stade=stades[i % len(stades)], action="Construire les documents", profil="cnracl"))
    Dossier.objects.bulk_create(rows, batch_size=500)
    from django.contrib.auth.hashers import make_password

    hashed = make_password(PASSWORD)  # hashed once: 50 accounts, not 50 slow hashes
    for k in range(50):
        u = User.objects.create(username=f"gest{k:02d}", password=hashed)
        Profil.objects.create(user=u, role="gestionnaire").collectivites.set([coll])
    return [str(u) for u in Dossier.objects.values_list("uid", flat=True)]


def query_counts(uids: list[str]) -> tuple[int, int]:
    """SQL queries of one list page and one dossier page (Django's test client, same database)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.contrib.auth.models import User

    c = Client()
    c.force_login(User.objects.get(username="gest49"))
    c.get("/")
    with CaptureQueriesContext(connection) as q_list:
        assert c.get("/?page=3").status_code == 200
    c.get(f"/dossiers/{uids[1]}/")
    with CaptureQueriesContext(connection) as q_page:
        assert c.get(f"/dossiers/{uids[1]}/").status_code == 200
    return len(q_list), len(q_page)


def small_pdf(tag: str) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 760, f"Pièce de banc d'essai {tag}")
    c.showPage()
    c.save()
    return buf.getvalue()


class User:
    def __init__(self, url: str, name: str):
        self.url, self.name = url, name
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.url + path, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def post(self, path: str, body: bytes, ctype: str) -> tuple[int, bytes]:
        req = urllib.request.Request(self.url + path, data=body, headers={
            "Content-Type": ctype, "Referer": self.url + path, "X-CSRFToken": self.csrf()})
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def login(self) -> None:
        self.get("/connexion/")
        body = urllib.parse.urlencode({"username": self.name, "password": PASSWORD,
                                       "csrfmiddlewaretoken": self.csrf()}).encode()
        status, page = self.post("/connexion/", body, "application/x-www-form-urlencoded")
        if status != 200 or "Se déconnecter".encode() not in page:
            raise RuntimeError(f"connexion impossible pour {self.name} ({status})")


def multipart(token: str, name: str, data: bytes) -> tuple[bytes, str]:
    b = uuid.uuid4().hex
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"fichiers\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    return body, f"multipart/form-data; boundary={b}"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


def worker(k: int, url: str, uids: list[str], n_req: int, out: dict, lock: threading.Lock) -> None:
    rnd = random.Random(k)
    u = User(url, f"gest{k:02d}")
    try:
        u.login()
    except Exception as e:  # counted, the others go on
        with lock:
            out["errors"].append(f"connexion {k}: {e}")
        return
    pages = max(1, len(uids) // 50)
    mine = rnd.sample(uids, 5)
    for i in range(n_req):
        r = rnd.random()
        if r < 0.10:  # the floor: a static file of the same server
            kind, t0 = "statique", time.perf_counter()
            status, body = u.get("/static/desk/desk.css")
        elif r < 0.50:
            kind, t0 = "liste", time.perf_counter()
            status, body = u.get(f"/?page={rnd.randint(1, pages)}")
        elif r < 0.85:
            kind, t0 = "dossier", time.perf_counter()
            status, body = u.get(f"/dossiers/{rnd.choice(uids)}/")
        else:
            kind = "depot"
            uid = rnd.choice(mine)
            data = small_pdf(f"{k}-{i}-{uuid.uuid4().hex[:8]}")
            body_, ctype = multipart(u.csrf(), f"piece_{k}_{i}.pdf", data)
            t0 = time.perf_counter()
            status, body = u.post(f"/dossiers/{uid}/deposer/", body_, ctype)
        dt = time.perf_counter() - t0
        ok = status == 200
        with lock:
            out["lat"].setdefault(kind, []).append(dt)
            out["n"] += 1
            if not ok:
                out["errors"].append(f"{kind} {status}")
            elif kind == "depot":
                if "1 fichier(s) reçu(s)".encode() in body:
                    out["acked"].append((uid, hashlib.sha256(data).hexdigest()))
                else:
                    out["errors"].append("dépôt non confirmé")


def lost_uploads(data: Path, acked: list[tuple[str, str]]) -> int:
    from pipeline.web.desk.models import PieceRecue

    lost = 0
    rows = {(str(u), s): c for u, s, c in PieceRecue.objects.values_list("dossier__uid", "sha256", "chemin")}
    for uid, sha in acked:
        chemin = rows.get((uid, sha))
        if chemin is None or not (data / "fichiers" / uid / chemin).is_file():
            lost += 1
    return lost


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="course courte : 5 utilisateurs × 30 requêtes")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--dossiers", type=int, default=1000)
    args = ap.parse_args()
    if args.quick:
        args.users, args.requests = 5, 30
    args.users = min(args.users, 50)
    base = Path(tempfile.mkdtemp(prefix="bench_desk_"))
    proc = None
    try:
        data = base / "donnees"
        t0 = time.perf_counter()
        uids = setup_db(data, args.dossiers)
        print(f"{args.dossiers} dossiers créés dans la base en {time.perf_counter() - t0:.1f} s")
        q_list, q_page = query_counts(uids)
        port = free_port()
        log = open(base / "serve.log", "wb")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "pipeline"), "serve", "--data", str(data),
                                 "--port", str(port), "--no-consumer"], stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/connexion/", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("pipeline serve n'a pas démarré :\n" + (base / "serve.log").read_text(errors="replace"))
                time.sleep(0.2)
        # Unloaded first: one user, one request at a time (the cost of a page, without queueing).
        solo = User(url, "gest49")
        solo.login()
        idle: dict[str, list[float]] = {"liste": [], "statique": []}
        for i in range(30):
            for kind, path in (("liste", f"/?page={i % 20 + 1}"), ("statique", "/static/desk/desk.css")):
                t1 = time.perf_counter()
                solo.get(path)
                idle[kind].append(time.perf_counter() - t1)
        out = {"lat": {}, "errors": [], "acked": [], "n": 0}
        lock = threading.Lock()
        threads = [threading.Thread(target=worker, args=(k, url, uids, args.requests, out, lock))
                   for k in range(args.users)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        lost = lost_uploads(data, out["acked"])
        lat = out["lat"]
        print()
        print(f"Banc d'essai du bureau web — {args.users} utilisateurs × {args.requests} requêtes, "
              f"{args.dossiers} dossiers, serveur « pipeline serve » (waitress) sur 127.0.0.1")
        print(f"{'Requêtes':<44}{out['n']:>10}   ({out['n'] / wall:.1f} par seconde, {wall:.1f} s)")
        print(f"{'Erreurs':<44}{len(out['errors']):>10}")
        print(f"{'Dépôts confirmés':<44}{len(out['acked']):>10}")
        print(f"{'Dépôts perdus (confirmés, absents)':<44}{lost:>10}")
        print(f"{'Requêtes SQL : une page de la liste':<44}{q_list:>10}")
        print(f"{'Requêtes SQL : une page de dossier':<44}{q_page:>10}")
        print()
        print(f"{'Latence (ms), en charge':<44}{'p50':>8}{'p95':>8}{'p99':>8}{'n':>7}")
        names = {"liste": f"liste des dossiers ({args.dossiers}, 50 par page)", "dossier": "page d'un dossier",
                 "depot": "dépôt d'un PDF d'une page",
                 "statique": "référence : fichier statique (même serveur)"}
        for kind in ("liste", "statique", "dossier", "depot"):
            v = lat.get(kind, [])
            print(f"{names[kind]:<44}{pct(v, 50):>8.0f}{pct(v, 95):>8.0f}{pct(v, 99):>8.0f}{len(v):>7}")
        print(f"{'À vide (un utilisateur, une requête à la fois)':<44}")
        print(f"{'  liste des dossiers':<44}{pct(idle['liste'], 50):>8.0f}{pct(idle['liste'], 95):>8.0f}"
              f"{pct(idle['liste'], 99):>8.0f}{len(idle['liste']):>7}")
        print(f"{'  référence : fichier statique':<44}{pct(idle['statique'], 50):>8.0f}{pct(idle['statique'], 95):>8.0f}"
              f"{pct(idle['statique'], 99):>8.0f}{len(idle['statique']):>7}")
        if lat.get("liste") and lat.get("statique"):
            print(f"\nLa liste coûte {statistics.median(lat['liste']) / statistics.median(lat['statique']):.1f} fois "
                  "le fichier statique servi par le même serveur (médianes).")
        if out["errors"]:
            counts: dict[str, int] = {}
            for e in out["errors"]:
                counts[e] = counts.get(e, 0) + 1
            print("Erreurs : " + ", ".join(f"{k} × {v}" for k, v in sorted(counts.items())))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
