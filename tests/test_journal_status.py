"""`pipeline status` reads the watcher's journal through `Journal`, read-only, with real SQLite."""
from __future__ import annotations

import os
import time

from pipeline.watch.summary import status_rows
from pipeline.watch import Settings
from pipeline.watch.journal import Journal
from tests.paths import REPO

SAMPLE = REPO / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"


def test_status_reads_the_journal_without_creating_or_changing_it(tmp_path):
    root = tmp_path / "depot"
    (root / "lefevre").mkdir(parents=True)
    (root / "lefevre" / "dossier.yaml").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    s = Settings(inbox=root, root=root)

    empty = status_rows(root)
    assert not s.journal_path.exists()  # status never creates the journal
    assert empty["files"] == {} and empty["dossiers"][0]["status"] == "jamais_controle"

    j = Journal(s.journal_path)
    done = j.add_taking("af3.pdf", "af3.pdf", s.work / "travail")
    j.set_state(done, "terminee", outcome="classe")
    j.add_taking("scan.pdf", "scan.pdf", s.work / "travail")  # still being processed
    started = time.time()
    with j.tx():
        j.db.execute("INSERT INTO dossiers(dossier_id, folder, needs_check, last_received) VALUES (?,?,1,?)",
                     ("INV-2026-0001", "lefevre", started - 10))
    j.checked("INV-2026-0001", "incomplet", ["af4"], None, started)
    j.close()
    before = os.stat(s.journal_path).st_mtime_ns

    data = status_rows(root)
    assert data["files"] == {"classe": 1, "en_cours": 1}
    row = data["dossiers"][0]
    assert row["dossier_id"] == "INV-2026-0001" and row["status"] == "incomplet" and row["missing"] == ["af4"]
    assert os.stat(s.journal_path).st_mtime_ns == before

    ro = Journal.open_readonly(s.journal_path)
    assert ro.file_counts() == {"classe": 1, "en_cours": 1}
    ro.close()
    assert Journal.open_readonly(tmp_path / "absent.sqlite") is None
