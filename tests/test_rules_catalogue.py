"""The rule catalogue comes from the code (registry) and covers every id of rules.md."""
from __future__ import annotations

import json

import pytest

from pipeline.cli.main import main
from pipeline.validators.registry import all_rules

RULES_MD = [
    "PIECE-MANQUANTE", "PIECE-INUTILE", "DOCUMENT-INCONNU", "FICHIER-ILLISIBLE", "FORMULAIRE-OBSOLETE",
    "AF3-MEDECIN-TRAITANT-VIDE", "AF3-MEDECIN-TRAITANT-AGREE", "AF3-SIGNATURE-EMPLOYEUR",
    "AF3-PARTIE-MEDECIN-VIDE", "AF4-QUORUM", "AF4-SECONDE-CONVOCATION", "AF4-VISIO-SANS-ATTESTATION",
    "AGENT-NON-ELIGIBLE", "IDENTITE-DISCORDANTE", "NIR-INVALIDE", "DATES-INCOHERENTES",
    "RAPPORT-HIERARCHIQUE-INCOMPLET", "ATI-NON-SIGNALEE", "PAGE-FORMAT", "PAGE-BLANCHE",
]
SEVERITIES = {
    "PIECE-INUTILE": "info", "DOCUMENT-INCONNU": "avertissement", "AF4-SECONDE-CONVOCATION": "avertissement",
    "RAPPORT-HIERARCHIQUE-INCOMPLET": "avertissement", "ATI-NON-SIGNALEE": "avertissement",
    "PAGE-FORMAT": "avertissement", "PAGE-BLANCHE": "avertissement",
}


def test_every_rule_of_rules_md_is_registered_with_its_severity():
    rules = {r.id: r for r in all_rules()}
    assert set(RULES_MD) <= set(rules)
    for rid in RULES_MD:
        assert rules[rid].severity == SEVERITIES.get(rid, "bloquant"), rid
        assert rules[rid].checks and rules[rid].source


def test_pipeline_rules_prints_the_catalogue(capsys):
    with pytest.raises(SystemExit) as e:
        main(["rules", "--json"])
    assert e.value.code == 0
    cat = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in cat][: len(RULES_MD)] == [r.id for r in all_rules()][: len(RULES_MD)]
    assert {r["id"] for r in cat} >= set(RULES_MD)
    with pytest.raises(SystemExit):
        main(["rules"])
    out = capsys.readouterr().out
    assert "AF4-QUORUM" in out and "Décret" in out


def test_rule_units_run_on_read_facts():
    """Rules are small units over what was read: here dates and quorum, without any PDF."""
    import datetime as dt
    from pathlib import Path

    from pipeline.check.run import Context
    from pipeline.read.identify import Identified
    from pipeline.validators.registry import REGISTRY

    af3 = Identified(Path("af3.pdf"), piece="af3", birth_date=dt.date(1955, 3, 1))
    af3.fields = {"date_medecin": dt.date(2026, 6, 18)}
    members = [{"role": r, "nom": n, "presence": "present", "signe": True} for r, n in
               [("president", "A"), ("medecin", "B"), ("medecin", "C"), ("representant_personnel", "D")]]
    af4 = Identified(Path("af4.pdf"), piece="af4")
    af4.fields = {"date_seance": dt.date(2026, 6, 1), "membres": members}
    ctx = Context("x", [af3, af4])
    dates = list(REGISTRY["DATES-INCOHERENTES"].run(ctx))
    # Séance before the AF3, and after the age limit (born 1955, 67 years: 2022).
    assert len(dates) == 2 and all(f.severity == "bloquant" for f in dates)
    assert list(REGISTRY["AF4-QUORUM"].run(ctx)) == []
    members[0]["presence"] = "absent"
    assert [f.rule for f in REGISTRY["AF4-QUORUM"].run(ctx)] == ["AF4-QUORUM"]
    af4.fields["seconde_convocation"] = True
    assert list(REGISTRY["AF4-QUORUM"].run(ctx)) == []
    assert [f.rule for f in REGISTRY["AF4-SECONDE-CONVOCATION"].run(ctx)] == ["AF4-SECONDE-CONVOCATION"]
