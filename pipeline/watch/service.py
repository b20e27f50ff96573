"""The watcher's loop: take stable files, hand them to workers, file the results, re-check dossiers.

Only this process writes the journal. Heavy work runs in worker processes with a time limit.
SIGTERM / SIGINT: stop taking files, wait a little for the jobs in hand and file them; jobs
still running after that are abandoned (their file stays `recue` and is redone at restart).
"""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait as mp_wait
from pathlib import Path

from pipeline.fsutil import ensure_dir, private_umask, write_text
from pipeline.watch import Settings, filer, intake
from pipeline.watch.journal import Journal
from pipeline.watch.worker import worker_main

log = logging.getLogger("pipeline.watch")
# A file whose processing was interrupted this many times (watcher killed or crashed while
# working on it) goes to quarantine instead of looping forever under a restarting service.
MAX_ATTEMPTS = 20
STOP_GRACE = 20.0
CHECK_DEFER = 60.0  # during a burst, a dossier is re-checked at most this often (seconds)


@dataclass
class Job:
    kind: str  # prepare | check
    key: object  # file id or dossier id
    started: float
    payload: dict


class Worker:
    def __init__(self, ctx):
        self.ctx = ctx
        self.job: Job | None = None
        self.start()

    def start(self):
        parent_conn, child_conn = self.ctx.Pipe()
        # Not daemonic: OCRmyPDF may start its own processes; shutdown() and PDEATHSIG end it.
        self.proc = self.ctx.Process(target=worker_main, args=(child_conn, os.getpid()), daemon=False)
        self.proc.start()
        child_conn.close()
        self.conn = parent_conn

    def kill(self):
        try:
            self.proc.kill()
            self.proc.join(5)
        except Exception:
            pass
        try:
            self.conn.close()
        except Exception:
            pass

    def restart(self):
        self.kill()
        self.job = None
        self.start()

    def send(self, job: Job):
        self.job = job
        self.conn.send(job.payload)


