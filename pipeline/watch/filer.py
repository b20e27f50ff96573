"""Putting files in their place: dossier (never overwrite), à trier, quarantine, archive.

Filing a part is a hard link from the work area to `<dossier>/<pièce>.pdf` (or `_2`, `_3`…):
link() never replaces an existing name, and after a kill -9 the same inode found in the
dossier tells that the part was already filed. File systems without hard links get an
exclusive-create copy, recognised by its checksum.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import time
from pathlib import Path

from pipeline.fsutil import FILE_MODE, ensure_dir, fsync_dir, write_text
from pipeline.fsutil import sha256_file as _sha
from pipeline.text import slug


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _already_there(tmp: Path, folder: Path, stem: str) -> Path | None:
    """The copy of `tmp` already placed in `folder` under `stem*.pdf` (resume after a kill)."""
    try:
        st = os.stat(tmp)
    except FileNotFoundError:
        return None
    pattern = re.compile(re.escape(stem) + r"(_\d+)?\.pdf$")
    digest = None
    for p in folder.iterdir():
        if not pattern.fullmatch(p.name):
            continue
        q = os.stat(p, follow_symlinks=False)
        if (q.st_dev, q.st_ino) == (st.st_dev, st.st_ino):
            return p
        if q.st_size == st.st_size:
            digest = digest or _sha(tmp)
            if _sha(p) == digest:
                return p
    return None


def place(tmp: Path, folder: Path, stem: str) -> Path:
    """Put `tmp` in `folder` as `stem.pdf`, or `stem_2.pdf`… never overwriting. Idempotent."""
    folder = ensure_dir(folder) if not folder.exists() else folder
    found = _already_there(tmp, folder, stem)
    if found is not None:
        return found
    _fsync_file(tmp)
    n = 1
    while True:
        dest = folder / (f"{stem}.pdf" if n == 1 else f"{stem}_{n}.pdf")
        try:
            os.link(tmp, dest)
            break
        except FileExistsError:
            n += 1
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            try:
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            except FileExistsError:
                n += 1
                continue
            with os.fdopen(fd, "wb") as out, open(tmp, "rb") as src:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
            break
    fsync_dir(folder)
    return dest


def safe_name(name: str) -> str:
    p = Path(name)
    return (slug(p.stem) or "document")[:80] + (p.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,5}", p.suffix) else "")


def write_reason(path: Path, fid: int, name: str, reason: str, extra: str = "") -> None:
    text = (
        f"Fichier déposé : {name}\n"
        f"Numéro dans le journal : {fid}\n"
        f"Date : {dt.datetime.now().strftime('%d/%m/%Y %H:%M')}\n"
        f"Motif : {reason}\n"
        f"{extra}"
    )
    write_text(path, text)


def move_original(work: Path, dest_dir: Path, fid: int, name: str) -> Path:
    """Move the taken original out of the work area (one rename); idempotent."""
    ensure_dir(dest_dir)
    dest = dest_dir / f"{fid}_{safe_name(name)}"
    if os.path.lexists(work):
        os.rename(work, dest)
        fsync_dir(dest_dir)
    return dest


def quarantine(work: Path, qdir: Path, fid: int, name: str, reason: str) -> Path:
    dest = move_original(work, qdir, fid, name)
    write_reason(dest.with_name(dest.name + ".motif.txt"), fid, name, reason,
                 "Que faire : corrigez le fichier selon le motif ci-dessus puis déposez-le à nouveau.\n")
    return dest


def a_trier(tmp: Path, tdir: Path, fid: int, idx: int, name: str, reason: str) -> Path:
    ensure_dir(tdir)
    stem = f"{fid}-{idx}_{Path(safe_name(name)).stem}"
    dest = place(tmp, tdir, stem)
    write_reason(dest.with_name(dest.name + ".motif.txt"), fid, name, reason,
                 "Que faire : déplacez ce PDF dans le bon dossier sous le nom de sa pièce (ex. af3.pdf), "
                 "ou redéposez-le précédé de la feuille de séparation imprimée par « pipeline sheets ».\n")
    return dest


def archive(work: Path, adir: Path, fid: int, name: str) -> Path:
    return move_original(work, adir / dt.date.today().isoformat(), fid, name)


def purge_archive(adir: Path, keep_days: int) -> int:
    """Remove archive day folders older than `keep_days`. Returns the number removed."""
    if not adir.exists():
        return 0
    limit = dt.date.today() - dt.timedelta(days=keep_days)
    n = 0
    for d in adir.iterdir():
        try:
            day = dt.date.fromisoformat(d.name)
        except ValueError:
            continue
        if day < limit and d.is_dir() and not d.is_symlink():
            shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n


def cleanup_work(work_dir: Path) -> None:
    shutil.rmtree(work_dir, ignore_errors=True)


def now() -> float:
    return time.time()
