"""A file's type from its content (python-magic), never from its name."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

# The one list of accepted file types (read stage, check, drop-folder watcher): MIME → kind.
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpeg", "image/png": "png", "image/tiff": "tiff"}
ACCEPTED_FR = "un PDF, un JPEG, un PNG ou un TIFF"  # the same list, for French messages


def sniff(path: Path) -> tuple[Optional[str], str]:
    """(kind or None when not accepted, MIME type) from the first bytes of the file."""
    import magic

    with open(path, "rb") as fh:
        head = fh.read(8192)
    mime = magic.from_buffer(head, mime=True) if head else "inode/x-empty"
    return ACCEPTED.get(mime), mime
