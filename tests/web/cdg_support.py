"""Helpers of the CDG's web tests."""
from __future__ import annotations

import time


def run_task(fn, tache, timeout: float = 180) -> None:
    """Run a queued task as the Huey consumer does; when the consumer of a `pipeline serve`
    started on the same data folder took it first, wait for its result."""
    fn(tache)
    deadline = time.monotonic() + timeout
    tache.refresh_from_db()
    while tache.etat not in ("terminee", "echec") and time.monotonic() < deadline:
        time.sleep(0.5)
        tache.refresh_from_db()
