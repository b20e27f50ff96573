"""Cross-field checks on a loaded dossier.yaml, each pointing at its field and line.

These refuse a description that cannot produce a valid dossier (exit 2): an agent
who is not eligible, dates out of order, the médecin traitant being the médecin
agréé, facts the chosen case needs but the file does not give.
"""
from __future__ import annotations

import datetime as dt

from pipeline.dossier import params
from pipeline.dossier.model import Dossier, Imputabilite, Inaptitude, Statut
from pipeline.errors import InputProblem
from pipeline.text import same_person


def age_limit(born: dt.date, at: dt.date, *, active: bool = False) -> dt.date:
    """Birthday on which someone born on `born` reaches the age limit in force at `at`
    (dated parameters limite_age_sedentaire / limite_age_active)."""
    name = "limite_age_active" if active else "limite_age_sedentaire"
    years = int(params.get(name, at).valeur)
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # born on 29 February
        return born.replace(year=born.year + years, day=28)


def age_limit_date(d: Dossier) -> dt.date:
    """Birthday on which the agent of the dossier reaches the age limit (limite d'âge)."""
    return age_limit(d.agent.date_naissance, d.dossier.date_etablissement, active=d.agent.categorie_active)


def min_weekly_hours(at: dt.date):
    """Weekly hours from which a fonctionnaire is affiliated to the CNRACL (dated parameter)."""
    return params.get("seuil_affiliation_cnracl_heures", at).valeur


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def check_coherence(d: Dossier, loc) -> list[InputProblem]:
    out: list[InputProblem] = []

    def add(path, message, anchor=None):
        out.append(loc.problem(tuple(path), message, anchor))

    a = d.agent
    # Eligibility: only a titulaire affiliated to the CNRACL (weekly hours threshold) can get an invalidity pension.
    seuil = min_weekly_hours(d.dossier.date_etablissement)
    if a.statut != Statut.titulaire:
        add(("agent", "statut"),
            f"agent {a.statut.value} : non éligible à la retraite pour invalidité CNRACL "
            "(réservée aux fonctionnaires titulaires). La procédure applicable est le "
            "licenciement pour inaptitude physique.")
    if a.heures_hebdomadaires < seuil:
        add(("agent", "heures_hebdomadaires"),
            f"{a.heures_hebdomadaires} h par semaine : moins de {seuil} h, l'agent relève de "
            "l'IRCANTEC et non de la CNRACL ; non éligible à la pension d'invalidité CNRACL. "
            "La procédure applicable est le licenciement pour inaptitude physique.")
    if not a.affiliation_cnracl:
        add(("agent", "affiliation_cnracl"),
            "agent non affilié à la CNRACL : non éligible à la pension d'invalidité CNRACL ; "
            "vérifiez l'affiliation ou engagez un licenciement pour inaptitude physique.")

    # Médecin traitant: never the médecin agréé who fills the AF3.
    if not d.sans_medecin_traitant:
        mt, ma = d.medecin_traitant, d.medecin_agree
        if same_person(f"{mt.prenom or ''} {mt.nom}", f"{ma.prenom or ''} {ma.nom}"):
            add(("medecin_traitant", "nom"),
                "le médecin traitant est le médecin agréé qui remplit l'AF3 : indiquez le "
                "médecin traitant de l'agent, ou « aucun » s'il n'en a pas.")

    # Facts each case needs.
    imp = d.imputabilite
    if imp in (Imputabilite.accident_service, Imputabilite.accident_trajet):
        if d.accident is None:
            add(("accident",), "le cas choisi est un accident : ajoutez le bloc « accident » (date, heure, lieu, circonstances).", ("imputabilite",))
        elif imp == Imputabilite.accident_trajet and not d.accident.trajet:
            add(("accident", "trajet"), "accident de trajet : décrivez le trajet (domicile, lieu de travail, lieu de l'accident).", ("accident",))
    else:
        if d.accident is not None and d.accident.pv_police:
            pass  # a police report without a commuting accident is harmless
    if imp == Imputabilite.maladie_professionnelle and d.maladie_professionnelle is None:
        add(("maladie_professionnelle",),
            "maladie professionnelle : ajoutez le bloc « maladie_professionnelle » : la maladie, les risques rencontrés et la période d'exposition.", ("imputabilite",))
    if imp != Imputabilite.non_imputable and d.imputabilite_reconnue_par is None:
        add(("imputabilite_reconnue_par",),
            "invalidité imputable au service : précisez qui a reconnu l'imputabilité "
            "(conseil_medical ou decision_employeur).", ("imputabilite",))
    if d.inaptitude == Inaptitude.ses_fonctions and d.reclassement is None:
        add(("reclassement",),
            "inaptitude à ses seules fonctions : décrivez les démarches de reclassement "
            "dans un bloc « reclassement » (adaptation du poste, postes examinés, réponse de l'agent, motif de l'échec).", ("inaptitude",))
    if d.ati.percue and d.ati.taux is None:
        add(("ati", "taux"), "ATI perçue : indiquez son taux.")

    # Dates in a coherent order.
    born = a.date_naissance
    if born >= d.dossier.date_etablissement:
        add(("agent", "date_naissance"), "la date de naissance est postérieure à la date d'établissement du dossier.")
    for i, p in enumerate(d.carriere):
        if p.fin and p.fin < p.debut:
            add(("carriere", i, "fin"), f"la période se termine ({_fmt(p.fin)}) avant de commencer ({_fmt(p.debut)}).")
        if p.debut <= born:
            add(("carriere", i, "debut"), "la période commence avant la naissance de l'agent.")
    for i, c in enumerate(d.conges):
        if c.fin and c.fin < c.debut:
            add(("conges", i, "fin"), f"le congé se termine ({_fmt(c.fin)}) avant de commencer ({_fmt(c.debut)}).")
    if d.accident and d.accident.date <= born:
        add(("accident", "date"), "l'accident est daté avant la naissance de l'agent.")
    mp = d.maladie_professionnelle
    if mp and mp.exposition_fin and mp.exposition_fin < mp.exposition_debut:
        add(("maladie_professionnelle", "exposition_fin"), "la fin d'exposition précède son début.")
    r = d.reclassement
    if r and r.ppr and r.ppr.fin < r.ppr.debut:
        add(("reclassement", "ppr", "fin"), "la PPR se termine avant de commencer.")

    cm = d.conseil_medical
    pleniere = cm.pleniere.date if cm.pleniere else None
    restreint = cm.restreint.date if cm.restreint else None
    af3 = d.medecin_agree.date_rapport
    if restreint and pleniere and pleniere < restreint:
        add(("conseil_medical", "pleniere", "date"),
            f"la séance plénière ({_fmt(pleniere)}) précède la séance restreinte ({_fmt(restreint)}) : vérifiez les dates.")
    if af3 and pleniere and pleniere < af3:
        add(("conseil_medical", "pleniere", "date"),
            f"la séance plénière ({_fmt(pleniere)}) précède le rapport AF3 du médecin agréé ({_fmt(af3)}) : le conseil examine l'AF3, il ne peut siéger avant.")
    rad = d.dates.radiation
    if rad:
        if af3 and rad < af3:
            add(("dates", "radiation"), f"la radiation ({_fmt(rad)}) précède l'AF3 ({_fmt(af3)}).")
        if pleniere and rad < pleniere:
            add(("dates", "radiation"), f"la radiation ({_fmt(rad)}) précède l'avis du conseil médical plénier ({_fmt(pleniere)}).")
        if d.dates.avis_cnracl and rad < d.dates.avis_cnracl:
            add(("dates", "radiation"),
                f"la radiation ({_fmt(rad)}) précède l'avis favorable de la CNRACL ({_fmt(d.dates.avis_cnracl)}) : "
                "elle ne peut jamais être rétroactive.")
    if d.dates.avis_cnracl and pleniere and d.dates.avis_cnracl < pleniere:
        add(("dates", "avis_cnracl"), "l'avis de la CNRACL précède la séance plénière du conseil médical.")
    limit = age_limit_date(d)
    recognised = pleniere or restreint
    if recognised and recognised >= limit:
        path = ("conseil_medical", "pleniere" if pleniere else "restreint", "date")
        add(path, f"l'inaptitude est reconnue le {_fmt(recognised)}, après la limite d'âge de l'agent "
                  f"({_fmt(limit)}) : la retraite pour invalidité n'est plus possible.")
    return out
