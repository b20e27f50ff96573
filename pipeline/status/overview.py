"""The CDG's overview of a ROOT of dossiers: one row per dossier (collectivité, stage, next
action and its due date, findings, profile), urgent ones first, and a CSV a spreadsheet opens.

Urgent: the end of the agent's sick-leave rights, or the age limit, comes before the latest
expected CNRACL answer (the same warnings as `pipeline timeline`: the retirement for invalidity
of décret n° 2003-1306 waits for the CNRACL's opinion; the leave rights of décret n° 87-602 and
the age limit do not).
The stage, the next action and its due date are pipeline.status's (one concept of stage for the
command line, the watcher and this table), read from each dossier's folder; this module adds
who the dossier is about, the urgency and, before sending, the last day to send so that the
answer comes before the first of those limits. "today" is the day of the overview.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from pipeline.errors import InvalidInput
from pipeline.money import fmt_date
from pipeline.text import csv_cell as neutralise

NO_YAML_STAGE = "Sans description (dossier.yaml)"
NO_YAML_ACTION = "Décrire le dossier (dossier.yaml) : collectivité, agent, dates"
BEFORE_SENDING = ("description_invalide", "a_construire", "attente_af3", "attente_af4", "a_completer", "a_assembler",
                  "pret_a_envoyer")
CSV_COLUMNS = [
    ("collectivite", "Collectivité"), ("dossier_id", "Dossier"), ("agent", "Agent"), ("profil", "Profil"),
    ("etape", "Étape"), ("prochaine_action", "Prochaine action"), ("echeance", "Échéance"),
    ("bloquants", "Bloquants"), ("avertissements", "Avertissements"), ("urgent", "Urgent"),
    ("alertes", "Alertes"), ("dossier", "Répertoire"),
]


@dataclass
class Row:
    dossier: str  # folder name
    dossier_id: str = ""
    collectivite: str = ""
    agent: str = ""
    profil: str = ""
    etape: str = ""
    prochaine_action: str = ""
    echeance: Optional[dt.date] = None
    bloquants: Optional[int] = None  # None: not checked
    avertissements: Optional[int] = None
    fin_droits_avant_reponse: bool = False
    limite_age_avant_reponse: bool = False
    alertes: list[str] = field(default_factory=list)
    probleme: str = ""  # dossier.yaml unreadable: why

    @property
    def urgent(self) -> bool:
        return self.fin_droits_avant_reponse or self.limite_age_avant_reponse

    def as_dict(self) -> dict:
        d = asdict(self)
        d["echeance"] = self.echeance.isoformat() if self.echeance else None
        d["urgent"] = self.urgent
        return d


def _at(d, today: dt.date):
    """The dossier seen on `today` (the timeline counts from dossier.date_etablissement)."""
    return d.model_copy(update={"dossier": d.dossier.model_copy(update={"date_etablissement": today})})


def row_from_dossier(name: str, d, today: dt.date) -> Row:
    """Who the dossier is about, its urgency and, before sending, the last day to send it
    (`d`: pipeline.dossier.model.Dossier, on `today`). The stage is not here: see `overview`."""
    from pipeline.compute.timeline import ONE_DAY, add_months, timeline
    from pipeline.dossier import params

    d = _at(d, today)
    t = timeline(d)
    a = d.agent
    row = Row(name, d.dossier.id, d.employeur.collectivite,
              f"{a.civilite} {a.prenoms} {(a.nom_usage or a.nom_naissance).upper()}", d.dossier.profil.value)
    answered = d.dates.avis_cnracl is not None
    hi = t.fenetre[1] if t.fenetre else None
    if not answered and hi is not None:
        row.fin_droits_avant_reponse = any(f.en_cours and f.fin_droits is not None and f.fin_droits < hi
                                           for f in t.fins_droits)
        row.limite_age_avant_reponse = t.limite_age <= hi
    if d.dates.envoi_peps is None and not answered:
        # Sent later than this, the answer comes after the first limit.
        first = min([f.fin_droits for f in t.fins_droits if f.en_cours and f.fin_droits] + [t.limite_age])
        delay = int(params.get("delai_reponse_cnracl_mois", today).valeur["maximum"])
        row.echeance = add_months(first, -delay) + ONE_DAY if first else None
    row.alertes = [x for x in t.alertes if "limite d'âge" in x or "droits" in x]
    return row


def _with_status(row: Row, folder: Path, today: dt.date) -> Row:
    """The stage, next action and due date of pipeline.status; before sending, the due date is
    the earlier of its own and the last day to send."""
    from pipeline.status import dossier_status

    st = dossier_status(folder, today)
    row.etape, row.prochaine_action = st.stage_label, st.next_action
    send_by = row.echeance
    row.echeance = st.due
    if st.stage in BEFORE_SENDING and send_by is not None:
        row.echeance = min(send_by, st.due) if st.due else send_by
    return row


def overview(root, *, check: bool = True, jobs: Optional[int] = None, today: Optional[dt.date] = None) -> list[Row]:
    """One row per sub-folder of `root`, urgent first, then by due date.

    check=True runs `pipeline check` on each dossier for the findings counts.
    """
    from pipeline.bundle import layout
    from pipeline.check.run import batch_folders, check_batch
    from pipeline.dossier.load import load_dossier

    today = today or dt.date.today()
    rows: dict[str, Row] = {}
    for folder in batch_folders(root):
        y = folder / "dossier.yaml"
        if not y.is_file():
            rows[str(folder)] = Row(folder.name, etape=NO_YAML_STAGE, prochaine_action=NO_YAML_ACTION)
            continue
        try:
            d = load_dossier(y, coherence=False)
        except InvalidInput as e:
            first = e.problems[0] if e.problems else None
            row = Row(folder.name, probleme=str(first or e))
        else:
            # The dates recorded since (« pipeline status --sent/--avis »), as pipeline.status reads them.
            suivi = layout.read_suivi(folder)
            dates = d.dates.model_copy(update={k: suivi.get(k) or getattr(d.dates, k) for k in layout.SUIVI_KEYS})
            row = row_from_dossier(folder.name, d.model_copy(update={"dates": dates}), today)
        rows[str(folder)] = _with_status(row, folder, today)
    if check:
        for r in check_batch(root, None, jobs):
            row = rows.get(r.path)
            if row is not None:
                row.bloquants, row.avertissements = r.count("bloquant"), r.count("avertissement")
                if not row.collectivite and r.collectivite:
                    row.collectivite = r.collectivite["nom"]
                if not row.agent and r.agent:
                    row.agent = f"{r.agent.get('prenoms') or ''} {(r.agent.get('nom') or '').upper()}".strip()
    far = dt.date.max
    return sorted(rows.values(), key=lambda r: (not r.urgent, r.echeance or far, r.collectivite, r.dossier))


def counts_by_stage(rows: Iterable[Row]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[r.etape] = out.get(r.etape, 0) + 1
    return out


# ---------------------------------------------------------------- CSV
def _cell(row: Row, key: str) -> str:
    if key == "urgent":
        return "oui" if row.urgent else "non"
    if key == "alertes":
        return " | ".join(row.alertes + ([row.probleme] if row.probleme else []))
    value = getattr(row, key)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return fmt_date(value)
    return str(value)


def to_csv(rows: Iterable[Row]) -> str:
    """Semicolon-separated (what a French spreadsheet expects), every cell neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([label for _, label in CSV_COLUMNS])
    for r in rows:
        w.writerow([neutralise(_cell(r, k)) for k, _ in CSV_COLUMNS])
    return buf.getvalue()


def write_csv(rows: Iterable[Row], path: Path) -> Path:
    from pipeline.fsutil import write_bytes

    # UTF-8 with a byte-order mark: Excel then reads the accents right.
    return write_bytes(Path(path), to_csv(rows).encode("utf-8-sig"))
