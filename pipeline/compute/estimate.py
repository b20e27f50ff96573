"""Estimation indicative of the invalidity pension and its accessories (computations.md).

Each term is kept with the rule that produced it, so the table shows the working,
not only the total. All amounts are Decimal, rounded half-up to the cent at the
end of each amount. The "today" of the computation is dossier.date_etablissement
(never the clock: outputs are reproducible). Missing inputs never give a number:
the term is None and `manquants` names the field.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.compute.invalidite import TauxGlobal, taux_imputable, tgi
from pipeline.dossier import params
from pipeline.dossier.model import Dossier, Imputabilite
from pipeline.money import HUNDRED, cents, fmt_date, fmt_eur, fmt_pct, fmt_plain, round_half_up

AVERTISSEMENT = ("Estimation indicative : seule la CNRACL calcule la pension réelle "
                 "(décompte provisoire puis définitif).")
FOUR = Decimal(4)


@dataclass
class Terme:
    """One term of the working: its value and where it comes from."""

    libelle: str
    valeur: Decimal | None
    regle: str = ""


@dataclass
class Estimation:
    date_calcul: dt.date
    tib: Decimal | None = None
    trimestres_liquidables: Decimal | None = None
    trimestres_requis: Decimal | None = None
    source_trimestres_requis: str = ""
    coefficient: Decimal | None = None  # liquidables / requis, capped at 1 (exact)
    taux_plein: Decimal | None = None
    pension_base: Decimal | None = None
    annees_services: Decimal | None = None
    taux_mg: Decimal | None = None  # points of the reference amount (exact)
    reference_mg: Decimal | None = None
    reference_mg_derivee: bool = False
    minimum_garanti: Decimal | None = None
    tgi: TauxGlobal | None = None
    plancher_applicable: bool | None = None  # None: TGI unknown
    plancher: Decimal | None = None
    montant_retenu: Decimal | None = None
    regle_retenue: str = ""
    taux_imputable: TauxGlobal | None = None
    rente: Decimal | None = None
    mtp_mensuelle: Decimal | None = None
    mtp_annuelle: Decimal | None = None
    notes: list[str] = field(default_factory=list)
    manquants: list[str] = field(default_factory=list)  # dossier fields, e.g. "pension.tib"
    parametres: list[params.Param] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.manquants


def _param(name: str, at: dt.date, e: Estimation):
    try:
        p = params.get(name, at)
    except KeyError:
        e.manquants.append(f"config/parametres.yaml : {name} (aucune valeur au {fmt_date(at)})")
        return None
    if p not in e.parametres:
        e.parametres.append(p)
    return p


def trimestres_requis(d: Dossier, at: dt.date, e: Estimation | None = None) -> tuple[int | None, str]:
    """Quarters required for the full rate: the dossier's value wins, else the dated table."""
    if d.pension.trimestres_requis is not None:
        return d.pension.trimestres_requis, "valeur indiquée dans le dossier (pension.trimestres_requis)"
    p = params.get("trimestres_requis", at)
    if e is not None and p not in e.parametres:
        e.parametres.append(p)
    born = d.agent.date_naissance
    found = None
    for row in sorted(p.valeur, key=lambda r: r["nes_a_partir_du"]):
        if born >= row["nes_a_partir_du"]:
            found = int(row["trimestres"])
    if found is None:
        return None, ""
    return found, f"table par date de naissance, né(e) le {fmt_date(born)}"


def taux_minimum_garanti(annees: Decimal, bareme: dict) -> Decimal:
    """Points of the MG reference for `annees` of service (fractions kept)."""
    t15 = Decimal(bareme["taux_15_ans"])
    p1 = Decimal(bareme["points_par_an_15_30"])
    p2 = Decimal(bareme["points_par_an_30_40"])
    if annees < 15:
        return t15 * annees / 15
    if annees <= 30:
        return t15 + p1 * (annees - 15)
    return min(t15 + p1 * 15 + p2 * (annees - 30), HUNDRED)


