"""The watcher's journal: one SQLite file (WAL) in ROOT/_watch, written by the main process only.

Each dropped file is one row of `files`; its `state` is the last step it completed, so a
restart after a kill -9 resumes from there:

    prise       the row exists, the file is being renamed from INBOX into the work area
    recue       the file is in the work area, checksum known, not a duplicate
    preparee    typed, converted, split, OCRed, routed (travail/<id>/plan/ is complete)
    classement  its parts are being filed (each part row says whether it is filed)
    terminee    every part filed (or à trier), original archived or quarantined

and `outcome` says where it ended: classe | doublon | quarantaine | a_trier | partiel.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.fsutil import ensure_dir

STATES = ("prise", "recue", "preparee", "classement", "terminee")
OUTCOMES = ("classe", "doublon", "quarantaine", "a_trier", "partiel")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,           -- path relative to INBOX, as dropped
    src TEXT NOT NULL,            -- absolute path in INBOX
    work TEXT NOT NULL,           -- the taken copy in the work area
    size INTEGER,
    sha256 TEXT,
    received_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    reason TEXT,
    duplicate_of INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS files_sha ON files(sha256);
CREATE INDEX IF NOT EXISTS files_state ON files(state);
CREATE TABLE IF NOT EXISTS parts (
    file_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    dossier_id TEXT,
    piece_id TEXT,
    pages INTEGER,
    kind TEXT NOT NULL,           -- dossier | a_trier
    folder TEXT,                  -- the dossier's folder under ROOT
    reason TEXT,
    tmp TEXT NOT NULL,            -- the part in the work area
    dest TEXT,                    -- where it was filed
    state TEXT NOT NULL,          -- a_classer | classee
    filed_at REAL,
    PRIMARY KEY (file_id, idx)
);
CREATE TABLE IF NOT EXISTS dossiers (
    dossier_id TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    needs_check INTEGER NOT NULL DEFAULT 0,
    last_received REAL,
    last_check REAL,
    status TEXT,
    missing TEXT,                 -- JSON list of pièce ids
    report TEXT                   -- path of the stored report
);
"""


@dataclass
class FileRow:
    id: int
    name: str
    src: str
    work: str
    size: int | None
    sha256: str | None
    received_at: float
    updated_at: float
    state: str
    outcome: str | None
    reason: str | None
    duplicate_of: int | None
    attempts: int


