"""Stage and next action of a dossier, for the desk's lists and the dossier page.

When `pipeline.status` (issue 10) is installed it should decide; until then this small
reading of what the desk knows (form valid, documents built, pièces received, check result,
final set) gives the same kind of answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
import datetime as dt

STADES = [
    ("saisie", "Saisie en cours"),
    ("a_construire", "Saisie complète, documents à produire"),
    ("pieces_attendues", "Documents produits, pièces à recevoir"),
    ("incomplet", "Pièces reçues, dossier incomplet"),
    ("complet", "Dossier complet, lot final à assembler"),
    ("lot_final", "Lot final prêt à téléverser sur PEP'S"),
]
LIBELLES = dict(STADES)


@dataclass
class Stade:
    code: str
    action: str
    echeance: Optional[dt.date] = None

    @property
    def libelle(self) -> str:
        return LIBELLES[self.code]


def _etape_date(model_dossier, code: str) -> Optional[dt.date]:
    from . import engine

    try:
        t = engine.timeline(model_dossier)
    except Exception:  # the calendar is a help; a dossier without dates still has a stage
        return None
    if t is None:
        return None
    for e in t.etapes:
        if e.code == code and getattr(e, "date", None):
            return e.date
    return None


def compute(dossier, model_dossier=None, built: bool = False, received: int = 0, final: bool = False) -> Stade:
    if not dossier.valide:
        return Stade("saisie", "Compléter la saisie du dossier")
    if not built:
        return Stade("a_construire", "Produire les documents (bouton « Construire les documents »)")
    if final:
        return Stade("lot_final", "Téléverser le lot final sur PEP'S",
                     model_dossier.dates.envoi_peps if model_dossier is not None else None)
    if not received or not dossier.controle:
        due = _etape_date(model_dossier, "pleniere") if model_dossier is not None else None
        return Stade("pieces_attendues", "Envoyer l'AF3 au médecin agréé et l'AF4 au secrétariat du conseil médical, "
                     "puis déposer ici les pièces reçues", due)
    if dossier.bloquants:
        return Stade("incomplet", f"Corriger ou obtenir ce qui manque : {dossier.bloquants} constat(s) bloquant(s)")
    return Stade("complet", "Assembler le lot final pour PEP'S",
                 model_dossier.dates.envoi_peps if model_dossier is not None else None)
