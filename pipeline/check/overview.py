"""The CDG's overview of a ROOT of dossiers: one row per dossier (collectivité, stage, next
action and its due date, findings, profile), urgent ones first, and a CSV a spreadsheet opens.

Urgent: the end of the agent's sick-leave rights, or the age limit, comes before the latest
expected CNRACL answer (the same warnings as `pipeline timeline`: the retirement for invalidity
of décret n° 2003-1306 waits for the CNRACL's opinion; the leave rights of décret n° 87-602 and
the age limit do not).
Stages are read from the dates of dossier.yaml; "today" is the day of the overview.
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

# Steps of the timeline (compute.timeline codes) that are a stage once done, in order.
STAGES = {
    "demande": "Demande reçue",
    "restreint": "Conseil restreint tenu",
    "ppr": "PPR terminée",
    "af3": "AF3 reçu",
    "pleniere": "Conseil plénier tenu",
    "envoi_peps": "Envoyé sur PEP'S",
    "avis_cnracl": "Avis CNRACL reçu",
    "radiation": "Radié des cadres",
}
ACTIONS = {
    "demande": "Recevoir la demande",
    "restreint": "Réunir le conseil restreint",
    "ppr": "Terminer la PPR",
    "af3": "Obtenir le rapport AF3",
    "pleniere": "Réunir le conseil plénier",
    "envoi_peps": "Envoyer sur PEP'S",
    "avis_cnracl": "Attendre l'avis CNRACL",
    "radiation": "Prendre l'arrêté de radiation",
}
NO_YAML_STAGE = "Sans description (dossier.yaml)"
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
    """The row of one described dossier (`d`: pipeline.dossier.model.Dossier) on `today`."""
    from pipeline.compute.timeline import FAIT, ONE_DAY, add_months, timeline
    from pipeline.dossier import params

    d = _at(d, today)
    t = timeline(d)
    a = d.agent
    row = Row(name, d.dossier.id, d.employeur.collectivite,
              f"{a.civilite} {a.prenoms} {(a.nom_usage or a.nom_naissance).upper()}", d.dossier.profil.value)
    done = [e for e in t.etapes if e.code in STAGES and e.statut == FAIT]
    row.etape = STAGES[done[-1].code] if done else "Dossier ouvert"
    last = t.etapes.index(done[-1]) if done else -1
    nxt = next((e for e in t.etapes[last + 1:] if e.code in STAGES and e.statut != FAIT), None)
    if nxt is not None:
        row.prochaine_action = ACTIONS[nxt.code]
        row.echeance = nxt.date
    answered = d.dates.avis_cnracl is not None
    hi = t.fenetre[1] if t.fenetre else None
    if not answered and hi is not None:
        row.fin_droits_avant_reponse = any(f.en_cours and f.fin_droits is not None and f.fin_droits < hi
                                           for f in t.fins_droits)
        row.limite_age_avant_reponse = t.limite_age <= hi
    if nxt is not None and nxt.code == "envoi_peps" and nxt.date is None:
        # Sent later than this, the answer comes after the first limit: the due date.
        first = min([f.fin_droits for f in t.fins_droits if f.en_cours and f.fin_droits] + [t.limite_age])
        delay = int(params.get("delai_reponse_cnracl_mois", today).valeur["maximum"])
        row.echeance = add_months(first, -delay) + ONE_DAY if first else None
    row.alertes = [x for x in t.alertes if "limite d'âge" in x or "droits" in x]
    return row


def overview(root, *, check: bool = True, jobs: Optional[int] = None, today: Optional[dt.date] = None) -> list[Row]:
    """One row per sub-folder of `root`, urgent first, then by due date.

    check=True runs `pipeline check` on each dossier for the findings counts.
    """
    from pipeline.check.run import batch_folders, check_batch
    from pipeline.dossier.load import load_dossier

    today = today or dt.date.today()
    rows: dict[str, Row] = {}
    for folder in batch_folders(root):
        y = folder / "dossier.yaml"
        if not y.is_file():
            rows[str(folder)] = Row(folder.name, etape=NO_YAML_STAGE,
                                    prochaine_action="Décrire le dossier (dossier.yaml) : collectivité, agent, dates")
            continue
        try:
            d = load_dossier(y, coherence=False)
        except InvalidInput as e:
            first = e.problems[0] if e.problems else None
            rows[str(folder)] = Row(folder.name, etape="Description illisible",
                                    prochaine_action="Corriger dossier.yaml", probleme=str(first or e))
            continue
        rows[str(folder)] = row_from_dossier(folder.name, d, today)
    if check:
        for r in check_batch(root, None, jobs):
            row = rows.get(r.path)
            if row is not None:
                row.bloquants, row.avertissements = r.count("bloquant"), r.count("avertissement")
                if row.bloquants and row.prochaine_action == ACTIONS["envoi_peps"]:
                    n = row.bloquants
                    row.prochaine_action = f"Compléter ({n} bloquant{'s' if n > 1 else ''}), puis envoyer sur PEP'S"
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
