"""Taux global d'invalidité (TGI): addition, validité restante (Balthazard), pre-existing rate.

Rates are in points (45 means 45 %), exact Decimal, rounded half-up to the
hundredth of a point only at the end. Infirmities are named by their number in
dossier.yaml (n° 1, n° 2...), never by their label: no medical text in outputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Sequence

from pipeline.dossier.model import Dossier
from pipeline.money import HUNDRED, fmt_pct, round_half_up

ADDITION = "addition"
BALTHAZARD = "validité restante (règle de Balthazard)"


def addition(rates: Iterable[Decimal]) -> Decimal:
    """Independent infirmities (arrêt Mérotte, CE n° 299663): rates added at face value."""
    return sum((Decimal(r) for r in rates), Decimal(0))


def balthazard(rates: Iterable[Decimal]) -> Decimal:
    """Linked infirmities: each rate applies to the validity left by the previous ones.

    Taken from the highest rate down, as the barème does; the result does not
    depend on the order (it is 100 × (1 − Π(1 − r/100))).
    """
    total = Decimal(0)
    for r in sorted((Decimal(r) for r in rates), reverse=True):
        total += (HUNDRED - total) * r / HUNDRED
    return total


def on_remaining_validity(rate: Decimal, preexisting: Decimal) -> Decimal:
    """A new rate counted on the validity left after a pre-existing invalidity."""
    return Decimal(rate) * (HUNDRED - Decimal(preexisting)) / HUNDRED


@dataclass
class Groupe:
    nom: str  # the group key from dossier.yaml, or "" for an infirmity alone
    numeros: list[int]  # 1-based numbers of the infirmities in dossier.yaml
    taux: list[Decimal]
    methode: str  # ADDITION (single infirmity) or BALTHAZARD
    resultat: Decimal  # exact

    def libelle(self) -> str:
        nums = ", ".join(f"n° {n}" for n in self.numeros)
        rates = " ; ".join(fmt_pct(t) for t in self.taux)
        if len(self.numeros) == 1:
            return f"Infirmité {nums} ({rates})"
        return f"Infirmités liées {nums} ({rates}) — {self.methode}"


@dataclass
class TauxGlobal:
    taux: Decimal | None  # rounded to the hundredth of a point; None: no infirmity given
    groupes: list[Groupe] = field(default_factory=list)
    somme_groupes: Decimal = Decimal(0)  # groups added, before the pre-existing rate
    plafonne: bool = False  # the addition went over 100 %
    preexistante: Decimal | None = None
    exclues: list[int] = field(default_factory=list)  # already compensated elsewhere

    @property
    def calculable(self) -> bool:
        return self.taux is not None

    def methode(self) -> str:
        parts = []
        if any(g.methode == BALTHAZARD for g in self.groupes):
            parts.append("Balthazard au sein de chaque groupe d'infirmités liées")
        if len(self.groupes) > 1:
            parts.append("addition des groupes")
        if not parts:
            parts.append("taux de l'infirmité")
        if self.preexistante:
            parts.append(f"sur la validité restante après l'invalidité préexistante de {fmt_pct(self.preexistante)}")
        return ", ".join(parts)


def taux_global(rates: Sequence[tuple[int, Decimal, str | None]], preexisting: Decimal | None = None) -> TauxGlobal:
    """TGI of infirmities given as (number, rate, group); group None = independent."""
    if not rates:
        return TauxGlobal(taux=None, preexistante=preexisting)
    groups: dict[str, Groupe] = {}
    order: list[str] = []
    for num, rate, grp in rates:
        key = f"g:{grp}" if grp else f"n:{num}"
        if key not in groups:
            groups[key] = Groupe(grp or "", [], [], ADDITION, Decimal(0))
            order.append(key)
        groups[key].numeros.append(num)
        groups[key].taux.append(Decimal(rate))
    out = TauxGlobal(taux=None, preexistante=preexisting)
    for key in order:
        g = groups[key]
        if len(g.taux) > 1:
            g.methode = BALTHAZARD
            g.resultat = balthazard(g.taux)
        else:
            g.resultat = g.taux[0]
        out.groupes.append(g)
    total = addition(g.resultat for g in out.groupes)
    out.somme_groupes = total
    if total > HUNDRED:  # a validity cannot be lost more than once
        total, out.plafonne = HUNDRED, True
    if preexisting:
        total = on_remaining_validity(total, preexisting)
    out.taux = round_half_up(total, 2)
    return out


def _counted(d: Dossier, imputable_only: bool) -> tuple[list[tuple[int, Decimal, str | None]], list[int]]:
    rates, excluded = [], []
    for i, inf in enumerate(d.infirmites, start=1):
        if inf.deja_indemnisee:  # one pathology cannot be paid by two schemes
            excluded.append(i)
            continue
        if imputable_only and not inf.imputable:
            continue
        rates.append((i, inf.taux, inf.groupe))
    return rates, excluded


def tgi(d: Dossier) -> TauxGlobal:
    """Global invalidity rate of the dossier's infirmities (not those already compensated)."""
    rates, excluded = _counted(d, imputable_only=False)
    return _result(d, rates, excluded)


def taux_imputable(d: Dossier) -> TauxGlobal:
    """Rate of the infirmities imputable to the service only (base of the rente), same method."""
    rates, excluded = _counted(d, imputable_only=True)
    return _result(d, rates, excluded)


def _result(d: Dossier, rates, excluded) -> TauxGlobal:
    out = taux_global(rates, d.invalidite_preexistante)
    out.exclues = excluded
    if out.taux is None and d.infirmites:
        out.taux = Decimal("0.00")  # infirmities given, none counted: a real 0 %
    return out