def estimate(d: Dossier) -> Estimation:
    at = d.dossier.date_etablissement
    e = Estimation(date_calcul=at)
    p = d.pension
    e.tib = p.tib
    e.trimestres_liquidables = p.trimestres_liquidables
    if p.tib is None:
        e.manquants.append("pension.tib")
    if p.trimestres_liquidables is None:
        e.manquants.append("pension.trimestres_liquidables")

    try:
        requis, source = trimestres_requis(d, at, e)
    except KeyError:
        requis, source = None, ""
    if requis is None:
        e.manquants.append("pension.trimestres_requis")
        e.notes.append(f"Trimestres requis inconnus pour une naissance en {d.agent.date_naissance.year} : "
                       "indiquez pension.trimestres_requis dans le dossier.")
    else:
        e.trimestres_requis = Decimal(requis)
        e.source_trimestres_requis = source

    taux_plein = _param("pension_taux_plein", at, e)
    ref = _param("minimum_garanti_reference", at, e)
    bareme = _param("minimum_garanti_bareme", at, e)
    plancher = _param("plancher_invalidite", at, e)

    # Base pension: TIB × 75 % × liquidables / requis (ratio capped at 1, no décote).
    if e.tib is not None and e.trimestres_liquidables is not None and e.trimestres_requis and taux_plein:
        e.taux_plein = Decimal(taux_plein.valeur)
        counted = min(e.trimestres_liquidables, e.trimestres_requis)  # ratio capped at 1
        e.coefficient = counted / e.trimestres_requis
        e.pension_base = cents(e.tib * e.taux_plein * counted / (HUNDRED * e.trimestres_requis))

    # Minimum garanti: reference × points for the years of service (quarters / 4).
    if e.trimestres_liquidables is not None and ref and bareme:
        e.annees_services = e.trimestres_liquidables / FOUR
        e.taux_mg = taux_minimum_garanti(e.annees_services, bareme.valeur)
        e.reference_mg = Decimal(ref.valeur)
        e.reference_mg_derivee = ref.derive
        e.minimum_garanti = cents(e.reference_mg * e.taux_mg / HUNDRED)

    # 50 % floor when the TGI reaches 60 %.
    e.tgi = tgi(d)
    if not d.infirmites:
        e.notes.append("Aucune infirmité dans le dossier (champ infirmites) : le taux global d'invalidité "
                       "n'est pas connu, le plancher de 50 % ne peut pas être apprécié.")
    if e.tib is not None and plancher:
        e.plancher = cents(e.tib * Decimal(plancher.valeur["taux_tib"]) / HUNDRED)
        if e.tgi.taux is not None:
            e.plancher_applicable = e.tgi.taux >= Decimal(plancher.valeur["tgi_minimum"])

    # The most favourable amount is paid.
    candidates = []
    if e.pension_base is not None:
        candidates.append((e.pension_base, "pension de base"))
    if e.minimum_garanti is not None:
        candidates.append((e.minimum_garanti, "minimum garanti"))
    if e.plancher_applicable:
        candidates.append((e.plancher, "plancher de 50 % du TIB (taux global ≥ 60 %)"))
    if len(candidates) >= 2 and e.pension_base is not None and e.minimum_garanti is not None:
        best = max(candidates, key=lambda c: c[0])
        unknown_floor = e.plancher_applicable is None and e.plancher is not None and best[0] < e.plancher
        if unknown_floor:
            e.manquants.append("infirmites")  # the floor could win: no number rather than a wrong one
        else:
            e.montant_retenu, e.regle_retenue = best  # on a tie, the first listed (base) is named

    # Rente d'invalidité: last TIB × rate of the imputable infirmities.
    e.taux_imputable = taux_imputable(d)
    imputables = [inf for inf in d.infirmites if inf.imputable and not inf.deja_indemnisee]
    if imputables:
        if d.imputabilite == Imputabilite.non_imputable:
            e.notes.append("Des infirmités sont marquées imputables alors que le dossier est « non_imputable » : "
                           "vérifiez le champ imputabilite.")
        if e.tib is not None:
            e.rente = cents(e.tib * e.taux_imputable.taux / HUNDRED)
        e.notes.append("Rente d'invalidité : un plafond de la pension et de la rente peut s'appliquer "
                       "(décret n° 2003-1306, art. 36-37) ; la CNRACL le vérifie.")
    if d.ati.percue:
        taux = f" (taux {fmt_pct(d.ati.taux)})" if d.ati.taux is not None else ""
        e.notes.append(f"ATI perçue{taux} : la CNRACL étudie sa transformation éventuelle en rente.")

    # Majoration pour tierce personne, when asked.
    if d.tierce_personne:
        m = _param("majoration_tierce_personne_mensuelle", at, e)
        y = _param("majoration_tierce_personne_annuelle", at, e)
        if m:
            e.mtp_mensuelle = cents(m.valeur)
        if y:
            e.mtp_annuelle = cents(y.valeur)
        e.notes.append("Majoration pour tierce personne : accordée pour 5 ans, définitive si elle est confirmée à la révision.")

    if d.imputabilite == Imputabilite.non_imputable:
        e.notes.append("TIB : traitement de l'indice détenu depuis au moins 6 mois à la radiation "
                       "(à vérifier ; condition sans objet si l'invalidité est imputable au service).")
    else:
        e.notes.append("TIB : invalidité imputable au service, la condition des 6 mois d'indice ne s'applique pas.")
    if e.reference_mg_derivee:
        e.notes.append("Montant de référence du minimum garanti déduit de l'exemple de la formation CDG50/CDG76 : "
                       "à confirmer avec le montant publié par la CNRACL.")
    return e


