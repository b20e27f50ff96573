"""Career periods split by calendar year (CNRACL individual account), overlaps, gaps, CSV for Excel."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import estimate as cli_estimate
from pipeline.compute.career import career, split_by_year, to_csv
from pipeline.dossier.load import load_dossier
from pipeline.dossier.model import PeriodeCarriere

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(ROOT.glob("samples/0*/dossier.yaml"))
SAMPLE1 = ROOT / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"
D = dt.date


@pytest.fixture(scope="module")
def base():
    return load_dossier(SAMPLE1)


def with_periods(d, *periods):
    return d.model_copy(update={"carriere": [PeriodeCarriere(**p) for p in periods]}, deep=True)


def test_issue_example_becomes_four_lines():
    assert split_by_year(D(2019, 9, 1), D(2022, 3, 31)) == [
        (D(2019, 9, 1), D(2019, 12, 31)), (D(2020, 1, 1), D(2020, 12, 31)),
        (D(2021, 1, 1), D(2021, 12, 31)), (D(2022, 1, 1), D(2022, 3, 31))]
    assert split_by_year(D(2020, 12, 31), D(2021, 1, 1)) == [(D(2020, 12, 31), D(2020, 12, 31)),
                                                          (D(2021, 1, 1), D(2021, 1, 1))]


def test_lines_keep_the_period_details(base):
    d = with_periods(base, {"debut": D(2019, 9, 1), "fin": D(2022, 3, 31), "grade": "Rédacteur",
                            "employeur": "Commune de Saint-Lô", "quotite": Decimal(80)})
    c = career(d)
    assert [(x.annee, x.jours) for x in c.lignes] == [(2019, 122), (2020, 366), (2021, 365), (2022, 90)]
    assert all(x.grade == "Rédacteur" and x.quotite == 80 and x.position == "Activité" for x in c.lignes)
    assert c.chevauchements == [] and c.interruptions == []


def test_open_period_stops_at_date_etablissement_or_before_radiation(base):
    c = career(base)  # second period has no end; dossier drawn up on 05/10/2026
    last = c.lignes[-1]
    assert (last.debut, last.fin) == (D(2026, 1, 1), D(2026, 10, 5))
    assert "05/10/2026" in last.observation
    d = base.model_copy(update={"dates": base.dates.model_copy(update={"radiation": D(2027, 5, 12)})}, deep=True)
    assert career(d).lignes[-1].fin == D(2027, 5, 11)


def test_overlaps_and_gaps_are_reported(base):
    d = with_periods(base,
                     {"debut": D(2010, 1, 1), "fin": D(2012, 6, 30)},
                     {"debut": D(2012, 6, 1), "fin": D(2014, 12, 31)},
                     {"debut": D(2015, 3, 1), "fin": D(2016, 12, 31)})
    c = career(d)
    assert c.chevauchements == ["Les périodes n° 1 et n° 2 se chevauchent du 01/06/2012 au 30/06/2012 "
                                "(30 jours) : corrigez l'une des deux."]
    assert len(c.interruptions) == 1
    assert c.interruptions[0].startswith("Interruption du 01/01/2015 au 28/02/2015 (59 jours), avant la période n° 3")


def test_period_inside_another_is_an_overlap_not_a_gap(base):
    d = with_periods(base,
                     {"debut": D(2010, 1, 1), "fin": D(2015, 12, 31)},
                     {"debut": D(2011, 1, 1), "fin": D(2011, 3, 31)},
                     {"debut": D(2016, 1, 1), "fin": D(2016, 12, 31)})
    c = career(d)
    assert len(c.chevauchements) == 1 and c.interruptions == []


def test_csv_for_excel(base):
    data = to_csv(career(base))
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:5] == ["Période n°", "Année", "Date de début", "Date de fin", "Nombre de jours"]
    assert rows[1][:6] == ["1", "1995", "01/09/1995", "31/12/1995", "122", "Activité"]
    assert rows[1][8] == "Commune de Saint-Lô"
    assert len(rows) == 1 + len(career(base).lignes)


def test_csv_neutralises_formulas(base):
    d = with_periods(base, {"debut": D(2020, 1, 1), "fin": D(2020, 12, 31), "employeur": "=HYPERLINK(\"x\")"})
    rows = list(csv.reader(io.StringIO(to_csv(career(d)).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][8].startswith("'=")


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.parent.name)
def test_career_command_on_every_sample(sample, tmp_path):
    app = typer.Typer()
    cli_estimate.register(app)
    out = tmp_path / "carriere.csv"
    res = CliRunner().invoke(app, ["career", str(sample), "--csv", str(out)])
    assert res.exit_code == 0, res.output
    assert "ligne(s) à comparer avec le compte individuel retraite" in res.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbfP\xc3\xa9riode")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
