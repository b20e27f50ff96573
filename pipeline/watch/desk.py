"""The scanning desk's lists and actions over the watcher's journal (ROOT/_watch).

Lists: the drop queue (files not finished), what was filed where on a day, the "à trier"
documents and the quarantined files with their reasons, the duplicates still archived.
Actions: assign an "à trier" document to a dossier and pièce, release a file from
quarantine (back to the drop folder, the watcher takes it again), delete a duplicate.

Each action is written to the journal's `actions` table (who, what, which file, where to)
before its source is removed, and a file is only ever removed once its copy is written and
synced elsewhere (or, for a duplicate, once the same content is known to be filed): never lost.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline.errors import InputProblem, InvalidInput
from pipeline.fsutil import ensure_dir, fsync_dir, write_text
from pipeline.fsutil import sha256_file as _sha
from pipeline.watch import WORK_DIRNAME, filer
from pipeline.watch.journal import Journal

_ACTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,         -- attribution | liberation | suppression_doublon
    file_id INTEGER NOT NULL,
    idx INTEGER,
    src TEXT,
    dest TEXT,
    dossier_id TEXT,
    piece_id TEXT,
    sha256 TEXT
);
"""


@dataclass
class Item:
    file_id: int
    name: str  # as dropped
    received_at: float
    reason: str = ""
    idx: Optional[int] = None  # part of the file (à trier, filed)
    path: str = ""  # where the file is now
    dossier_id: Optional[str] = None
    piece_id: Optional[str] = None
    state: str = ""
    duplicate_of: Optional[int] = None

    @property
    def received(self) -> str:
        return dt.datetime.fromtimestamp(self.received_at).strftime("%d/%m/%Y %H:%M")


def work_dir(root) -> Path:
    return Path(root) / WORK_DIRNAME


def open_journal(root) -> Journal:
    path = work_dir(root) / "journal.sqlite"
    if not path.exists():
        raise InvalidInput([InputProblem(str(root), "", "aucun journal du surveillant ici : indiquez le dossier "
                                                         "donné à « pipeline watch --dossiers »")])
    j = Journal(path)
    j.db.executescript(_ACTIONS_SCHEMA)
    return j


# ---------------------------------------------------------------- lists
def queue(j: Journal) -> list[Item]:
    """Files taken but not finished (being typed, read, filed)."""
    return [Item(r.id, r.name, r.received_at, state=r.state) for r in j.unfinished()]


def filed_on(j: Journal, day: dt.date) -> list[Item]:
    """What was filed in a dossier on `day`, and where."""
    start = time.mktime(day.timetuple())
    end = start + 86400
    out = []
    for fid, idx, did, piece, dest, name, rec in j.db.execute(
            "SELECT p.file_id, p.idx, p.dossier_id, p.piece_id, p.dest, f.name, f.received_at FROM parts p "
            "JOIN files f ON f.id = p.file_id WHERE p.kind='dossier' AND p.state='classee' "
            "AND p.filed_at >= ? AND p.filed_at < ? ORDER BY p.filed_at", (start, end)):
        out.append(Item(fid, name, rec, idx=idx, path=dest or "", dossier_id=did, piece_id=piece))
    return out


def a_trier(j: Journal) -> list[Item]:
    """Documents the watcher could not route, still waiting in à trier, with the reason."""
    out = []
    for fid, idx, reason, dest, name, rec in j.db.execute(
            "SELECT p.file_id, p.idx, p.reason, p.dest, f.name, f.received_at FROM parts p "
            "JOIN files f ON f.id = p.file_id WHERE p.kind='a_trier' AND p.state='classee' ORDER BY p.file_id, p.idx"):
        if dest and os.path.isfile(dest):
            out.append(Item(fid, name, rec, reason or "", idx=idx, path=dest))
    return out


def quarantine(j: Journal) -> list[Item]:
    """Refused files still in quarantine, with the reason."""
    out = []
    qdir = work_dir_of(j) / "quarantaine"
    for r in j.files("terminee"):
        if r.outcome != "quarantaine":
            continue
        p = _quarantined_path(qdir, r.id, r.name)
        if p is not None:
            out.append(Item(r.id, r.name, r.received_at, r.reason or "", path=str(p)))
    return out


def duplicates(j: Journal) -> list[Item]:
    """Duplicates whose archived copy is still there (the archive is purged after some days)."""
    out = []
    adir = work_dir_of(j) / "archive"
    for r in j.files("terminee"):
        if r.outcome != "doublon":
            continue
        p = _archived_path(adir, r.id)
        if p is not None:
            out.append(Item(r.id, r.name, r.received_at, f"même contenu que le fichier n° {r.duplicate_of}",
                            path=str(p), duplicate_of=r.duplicate_of))
    return out


