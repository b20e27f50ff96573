"""What the drop-folder watcher saw, per dossier: status of its last check, missing pièces, last
file received, and the journal's file counts (read-only: the watcher may be running)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

STATUS_WORDS = {"complet": "complet", "incomplet": "incomplet", "controle_en_attente": "contrôle en attente",
                "controle_en_echec": "contrôle en échec", None: "jamais contrôlé"}


def status_rows(root: Path) -> dict:
    """The data of `pipeline status`: one entry per dossier folder, plus the journal's counts."""
    from pipeline.dossier.load import load_dossier
    from pipeline.watch import Settings
    from pipeline.watch.journal import Journal
    from pipeline.watch.route import dossier_yamls

    s = Settings(inbox=root, root=Path(root))
    journal = Journal.open_readonly(s.journal_path)
    known, counts = {}, {}
    if journal is not None:
        try:
            known, counts = journal.dossier_rows(), journal.file_counts()
        finally:
            journal.close()
    rows = []
    for y in dossier_yamls(Path(root)):
        try:
            d = load_dossier(y)
            did = d.dossier.id
        except Exception:
            rows.append({"dossier": y.parent.name, "dossier_id": None, "status": "dossier_yaml_invalide",
                         "missing": None, "last_received": None})
            continue
        k = known.get(did, {})
        last = k.get("last_received")
        status = k.get("status")
        if k.get("needs_check") and status not in (None,):
            status = "controle_en_attente"
        rows.append({
            "dossier": y.parent.name, "dossier_id": did, "status": status or "jamais_controle",
            "missing": k.get("missing"),
            "last_received": dt.datetime.fromtimestamp(last).isoformat(timespec="seconds") if last else None,
        })
    return {"schema": "pipeline-status/1", "dossiers": rows, "files": counts}
