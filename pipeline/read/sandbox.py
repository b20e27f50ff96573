"""Each file read in a worker process with a memory cap and a time limit.

Parsing, rendering and OCR of a hostile file may need gigabytes or never end. Here they run
in forked workers (RLIMIT_AS set, SIGINT ignored); past the time limit the parent kills the
worker, and a worker that dies or runs out of memory costs that one file a French reason —
the run goes on and the parent never dies. Workers are reused for the files of a run (a fork
per run, not per file). Plain os.fork, not multiprocessing: the caller may itself be a
daemonic pool worker (check --batch), which multiprocessing forbids to have children.

A file the readers cannot parse is a finding (FICHIER-ILLISIBLE); a bug of our own code is
not: it stops the run with `ProgramBug` (exit code 4, « erreur interne, à signaler »), so a
user's dossier never carries a false finding (see `bug_location` for the criterion).

`PIPELINE_ISOLATION=0` (or `isolate=False`) reads in-process: for callers already running in
a limited worker (the drop-folder watcher) and for benchmarks.
"""
from __future__ import annotations

import os
import pickle
import signal
import time
from multiprocessing.connection import Connection, Pipe, wait
from typing import Callable, Iterable, Optional

from pipeline.errors import ExitCode, PipelineError, raised_in
from pipeline.read import limits

# Errors that say the code is wrong, not the data: a parsing library raises its own errors
# (PdfReadError, PdfiumError, PIL's UnidentifiedImageError, ValueError, OSError…) on a bad file.
BUG_TYPES = (TypeError, AttributeError, KeyError, IndexError, NameError, AssertionError)


class ProgramBug(PipelineError):
    """A bug of the program met while reading a file: reported, never turned into a finding."""

    exit_code = ExitCode.INTERNE

    def __init__(self, file: str, kind: str, where: str):
        super().__init__(file, kind, where)
        self.file, self.kind, self.where = file, kind, where

    def __str__(self) -> str:
        # Type and place only: an exception's text may quote the dossier (names, medical words).
        return (f"erreur interne du programme pendant la lecture de « {self.file} » ({self.kind}, {self.where}) : "
                "ce n'est pas un défaut du fichier et aucun constat n'a été établi. Signalez-le aux "
                "mainteneurs avec la commande lancée et ce message (sans joindre de pièces ni de données "
                "médicales).")


def bug_location(exc: BaseException) -> str | None:
    """Where `exc` is a bug of ours: « module, ligne N » of the innermost frame of our code,
    None when it is a reader's verdict on the file.

    Criterion: a programming-error type (BUG_TYPES) whose innermost frame, standard library
    frames aside (re, json… only relay what they are given), is in the `pipeline` package.
    The same type raised inside a parsing library (pypdf, pdfplumber, PIL, pikepdf…) is the
    library failing on a hostile file: FICHIER-ILLISIBLE, as before."""
    if not isinstance(exc, BUG_TYPES):
        return None
    module, line = raised_in(exc)
    if module == "pipeline" or module.startswith("pipeline."):
        return f"{module}, ligne {line}"
    return None


def enabled(isolate: Optional[bool] = None) -> bool:
    if isolate is not None:
        return isolate
    return os.environ.get("PIPELINE_ISOLATION", "1") not in ("0", "non", "false", "no")


def cap_memory(max_bytes: Optional[int] = None) -> None:
    """Cap this process's address space (and its children's: Tesseract inherits it)."""
    import resource

    cap = max_bytes or limits.limit("lecture", "memoire_octets").valeur
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


class _Worker:
    def __init__(self, fn: Callable, mem: int, others: list["_Worker"]):
        parent, child = Pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                parent.close()
                for w in others:  # not ours: let their EOF reach the parent
                    w.conn.close()
                _serve(child, fn, mem)
            finally:
                os._exit(0)
        child.close()
        self.pid, self.conn = pid, parent
        self.task: Optional[int] = None
        self.deadline = 0.0

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.reap()

    def reap(self) -> None:
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.conn.close()