def actions(j: Journal, limit: int = 200) -> list[dict]:
    cols = ("id", "at", "user", "action", "file_id", "idx", "src", "dest", "dossier_id", "piece_id", "sha256")
    rows = j.db.execute(f"SELECT {', '.join(cols)} FROM actions ORDER BY id DESC LIMIT ?", (limit,))
    return [dict(zip(cols, r)) for r in rows]


def work_dir_of(j: Journal) -> Path:
    return j.path.parent


def _quarantined_path(qdir: Path, fid: int, name: str) -> Optional[Path]:
    p = qdir / f"{fid}_{filer.safe_name(name)}"
    return p if p.is_file() else None


def _archived_path(adir: Path, fid: int) -> Optional[Path]:
    if not adir.is_dir():
        return None
    for day in sorted(adir.iterdir()):
        for p in day.glob(f"{fid}_*"):
            if p.is_file() and not p.is_symlink():
                return p
    return None



def _log(j: Journal, user: str, action: str, fid: int, *, idx=None, src=None, dest=None, dossier_id=None,
         piece_id=None, sha256=None) -> None:
    j.db.execute("INSERT INTO actions(at, user, action, file_id, idx, src, dest, dossier_id, piece_id, sha256) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?)",
                 (time.time(), user, action, fid, idx, str(src) if src else None, str(dest) if dest else None,
                  dossier_id, piece_id, sha256))


def _remove(path: Path) -> None:
    """Remove a file and its « .motif.txt », then sync the folder."""
    for p in (path, path.with_name(path.name + ".motif.txt")):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
    fsync_dir(path.parent)


# ---------------------------------------------------------------- actions
def dossier_folders(root) -> dict[str, Path]:
    """dossier id → folder, from the dossier.yaml files under ROOT (as the watcher routes)."""
    import yaml

    out = {}
    for y in sorted(Path(root).glob("*/dossier.yaml")):
        if y.parent.name.startswith((".", "_")):
            continue
        try:
            data = yaml.safe_load(y.read_text(encoding="utf-8")) or {}
            did = str((data.get("dossier") or {}).get("id") or "")
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        if did:
            out[did] = y.parent
    return out


def assign(root, file_id: int, idx: int, dossier_id: str, piece_id: str, user: str) -> Path:
    """File an "à trier" document in a dossier under its pièce's name. Returns the new path.

    The copy is linked (never overwriting: af3_2.pdf if af3.pdf exists) and synced, the action
    journaled, and only then the à trier copy removed. The dossier is marked for a new check.
    """
    from pipeline.dossier.pieces import load_catalogue

    if piece_id not in {p.id for p in load_catalogue().pieces}:
        raise InvalidInput([InputProblem("pièce", piece_id, "pièce inconnue : choisissez-la dans la liste")])
    folder = dossier_folders(root).get(dossier_id)
    if folder is None:
        raise InvalidInput([InputProblem("dossier", dossier_id, "dossier introuvable sous le répertoire des dossiers")])
    j = open_journal(root)
    try:
        row = j.db.execute("SELECT dest, kind, state FROM parts WHERE file_id=? AND idx=?", (file_id, idx)).fetchone()
        if row is None or row[1] != "a_trier" or row[2] != "classee" or not row[0] or not os.path.isfile(row[0]):
            raise InvalidInput([InputProblem("document", f"{file_id}-{idx}", "ce document n'est plus à trier "
                                                                             "(déjà attribué ?) : rechargez la page")])
        src = Path(row[0])
        dest = filer.place(src, folder, piece_id)
        sha = _sha(dest)
        with j.tx():
            _log(j, user, "attribution", file_id, idx=idx, src=src, dest=dest, dossier_id=dossier_id,
                 piece_id=piece_id, sha256=sha)
            j.db.execute("UPDATE parts SET kind='dossier', dossier_id=?, piece_id=?, folder=?, dest=?, filed_at=? "
                         "WHERE file_id=? AND idx=?", (dossier_id, piece_id, str(folder), str(dest), time.time(),
                                                      file_id, idx))
            kinds = {k for (k,) in j.db.execute("SELECT kind FROM parts WHERE file_id=?", (file_id,))}
            j.db.execute("UPDATE files SET outcome=?, updated_at=? WHERE id=?",
                         ("classe" if kinds == {"dossier"} else "partiel", time.time(), file_id))
            j.db.execute(
                "INSERT INTO dossiers(dossier_id, folder, needs_check, last_received) VALUES (?,?,1,?) "
                "ON CONFLICT(dossier_id) DO UPDATE SET needs_check=1, last_received=excluded.last_received, "
                "folder=excluded.folder", (dossier_id, str(folder), time.time()))
        _remove(src)
        return dest
    finally:
        j.close()


