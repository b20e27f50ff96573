"""The drop-folder watcher: scans dropped in INBOX become searchable PDFs filed in their dossier.

One module, one job:
- security.py      which paths may be read at all (no symlink, no special file, data ≠ code)
- intake.py        wait until a file is completely written, then take it in one rename
- journal.py       SQLite journal (WAL): one row per dropped file, the step it reached
- convert_input.py typing by content, images → PDF losslessly, limits (size, pages, pixels)
- split.py         cut a bundle at separator sheets and at our page QR codes
- route.py         which dossier and pièce a part belongs to (QR, else NIR / name + birth date)
- filer.py         write into the dossier without ever overwriting, archive, quarantine, à trier
- worker.py        the child processes doing the heavy work (time limit per file)
- service.py       the loop: events, dispatch, signals, restart from the journal
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

WORK_DIRNAME = "_watch"


@dataclass
class Settings:
    """Everything the watcher needs to know; the CLI builds it."""

    inbox: Path
    root: Path
    workers: int = 2
    settle: float = 2.0  # seconds of unchanged size and mtime before a file is taken
    poll_interval: float = 5.0
    force_polling: bool = False
    keep_days: int = 30
    timeout: float = 600.0  # per file, seconds
    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 300
    max_pixels: int = 120_000_000  # per image / page (decompression bombs)
    ocr: bool = True
    once: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def work(self) -> Path:
        return self.root / WORK_DIRNAME

    @property
    def journal_path(self) -> Path:
        return self.work / "journal.sqlite"

    @property
    def travail(self) -> Path:
        return self.work / "travail"

    @property
    def archive(self) -> Path:
        return self.work / "archive"

    @property
    def quarantaine(self) -> Path:
        return self.work / "quarantaine"

    @property
    def a_trier(self) -> Path:
        return self.work / "a_trier"

    @property
    def rapports(self) -> Path:
        return self.work / "rapports"
