"""The procedure's calendar: steps with dates or status, CNRACL answer window,
radiation dates, end of sick-leave rights and warnings (computations.md, "Dates").

"Today" is dossier.date_etablissement, never the clock: the same dossier gives the
same timeline. Nothing medical: steps and leave types only, no infirmity.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline import resources
from pipeline.dossier import params
from pipeline.dossier.coherence import age_limit_date
from pipeline.dossier.model import Dossier, TypeConge
from pipeline.errors import InputProblem, InvalidInput
from pipeline.money import fmt_date

ONE_DAY = dt.timedelta(days=1)

FAIT, PREVU, A_VENIR, ESTIME, CALCULE = "réalisé", "prévu", "à venir", "estimation", "calculé"

# The one wording of the radiation rule (timeline, notice and arrêté of build/documents).
REGLE_RADIATION = ("La radiation des cadres prend effet au plus tôt le jour de l'avis favorable de la CNRACL, "
                   "ou le premier jour du mois suivant ; elle n'est jamais rétroactive.")

NOMS_CONGES = {
    TypeConge.CMO: "congé de maladie ordinaire (CMO)",
    TypeConge.CLM: "congé de longue maladie (CLM)",
    TypeConge.CLD: "congé de longue durée (CLD)",
    TypeConge.CITIS: "CITIS",
    TypeConge.disponibilite_office: "disponibilité d'office",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's last day (31/01 + 1 → 28/02)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def first_of_next_month(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1)


@dataclass
class Etape:
    libelle: str
    date: dt.date | None
    statut: str
    date_fin: dt.date | None = None  # a window (CNRACL answer)
    note: str = ""
    code: str = ""  # stable key (ics UID, tests)

    def date_texte(self) -> str:
        if self.date and self.date_fin:
            return f"entre le {fmt_date(self.date)} et le {fmt_date(self.date_fin)}"
        return fmt_date(self.date) if self.date else "à déterminer"


@dataclass
class FinDroits:
    type: TypeConge
    debut: dt.date  # start of the continuous run of this leave
    fin_droits: dt.date | None  # None: no limit (CITIS)
    en_cours: bool  # the agent's current position
    detail: str = ""
    fin_maximale: dt.date | None = None  # disponibilité d'office: with the extra renewal

    @property
    def libelle(self) -> str:
        return NOMS_CONGES[self.type]


@dataclass
class Timeline:
    date_reference: dt.date
    etapes: list[Etape] = field(default_factory=list)
    fenetre: tuple[dt.date, dt.date] | None = None
    fenetre_base: str = ""
    date_radiation_potentielle: dt.date | None = None
    radiation_au_plus_tot: dt.date | None = None
    radiation_alternative: dt.date | None = None  # first day of the following month
    fins_droits: list[FinDroits] = field(default_factory=list)
    limite_age: dt.date | None = None
    alertes: list[str] = field(default_factory=list)


def step_window(lo: dt.date, hi: dt.date) -> str:
    return f"entre le {fmt_date(lo)} et le {fmt_date(hi)}"


def _statut(day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return A_VENIR
    return FAIT if day <= today else PREVU


def radiation_date(d: Dossier) -> dt.date | None:
    """Earliest effective radiation date: the day of the CNRACL's favourable opinion (None before it)."""
    return d.dates.avis_cnracl


def potential_radiation_date(d: Dossier) -> dt.date | None:
    """Date to enter in PEP'S: the day after the plenary conseil médical."""
    p = d.conseil_medical.pleniere
    return p.date + ONE_DAY if p else None


def answer_window(d: Dossier) -> tuple[tuple[dt.date, dt.date], str, bool]:
    """(start, end) of the expected CNRACL answer, what it is counted from, and whether it is a forecast."""
    today = d.dossier.date_etablissement
    delay = params.get("delai_reponse_cnracl_mois", today).valeur
    lo, hi = int(delay["minimum"]), int(delay["maximum"])
    if d.dates.envoi_peps:
        base, text, forecast = d.dates.envoi_peps, f"à compter de l'envoi sur PEP'S le {fmt_date(d.dates.envoi_peps)}", False
    else:
        p = d.conseil_medical.pleniere
        base = max(today, p.date) if p else today
        text, forecast = f"si le dossier complet est envoyé sur PEP'S le {fmt_date(base)} (pas encore envoyé)", True
    return (add_months(base, lo), add_months(base, hi)), text, forecast


