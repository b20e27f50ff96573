"""Dated parameters: the value in force at a date, with its history and its public source."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from pipeline.compute.estimate import as_rows, estimate
from pipeline.dossier import params
from pipeline.dossier.load import load_dossier
from pipeline.resources import load_yaml_shared
from tests.paths import REPO

MTP = "majoration_tierce_personne_mensuelle"
MG = "minimum_garanti_reference"


def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


@pytest.mark.parametrize("name, at, value", [
    (MTP, "2004-01-01", "997.96"),
    (MTP, "2024-04-01", "1342.26"),
    (MTP, "2025-03-31", "1342.26"),
    (MTP, "2025-04-01", "1365.08"),
    ("majoration_tierce_personne_annuelle", "2024-04-01", "16107.12"),
    (MG, "2004-12-31", "997.96"),
    (MG, "2023-01-01", "1248.33"),
    (MG, "2024-05-31", "1248.33"),
    (MG, "2024-06-01", "1354.16"),
])
def test_value_in_force_on_boundary_dates(name, at, value):
    assert params.get(name, day(at)).valeur == D(value)


@pytest.mark.parametrize("name, at", [(MTP, "2005-01-01"), (MTP, "2024-03-31"), (MG, "2022-12-31"),
                                      (MTP, "2003-12-31")])
def test_a_period_without_a_sourced_value_is_missing_not_guessed(name, at):
    with pytest.raises(KeyError, match="non sourcée|aucune valeur"):
        params.get(name, day(at))


def test_history_rows_say_what_is_sourced():
    assert not params.get(MTP, day("2024-06-01")).non_source  # the CNRACL page
    assert params.get(MTP, day("2025-06-01")).derive  # 1.7 % applied by us
    assert params.get(MG, day("2023-06-01")).non_source
    assert params.get(MG, day("2026-01-01")).derive


def test_every_source_is_public_text_never_an_internal_file():
    data = load_yaml_shared("config", "parametres.yaml")
    for name, rows in data.items():
        for row in rows:
            assert row["source"].strip(), name
            assert not re.search(r"computations|seed\s*\d|\.md\b|README", row["source"]), (name, row["source"])


@pytest.fixture(scope="module")
def early_2024():
    """Sample 1 established on 15/01/2024: no sourced MTP value yet at that date."""
    d = load_dossier(REPO / "samples/01_non_imputable_toutes_fonctions/dossier.yaml")
    return d.model_copy(update={"dossier": d.dossier.model_copy(update={"date_etablissement": day("2024-01-15")})},
                        deep=True)


def test_an_estimate_without_tierce_personne_never_needs_the_mtp(early_2024):
    assert not early_2024.tierce_personne
    e = estimate(early_2024)
    assert e.complete and e.montant_retenu is not None
    assert not any("tierce" in m for m in e.manquants)
    assert MTP not in {p.name for p in e.parametres}
    assert dict(as_rows(early_2024))["Majoration pour tierce personne"] == "non demandée"


def test_an_estimate_asking_for_the_mtp_says_it_is_missing(early_2024):
    d = early_2024.model_copy(update={"tierce_personne": True})
    e = estimate(d)
    assert e.mtp_mensuelle is None and not e.complete
    assert any(MTP in m for m in e.manquants)
    assert e.montant_retenu is not None  # the pension itself is still computed


def test_age_limit_and_affiliation_threshold_come_from_the_dated_parameters():
    from pipeline.dossier.coherence import age_limit, min_weekly_hours

    assert min_weekly_hours(day("2026-01-01")) == 28
    assert min_weekly_hours(day("2002-01-01")) == 28
    with pytest.raises(KeyError):
        min_weekly_hours(day("2001-12-31"))
    assert age_limit(day("1960-02-29"), day("2026-01-01")) == day("2027-02-28")
    assert age_limit(day("1967-09-14"), day("2026-01-01"), active=True) == day("2029-09-14")