class Service:
    def __init__(self, settings: Settings):
        self.s = settings
        self.stop = False
        self.wake = threading.Event()
        self.queue: deque[int] = deque()
        self.queued: set[int] = set()
        self.dirty_since: dict[str, float] = {}
        self.checking: set[str] = set()
        self.workers: list[Worker] = []
        self.observer = None
        self.stats = {"classe": 0, "doublon": 0, "quarantaine": 0, "a_trier": 0, "partiel": 0}
        self.timings: list[float] = []

    # -- set-up ---------------------------------------------------------------------------
    def setup(self):
        private_umask()
        for d in (self.s.work, self.s.travail, self.s.archive, self.s.quarantaine, self.s.a_trier, self.s.rapports):
            ensure_dir(d)
        self.journal = Journal(self.s.journal_path)
        self.inbox = intake.Inbox(self.s.inbox, self.s.settle)
        ctx = multiprocessing.get_context("spawn")
        self.workers = [Worker(ctx) for _ in range(max(1, self.s.workers))]
        filer.purge_archive(self.s.archive, self.s.keep_days)
        self._last_purge = time.monotonic()

    def _signals(self):
        def handler(signum, frame):
            log.info("arrêt demandé (signal %s) : fin des fichiers en cours", signum)
            self.stop = True
            self.wake.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _start_observer(self):
        if self.s.force_polling or self.s.once:
            return
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer

            wake = self.wake

            class H(FileSystemEventHandler):
                def on_any_event(self, event):
                    wake.set()

            obs = Observer()
            obs.schedule(H(), str(self.s.inbox), recursive=True)
            obs.daemon = True
            obs.start()
            self.observer = obs
        except Exception as e:  # inotify limits, network shares: polling still works
            log.warning("surveillance par événements indisponible (%s) : scrutation toutes les %s s",
                        type(e).__name__, self.s.poll_interval)
            self.observer = None

    # -- recovery -------------------------------------------------------------------------
    def recover(self):
        """Resume every file from the step the journal says it reached."""
        for row in self.journal.unfinished():
            log.info("reprise du fichier %s à l'étape %s", row.id, row.state)
            try:
                if row.state == "prise":
                    intake.finish_taking(self.journal, row.id)
                    self._after_received(row.id)
                elif row.state in ("recue", "preparee"):
                    self._cleanup_attempts(row.id)
                    self._after_received(row.id)
                elif row.state == "classement":
                    self._file_parts(row.id)
            except Exception as e:
                self._quarantine(row.id, f"erreur pendant la reprise ({type(e).__name__}) : déposez le fichier à nouveau")
        # Work folders of finished files (a kill between the end and the clean-up).
        done = {r.id for r in self.journal.files("terminee")}
        for d in self.s.travail.iterdir():
            if d.name.isdigit() and int(d.name) in done:
                shutil.rmtree(d, ignore_errors=True)
        for did, _folder in self.journal.dossiers_to_check():
            self.dirty_since.setdefault(did, time.monotonic())

    def _cleanup_attempts(self, fid: int):
        base = self.s.travail / str(fid)
        if base.exists():
            for d in base.glob("essai-*"):
                shutil.rmtree(d, ignore_errors=True)

    # -- intake -----------------------------------------------------------------------------
    def take_ready(self):
        for c in self.inbox.scan():
            if self.stop:
                return
            try:
                fid = intake.take(self.journal, self.s.inbox, self.s.travail, c.path)
            except FileNotFoundError:
                continue
            except OSError as e:
                log.warning("prise impossible (%s) : nouvel essai plus tard", type(e).__name__)
                continue
            self.inbox.forget(c.path)
            row = self.journal.get(fid) if self._exists(fid) else None
            if row is None:
                continue
            log.info("fichier %s reçu sha256=%s taille=%s", fid, (row.sha256 or "-")[:16], row.size)
            self._after_received(fid)

    def _exists(self, fid: int) -> bool:
        return self.journal.db.execute("SELECT 1 FROM files WHERE id=?", (fid,)).fetchone() is not None

    def _after_received(self, fid: int):
        if not self._exists(fid):
            return
        row = self.journal.get(fid)
        if row.state not in ("recue", "preparee"):
            return
        if row.reason and row.reason.startswith("refuse:"):
            self._quarantine(fid, row.reason[len("refuse:"):])
            return
        if row.duplicate_of:
            first = self.journal.get(row.duplicate_of)
            filer.archive(Path(row.work), self.s.archive, fid, row.name)
            with self.journal.tx():
                self.journal.set_state(fid, "terminee", outcome="doublon",
                                       reason=f"même contenu que le fichier n° {first.id} déjà reçu")
            filer.cleanup_work(self.s.travail / str(fid))
            self.stats["doublon"] += 1
            log.info("fichier %s doublon du fichier %s sha256=%s", fid, first.id, (row.sha256 or "")[:16])
            return
        if row.attempts >= MAX_ATTEMPTS:
            self._quarantine(fid, "le traitement de ce fichier a été interrompu plusieurs fois : "
                                  "vérifiez-le et déposez-le à nouveau")
            return
        if fid not in self.queued:
            self.queue.append(fid)
            self.queued.add(fid)

    # -- outcomes ---------------------------------------------------------------------------
    def _quarantine(self, fid: int, reason: str):
        row = self.journal.get(fid)
        filer.quarantine(Path(row.work), self.s.quarantaine, fid, row.name, reason)
        with self.journal.tx():
            self.journal.set_state(fid, "terminee", outcome="quarantaine", reason=reason)
        filer.cleanup_work(self.s.travail / str(fid))
        self.stats["quarantaine"] += 1
        log.info("fichier %s en quarantaine sha256=%s", fid, (row.sha256 or "-")[:16])

    def _plan_done(self, fid: int, plan: dict):
        if "refused" in plan:
            self._quarantine(fid, plan["refused"])
            return
        if "error" in plan:
            self._quarantine(fid, f"erreur pendant le traitement ({plan['error']}) : vérifiez le fichier "
                                  "et déposez-le à nouveau")
            return
        self.journal.add_parts(fid, plan["parts"])
        self._file_parts(fid)

    def _file_parts(self, fid: int):
        row = self.journal.get(fid)
        parts = self.journal.parts(fid)
        kinds = set()
        for p in parts:
            kinds.add(p.kind)
            if p.state == "classee":
                continue
            if p.kind == "dossier":
                dest = filer.place(Path(p.tmp), Path(p.folder), p.piece_id)
                self.journal.part_filed(fid, p.idx, str(dest), p.dossier_id, p.folder)
                self.dirty_since.setdefault(p.dossier_id, time.monotonic())
                log.info("fichier %s partie %s classée dossier=%s piece=%s", fid, p.idx, p.dossier_id, p.piece_id)
            else:
                dest = filer.a_trier(Path(p.tmp), self.s.a_trier, fid, p.idx, row.name, p.reason or "")
                self.journal.part_filed(fid, p.idx, str(dest), None, None)
                log.info("fichier %s partie %s à trier", fid, p.idx)
        if not parts:
            self._quarantine(fid, "aucune page exploitable dans ce fichier (seulement des feuilles de séparation) : "
                                  "déposez le document avec sa feuille")
            return
        outcome = "classe" if kinds == {"dossier"} else "a_trier" if kinds == {"a_trier"} else "partiel"
        # Only now that every copy is written and fsynced does the original leave the work area.
        filer.archive(Path(row.work), self.s.archive, fid, row.name)
        with self.journal.tx():
            self.journal.set_state(fid, "terminee", outcome=outcome)
        filer.cleanup_work(self.s.travail / str(fid))
        self.stats[outcome] += 1
        self.timings.append(time.time() - row.received_at)

    # -- checks -----------------------------------------------------------------------------
    def _check_done(self, dossier_id: str, folder: str, started: float, result: dict):
        if "error" in result:
            status, missing, data = "controle_en_echec", [], None
            log.warning("contrôle du dossier %s en échec (%s)", dossier_id, result["error"])
        else:
            status, missing, data = result["status"], result.get("missing", []), result.get("report")
        report_path = self.s.rapports / f"{filer.safe_name(dossier_id)}.json"
        write_text(report_path, json.dumps({
            "dossier": dossier_id, "status": status, "missing": missing,
            "pending": result.get("pending"), "checked_at": time.time(), "report": data,
            "bundle": result.get("bundle"),
        }, ensure_ascii=False, indent=1))
        self.journal.checked(dossier_id, status, missing, str(report_path), started)
        if self.journal.db.execute("SELECT needs_check FROM dossiers WHERE dossier_id=?", (dossier_id,)).fetchone()[0]:
            self.dirty_since[dossier_id] = time.monotonic()
        rules = sorted({f.get("rule", "?") for d in (data or {}).get("dossiers", []) for f in d.get("findings", [])})
        log.info("dossier %s contrôlé : %s, manquantes=%s règles=%s", dossier_id, status, ",".join(missing) or "-",
                 ",".join(rules) or "-")
        if (result.get("bundle") or {}).get("pret"):
            log.info("dossier %s prêt à envoyer : lot final écrit (envoi/)", dossier_id)

    # -- dispatch -----------------------------------------------------------------------------
    def dispatch(self):
        for w in self.workers:
            if w.job is not None:
                continue
            job = self._next_job()
            if job is None:
                return
            try:
                w.send(job)
            except (OSError, EOFError):
                w.restart()
                w.send(job)

    def _next_job(self) -> Job | None:
        now = time.monotonic()
        due = [d for d, t in self.dirty_since.items() if d not in self.checking and (not self.queue or now - t > CHECK_DEFER)]
        if due and not self.stop:
            did = due[0]
            row = self.journal.dossier_rows().get(did)
            self.dirty_since.pop(did, None)
            if row is None:
                return self._next_job()
            self.checking.add(did)
            return Job("check", did, now, {"kind": "check", "folder": row["folder"], "dossier": did,
                                           "started": time.time()})
        while self.queue and not self.stop:
            fid = self.queue.popleft()
            self.queued.discard(fid)
            row = self.journal.get(fid)
            if row.state not in ("recue", "preparee"):
                continue
            return Job("prepare", fid, now, {
                "kind": "prepare", "id": fid, "work": row.work, "root": str(self.s.root),
                "max_bytes": self.s.max_bytes, "max_pages": self.s.max_pages, "max_pixels": self.s.max_pixels,
                "ocr": self.s.ocr, "identify": self.s.extra.get("identify", True),
                # Nothing else waiting: this file's pages may use the idle workers' cores too.
                "ocr_jobs": 1 if self.queue else max(1, sum(1 for w in self.workers if w.job is None)),
            })
        return None

    def collect(self, timeout: float):
        busy = {w.conn: w for w in self.workers if w.job is not None}
        if not busy:
            self.wake.wait(timeout)
            self.wake.clear()
            return
        ready = mp_wait(list(busy), timeout)
        for conn in ready:
            w = busy[conn]
            job = w.job
            try:
                result = conn.recv()
            except (EOFError, OSError):
                result = {"error": "arrêt brutal du processus de traitement"}
                w.restart()
            if "ack" in result:
                self.journal.bump_attempts(job.key)
                job.started = time.monotonic()  # the time limit runs from the real start
                continue
            w.job = None
            self._finish(job, result)
        now = time.monotonic()
        for w in self.workers:
            if w.job is not None and now - w.job.started > self._limit(w.job):
                job = w.job
                w.restart()
                self._finish(job, {"error": "délai dépassé", "timeout": True})

    def _limit(self, job: Job) -> float:
        return self.s.timeout

    def _finish(self, job: Job, result: dict):
        try:
            if job.kind == "prepare":
                if result.get("timeout"):
                    self._quarantine(job.key, f"délai de traitement dépassé ({int(self.s.timeout)} s) : "
                                              "découpez le document ou numérisez-le en plus basse résolution")
                else:
                    self._plan_done(job.key, result)
            else:
                self.checking.discard(job.key)
                self._check_done(job.key, job.payload["folder"], job.payload["started"], result)
        except Exception as e:
            log.error("incident sur %s %s (%s)", job.kind, job.key, type(e).__name__)
            if job.kind == "prepare":
                try:
                    self._quarantine(job.key, f"erreur pendant le classement ({type(e).__name__}) : "
                                              "vérifiez le fichier et déposez-le à nouveau")
                except Exception:
                    log.exception("quarantaine impossible pour le fichier %s", job.key)

    # -- main loop ------------------------------------------------------------------------------
    def idle(self) -> bool:
        return (not self.queue and all(w.job is None for w in self.workers) and not self.dirty_since
                and not self.checking and self.inbox.pending == 0)

    def run(self) -> int:
        self.setup()
        self._signals()
        self.recover()
        self._start_observer()
        log.info("surveillance de %s (dossiers : %s, %d processus)", self.s.inbox, self.s.root, len(self.workers))
        last_scan = 0.0
        try:
            while True:
                now = time.monotonic()
                if not self.stop and (self.wake.is_set() or now - last_scan >= self._scan_every()):
                    self.wake.clear()
                    self.take_ready()
                    last_scan = time.monotonic()
                self.dispatch()
                if self.stop:
                    self._drain()
                    break
                if self.s.once and self.idle() and not self.inbox.scan() and self.inbox.pending == 0:
                    break
                self.collect(min(0.2, self._scan_every()))
                if now - self._last_purge > 3600:
                    filer.purge_archive(self.s.archive, self.s.keep_days)
                    self._last_purge = now
        finally:
            self.shutdown()
        return 0

    def _scan_every(self) -> float:
        if self.inbox.pending:
            return max(0.1, self.s.settle / 4)
        return self.s.poll_interval if self.observer is None and not self.s.once else 1.0 if self.s.once else self.s.poll_interval

    def _drain(self):
        deadline = time.monotonic() + STOP_GRACE
        while any(w.job for w in self.workers) and time.monotonic() < deadline:
            self.collect(0.2)
        for w in self.workers:
            if w.job is not None:
                log.info("%s %s abandonné à l'arrêt : repris au prochain démarrage", w.job.kind, w.job.key)
                if w.job.kind == "check":
                    self.checking.discard(w.job.key)
                w.job = None

    def shutdown(self):
        if self.observer is not None:
            try:
                self.observer.stop()
            except Exception:
                pass
        for w in self.workers:
            try:
                if w.job is None:
                    w.conn.send(None)
                    w.proc.join(2)
            except Exception:
                pass
            w.kill()
        try:
            self.journal.close()
        except Exception:
            pass
        log.info("arrêt : %s", ", ".join(f"{k} {v}" for k, v in self.stats.items() if v))


def run(settings: Settings) -> int:
    return Service(settings).run()