def _missing(field_: str) -> str:
    return f"non calculable : champ {field_} manquant"


def as_rows(d: Dossier) -> list[tuple[str, str]]:
    """The working as (label, value) rows in French; never raises on missing inputs."""
    e = estimate(d)
    rows: list[tuple[str, str]] = [("Estimation indicative", AVERTISSEMENT),
                                   ("Date du calcul", fmt_date(e.date_calcul))]

    def val(v, fmt, field_):
        return fmt(v) if v is not None else _missing(field_)

    rows.append(("Traitement brut indiciaire (TIB) mensuel", val(e.tib, fmt_eur, "pension.tib")))
    rows.append(("Trimestres liquidables", val(e.trimestres_liquidables, fmt_plain, "pension.trimestres_liquidables")))
    rows.append(("Trimestres requis", f"{fmt_plain(e.trimestres_requis)} ({e.source_trimestres_requis})"
                 if e.trimestres_requis is not None else _missing("pension.trimestres_requis")))
    if e.pension_base is not None:
        plafond = " (rapport plafonné à 1)" if e.coefficient == 1 and e.trimestres_liquidables > e.trimestres_requis else ""
        rows.append(("Pension de base",
                     f"{fmt_eur(e.pension_base)} = {fmt_eur(e.tib)} × {fmt_plain(e.taux_plein)} % × "
                     f"{fmt_plain(e.trimestres_liquidables)} / {fmt_plain(e.trimestres_requis)}{plafond} "
                     f"({fmt_pct(e.pension_base / e.tib * HUNDRED)} du TIB)"))
    else:
        rows.append(("Pension de base", _missing(_first(e, ["pension.tib", "pension.trimestres_liquidables", "pension.trimestres_requis"]))))
    if e.minimum_garanti is not None:
        derive = " (référence déduite de l'exemple de formation, à confirmer)" if e.reference_mg_derivee else ""
        rows.append(("Minimum garanti",
                     f"{fmt_eur(e.minimum_garanti)} = {fmt_pct(e.taux_mg)} de {fmt_eur(e.reference_mg)}{derive} "
                     f"pour {fmt_plain(e.annees_services)} années de services"))
    else:
        rows.append(("Minimum garanti", _missing(_first(e, ["pension.trimestres_liquidables"]))))
    t = e.tgi
    if t is not None and t.taux is not None:
        for g in t.groupes:
            rows.append((g.libelle(), fmt_pct(g.resultat)))
        if t.exclues:
            rows.append(("Infirmités déjà indemnisées (non comptées)", ", ".join(f"n° {n}" for n in t.exclues)))
        if t.plafonne:
            rows.append(("Addition des groupes", f"{fmt_pct(t.somme_groupes)}, ramenée à 100,00 %"))
        rows.append(("Taux global d'invalidité", f"{fmt_pct(t.taux)} ({t.methode()})"))
    else:
        rows.append(("Taux global d'invalidité", _missing("infirmites")))
    if e.plancher is None:
        rows.append(("Plancher de 50 % du TIB", _missing("pension.tib")))
    elif e.plancher_applicable is None:
        rows.append(("Plancher de 50 % du TIB", f"{fmt_eur(e.plancher)} si le taux global atteint 60 % (taux inconnu)"))
    elif e.plancher_applicable:
        rows.append(("Plancher de 50 % du TIB", f"{fmt_eur(e.plancher)} (taux global ≥ 60 % : applicable)"))
    else:
        rows.append(("Plancher de 50 % du TIB", f"non applicable (taux global {fmt_pct(e.tgi.taux)} < 60 %)"))
    if e.montant_retenu is not None:
        rows.append(("Pension retenue (mensuelle brute)", f"{fmt_eur(e.montant_retenu)} — règle retenue : {e.regle_retenue}"))
    else:
        rows.append(("Pension retenue (mensuelle brute)", _missing(_first(e, e.manquants or ["pension.tib"]))))
    ti = e.taux_imputable
    if e.rente is not None:
        rows.append(("Taux d'invalidité imputable au service", f"{fmt_pct(ti.taux)} ({ti.methode()})"))
        rows.append(("Rente d'invalidité (mensuelle brute)", f"{fmt_eur(e.rente)} = {fmt_eur(e.tib)} × {fmt_pct(ti.taux)}"))
    elif any(i.imputable and not i.deja_indemnisee for i in d.infirmites):
        rows.append(("Rente d'invalidité", _missing("pension.tib")))
    else:
        rows.append(("Rente d'invalidité", "sans objet (aucune infirmité imputable au service)"))
    if d.tierce_personne:
        rows.append(("Majoration pour tierce personne",
                     f"{fmt_eur(e.mtp_mensuelle)} par mois ({fmt_eur(e.mtp_annuelle)} par an)"
                     if e.mtp_mensuelle is not None else "non calculable : paramètre majoration_tierce_personne absent"))
    else:
        rows.append(("Majoration pour tierce personne", "non demandée"))
    for n in e.notes:
        rows.append(("Note", n))
    for p in e.parametres:
        derive = (" — valeur dérivée, à confirmer" if p.derive else "") + (" — non sourcé officiellement" if p.non_source else "")
        rows.append((f"Paramètre {p.name}", f"en vigueur depuis le {fmt_date(p.depuis)} : {p.source}{derive}"))
    return rows