@dataclass
class PartRow:
    file_id: int
    idx: int
    dossier_id: str | None
    piece_id: str | None
    pages: int | None
    kind: str
    folder: str | None
    reason: str | None
    tmp: str
    dest: str | None
    state: str
    filed_at: float | None


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)
        ensure_dir(self.path.parent)
        new = not self.path.exists()
        # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE).
        self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
        if new:
            os.chmod(self.path, 0o600)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a committed step survives a power cut
        self.db.executescript(_SCHEMA)

    @classmethod
    def open_readonly(cls, path: Path) -> "Journal | None":
        """For `pipeline status`: read the journal without creating or changing it (None if absent)."""
        if not Path(path).exists():
            return None
        j = cls.__new__(cls)
        j.path = Path(path)
        j.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        return j

    def close(self) -> None:
        self.db.close()

    # -- transactions -------------------------------------------------------------------
    def tx(self):
        return _Tx(self.db)

    # -- files ----------------------------------------------------------------------------
    def add_taking(self, name: str, src: str, work_root: Path) -> int:
        """Record a file about to be taken; its work path is derived from its id."""
        now = time.time()
        with self.tx():
            cur = self.db.execute(
                "INSERT INTO files(name, src, work, received_at, updated_at, state) VALUES (?,?,?,?,?,?)",
                (name, src, "", now, now, "prise"),
            )
            fid = cur.lastrowid
            work = str(Path(work_root) / str(fid) / "original")
            self.db.execute("UPDATE files SET work=? WHERE id=?", (work, fid))
        return fid

    def get(self, fid: int) -> FileRow:
        row = self.db.execute(f"SELECT {_FILE_COLS} FROM files WHERE id=?", (fid,)).fetchone()
        return FileRow(*row)

    def files(self, state: str | None = None) -> list[FileRow]:
        if state:
            rows = self.db.execute(f"SELECT {_FILE_COLS} FROM files WHERE state=? ORDER BY id", (state,))
        else:
            rows = self.db.execute(f"SELECT {_FILE_COLS} FROM files ORDER BY id")
        return [FileRow(*r) for r in rows]

    def unfinished(self) -> list[FileRow]:
        rows = self.db.execute(f"SELECT {_FILE_COLS} FROM files WHERE state != 'terminee' ORDER BY id")
        return [FileRow(*r) for r in rows]

    def set_state(self, fid: int, state: str, **fields) -> None:
        assert state in STATES
        fields["state"] = state
        fields["updated_at"] = time.time()
        cols = ", ".join(f"{k}=?" for k in fields)
        self.db.execute(f"UPDATE files SET {cols} WHERE id=?", (*fields.values(), fid))

    def received(self, fid: int, size: int, sha256: str) -> int | None:
        """Mark a taken file received; returns the id it duplicates, if any (same content).

        Only content filed (or being processed) makes a duplicate: what went to quarantine or
        à trier may be dropped again once the cause is fixed (dossier created, limits raised).
        """
        with self.tx():
            dup = self.db.execute(
                "SELECT id FROM files WHERE sha256=? AND id<? AND (outcome IS NULL OR outcome IN ('classe', 'partiel')) "
                "ORDER BY id LIMIT 1",
                (sha256, fid),
            ).fetchone()
            self.set_state(fid, "recue", size=size, sha256=sha256, duplicate_of=dup[0] if dup else None)
        return dup[0] if dup else None

    def bump_attempts(self, fid: int) -> int:
        with self.tx():
            self.db.execute("UPDATE files SET attempts=attempts+1 WHERE id=?", (fid,))
        return self.get(fid).attempts

    # -- parts ------------------------------------------------------------------------------
    def add_parts(self, fid: int, parts: list[dict]) -> None:
        """Record the prepared parts and move the file to `classement` in one transaction."""
        with self.tx():
            self.db.execute("DELETE FROM parts WHERE file_id=?", (fid,))
            for p in parts:
                self.db.execute(
                    "INSERT INTO parts(file_id, idx, dossier_id, piece_id, pages, kind, folder, reason, tmp, state) "
                    "VALUES (?,?,?,?,?,?,?,?,?, 'a_classer')",
                    (fid, p["idx"], p.get("dossier_id"), p.get("piece_id"), p.get("pages"), p["kind"],
                     p.get("folder"), p.get("reason"), p["tmp"]),
                )
            self.set_state(fid, "classement")

    def parts(self, fid: int) -> list[PartRow]:
        rows = self.db.execute(f"SELECT {_PART_COLS} FROM parts WHERE file_id=? ORDER BY idx", (fid,))
        return [PartRow(*r) for r in rows]

    def part_filed(self, fid: int, idx: int, dest: str, dossier_id: str | None, folder: str | None) -> None:
        now = time.time()
        with self.tx():
            self.db.execute(
                "UPDATE parts SET dest=?, state='classee', filed_at=? WHERE file_id=? AND idx=?",
                (dest, now, fid, idx),
            )
            if dossier_id:
                self.db.execute(
                    "INSERT INTO dossiers(dossier_id, folder, needs_check, last_received) VALUES (?,?,1,?) "
                    "ON CONFLICT(dossier_id) DO UPDATE SET needs_check=1, last_received=excluded.last_received, "
                    "folder=excluded.folder",
                    (dossier_id, folder, now),
                )

    # -- dossiers ---------------------------------------------------------------------------
    def dossiers_to_check(self) -> list[tuple[str, str]]:
        return list(self.db.execute("SELECT dossier_id, folder FROM dossiers WHERE needs_check=1"))

    def mark_dossier(self, dossier_id: str, folder: str, *, needs_check: bool) -> None:
        """A dossier to check again (the scanning desk filed a file into it by hand)."""
        with self.tx():
            self.db.execute(
                "INSERT INTO dossiers(dossier_id, folder, needs_check) VALUES (?,?,?) "
                "ON CONFLICT(dossier_id) DO UPDATE SET needs_check=excluded.needs_check",
                (dossier_id, folder, int(needs_check)),
            )

    def checked(self, dossier_id: str, status: str, missing: list[str], report: str | None,
                started_at: float) -> None:
        """Store a check result; the dossier stays dirty if a document arrived after the check started."""
        with self.tx():
            row = self.db.execute("SELECT last_received FROM dossiers WHERE dossier_id=?", (dossier_id,)).fetchone()
            still_dirty = bool(row and row[0] and row[0] > started_at)
            self.db.execute(
                "UPDATE dossiers SET status=?, missing=?, report=?, last_check=?, needs_check=? WHERE dossier_id=?",
                (status, json.dumps(missing), report, time.time(), int(still_dirty), dossier_id),
            )

    def dossier_rows(self) -> dict[str, dict]:
        out = {}
        for did, folder, needs, last_rec, last_check, status, missing, report in self.db.execute(
            "SELECT dossier_id, folder, needs_check, last_received, last_check, status, missing, report FROM dossiers"
        ):
            out[did] = dict(folder=folder, needs_check=bool(needs), last_received=last_rec,
                            last_check=last_check, status=status,
                            missing=json.loads(missing) if missing else None, report=report)
        return out

    def file_counts(self) -> dict[str, int]:
        """Files by outcome; files still being processed count as « en_cours »."""
        return dict(self.db.execute("SELECT COALESCE(outcome, 'en_cours'), COUNT(*) FROM files GROUP BY 1"))

_FILE_COLS = "id, name, src, work, size, sha256, received_at, updated_at, state, outcome, reason, duplicate_of, attempts"
_PART_COLS = "file_id, idx, dossier_id, piece_id, pages, kind, folder, reason, tmp, dest, state, filed_at"


class _Tx:
    def __init__(self, db):
        self.db = db
        self.nested = False

    def __enter__(self):
        if self.db.in_transaction:
            self.nested = True
        else:
            self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if self.nested:
            return False
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False

