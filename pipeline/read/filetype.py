"""A file's type from its content (python-magic), never from its name."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpeg", "image/png": "png", "image/tiff": "tiff"}

def sniff(path: Path) -> tuple[Optional[str], str]:
    import magic

    with open(path, "rb") as fh:
        head = fh.read(8192)
    mime = magic.from_buffer(head, mime=True) if head else "inode/x-empty"
    return ACCEPTED.get(mime), mime
