"""Estimation indicative: the worked examples of computations.md to the cent / hundredth of a point."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli import estimate as cli_estimate
from pipeline.dossier import params
from pipeline.compute.estimate import as_rows, estimate, taux_minimum_garanti
from pipeline.compute.invalidite import addition, balthazard, taux_global
from pipeline.dossier.load import load_dossier
from pipeline.dossier.model import Infirmite, Pension
from pipeline.money import fmt_eur, fmt_pct

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(ROOT.glob("samples/0*/dossier.yaml"))
SAMPLE1 = ROOT / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"


@pytest.fixture(scope="module")
def base():
    return load_dossier(SAMPLE1)


def infs(*specs):
    """(taux, groupe, imputable) → Infirmite list; labels are placeholders."""
    return [Infirmite(libelle=f"infirmité {i}", taux=D(t), groupe=g, imputable=imp)
            for i, (t, g, imp) in enumerate(specs, 1)]


def with_(d, **update):
    return d.model_copy(update=update, deep=True)


def seed_example(d):
    # Seed 004: TIB 2 200 €, 80 trimestres liquidables, 172 requis, TGI ≥ 60 %.
    return with_(d, pension=Pension(tib=D("2200.00"), trimestres_liquidables=D(80), trimestres_requis=172),
                 infirmites=infs((25, None, False), (15, None, False), (20, None, False)))


def rows_dict(d):
    return dict(as_rows(d))


# --- Taux global d'invalidité ------------------------------------------------

def test_balthazard_and_addition_examples():
    assert balthazard([D(25), D(15), D(20)]) == D(49)
    assert addition([D(25), D(15), D(20)]) == D(60)
    assert balthazard([D(40), D(20), D(10)]) == D("56.8")


def test_preexisting_invalidity_counts_on_remaining_validity():
    assert taux_global([(1, D(30), None)], preexisting=D(40)).taux == D("18.00")


def test_dossier_groups_choose_the_method(base):
    linked = with_(base, infirmites=infs((25, "a", False), (15, "a", False), (20, "a", False)))
    independent = with_(base, infirmites=infs((25, None, False), (15, None, False), (20, None, False)))
    assert estimate(linked).tgi.taux == D("49.00")
    assert estimate(independent).tgi.taux == D("60.00")
    three = with_(base, infirmites=infs((40, "x", False), (20, "x", False), (10, "x", False)))
    assert rows_dict(three)["Taux global d'invalidité"].startswith("56,80 %")
    # Mixed: Balthazard inside each group, then the groups are added: (25 ⊕ 15 = 36,25) + 20.
    mixed = with_(base, infirmites=infs((25, "a", False), (15, "a", False), (20, "b", False)))
    assert estimate(mixed).tgi.taux == D("56.25")
    pre = with_(base, infirmites=infs((30, None, False)), invalidite_preexistante=D(40))
    assert rows_dict(pre)["Taux global d'invalidité"].startswith("18,00 %")


def test_already_compensated_infirmity_is_not_counted(base):
    d = with_(base, infirmites=infs((25, None, False), (40, None, False)))
    d.infirmites[1].deja_indemnisee = True
    e = estimate(d)
    assert e.tgi.taux == D("25.00") and e.tgi.exclues == [2]


def test_addition_is_capped_at_100(base):
    d = with_(base, infirmites=infs((70, None, False), (50, None, False)))
    assert estimate(d).tgi.taux == D("100.00")


# --- Pension --------------------------------------------------------------------

def test_seed_worked_example_to_the_cent(base):
    e = estimate(seed_example(base))
    assert e.pension_base == D("767.44")
    assert e.minimum_garanti == D("947.91")
    assert e.plancher == D("1100.00") and e.plancher_applicable is True
    assert e.montant_retenu == D("1100.00")
    assert "plancher" in e.regle_retenue
    rows = rows_dict(seed_example(base))
    assert rows["Pension de base"].startswith("767,44 €") and "34,88 % du TIB" in rows["Pension de base"]
    assert rows["Minimum garanti"].startswith("947,91 € = 70,00 % de 1 354,16 €")
    assert rows["Pension retenue (mensuelle brute)"].startswith("1 100,00 €")


def test_first_row_is_the_caveat(base):
    label, value = as_rows(base)[0]
    assert label == "Estimation indicative" and "CNRACL" in value


def test_floor_does_not_apply_below_60(base):
    d = with_(seed_example(base), infirmites=infs((25, "a", False), (15, "a", False), (20, "a", False)))  # 49 %
    e = estimate(d)
    assert e.plancher_applicable is False
    assert e.montant_retenu == D("947.91") and e.regle_retenue == "minimum garanti"


def test_trimestres_requis_from_birth_date_and_override(base):
    def requis(born, override=None):
        agent = base.agent.model_copy(update={"date_naissance": born})
        d = with_(base, agent=agent, pension=Pension(tib=D(2000), trimestres_liquidables=D(100),
                                                      trimestres_requis=override))
        return estimate(d).trimestres_requis

    assert requis(dt.date(1960, 5, 1)) == 167
    assert requis(dt.date(1961, 8, 31)) == 168
    assert requis(dt.date(1961, 9, 1)) == 169
    assert requis(dt.date(1962, 3, 1)) == 169
    assert requis(dt.date(1963, 3, 1)) == 170
    assert requis(dt.date(1964, 3, 1)) == 171
    assert requis(dt.date(1970, 3, 1)) == 172
    assert requis(dt.date(1970, 3, 1), override=160) == 160


def test_ratio_is_capped_at_one(base):
    d = with_(base, pension=Pension(tib=D(2000), trimestres_liquidables=D(190), trimestres_requis=172))
    assert estimate(d).pension_base == D("1500.00")


@pytest.mark.parametrize("quarters,points", [(80, "70"), (60, "57.5"), (30, "28.75"), (120, "95"), (140, "97.5"),
                                             (160, "100"), (200, "100"), (81, "70.625")])
def test_minimum_garanti_scale(quarters, points):
    bareme = params.get("minimum_garanti_bareme", dt.date(2026, 1, 1)).valeur
    assert taux_minimum_garanti(D(quarters) / 4, bareme) == D(points)


def test_rente_uses_imputable_infirmities_only(base):
    d = with_(base, pension=Pension(tib=D("2318.75"), trimestres_liquidables=D(99)),
              infirmites=infs((30, "acc", True), (10, "acc", True), (10, None, False)))
    e = estimate(d)
    assert e.taux_imputable.taux == D("37.00")  # 30 ⊕ 10 by Balthazard
    assert e.tgi.taux == D("47.00")
    assert e.rente == D("857.94")
    assert any("art. 36-37" in n for n in e.notes)


def test_majoration_tierce_personne_since_april_2025(base):
    d = with_(base, tierce_personne=True)
    assert rows_dict(d)["Majoration pour tierce personne"] == "1 365,08 € par mois (16 380,95 € par an)"
    before = with_(d, dossier=base.dossier.model_copy(update={"date_etablissement": dt.date(2025, 3, 31)}))
    assert estimate(before).mtp_mensuelle == D("1342.26")  # the amount of 1 April 2024
    unsourced = with_(d, dossier=base.dossier.model_copy(update={"date_etablissement": dt.date(2024, 3, 31)}))
    assert estimate(unsourced).mtp_mensuelle is None
    assert not estimate(unsourced).complete


def test_missing_tib_names_the_field_instead_of_a_number(base):
    d = with_(base, pension=Pension(trimestres_liquidables=D(80)))
    e = estimate(d)
    assert "pension.tib" in e.manquants and e.montant_retenu is None
    rows = rows_dict(d)
    assert rows["Pension de base"] == "non calculable : champ pension.tib manquant"
    assert rows["Pension retenue (mensuelle brute)"] == "non calculable : champ pension.tib manquant"


def test_unknown_rate_gives_no_amount_when_the_floor_could_win(base):
    d = with_(seed_example(base), infirmites=[])
    e = estimate(d)
    assert e.montant_retenu is None and "infirmites" in e.manquants
    # …but when base or MG already beat 50 % of the TIB, the rate does not matter.
    rich = with_(d, pension=Pension(tib=D(2000), trimestres_liquidables=D(172), trimestres_requis=172))
    assert estimate(rich).montant_retenu == D("1500.00")


def test_french_formatting():
    assert fmt_eur(D("1100")) == "1 100,00 €"
    assert fmt_eur(D("1234567.005")) == "1 234 567,01 €"  # half-up
    assert fmt_eur(D("0.125")) == "0,13 €"
    assert fmt_pct(D("56.8")) == "56,80 %"


def test_no_medical_label_in_rows(base):
    text = json.dumps(as_rows(base), ensure_ascii=False)
    for inf in base.infirmites:
        assert inf.libelle not in text


# --- Command line ---------------------------------------------------------------

@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()
    cli_estimate.register(app)
    return app, CliRunner()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.parent.name)
def test_estimate_command_on_every_sample(cli, sample):
    app, runner = cli
    res = runner.invoke(app, ["estimate", str(sample), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert D(data["montant_retenu"]) >= D(data["minimum_garanti"])
    assert data["manquants"] == []


def test_estimate_command_missing_tib_exits_2(cli, tmp_path):
    app, runner = cli
    text = SAMPLE1.read_text(encoding="utf-8").replace("  tib: 2200.00\n", "")
    path = tmp_path / "dossier.yaml"
    path.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["estimate", str(path)])
    assert res.exit_code == 2
    assert "pension.tib" in res.stderr and "manquant" in res.stderr
