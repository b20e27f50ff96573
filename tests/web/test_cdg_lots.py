"""A collectivité's batch drop in the web application (Django's test client on the real database
and stages): a zip of two dossiers (one complete, one whose AF4 lacks the quorum) is checked by
the task, each dossier's result and report appear, the collectivité's letter is read back from
the PDF; a zip the limits refuse is refused at once with its French reason, and nothing is kept."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from tests.web.cdg_support import run_task
from tests.web.conftest import client_for


@pytest.fixture(scope="session")
def lot_folder(tmp_path_factory) -> Path:
    """lot/ with complet_1/ (sample case 01, complete) and quorum_2/ (same case, AF4 without quorum),
    drawn by the project's sample generator; the pièces only, no dossier.yaml."""
    from tests.fixtures_samples import load_generator

    g = load_generator()
    base = g.complete_spec(g.case_dirs("01")[0])
    quorum = next(s for s in g.defect_specs({base.name: base}) if s.name == "AF4-QUORUM")
    root = tmp_path_factory.mktemp("lot") / "lot"
    for folder, spec in (("complet_1", base), ("quorum_2", quorum)):
        g.write_dossier(root / folder, g.resolve(g.dossier_files(spec, "autre", None), None), spec)
        (root / folder / "attendu.json").unlink()
        (root / folder / "dossier.yaml").unlink(missing_ok=True)
    return root


def _zip(root: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(root.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(root.parent).as_posix())
    return buf.getvalue()


def _post(c, data):
    c.get("/cdg/lots/")
    return c.post("/cdg/lots/", {**data, "csrfmiddlewaretoken": c.cookies["csrftoken"].value}, follow=True)


def test_who_may_drop_a_batch(cdg_world):
    assert client_for("cdg50").get("/cdg/lots/").status_code == 200
    assert client_for("gest_a").get("/cdg/lots/").status_code == 200
    for who in ("scan50",):
        r = client_for(who).get("/cdg/lots/")
        assert r.status_code == 403 and "déposer un lot" in r.content.decode()
    # A gestionnaire drops only for its own collectivité.
    from django.core.files.uploadedfile import SimpleUploadedFile

    coll = cdg_world["valognes"].collectivite
    r = _post(client_for("gest_a"), {"collectivite": coll.pk,
                                     "archive": SimpleUploadedFile("lot.zip", b"PK", "application/zip")})
    assert "Choisissez la collectivité qui dépose le lot" in r.content.decode()


def test_zip_of_two_dossiers_checked_with_each_report(cdg_world, lot_folder):
    import pdfplumber
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pipeline.web.cdg import tasks
    from pipeline.web.desk.models import Journal, Tache

    coll = cdg_world["valognes"].collectivite
    c = client_for("cdg50")
    r = _post(c, {"collectivite": coll.pk, "archive": SimpleUploadedFile("lot.zip", _zip(lot_folder), "application/zip")})
    assert "Lot de Commune de Valognes reçu : contrôle en cours" in r.content.decode()
    t = Tache.objects.filter(genre="depot_lot", collectivite=coll).latest("cree_le")
    assert "data-tache-url" in r.content.decode()
    run_task(t)
    assert t.etat == "terminee", t.message
    assert t.message == "Lot contrôlé : 2 dossier(s), 1 à compléter.", t.resultat
    rows = {x["nom"]: x for x in t.resultat["dossiers"]}
    assert rows["complet_1"]["statut"] == "complet" and rows["complet_1"]["bloquants"] == 0
    assert rows["quorum_2"]["statut"] == "incomplet"
    assert [x["rule"] for x in rows["quorum_2"]["constats"]] == ["AF4-QUORUM"]
    assert not (tasks.lot_dir(t) / "dossiers").exists() and not (tasks.lot_dir(t) / "depot.zip").exists()

    page = c.get("/cdg/lots/").content.decode()
    block = page.split(f'id="lot-{t.pk}"')[1].split('class="lot-depose"')[0]
    assert "quorum_2" in block and "bloquant — AF4-QUORUM" in block and "complet_1" in block
    n = Journal.objects.count()
    r = c.get(f"/cdg/lots/{t.pk}/{rows['quorum_2']['rapport']}")
    assert r.status_code == 200 and "AF4-QUORUM" in b"".join(r.streaming_content).decode()
    assert Journal.objects.count() == n + 1
    r = c.get(f"/cdg/lots/{t.pk}/{t.resultat['fichiers']['pdf']}")
    with pdfplumber.open(io.BytesIO(b"".join(r.streaming_content))) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert "Commune de Valognes" in text and "Centre de gestion de la Manche" in text and "AF4-QUORUM" in text
    # Not a known report name, another collectivité's gestionnaire: nothing.
    assert c.get(f"/cdg/lots/{t.pk}/../../desk.sqlite3").status_code == 404
    assert client_for("gest_b").get(f"/cdg/lots/{t.pk}/{rows['quorum_2']['rapport']}").status_code == 404
    assert rows["quorum_2"]["nom"] not in client_for("gest_b").get("/cdg/lots/").content.decode()


def _zip_of(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("name,data,reason", [
    ("evasion.zip", _zip_of({"a/ok.pdf": b"%PDF-1.4", "../../hors.pdf": b"%PDF-1.4"}),
     "archive refusée : chemin qui sort du dossier"),
    ("casse.zip", b"PK\x03\x04 ceci n'est pas une archive", "archive refusée : fichier zip endommagé ou illisible"),
    ("trop.zip", _zip_of({f"a/{i}.pdf": b"x" for i in range(301)}), "archive refusée : trop de fichiers (301"),
])
def test_bad_zip_refused_at_once_with_its_reason(cdg_world, name, data, reason):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pipeline.web.desk.models import Tache

    coll = cdg_world["valognes"].collectivite
    n = Tache.objects.filter(genre="depot_lot").count()
    r = _post(client_for("cdg50"), {"collectivite": coll.pk, "archive": SimpleUploadedFile(name, data, "application/zip")})
    text = r.content.decode().replace("&#x27;", "'")
    assert f"« {name} » : {reason}" in text and "Rien n'a été enregistré" in text, text[:3000]
    assert Tache.objects.filter(genre="depot_lot").count() == n


def test_folder_sent_as_files_keeps_its_sub_folders(cdg_world, lot_folder):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pipeline.web.cdg import tasks
    from pipeline.web.desk.models import Tache

    files = [f for f in sorted(lot_folder.rglob("*")) if f.is_file()]
    coll = cdg_world["valognes"].collectivite
    r = _post(client_for("cdg50"), {
        "collectivite": coll.pk, "dossier": [SimpleUploadedFile(f.name, f.read_bytes()) for f in files],
        "chemins": [f.relative_to(lot_folder.parent).as_posix() for f in files]})
    assert "contrôle en cours" in r.content.decode()
    t = Tache.objects.filter(genre="depot_lot", collectivite=coll).latest("cree_le")
    run_task(t)
    assert sorted(x["nom"] for x in t.resultat["dossiers"]) == ["complet_1", "quorum_2"], t.message
    # A path leaving the folder is refused like in a zip.
    r = _post(client_for("cdg50"), {"collectivite": coll.pk, "dossier": [SimpleUploadedFile("x.pdf", b"%PDF")],
                                    "chemins": ["../x.pdf"]})
    assert "chemin qui sort du dossier" in r.content.decode().replace("&#x27;", "'")
    assert json.dumps(t.resultat)  # plain data: no path of the server
    assert str(tasks.lot_dir(t)) not in json.dumps(t.resultat)
