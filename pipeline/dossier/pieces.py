"""The pièce catalogue (validators/pieces.yaml) and which pièces a case requires."""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from pipeline import resources
from pipeline.dossier.model import Dossier, Presence


@dataclass(frozen=True)
class Piece:
    id: str
    libelle: str
    medicale: bool
    requise_si: str
    motif: str
    produite_par: str
    source: str
    generee: str | None = None


@dataclass(frozen=True)
class NotToSend:
    id: str
    libelle: str


@dataclass
class Case:
    """The facts of a dossier that decide which pièces are required (pieces.md).

    Built from dossier.yaml by `case_from_dossier`, or from the AF3 / AF4 read by the check.
    """

    imputabilite: str = "non_imputable"
    inaptitude: str = "toutes_fonctions"
    tierce_personne: bool = False
    ati: bool = False
    tiers_en_cause: bool = False
    pv_police: bool = False
    imputabilite_reconnue_par: str | None = None
    inapte_toutes_fonctions_non: bool = False  # AF3 or AF4 answers "Non"
    visio_sans_signature: bool = False
    seconde_etape: bool = False  # after the CNRACL's favourable opinion

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Catalogue:
    pieces: tuple[Piece, ...]
    not_to_send: tuple[NotToSend, ...]
    not_to_send_source: str

    def get(self, piece_id: str) -> Piece:
        for p in self.pieces:
            if p.id == piece_id:
                return p
        raise KeyError(piece_id)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.pieces]


@functools.lru_cache(maxsize=2)
def load_catalogue(path: str | None = None) -> Catalogue:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) if path else resources.load_yaml("validators", "pieces.yaml")
    pieces = tuple(Piece(**p) for p in data["pieces"])
    nts = tuple(NotToSend(**p) for p in data.get("a_ne_pas_envoyer", []))
    for p in pieces:
        evaluate(p.requise_si, Case())  # fail early on a typo in the data file
    return Catalogue(pieces, nts, data.get("source_a_ne_pas_envoyer", ""))


def _atom(expr: str, facts: dict) -> bool:
    expr = expr.strip()
    if expr == "toujours":
        return True
    if expr == "jamais":
        return False
    for op in ("==", "!="):
        if op in expr:
            name, value = (s.strip() for s in expr.split(op, 1))
            if name not in facts:
                raise ValueError(f"condition inconnue dans le catalogue des pièces : {name}")
            equal = str(facts[name]) == value
            return equal if op == "==" else not equal
    negate = expr.startswith("non ")
    name = expr[4:].strip() if negate else expr
    if name not in facts:
        raise ValueError(f"condition inconnue dans le catalogue des pièces : {name}")
    return (not facts[name]) if negate else bool(facts[name])


def evaluate(condition: str, case: Case) -> bool:
    """Evaluate a `requise_si` condition: atoms joined by « et » (binds tighter) and « ou »."""
    facts = case.as_dict()
    return any(
        all(_atom(a, facts) for a in alt.split(" et "))
        for alt in condition.split(" ou ")
    )


def case_from_dossier(d: Dossier, seconde_etape: bool = False) -> Case:
    pleniere = d.conseil_medical.pleniere
    visio = bool(pleniere and any(m.presence == Presence.visio and not m.signe for m in pleniere.membres))
    return Case(
        imputabilite=d.imputabilite.value,
        inaptitude=d.inaptitude.value,
        tierce_personne=d.tierce_personne,
        ati=d.ati.percue,
        tiers_en_cause=d.tiers_en_cause,
        pv_police=d.pv_police,
        imputabilite_reconnue_par=d.imputabilite_reconnue_par,
        visio_sans_signature=visio,
        seconde_etape=seconde_etape or d.dates.avis_cnracl is not None,
    )


@dataclass
class Requirement:
    piece: Piece
    required: bool
    reason: str = ""


def requirements(case: Case, catalogue: Catalogue | None = None) -> list[Requirement]:
    """Every pièce of the catalogue with whether this case requires it, and why."""
    cat = catalogue or load_catalogue()
    return [Requirement(p, evaluate(p.requise_si, case), p.motif) for p in cat.pieces]


def required_ids(case: Case) -> list[str]:
    return [r.piece.id for r in requirements(case) if r.required]
