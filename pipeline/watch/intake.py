"""Intake: find files in INBOX, wait until they are completely written, take them in one rename.

A file is stable when its size and mtime have not changed for `settle` seconds (a scanner
writing over SMB may close and reopen the file several times, so close-write alone is not
enough). Taking = journal row first, then one rename into the private work area: after a
kill -9 at any point, the journal row says whether the rename happened.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.fsutil import FILE_MODE, ensure_dir, fsync_dir
from pipeline.watch import security
from pipeline.watch.journal import Journal

log = logging.getLogger("pipeline.watch")


@dataclass
class Candidate:
    path: Path
    size: int
    mtime_ns: int
    since: float  # monotonic time since which size and mtime are unchanged
    refused: str | None = None


class Inbox:
    """Remembers what was seen in INBOX to tell when each file stopped changing."""

    def __init__(self, inbox: Path, settle: float):
        self.inbox = Path(inbox)
        self.settle = settle
        self.seen: dict[Path, Candidate] = {}

    def _entries(self):
        stack = [self.inbox]
        while stack:
            d = stack.pop()
            try:
                it = os.scandir(d)
            except OSError:
                continue
            with it:
                for e in it:
                    if security.is_hidden_or_temporary(e.name):
                        continue
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(Path(e.path))
                            continue
                    except OSError:
                        continue
                    yield Path(e.path)

    def scan(self) -> list[Candidate]:
        """Candidates ready to be taken (stable, or to be refused at once)."""
        now = time.monotonic()
        present = set()
        ready = []
        for p in self._entries():
            present.add(p)
            reason = security.refuse_reason(self.inbox, p)
            if reason and "disparu" in reason:
                continue
            if reason:
                ready.append(Candidate(p, 0, 0, now, refused=reason))
                continue
            st = os.lstat(p)
            c = self.seen.get(p)
            if c is None or c.size != st.st_size or c.mtime_ns != st.st_mtime_ns:
                self.seen[p] = Candidate(p, st.st_size, st.st_mtime_ns, now)
                continue
            if now - c.since >= self.settle:
                ready.append(c)
        for gone in set(self.seen) - present:
            del self.seen[gone]
        return ready

    def forget(self, path: Path) -> None:
        self.seen.pop(path, None)

    @property
    def pending(self) -> int:
        return len(self.seen)


def sha256_of(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    fd = security.open_nofollow(path)
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _move(src: Path, dst: Path) -> None:
    """One rename; across file systems (network share) a copy then unlink, never half-visible."""
    try:
        os.rename(src, dst)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(dst.name + ".copie")
        fd = security.open_nofollow(src)
        with os.fdopen(fd, "rb") as fin, open(tmp, "wb") as fout:
            for chunk in iter(lambda: fin.read(1 << 20), b""):
                fout.write(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        os.chmod(tmp, FILE_MODE)
        os.rename(tmp, dst)
        fsync_dir(dst.parent)
        os.unlink(src)
    fsync_dir(dst.parent)


def take(journal: Journal, inbox: Path, work_root: Path, path: Path) -> int:
    """Journal row, then rename into travail/<id>/original. Returns the file id."""
    rel = str(Path(path).relative_to(inbox))
    fid = journal.add_taking(rel, str(path), work_root)
    finish_taking(journal, fid)
    return fid


def finish_taking(journal: Journal, fid: int) -> None:
    """Complete (or resume) the `prise` step of file `fid`."""
    row = journal.get(fid)
    work, src = Path(row.work), Path(row.src)
    ensure_dir(work.parent)
    if not os.path.lexists(work):
        if not os.path.lexists(src):
            # Removed from INBOX by someone before we took it: it was never ours.
            with journal.tx():
                journal.db.execute("DELETE FROM files WHERE id=?", (fid,))
            log.info("fichier %s retiré du dépôt avant sa prise", fid)
            return
        _move(src, work)
    st = os.lstat(work)
    why = None
    if stat.S_ISLNK(st.st_mode):
        why = "lien symbolique refusé : déposez le fichier lui-même, pas un lien"
    elif not stat.S_ISREG(st.st_mode):
        why = "fichier spécial refusé (tube, périphérique ou socket) : déposez un fichier ordinaire"
    elif st.st_nlink > 1:
        why = "fichier à liens multiples (lien physique) refusé : déposez une copie du fichier"
    if why:
        # Never read: quarantined as it is (the link itself, not its target).
        journal.set_state(fid, "recue", size=0, sha256=None, reason="refuse:" + why)
        return
    os.chmod(work, FILE_MODE)
    size, digest = sha256_of(work)
    journal.received(fid, size, digest)
