"""The CDG's batch: identity of each dossier, one report per collectivité (PDF, HTML, JSON).

The batch is made of the sample dossiers (samples/make_check_samples.py, the "autre" layout
drawn by reportlab: no LibreOffice needed), each with its dossier.yaml whose employer was
changed so that three collectivités share the batch.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.check.cdg import load_cdg
from pipeline.errors import InvalidInput
from tests.fixtures_samples import SAMPLES, load_generator

COLLECTIVITES = {
    "valognes": ("Commune de Valognes", "Valognes", "21500615700015"),
    "carentan": ("Commune de Carentan", "Carentan", "21500099100017"),
    "hague": ("Communauté de communes de la Hague", "La Hague", "20000000000011"),
}


def _put_yaml(folder: Path, case: str, coll: str, new_id: str | None = None) -> dict:
    data = yaml.safe_load((SAMPLES / case / "dossier.yaml").read_text(encoding="utf-8"))
    nom, commune, siret = COLLECTIVITES[coll]
    data["employeur"].update(collectivite=nom, siret=siret)
    data["employeur"]["adresse"]["commune"] = commune
    if new_id:
        data["dossier"]["id"] = new_id
    (folder / "dossier.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def cdg_batch(tmp_path_factory) -> dict:
    """ROOT with 4 dossiers of 3 collectivités; returns root and, per dossier, coll and agent."""
    g = load_generator()
    root = tmp_path_factory.mktemp("cdg") / "lot"
    cases = {c.name: g.complete_spec(c) for c in g.case_dirs(None)}
    names = list(cases)[:3]
    defects = {s.name: s for s in g.defect_specs(cases)}
    plan = [  # folder, spec, case of the yaml, collectivité, new id
        ("valognes_1", cases[names[0]], names[0], "valognes", None),
        ("valognes_2", defects["AF4-QUORUM"], names[0], "valognes", "INV-2026-0011"),
        ("carentan_1", cases[names[1]], names[1], "carentan", None),
        ("hague_1", cases[names[2]], names[2], "hague", None),
    ]
    info = {}
    for folder, spec, case, coll, new_id in plan:
        files = g.resolve(g.dossier_files(spec, "autre", None), None)
        g.write_dossier(root / folder, files, spec)
        data = _put_yaml(root / folder, case, coll, new_id)
        info[folder] = {"coll": coll, "id": data["dossier"]["id"], "nom": data["agent"].get("nom_usage") or data["agent"]["nom_naissance"],
                        "nom_naissance": data["agent"]["nom_naissance"], "prenoms": data["agent"]["prenoms"]}
    # La Hague's dossier lacks its AF4: a missing pièce to report.
    att = json.loads((root / "hague_1" / "attendu.json").read_text(encoding="utf-8"))
    (root / "hague_1" / next(f for f, p in att["pieces"].items() if p == "af4")).unlink()
    return {"root": root, "info": info}


@pytest.fixture(scope="module")
def batch_reports(cdg_batch):
    from pipeline.check.run import check_batch

    return list(check_batch(cdg_batch["root"], jobs=2))


# ---------------------------------------------------------------- part 1: identity
def test_reports_carry_collectivite_agent_and_id(cdg_batch, batch_reports):
    info = cdg_batch["info"]
    by_folder = {Path(r.path).name: r for r in batch_reports}
    assert set(by_folder) == set(info)
    for folder, r in by_folder.items():
        want = info[folder]
        assert r.dossier_id == want["id"]
        assert r.collectivite["nom"] == COLLECTIVITES[want["coll"]][0]
        assert r.collectivite["siret"] == COLLECTIVITES[want["coll"]][2]
        assert r.agent["nom"] == want["nom"] and r.agent["prenoms"] == want["prenoms"]
        d = r.as_dict()
        assert d["collectivite"]["nom"] == COLLECTIVITES[want["coll"]][0] and d["dossier_id"] == want["id"]
        assert "nir" not in json.dumps(d["agent"])
    assert [f.rule for f in by_folder["valognes_2"].findings] == ["AF4-QUORUM"]
    assert [f.rule for f in by_folder["hague_1"].findings] == ["PIECE-MANQUANTE"]
    assert by_folder["valognes_1"].findings == [] and by_folder["carentan_1"].findings == []


def test_cdg_identity_installed_and_overridable(tmp_path):
    cdg = load_cdg()
    assert cdg.nom and cdg.signataire.nom and cdg.ville
    assert cdg.logo_path().is_file()  # installed beside cdg.yaml
    own = tmp_path / "mon_cdg.yaml"
    own.write_text("nom: Centre de gestion de la Manche\nadresse: [2 rue Maréchal Leclerc, 50000 Saint-Lô]\n"
                   "logo:\nsignataire: {nom: Paul Martin, qualite: Directeur}\nville: Saint-Lô\n", encoding="utf-8")
    cdg = load_cdg(own)
    assert cdg.nom == "Centre de gestion de la Manche" and cdg.logo_path() is None
    assert cdg.signataire.qualite == "Directeur"


def test_cdg_identity_errors_name_file_field_line(tmp_path):
    bad = tmp_path / "cdg.yaml"
    bad.write_text("nom: CDG\nadresse: [x]\nville: Caen\nsignataire: {nom: A}\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as e:
        load_cdg(bad)
    text = str(e.value.problems[0])
    assert "cdg.yaml" in text and "signataire.qualite" in text and "ligne 4" in text
    bad.write_text("nom: CDG\nadresse: [x]\nville: Caen\nsignataire: {nom: A, qualite: B}\nlogo: absent.png\n",
                   encoding="utf-8")
    with pytest.raises(InvalidInput) as e:
        load_cdg(bad)
    assert "logo" in str(e.value.problems[0]) and "ligne 5" in str(e.value.problems[0])