def _first(e: Estimation, fields: list[str]) -> str:
    for f in fields:
        if f in e.manquants:
            return f
    return fields[0]


def as_dict(e: Estimation) -> dict:
    """JSON-ready view: Decimals as strings (exact), dates ISO."""

    def s(v):
        return None if v is None else str(v)

    def taux(t: TauxGlobal | None):
        if t is None:
            return None
        return {"taux": s(t.taux), "methode": t.methode() if t.taux is not None else None,
                "groupes": [{"infirmites": g.numeros, "taux": [s(x) for x in g.taux], "methode": g.methode,
                             "resultat": s(round_half_up(g.resultat, 4))} for g in t.groupes],
                "exclues": t.exclues, "preexistante": s(t.preexistante), "plafonne": t.plafonne}

    return {
        "avertissement": AVERTISSEMENT,
        "date_calcul": e.date_calcul.isoformat(),
        "tib": s(e.tib),
        "trimestres_liquidables": s(e.trimestres_liquidables),
        "trimestres_requis": s(e.trimestres_requis),
        "source_trimestres_requis": e.source_trimestres_requis,
        "pension_base": s(e.pension_base),
        "annees_services": s(e.annees_services),
        "taux_minimum_garanti": s(None if e.taux_mg is None else round_half_up(e.taux_mg, 4)),
        "reference_minimum_garanti": s(e.reference_mg),
        "reference_minimum_garanti_derivee": e.reference_mg_derivee,
        "minimum_garanti": s(e.minimum_garanti),
        "taux_global": taux(e.tgi),
        "plancher_50": s(e.plancher),
        "plancher_applicable": e.plancher_applicable,
        "montant_retenu": s(e.montant_retenu),
        "regle_retenue": e.regle_retenue or None,
        "taux_imputable": taux(e.taux_imputable),
        "rente_invalidite": s(e.rente),
        "majoration_tierce_personne_mensuelle": s(e.mtp_mensuelle),
        "majoration_tierce_personne_annuelle": s(e.mtp_annuelle),
        "notes": e.notes,
        "manquants": e.manquants,
        "parametres": [{"nom": p.name, "depuis": p.depuis.isoformat(), "source": p.source, "derive": p.derive,
                        "non_source": p.non_source}
                       for p in e.parametres],
    }
