"""pdfium (pypdfium2) is not thread-safe: two threads inside it at once can crash the whole
process. Where one process serves several threads (the desk's web server, the task consumer's
thread workers), each use of pypdfium2 there holds this lock."""
from __future__ import annotations

import threading

LOCK = threading.RLock()