def _runs(d: Dossier) -> list[tuple[TypeConge, dt.date, dt.date | None]]:
    """Leaves of the same type that follow each other without a gap, merged."""
    runs: list[list] = []
    for c in sorted(d.conges, key=lambda c: c.debut):
        if runs and runs[-1][0] == c.type and runs[-1][2] is not None and c.debut <= runs[-1][2] + ONE_DAY:
            last = runs[-1]
            last[2] = None if c.fin is None else max(last[2], c.fin)
        else:
            runs.append([c.type, c.debut, c.fin])
    return [tuple(r) for r in runs]


def fins_de_droits(d: Dossier) -> list[FinDroits]:
    today = d.dossier.date_etablissement
    rights = params.get("droits_conges_mois", today).valeur
    runs = _runs(d)
    current_idx = None
    for i, (_, start, end) in enumerate(runs):
        if start <= today and (end is None or end >= today):
            current_idx = i
    if current_idx is None and runs and runs[-1][2] is None:
        current_idx = len(runs) - 1
    out = []
    for i, (kind, start, end) in enumerate(runs):
        if kind == TypeConge.CITIS:
            out.append(FinDroits(kind, start, None, i == current_idx, "sans limite : jusqu'à la reprise ou la retraite"))
            continue
        months = int(rights[kind.value])
        if kind == TypeConge.disponibilite_office:
            renew = int(rights["disponibilite_office_renouvellements"])
            extra = int(rights["disponibilite_office_supplementaire"])
            first = add_months(start, months) - ONE_DAY
            fin = add_months(start, months * (1 + renew)) - ONE_DAY
            maxi = add_months(start, months * (1 + renew + extra)) - ONE_DAY
            detail = (f"1re année jusqu'au {fmt_date(first)} ; après {renew} renouvellements jusqu'au {fmt_date(fin)} ; "
                      f"éventuellement prolongée jusqu'au {fmt_date(maxi)}")
            out.append(FinDroits(kind, start, fin, i == current_idx, detail, maxi))
        else:
            fin = add_months(start, months) - ONE_DAY
            out.append(FinDroits(kind, start, fin, i == current_idx,
                                 f"{months} mois à compter du {fmt_date(start)}"))
    return out


def timeline(d: Dossier) -> Timeline:
    today = d.dossier.date_etablissement
    t = Timeline(date_reference=today)
    cm, dates = d.conseil_medical, d.dates
    add = t.etapes.append

    libelle_demande = "Mise à la retraite d'office (décision de l'employeur)" if d.dossier.d_office else "Demande de l'agent"
    add(Etape(libelle_demande, dates.demande, _statut(dates.demande, today), code="demande"))
    r = cm.restreint.date if cm.restreint else None
    add(Etape("Conseil médical en formation restreinte", r, _statut(r, today), code="restreint"))
    if d.reclassement and d.reclassement.ppr:
        ppr = d.reclassement.ppr
        add(Etape(f"Période de préparation au reclassement (PPR) du {fmt_date(ppr.debut)} au {fmt_date(ppr.fin)}",
                  ppr.fin, _statut(ppr.fin, today), code="ppr"))
    af3 = d.medecin_agree.date_rapport
    add(Etape("Rapport du médecin agréé (imprimé AF3)", af3, _statut(af3, today), code="af3"))
    p = cm.pleniere.date if cm.pleniere else None
    add(Etape("Conseil médical en formation plénière (imprimé AF4)", p, _statut(p, today), code="pleniere"))
    t.date_radiation_potentielle = potential_radiation_date(d)
    add(Etape("Date de radiation potentielle à saisir dans PEP'S (lendemain du conseil plénier)",
              t.date_radiation_potentielle, CALCULE if t.date_radiation_potentielle else A_VENIR,
              code="radiation_potentielle"))
    add(Etape("Envoi du dossier à la CNRACL sur PEP'S", dates.envoi_peps, _statut(dates.envoi_peps, today),
              code="envoi_peps"))
    (lo, hi), base, forecast = answer_window(d)
    t.fenetre, t.fenetre_base = (lo, hi), base
    if dates.avis_cnracl is None:
        add(Etape("Réponse attendue de la CNRACL (6 à 8 mois)", lo, ESTIME, date_fin=hi, note=base,
                  code="fenetre_cnracl"))
    add(Etape("Avis de la CNRACL", dates.avis_cnracl, _statut(dates.avis_cnracl, today), code="avis_cnracl"))
    t.radiation_au_plus_tot = radiation_date(d)
    if t.radiation_au_plus_tot:
        t.radiation_alternative = first_of_next_month(t.radiation_au_plus_tot)
    add(Etape("Radiation des cadres possible au plus tôt", t.radiation_au_plus_tot,
              CALCULE if t.radiation_au_plus_tot else A_VENIR,
              note=(f"ou le {fmt_date(t.radiation_alternative)} (premier jour du mois suivant)"
                    if t.radiation_alternative else
                    f"après l'avis favorable de la CNRACL, attendu {step_window(lo, hi)}"),
              code="radiation_plus_tot"))
    add(Etape("Arrêté portant radiation des cadres", dates.radiation, _statut(dates.radiation, today),
              code="radiation"))

    # Warnings: an end of rights or the age limit before the CNRACL's answer.
    t.fins_droits = fins_de_droits(d)
    t.limite_age = age_limit_date(d)
    answered = dates.avis_cnracl is not None
    for f in t.fins_droits:
        if not f.en_cours or f.fin_droits is None or answered:
            continue
        if f.fin_droits < today:
            t.alertes.append(f"Les droits à {f.libelle} sont épuisés depuis le {fmt_date(f.fin_droits + ONE_DAY)} : "
                             "régularisez la position de l'agent (disponibilité d'office ou autre congé).")
        elif f.fin_droits < hi:
            t.alertes.append(f"Les droits à {f.libelle} prennent fin le {fmt_date(f.fin_droits)}, avant la réponse "
                             f"attendue de la CNRACL (au plus tard le {fmt_date(hi)}) : anticipez la position "
                             "de l'agent à cette date.")
    if not answered and t.limite_age <= hi:
        t.alertes.append(f"L'agent atteint la limite d'âge le {fmt_date(t.limite_age)}, avant la réponse attendue "
                         f"de la CNRACL (au plus tard le {fmt_date(hi)}) : l'inaptitude doit être reconnue par le "
                         "conseil médical plénier avant cette date ; accélérez la procédure.")
    if p is None and dates.envoi_peps:
        t.alertes.append("Le dossier est envoyé sur PEP'S sans date de conseil médical plénier : "
                         "renseignez conseil_medical.pleniere.date.")
    return t