def _serve(conn: Connection, fn: Callable, mem: int) -> None:
    import faulthandler

    faulthandler.disable()  # a reader's crash is a finding, not a stack dump on the terminal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    cap_memory(mem)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        try:
            result = ("ok", fn(item))
        except MemoryError:
            result = ("memory", None)
        except BaseException as e:  # noqa: BLE001 — a worker never dies of a bad file
            where = bug_location(e)
            result = ("bug", (type(e).__name__, where)) if where else ("error", type(e).__name__)
        try:
            conn.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except MemoryError:
            conn.send_bytes(pickle.dumps(("memory", None)))
        except Exception as e:  # an unpicklable result is our bug: say so, stay alive
            conn.send_bytes(pickle.dumps(("bug", (type(e).__name__, "résultat de lecture non transmissible"))))
        if result[0] == "memory":
            return  # the heap may be in a bad state: a fresh worker takes over


class ReaderPool:
    """`map(fn, items)` with each call in a limited worker; `on_failure(item, reason)` stands
    in for the result of a call that ran out of memory or time, or killed its worker."""

    def __init__(self, fn: Callable, on_failure: Callable, *, jobs: int = 1,
                 memory: Optional[int] = None, seconds: Optional[float] = None):
        self.fn, self.on_failure = fn, on_failure
        self.jobs = max(1, jobs)
        self.memory = memory or limits.limit("lecture", "memoire_octets").valeur
        self.seconds = seconds or limits.limit("lecture", "secondes").valeur
        self.workers: list[_Worker] = []

    def __enter__(self) -> "ReaderPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for w in self.workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in self.workers:
            # Idle workers exit at once on None; anything else is not worth waiting for.
            if not w.conn.poll(0.5):
                w.kill()
            else:
                w.reap()
        self.workers = []

    def _spawn(self) -> _Worker:
        w = _Worker(self.fn, self.memory, self.workers)
        self.workers.append(w)
        return w

    def _drop(self, w: _Worker) -> None:
        w.kill()
        self.workers.remove(w)

    def map(self, items: Iterable) -> list:
        items = list(items)
        results: list = [None] * len(items)
        todo = list(range(len(items)))[::-1]
        while todo or any(w.task is not None for w in self.workers):
            idle = [w for w in self.workers if w.task is None]
            while todo and (idle or len(self.workers) < self.jobs):
                w = idle.pop() if idle else self._spawn()
                i = todo.pop()
                try:
                    w.conn.send(items[i])
                except OSError:  # died between two files: another one takes the file
                    self._drop(w)
                    todo.append(i)
                    continue
                w.task, w.deadline = i, time.monotonic() + self.seconds
            busy = [w for w in self.workers if w.task is not None]
            if not busy:
                continue
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy], timeout)
            now = time.monotonic()
            for w in busy:
                i = w.task
                if w.conn in ready:
                    try:
                        status, value = pickle.loads(w.conn.recv_bytes())
                    except (EOFError, OSError, pickle.UnpicklingError):
                        status, value = "crash", None
                    if status == "bug":
                        kind, where = value
                        raise ProgramBug(_name(items[i]), kind, where)
                    if status in ("ok", "error"):
                        # "error": an exception the reader did not turn into a problem; the
                        # worker is sound, the file is unreadable.
                        results[i] = value if status == "ok" else self.on_failure(items[i], limits.CRASH_REASON)
                        w.task = None
                        continue
                    reason = {"memory": limits.MEMORY_REASON}.get(status, limits.CRASH_REASON)
                    results[i] = self.on_failure(items[i], reason)
                    self._drop(w)
                elif now >= w.deadline:
                    results[i] = self.on_failure(items[i], limits.TIME_REASON)
                    self._drop(w)
        return results


def _name(item) -> str:
    return getattr(item, "name", None) or str(item)


def run_isolated(fn: Callable, items: Iterable, on_failure: Callable, *, jobs: int = 1,
                 isolate: Optional[bool] = None, memory: Optional[int] = None,
                 seconds: Optional[float] = None) -> list:
    """`[fn(x) for x in items]`, each call in a limited worker unless isolation is off."""
    items = list(items)
    if not items:
        return []
    if not enabled(isolate):
        out = []
        for x in items:
            try:
                out.append(fn(x))
            except BUG_TYPES as e:
                where = bug_location(e)
                if where is None:
                    raise
                raise ProgramBug(_name(x), type(e).__name__, where) from e
        return out
    with ReaderPool(fn, on_failure, jobs=min(jobs, len(items)), memory=memory, seconds=seconds) as pool:
        return pool.map(items)