def release(root, file_id: int, user: str, inbox: Optional[Path] = None) -> Path:
    """Put a quarantined file back in the drop folder (its name kept, never overwriting)."""
    j = open_journal(root)
    try:
        r = j.get(file_id) if j.db.execute("SELECT 1 FROM files WHERE id=?", (file_id,)).fetchone() else None
        src = _quarantined_path(work_dir_of(j) / "quarantaine", file_id, r.name) if r else None
        if r is None or r.outcome != "quarantaine" or src is None:
            raise InvalidInput([InputProblem("fichier", str(file_id), "ce fichier n'est plus en quarantaine : "
                                                                      "rechargez la page")])
        inbox = Path(inbox) if inbox else Path(r.src).parent
        if not inbox.is_dir():
            raise InvalidInput([InputProblem("dépôt", str(inbox), "dossier de dépôt introuvable")])
        stem, suffix = Path(filer.safe_name(Path(r.name).name)).stem, Path(filer.safe_name(r.name)).suffix
        n = 1
        while True:
            dest = inbox / (f"{stem}{suffix}" if n == 1 else f"{stem}_{n}{suffix}")
            try:
                os.link(src, dest)  # never replaces; same file system in a normal setup
                break
            except FileExistsError:
                n += 1
            except OSError:
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out, open(src, "rb") as fh:
                    out.write(fh.read())
                    out.flush()
                    os.fsync(out.fileno())
                break
        fsync_dir(inbox)
        with j.tx():
            _log(j, user, "liberation", file_id, src=src, dest=dest, sha256=r.sha256)
            j.db.execute("UPDATE files SET reason=?, updated_at=? WHERE id=?",
                         (f"{r.reason or ''} — libéré de la quarantaine par {user}"[:500], time.time(), file_id))
        _remove(src)
        return dest
    finally:
        j.close()


def delete_duplicate(root, file_id: int, user: str) -> None:
    """Delete the archived copy of a duplicate, once its content is known to be filed."""
    j = open_journal(root)
    try:
        r = j.get(file_id) if j.db.execute("SELECT 1 FROM files WHERE id=?", (file_id,)).fetchone() else None
        path = _archived_path(work_dir_of(j) / "archive", file_id) if r else None
        if r is None or r.outcome != "doublon" or path is None or r.duplicate_of is None:
            raise InvalidInput([InputProblem("fichier", str(file_id), "ce doublon n'est plus dans l'archive : "
                                                                      "rechargez la page")])
        kept = j.get(r.duplicate_of)
        filed = [Path(d) for (d,) in j.db.execute(
            "SELECT dest FROM parts WHERE file_id=? AND state='classee' AND dest IS NOT NULL", (kept.id,))]
        if _sha(path) != r.sha256 or kept.sha256 != r.sha256 or not any(p.is_file() for p in filed):
            raise InvalidInput([InputProblem("fichier", str(file_id), "le document d'origine n'est plus classé : "
                                                                      "ce fichier n'est pas supprimé")])
        with j.tx():
            _log(j, user, "suppression_doublon", file_id, src=path, sha256=r.sha256)
        _remove(path)
    finally:
        j.close()


def recheck(root, dossier_id: str) -> dict:
    """Check one dossier again and store the result where `pipeline status` reads it."""
    from pipeline.check import report as report_mod
    from pipeline.check.run import check_dossier

    folder = dossier_folders(root).get(dossier_id)
    if folder is None:
        raise InvalidInput([InputProblem("dossier", dossier_id, "dossier introuvable sous le répertoire des dossiers")])
    started = time.time()
    report = check_dossier(folder, jobs=1)
    missing = [p.id for p in report.pieces if p.status == "manquante"]
    rapports = ensure_dir(work_dir(root) / "rapports")
    path = rapports / f"{filer.safe_name(dossier_id)}.json"
    write_text(path, json.dumps({"dossier": dossier_id, "status": report.status, "missing": missing,
                                 "pending": None, "checked_at": time.time(),
                                 "report": report_mod.to_dict([report])}, ensure_ascii=False, indent=1))
    j = open_journal(root)
    try:
        j.mark_dossier(dossier_id, str(folder), needs_check=True)
        j.checked(dossier_id, report.status, missing, str(path), started)
    finally:
        j.close()
    return {"status": report.status, "missing": missing, "bloquants": report.count("bloquant")}


__all__ = ["queue", "filed_on", "a_trier", "quarantine", "duplicates", "actions", "assign", "release",
           "delete_duplicate", "recheck", "open_journal", "dossier_folders"]