@functools.lru_cache(maxsize=4)
def _contacts(path: str) -> dict:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise InvalidInput([InputProblem(str(p), "", f"fichier des contacts illisible ({e}) : corrigez-le")]) from None
    out = {}
    for key in ("cnas", "assurance_retraite", "cnracl"):
        block = data.get(key)
        if not isinstance(block, dict):
            raise InvalidInput([InputProblem(str(p), key, "bloc de contact absent : ajoutez-le (voir les autres blocs)")])
        out[key] = {str(k): "" if v is None else str(v) for k, v in block.items()}
    return out


def contacts(path: Path | None = None) -> dict:
    """Contact details the user edits (config/contacts.yaml), as strings."""
    return {k: dict(v) for k, v in _contacts(str(path or resources.path("config", "contacts.yaml"))).items()}


def notice_context(d: Dossier) -> dict:
    """What the agent notice needs: procedure steps and dates, no medical detail."""
    t = timeline(d)
    lo, hi = t.fenetre
    regle = REGLE_RADIATION
    if t.radiation_au_plus_tot:
        regle += (f" Avis favorable de la CNRACL le {fmt_date(t.radiation_au_plus_tot)} : radiation au plus tôt "
                  f"le {fmt_date(t.radiation_au_plus_tot)} ou le {fmt_date(t.radiation_alternative)}.")
    return {
        "etapes": [{"libelle": e.libelle, "date": e.date_texte(), "statut": e.statut} for e in t.etapes],
        "fenetre_reponse": step_window(lo, hi),
        "date_radiation_potentielle": (fmt_date(t.date_radiation_potentielle) if t.date_radiation_potentielle
                                       else "à déterminer (lendemain de la séance du conseil médical plénier)"),
        "regle_radiation": regle,
        "contacts": contacts(),
    }


def as_dict(t: Timeline) -> dict:
    """JSON-ready view of a timeline (dates ISO 8601), for `pipeline timeline --json`."""
    import dataclasses
    from enum import Enum

    def plain(v):
        if isinstance(v, (dt.date,)):
            return v.isoformat()
        if isinstance(v, Enum):
            return v.value
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if dataclasses.is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        return v

    out = plain(t)
    out["schema"] = "pipeline-timeline/1"
    for fd, data in zip(t.fins_droits, out["fins_droits"]):
        data["libelle"] = fd.libelle
    return out
