"""The CDG's batch: identity of each dossier, one report per collectivité (PDF, HTML, JSON).

The batch is made of the sample dossiers (samples/make_check_samples.py, the "autre" layout
drawn by reportlab: no LibreOffice needed), each with its dossier.yaml whose employer was
changed so that three collectivités share the batch.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.check.cdg import load_cdg
from pipeline.errors import InvalidInput
from pipeline.text import fold
from tests.paths import REPO
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


# ---------------------------------------------------------------- parts 2 and 3: one report per collectivité
def _run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def _pdf_text(path: Path) -> tuple[str, int]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages), sum(len(p.images) for p in pdf.pages)


def _has(word: str, flat: str) -> bool:
    """A whole word (the maire « Lemarchand » does not name the agent « Marchand »)."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", flat) is not None


def _words(info: dict) -> list[str]:
    """What identifies one dossier: names and id (folded, to compare with any case)."""
    return [fold(info["nom"]), fold(info["nom_naissance"]), fold(info["prenoms"]), fold(info["id"])]


@pytest.fixture(scope="module")
def cli_out(cdg_batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("rapports") / "par_collectivite"
    run = _run_cli("check", "--batch", cdg_batch["root"], "--par-collectivite", "-o", out, "--jobs", "2")
    return {"out": out, "run": run}


@pytest.mark.slow  # one batch check through the command line (~6 s)
def test_cli_writes_one_report_per_collectivite(cli_out):
    run, out = cli_out["run"], cli_out["out"]
    assert run.returncode == 1, run.stderr  # two dossiers are incomplete
    assert "Traceback" not in run.stderr
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    slugs = {e["collectivite"]: e["slug"] for e in index["collectivites"]}
    assert slugs == {"Commune de Valognes": "commune-de-valognes", "Commune de Carentan": "commune-de-carentan",
                     "Communauté de communes de la Hague": "communaute-de-communes-de-la-hague"}
    counts = {e["slug"]: (e["dossiers"], e["incomplets"]) for e in index["collectivites"]}
    assert counts == {"commune-de-valognes": (2, 1), "commune-de-carentan": (1, 0),
                      "communaute-de-communes-de-la-hague": (1, 1)}
    for slug in slugs.values():
        for ext in ("pdf", "html", "json"):
            f = out / slug / f"rapport.{ext}"
            assert f.is_file() and f.stat().st_mode & 0o077 == 0, f
        assert (out / slug).stat().st_mode & 0o077 == 0
    assert "Commune de Carentan" in run.stdout and "rapport.pdf" in run.stdout


@pytest.mark.slow  # one batch check through the command line (~6 s)
def test_pdf_letter_letterhead_agents_findings(cdg_batch, cli_out):
    out, info = cli_out["out"], cdg_batch["info"]
    cdg = load_cdg()
    slug_of = {"valognes": "commune-de-valognes", "carentan": "commune-de-carentan",
               "hague": "communaute-de-communes-de-la-hague"}
    for coll, slug in slug_of.items():
        text, images = _pdf_text(out / slug / "rapport.pdf")
        flat = fold(text)
        assert images >= 1  # the logo
        for piece in (cdg.nom.split("(")[0], cdg.signataire.nom, cdg.signataire.qualite, f"Fait à {cdg.ville}",
                      COLLECTIVITES[coll][0]):
            assert fold(piece) in flat, (slug, piece)
        for folder, d in info.items():
            mine = d["coll"] == coll
            for w in _words(d):
                assert (w in flat) == mine, (slug, folder, w)
    valognes, _ = _pdf_text(out / "commune-de-valognes" / "rapport.pdf")
    v = fold(valognes)
    assert "bloquant — le quorum du conseil medical" in v and "af4-quorum" in v
    assert "faites reconvoquer le conseil medical" in v  # what to do
    # The page evidence, in the finding's own row.
    import pdfplumber

    with pdfplumber.open(out / "commune-de-valognes" / "rapport.pdf") as pdf:
        rows = [row for p in pdf.pages for t in p.extract_tables() for row in t]
    quorum = [row for row in rows if row[0] and "quorum" in row[0]]
    assert len(quorum) == 1 and re.fullmatch(r"document_\d\d\.pdf,\s*page 1", quorum[0][-1]), rows
    hague, _ = _pdf_text(out / "communaute-de-communes-de-la-hague" / "rapport.pdf")
    assert "piece-manquante" in fold(hague) and "pièces manquantes" in hague.lower()
    carentan, _ = _pdf_text(out / "commune-de-carentan" / "rapport.pdf")
    # Nothing found: the letter says so, and claims nothing more.
    assert "aucun point bloquant" in fold(carentan) and "bloquant —" not in fold(carentan)


@pytest.mark.slow  # one batch check through the command line (~6 s)
def test_personal_data_only_in_own_report(cdg_batch, cli_out):
    out, info = cli_out["out"], cdg_batch["info"]
    slug_of = {"valognes": "commune-de-valognes", "carentan": "commune-de-carentan",
               "hague": "communaute-de-communes-de-la-hague"}
    for coll, slug in slug_of.items():
        for ext in ("html", "json"):
            flat = fold((out / slug / f"rapport.{ext}").read_text(encoding="utf-8"))
            for d in info.values():
                if d["coll"] != coll:
                    for w in (fold(d["nom"]), fold(d["nom_naissance"]), fold(d["id"])):
                        assert not _has(w, flat), (slug, ext, w)
                    assert fold(COLLECTIVITES[d["coll"]][0]) not in flat
    index = fold((out / "index.json").read_text(encoding="utf-8") + (out / "index.html").read_text(encoding="utf-8"))
    for d in info.values():
        assert not _has(fold(d["nom"]), index) and not _has(fold(d["id"]), index)


@pytest.mark.slow  # one batch check through the command line (~6 s)
def test_json_report_is_exactly_the_findings(batch_reports, cli_out):
    out = cli_out["out"]
    by_id = {r.dossier_id: r for r in batch_reports}
    seen = set()
    for slug in ("commune-de-valognes", "commune-de-carentan", "communaute-de-communes-de-la-hague"):
        data = json.loads((out / slug / "rapport.json").read_text(encoding="utf-8"))
        assert data["schema"] == "pipeline-cdg-rapport/1"
        for d in data["dossiers"]:
            r = by_id[d["dossier_id"]]
            seen.add(d["dossier_id"])
            assert sorted((c["rule"], c["severity"], c["message"]) for c in d["constats"]) == \
                sorted((f.rule, f.severity, f.message) for f in r.findings)
            assert d["status"] == r.status and d["bloquants"] == r.count("bloquant")
            assert all(c["que_faire"] for c in d["constats"])
            assert not any("`" in c["que_faire"] or "pipeline " in c["que_faire"] for c in d["constats"])
        assert data["summary"]["dossiers"] == len(data["dossiers"])
    assert seen == set(by_id)


def test_html_escapes_and_cdg_override(batch_reports, tmp_path):
    import copy
    import datetime as dt

    from pipeline.check import letters

    r = copy.deepcopy(batch_reports[0])
    r.collectivite = dict(r.collectivite, nom="Commune <script>alert(1)</script> & Cie")
    r.agent = dict(r.agent, nom="O'Brien <b>")
    own = tmp_path / "cdg.yaml"
    own.write_text("nom: Centre de gestion de la Manche\nadresse: [2 rue Maréchal Leclerc]\n"
                   "signataire: {nom: Paul Martin, qualite: Directeur général}\nville: Saint-Lô\n", encoding="utf-8")
    cdg = load_cdg(own)
    g = letters.group_by_collectivite([r])[0]
    assert g.slug == "commune-script-alert-1-script-cie"
    data = letters.letter(g, cdg, dt.date(2026, 3, 1))
    html = letters.to_html(data, cdg)
    assert "<script>" not in html and "&lt;script&gt;" in html and "O&#39;BRIEN &lt;B&gt;" in html
    assert "le 1er mars 2026" in html and "Centre de gestion de la Manche" in html
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(letters.to_pdf(data, cdg))
    text, images = _pdf_text(pdf)
    assert images == 0 and "Paul Martin" in text and "Commune <script>alert(1)</script> & Cie" in text


def test_cli_usage_errors(cdg_batch, tmp_path):
    run = _run_cli("check", "--batch", cdg_batch["root"], "--par-collectivite")
    assert run.returncode == 2 and "-o" in run.stderr and "Traceback" not in run.stderr
    bad = tmp_path / "cdg.yaml"
    bad.write_text("nom: X\n", encoding="utf-8")
    run = _run_cli("check", "--batch", cdg_batch["root"], "--par-collectivite", "-o", tmp_path / "o", "--cdg", bad)
    assert run.returncode == 2 and "cdg.yaml" in run.stderr and "signataire" in run.stderr
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- part 4: the CDG's overview
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def overview_root(cdg_batch, tmp_path_factory) -> Path:
    """The batch with two urgent dossiers, a formula in a name and a dossier without description."""
    root = tmp_path_factory.mktemp("overview") / "lot"
    shutil.copytree(cdg_batch["root"], root)

    def edit(folder, change):
        y = root / folder / "dossier.yaml"
        data = yaml.safe_load(y.read_text(encoding="utf-8"))
        change(data)
        y.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    # La Hague: the agent is 66 years and 10 months old: the age limit (67) comes in 2 months.
    edit("hague_1", lambda d: d["agent"].update(date_naissance=dt.date(1960, 1, 25)))
    # Carentan: a CMO since 1 March 2026 (12 months of rights) runs out in February 2027.
    edit("carentan_1", lambda d: d.update(conges=[{"type": "CMO", "debut": dt.date(2026, 3, 1)}]))
    edit("valognes_1", lambda d: d["employeur"].update(collectivite="=1+2"))
    (root / "valognes_2").rename(root / "@valognes_2")
    shutil.copytree(root / "@valognes_2", root / "sans_yaml")
    (root / "sans_yaml" / "dossier.yaml").unlink()
    # Valognes 1 was sent on PEP'S (recorded as « pipeline status --sent » records it).
    from pipeline.bundle import layout

    layout.write_suivi(root / "valognes_1", envoi_peps=dt.date(2026, 10, 1))
    return root


def test_overview_rows_urgent_first(overview_root):
    from pipeline.status import dossier_status
    from pipeline.status.overview import NO_YAML_STAGE, counts_by_stage, overview

    rows = overview(overview_root, check=False, today=TODAY)
    by = {r.dossier: r for r in rows}
    assert [r.dossier for r in rows[:2]] == ["hague_1", "carentan_1"]  # urgent, nearest due date first
    assert by["hague_1"].limite_age_avant_reponse and not by["hague_1"].fin_droits_avant_reponse
    assert any("limite d'âge le 25/01/2027" in a for a in by["hague_1"].alertes)
    assert by["carentan_1"].fin_droits_avant_reponse and not by["carentan_1"].limite_age_avant_reponse
    assert any("28/02/2027" in a for a in by["carentan_1"].alertes)
    assert not by["valognes_1"].urgent and not by["@valognes_2"].urgent
    # One concept of stage: pipeline.status's, read from each folder (none of these was built).
    for name in ("hague_1", "carentan_1", "@valognes_2", "valognes_1"):
        st = dossier_status(overview_root / name, TODAY)
        assert (by[name].etape, by[name].prochaine_action) == (st.stage_label, st.next_action), name
    assert by["hague_1"].etape == "à construire" and by["hague_1"].prochaine_action.startswith("Construire les documents")
    # Sent after 25/05/2026 (8 months before the age limit), the answer comes too late: already due.
    assert by["hague_1"].echeance == dt.date(2026, 5, 26)
    assert by["carentan_1"].echeance == dt.date(2026, 6, 29)  # 28/02/2027 less 8 months
    # Sent: the due date is the end of the CNRACL's answer window, no more a last day to send.
    assert by["valognes_1"].etape == "envoyé" and by["valognes_1"].echeance == dossier_status(
        overview_root / "valognes_1", TODAY).due == dt.date(2027, 6, 1)
    assert by["carentan_1"].collectivite == "Commune de Carentan" and by["carentan_1"].profil == "cdg76"
    assert by["carentan_1"].agent == "Monsieur Thomas CASTEL"
    assert by["sans_yaml"].etape == NO_YAML_STAGE and rows[-1].dossier == "sans_yaml"
    assert counts_by_stage(rows) == {"à construire": 3, "envoyé": 1, NO_YAML_STAGE: 1}
    assert all(r.bloquants is None for r in rows)  # not checked: no count is claimed


@pytest.mark.parametrize("cell", ["=1+2", "+33 2 33", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_formulas(cell):
    from pipeline.status.overview import neutralise

    assert neutralise(cell) == "'" + cell
    assert neutralise("Commune de Valognes") == "Commune de Valognes" and neutralise("") == ""


@pytest.mark.slow  # checks the five dossiers (~6 s)
def test_overview_cli_csv(overview_root, tmp_path):
    import csv

    out = tmp_path / "tableau.csv"
    run = _run_cli("overview", overview_root, "--csv", out, "--date", TODAY.isoformat(), "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert "dont 2 urgent(s)" in run.stdout and "à construire : 3" in run.stdout and "envoyé : 1" in run.stdout
    assert out.stat().st_mode & 0o077 == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with the mark
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    head, body = rows[0], rows[1:]
    assert head[:7] == ["Collectivité", "Dossier", "Agent", "Profil", "Étape", "Prochaine action", "Échéance"]
    col = {name: i for i, name in enumerate(head)}
    by = {r[col["Répertoire"]]: r for r in body}
    assert by["'@valognes_2"][col["Collectivité"]] == "Commune de Valognes"
    assert by["valognes_1"][col["Collectivité"]] == "'=1+2"
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in body for c in r)
    assert [r[col["Urgent"]] for r in body[:2]] == ["oui", "oui"] and body[0][col["Dossier"]] == "INV-2026-0003"
    assert by["hague_1"][col["Bloquants"]] == "1" and by["carentan_1"][col["Bloquants"]] == "0"
    assert by["'@valognes_2"][col["Prochaine action"]].startswith("Construire les documents")
    assert by["hague_1"][col["Échéance"]] == "26/05/2026"


def test_what_to_do_names_no_program_file():
    from pipeline.check.letters import _que_faire
    from pipeline.validators.registry import REGISTRY

    for rule in REGISTRY:
        text = _que_faire(rule)
        assert text and "`" not in text and "form_templates" not in text and "pipeline " not in text, rule
    assert _que_faire("FORMULAIRE-OBSOLETE") == "Faites remplir l'imprimé en vigueur (code 2406 ou postérieur)."
