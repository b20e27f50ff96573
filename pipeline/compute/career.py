"""Career periods as CNRACL individual-account lines: one calendar year per line.

In the CNRACL's account service a career line cannot span two calendar years, so
2019-09-01 → 2022-03-31 becomes four lines. Overlaps and gaps between periods
are reported for the gestionnaire to compare with the CIR. CSV for Excel:
French headers, ";" separator, UTF-8 with BOM, CRLF line ends.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.dossier.model import Dossier, PeriodeCarriere
from pipeline.money import fmt_date, fmt_plain
from pipeline.text import csv_cell

ONE_DAY = dt.timedelta(days=1)

POSITIONS = {
    "activite": "Activité",
    "disponibilite": "Disponibilité",
    "disponibilite_office": "Disponibilité d'office",
    "detachement": "Détachement",
    "conge_parental": "Congé parental",
    "hors_cadres": "Hors cadres",
    "hors_cnracl": "Hors CNRACL (autre régime)",
    "temps_partiel": "Temps partiel",
}

CSV_HEADERS = ["Période n°", "Année", "Date de début", "Date de fin", "Nombre de jours", "Position",
               "Quotité (%)", "Grade", "Employeur", "Observation"]


@dataclass
class LigneCarriere:
    periode: int  # 1-based number of the period in dossier.yaml
    annee: int
    debut: dt.date
    fin: dt.date
    position: str
    quotite: Decimal
    grade: str
    employeur: str
    observation: str = ""

    @property
    def jours(self) -> int:
        return (self.fin - self.debut).days + 1


@dataclass
class Carriere:
    date_arret: dt.date  # end given to a period still open
    lignes: list[LigneCarriere] = field(default_factory=list)
    chevauchements: list[str] = field(default_factory=list)
    interruptions: list[str] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)


def position_label(position: str) -> str:
    return POSITIONS.get(position, position.replace("_", " ").capitalize())


def split_by_year(debut: dt.date, fin: dt.date) -> list[tuple[dt.date, dt.date]]:
    """[(debut, fin)] cut at each 31 December."""
    out = []
    start = debut
    while start <= fin:
        end = min(fin, dt.date(start.year, 12, 31))
        out.append((start, end))
        start = end + ONE_DAY
    return out


def end_of_open_periods(d: Dossier) -> tuple[dt.date, str]:
    """A period without end stops the day before the radiation, else at date_etablissement."""
    if d.dates.radiation:
        last = d.dates.radiation - ONE_DAY
        return last, f"période en cours, arrêtée la veille de la radiation ({fmt_date(last)})"
    last = d.dossier.date_etablissement
    return last, f"période en cours, arrêtée à la date d'établissement du dossier ({fmt_date(last)})"


def career(d: Dossier) -> Carriere:
    stop, why = end_of_open_periods(d)
    c = Carriere(date_arret=stop)
    spans: list[tuple[int, PeriodeCarriere, dt.date, dt.date]] = []
    for i, p in enumerate(d.carriere, start=1):
        fin = p.fin if p.fin is not None else stop
        if fin < p.debut:
            c.remarques.append(f"Période n° {i} (début le {fmt_date(p.debut)}) : pas de date de fin et début après le "
                               f"{fmt_date(stop)} ; elle n'est pas découpée.")
            continue
        spans.append((i, p, p.debut, fin))
        for debut, end in split_by_year(p.debut, fin):
            obs = why if p.fin is None and end == fin else ""
            c.lignes.append(LigneCarriere(i, debut.year, debut, end, position_label(p.position), p.quotite,
                                          p.grade or "", p.employeur or "", obs))
    c.lignes.sort(key=lambda line: (line.debut, line.periode))

    ordered = sorted(spans, key=lambda s: (s[2], s[0]))
    for a in range(len(ordered)):
        for b in range(a + 1, len(ordered)):
            ia, _, da, fa = ordered[a]
            ib, _, db, fb = ordered[b]
            if db > fa:
                break  # sorted by start: no later period can overlap this one
            lo, hi = max(da, db), min(fa, fb)
            n = (hi - lo).days + 1
            c.chevauchements.append(f"Les périodes n° {ia} et n° {ib} se chevauchent du {fmt_date(lo)} au "
                                    f"{fmt_date(hi)} ({n} jour{'s' if n > 1 else ''}) : corrigez l'une des deux.")
    reach = None
    for i, _, debut, fin in ordered:
        if reach is not None and debut > reach + ONE_DAY:
            lo, hi = reach + ONE_DAY, debut - ONE_DAY
            n = (hi - lo).days + 1
            c.interruptions.append(f"Interruption du {fmt_date(lo)} au {fmt_date(hi)} ({n} jour{'s' if n > 1 else ''}), "
                                   f"avant la période n° {i} : vérifiez s'il manque une période (disponibilité, "
                                   "service non titulaire, autre employeur).")
        reach = fin if reach is None else max(reach, fin)
    return c


def to_csv(c: Carriere) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(CSV_HEADERS)
    for line in c.lignes:
        w.writerow([line.periode, line.annee, fmt_date(line.debut), fmt_date(line.fin), line.jours,
                    csv_cell(line.position), fmt_plain(line.quotite), csv_cell(line.grade), csv_cell(line.employeur),
                    line.observation])
    return "\ufeff".encode("utf-8") + buf.getvalue().encode("utf-8")
