"""Atomic, owner-only writes: the files hold medical and personal data."""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

from pipeline.errors import PipelineError

FILE_MODE = 0o600
DIR_MODE = 0o700
# A build converts a dozen documents, a bundle reads scans: a few minutes at most. Past this wait
# the other run is stuck: say so rather than wait for ever.
LOCK_WAIT_SECONDS = 900.0


def private_umask() -> None:
    """Make every file this process creates owner-only (also LibreOffice's, OCRmyPDF's)."""
    os.umask(0o077)


def ensure_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only; an existing folder keeps its mode (e.g. `-o .`)."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temp file in the same folder, then rename."""
    path = Path(path)
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def staging_dir(final: Path):
    """Yield a private temp folder beside `final`; on success it replaces `final` at once.

    Nothing half-written is ever visible under `final`: on error the temp folder goes away.
    """
    final = Path(final)
    ensure_dir(final.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    os.chmod(tmp, DIR_MODE)
    try:
        yield tmp
        old = None
        if final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            os.replace(final, old)
        os.replace(tmp, final)
        fsync_dir(final.parent)
        if old is not None:
            _rmtree(old)
    except BaseException:
        _rmtree(tmp)
        raise


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def sha256_file(path: Path) -> str:
    """The file's sha256, read by chunks (scans can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class FolderBusy(PipelineError):
    """The dossier's folder stayed locked by another run past the wait (see `folder_lock`):
    exit code 2, nothing done."""

    def __init__(self, folder: Path, seconds: float):
        super().__init__(folder, seconds)
        self.folder, self.seconds = folder, seconds

    def __str__(self) -> str:
        return (f"le dossier « {self.folder} » est en cours de traitement par un autre programme (construction ou "
                f"assemblage) depuis plus de {self.seconds / 60:.0f} minutes : rien n'a été fait. Attendez la fin de "
                "l'autre traitement, ou arrêtez-le s'il est bloqué, puis relancez la commande.")


@contextlib.contextmanager
def folder_lock(folder: Path, on_wait: Optional[Callable[[], None]] = None,
                seconds: float = LOCK_WAIT_SECONDS):
    """One run at a time writes a dossier's folder (build, bundle; the command line, the desk's
    workers and the watcher alike): a second run waits for the first, then works on what the
    first left, so an older result never lands over a newer one. `on_wait()` is called once when
    the folder is busy. A lock (flock) on the folder itself, no file added: it goes with its
    process, a crash never leaves the folder locked; each call opens the folder anew, so two
    threads of one process exclude each other too."""
    import fcntl

    folder = ensure_dir(folder)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = None  # set at the first refusal
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is None:
                    deadline = time.monotonic() + seconds
                    if on_wait is not None:
                        on_wait()
                elif time.monotonic() > deadline:
                    raise FolderBusy(folder, seconds) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # releases the lock
