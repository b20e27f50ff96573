"""dossier.yaml loading: every sample loads; each bad input names its field and line, exit 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import nir
from pipeline.errors import InvalidInput
from pipeline.dossier.load import load_dossier
from pipeline.dossier.pieces import case_from_dossier, required_ids

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(ROOT.glob("samples/0*/dossier.yaml"))
SAMPLE1 = ROOT / "samples/01_non_imputable_toutes_fonctions/dossier.yaml"
PIPELINE = [sys.executable, "-m", "pipeline.cli"]


def run_cli(*args, cwd=None):
    return subprocess.run(PIPELINE + list(args), capture_output=True, text=True, cwd=cwd)


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def variant(tmp_path, replacements, base=SAMPLE1) -> tuple[Path, str]:
    text = base.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    p = tmp_path / "dossier.yaml"
    p.write_text(text, encoding="utf-8")
    return p, text


def problems(path):
    with pytest.raises(InvalidInput) as exc:
        load_dossier(path)
    return exc.value.problems


def test_five_samples_cover_the_cases():
    assert len(SAMPLES) >= 5
    cases = {(d.imputabilite.value, d.inaptitude.value) for d in map(load_dossier, SAMPLES)}
    assert ("non_imputable", "toutes_fonctions") in cases
    assert ("non_imputable", "ses_fonctions") in cases
    assert {c[0] for c in cases} >= {"accident_service", "accident_trajet", "maladie_professionnelle"}


def test_required_pieces_per_sample():
    got = {p.parent.name: set(required_ids(case_from_dossier(load_dossier(p)))) for p in SAMPLES}
    base = {"af3", "expertise_medicale", "af4", "fiche_de_poste"}
    imput = {"certificat_medical_initial", "rapport_hierarchique", "decision_imputabilite"}
    assert got["01_non_imputable_toutes_fonctions"] == base
    assert got["02_non_imputable_ses_fonctions_ppr"] == base | {"attestation_reclassement"}
    assert got["03_accident_service_ati"] == base | imput
    assert got["04_accident_trajet_tiers_pv"] == base | imput | {"plan_trajet", "pv_police"}
    # A member by video who did not sign: attendance certificates become required.
    assert got["05_maladie_professionnelle_tierce_personne"] == base | imput | {
        "rapport_medecin_travail", "questionnaire_tp", "attestations_presence"}


@pytest.mark.parametrize("value,ok", [
    ("2 67 09 50 116 042 37", True),
    ("267095011604237", True),
    ("2 67 09 50 116 042 38", False),
    ("1 79 07 2A 004 012 55", False),  # Corsica: 2A counts as 19
    ("1 79 07 2B 004 012 " + f"{nir.control_key('179072B004012'):02d}", True),
    ("1 79 07 2A 004 012 " + f"{nir.control_key('179072A004012'):02d}", True),
    ("2 67 09 50 116 042", False),
    ("3 67 09 50 116 042 37", False),
])
def test_nir_key(value, ok):
    assert nir.is_valid(value) is ok


def test_corsica_substitution():
    # 2A → 19, 2B → 18 before computing the key.
    assert nir.control_key("179072A004012") == 97 - int("1790719004012") % 97
    assert nir.control_key("179072B004012") == 97 - int("1790718004012") % 97


def test_bad_nir_key_names_field_and_line(tmp_path):
    p, text = variant(tmp_path, [('"2 67 09 50 116 042 37"', '"2 67 09 50 116 042 38"')])
    (pb,) = problems(p)
    assert pb.field == "agent.nir"
    assert pb.line == line_of(text, "nir:")
    assert "clé du NIR est fausse : 38 au lieu de 37" in pb.message


def test_stagiaire_not_eligible_says_what_applies(tmp_path):
    p, text = variant(tmp_path, [("statut: titulaire", "statut: stagiaire")])
    (pb,) = problems(p)
    assert pb.field == "agent.statut" and pb.line == line_of(text, "statut:")
    assert "non éligible" in pb.message and "licenciement pour inaptitude physique" in pb.message


def test_under_28_hours_is_ircantec(tmp_path):
    p, text = variant(tmp_path, [("heures_hebdomadaires: 35", "heures_hebdomadaires: 24.5")])
    (pb,) = problems(p)
    assert pb.field == "agent.heures_hebdomadaires"
    assert "IRCANTEC" in pb.message and "non éligible" in pb.message


def test_medecin_traitant_equal_to_agree(tmp_path):
    # Same doctor written differently: case, accents, title and word order are ignored.
    p, text = variant(tmp_path, [("  nom: Giraud\n  prenom: Hélène", "  civilite: Dr\n  nom: antoine\n  prenom: MOREL")])
    (pb,) = problems(p)
    assert pb.field == "medecin_traitant.nom"
    assert "médecin agréé" in pb.message and "aucun" in pb.message


def test_dates_out_of_order(tmp_path):
    p, text = variant(tmp_path, [("    date: 2026-09-22", "    date: 2026-06-01")])
    pbs = problems(p)
    assert [x.field for x in pbs] == ["conseil_medical.pleniere.date"]
    assert "précède le rapport AF3" in pbs[0].message
    assert pbs[0].line == line_of(text, "date: 2026-06-01")


def test_age_limit_before_recognition(tmp_path):
    p, _ = variant(tmp_path, [("date_naissance: 1967-09-14", "date_naissance: 1959-03-01")])
    (pb,) = problems(p)
    assert "limite d'âge" in pb.message and "01/03/2026" in pb.message


def test_case_needs_its_facts(tmp_path):
    p, text = variant(tmp_path, [("imputabilite: non_imputable", "imputabilite: accident_trajet"),
                                 ("inaptitude: toutes_fonctions", "inaptitude: ses_fonctions")])
    fields = {x.field for x in problems(p)}
    assert fields == {"accident", "imputabilite_reconnue_par", "reclassement"}


def test_commuting_accident_needs_route(tmp_path):
    base = ROOT / "samples/04_accident_trajet_tiers_pv/dossier.yaml"
    text = base.read_text(encoding="utf-8")
    start = text.index("  trajet: >-")
    end = text.index("  tiers_en_cause:")
    p = tmp_path / "d.yaml"
    p.write_text(text[:start] + text[end:], encoding="utf-8")
    (pb,) = problems(p)
    assert pb.field == "accident.trajet" and "trajet" in pb.message


def test_typo_and_missing_field(tmp_path):
    p, text = variant(tmp_path, [("  grade: Adjoint technique principal", "  grades: Adjoint technique principal")])
    by_field = {x.field: x for x in problems(p)}
    assert "champ inconnu" in by_field["agent.grades"].message
    assert by_field["agent.grades"].line == line_of(text, "grades:")
    assert "obligatoire absent" in by_field["agent.grade"].message


def test_yaml_syntax_error_has_line(tmp_path):
    p, text = variant(tmp_path, [("  prenoms: Sophie Marie", "  prenoms: [Sophie")])
    (pb,) = problems(p)
    assert pb.line is not None and pb.line >= line_of(text, "prenoms: [Sophie")
    assert "YAML illisible" in pb.message


def test_postal_code_with_leading_zero_kept(tmp_path):
    p, _ = variant(tmp_path, [('code_postal: "50000"\n    commune: Saint-Lô\n  numero', 'code_postal: 01000\n    commune: Saint-Lô\n  numero')])
    assert load_dossier(p).agent.adresse.code_postal == "01000"


def test_money_is_decimal_exact():
    d = load_dossier(SAMPLES[0])
    from decimal import Decimal
    assert d.pension.tib == Decimal("2200.00") and isinstance(d.pension.tib, Decimal)


def test_cli_validate_exit_codes(tmp_path):
    ok = run_cli("validate", str(SAMPLE1))
    assert ok.returncode == 0 and "description valide" in ok.stdout
    p, text = variant(tmp_path, [('"2 67 09 50 116 042 37"', '"2 67 09 50 116 042 38"')])
    bad = run_cli("validate", str(p))
    assert bad.returncode == 2
    assert f"ligne {line_of(text, 'nir:')}" in bad.stderr and "agent.nir" in bad.stderr
    missing = run_cli("validate", str(tmp_path / "absent.yaml"))
    assert missing.returncode == 2 and "fichier introuvable" in missing.stderr


def test_cli_schema_is_json_schema():
    out = run_cli("schema")
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    assert schema["title"].startswith("dossier.yaml")
    assert {"dossier", "agent", "employeur", "imputabilite", "inaptitude"} <= set(schema["required"])


@pytest.mark.parametrize("case,inaptitude,blocks", [
    ("non_imputable", "toutes_fonctions", set()),
    ("accident_trajet", "ses_fonctions", {"accident", "reclassement"}),
    ("maladie_professionnelle", "toutes_fonctions", {"maladie_professionnelle"}),
])
def test_cli_init_skeleton(tmp_path, case, inaptitude, blocks):
    target = tmp_path / "dossier.yaml"
    out = run_cli("init", str(target), "--case", case, "--inaptitude", inaptitude)
    assert out.returncode == 0, out.stderr
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    text = target.read_text(encoding="utf-8")
    assert f"imputabilite: {case}" in text and "À COMPLÉTER" in text
    for block in {"accident", "reclassement", "maladie_professionnelle"}:
        assert (f"\n{block}:" in text) is (block in blocks)
    # The skeleton is refused until completed, field by field.
    res = run_cli("validate", str(target))
    assert res.returncode == 2 and "agent.nir" in res.stderr
    again = run_cli("init", str(target))
    assert again.returncode == 2 and "existe déjà" in again.stderr


def test_error_samples_each_refused_with_their_field():
    expected = {
        "nir_faux": "agent.nir",
        "agent_stagiaire": "agent.statut",
        "moins_de_28_heures": "agent.heures_hebdomadaires",
        "medecin_traitant_agree": "medecin_traitant.nom",
        "dates_incoherentes": "conseil_medical.pleniere.date",
        "accident_sans_faits": "accident",
    }
    files = sorted((ROOT / "samples/erreurs").glob("*.yaml"))
    assert {f.stem for f in files} == set(expected)
    for f in files:
        pbs = problems(f)
        assert [p.field for p in pbs] == [expected[f.stem]], f.name
        assert pbs[0].line is not None


def test_cli_usage_errors_in_french():
    res = run_cli("build", "x.yaml", "--bogus")
    assert res.returncode == 2
    assert "option inconnue : --bogus" in res.stderr and "pipeline build --help" in res.stderr
    res = run_cli("estimate")
    assert res.returncode == 2 and "argument obligatoire absent" in res.stderr
    res = run_cli("build")  # a dossier.yaml or --batch: said in French too
    assert res.returncode == 2 and "indiquez un fichier dossier.yaml" in res.stderr
