"""Helpers of the CDG's web tests."""
from __future__ import annotations

import time


def run_task(tache, timeout: float = 180) -> None:
    """Run what a view queued, as the Huey consumer does, and wait for `tache` to end.

    The queued tasks are taken from the queue (each by one party only) and run here; when the
    consumer of a `pipeline serve` on the same data folder took this one first, its result is
    awaited. Calling the task's function directly instead would run it twice at once, and the
    consumer's « en cours » could land after this run's « terminée »."""
    from huey.contrib.djhuey import HUEY

    deadline = time.monotonic() + timeout
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
    tache.refresh_from_db()
    while tache.etat not in ("terminee", "echec"):
        assert time.monotonic() < deadline, f"tâche {tache.pk} toujours « {tache.etat} » : {tache.message}"
        time.sleep(0.2)
        tache.refresh_from_db()
