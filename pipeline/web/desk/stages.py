"""Stage and next action of a dossier: `pipeline.status` decides, the desk only words it.

The desk keeps each dossier in the folder layout of the command line (pipeline.bundle.layout),
so `pipeline status DOSSIER` and the desk give the same stage. What changes is the wording of
the next action: the person at the desk clicks a button, she never types a command.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Optional

from pipeline.status import STAGES

# The description is typed in the guided form: nothing to "correct in dossier.yaml".
DESK_LABELS = {"description_invalide": "saisie en cours"}
STADES = [(code, DESK_LABELS.get(code, label)) for code, label in STAGES.items()]
LIBELLES = dict(STADES)

# Next actions where the command line names a command: what the desk says instead.
DESK_ACTIONS = {
    "description_invalide": "Terminer la saisie du dossier (voir « Vérification »)",
    "a_construire": "Produire les documents (bouton « Construire les documents »)",
    "a_assembler": "Contrôler et constituer le lot final (bouton « Contrôler et assembler le lot final »)",
}
_CLI = re.compile(r"\s*\(«\s*pipeline [^»]*»\)|\s*[;:,]\s*(?:puis\s+)?(?:[^;:,«]*:\s*)?«\s*pipeline [^»]*»")


def desk_action(code: str, action: str) -> str:
    """The action of pipeline.status without the command to type (the desk has a button or a form)."""
    if code in DESK_ACTIONS:
        return DESK_ACTIONS[code]
    text = _CLI.sub("", action).strip().rstrip(".")
    text = text.replace("du dossier envoi/", "du lot final").replace("envoi/bordereau.pdf", "le bordereau du lot final")
    if code == "pret_a_envoyer":
        text += ", puis enregistrer ci-dessous la date d'envoi"
    elif code == "envoye":
        text += " ; à réception, enregistrer ci-dessous la date de l'avis"
    return text


@dataclass
class Stade:
    code: str
    action: str
    echeance: Optional[dt.date] = None
    acteur: str = ""
    motif: str = ""
    manquantes: list[str] = field(default_factory=list)

    @property
    def libelle(self) -> str:
        return LIBELLES.get(self.code, self.code)


def of_status(st) -> Stade:
    """The desk's view of a pipeline.status.DossierStatus."""
    motif = st.reason if st.stage != "description_invalide" else "la saisie n'est pas terminée"
    motif = (motif.replace("envoi/manifest.json, ", "").replace("un brouillon existe dans envoi/", "un brouillon du lot final existe")
             .replace("le lot de envoi/", "le lot final"))
    return Stade(st.stage, desk_action(st.stage, st.next_action), st.due, st.actor, motif, list(st.missing))
