"""The conseil médical's secretariat in the web application (Django's test client on the real
database and stages): séances of its own centre only, dossiers on the agenda, the AF4 pre-filled
with the séance read back from the PDF, the scanned AF4's quorum read as soon as it is dropped,
filed among the dossier's received pièces, and every opening of a medical pièce in the log."""
from __future__ import annotations

import io

import pytest

from tests.web.cdg_support import run_task
from tests.web.conftest import PASSWORD, _cdg_dossier, client_for

MEMBRES = [("president", "Dr Paul Lemaire"), ("medecin", "Dr Claire Roussel"),
           ("representant_administration", "Jeanne Hamel"), ("representant_personnel", "Marc Tison")]


@pytest.fixture(scope="session")
def secretariat(cdg_world):
    """The Manche's secretariat account, a case-01 dossier at Saint-Lô (the one the drawn AF4s are
    about), and a séance of the Calvados's centre that the Manche must not reach."""
    import datetime as dt

    from django.contrib.auth.models import User

    from pipeline.web.desk.models import Cdg, Collectivite, Profil, Seance

    manche = Cdg.objects.get(nom="Centre de gestion de la Manche")
    u, made = User.objects.get_or_create(username="secr50")
    if made:
        u.set_password(PASSWORD)
        u.save()
        Profil.objects.create(user=u, role="secretariat", cdg=manche)
    d01 = _cdg_dossier(Collectivite.objects.get(nom="Commune de Saint-Lô"), "01_non_imputable_toutes_fonctions")
    calvados = Cdg.objects.get(nom="Centre de gestion du Calvados")
    other = Seance.objects.create(cdg=calvados, date=dt.date(2027, 1, 12), lieu="Caen")
    return {"d01": d01, "autre_seance": other}


@pytest.fixture(scope="session")
def quorum_af4(tmp_path_factory):
    """A completed AF4 of sample case 01 with three members present (no quorum), drawn by the
    project's sample generator."""
    from tests.fixtures_samples import load_generator

    g = load_generator()
    base = g.complete_spec(g.case_dirs("01")[0])
    spec = next(s for s in g.defect_specs({base.name: base}) if s.name == "AF4-QUORUM")
    path = tmp_path_factory.mktemp("af4") / "af4_seance.pdf"
    path.write_bytes(g._standin("af4", spec.d, spec, "autre"))
    return path


def _post(c, url, data, **kw):
    if "csrftoken" not in c.cookies:
        c.get("/cdg/seances/")
    return c.post(url, {**data, "csrfmiddlewaretoken": c.cookies["csrftoken"].value}, **kw)


def _new_seance(c, **extra) -> int:
    data = {"date": "2027-02-09", "lieu": "Saint-Lô, salle du conseil", "departement": "Manche", **extra}
    for i, (role, nom) in enumerate(MEMBRES):
        data[f"role_{i}"], data[f"nom_{i}"] = role, nom
    r = _post(c, "/cdg/seances/", data)
    assert r.status_code == 302, r.content.decode()[:500]
    return int(r["Location"].rstrip("/").rsplit("/", 1)[1])


def test_only_the_secretariat_and_the_cdg_of_the_centre(secretariat):
    assert client_for("secr50").get("/cdg/seances/").status_code == 200
    assert client_for("cdg50").get("/cdg/seances/").status_code == 200
    r = client_for("gest_a").get("/cdg/seances/")
    assert r.status_code == 403 and "secrétariat du conseil médical" in r.content.decode()
    assert client_for("scan50").get("/cdg/seances/").status_code == 403
    r = client_for(None).get("/cdg/seances/")
    assert r.status_code == 302 and r["Location"].startswith("/connexion/")
    # Another centre's séance, by a guessed address: as if it did not exist.
    other = secretariat["autre_seance"].pk
    c = client_for("secr50")
    assert c.get(f"/cdg/seances/{other}/").status_code == 404
    assert "Caen" not in c.get("/cdg/seances/").content.decode()
    assert _post(c, f"/cdg/seances/{other}/inscrire/", {"dossiers": [str(secretariat["d01"].uid)]}).status_code == 404
    assert client_for("admin").get(f"/cdg/seances/{other}/").status_code == 200


def test_create_a_seance_and_put_dossiers_on_its_agenda(secretariat, cdg_world):
    from pipeline.web.desk.models import Seance

    c = client_for("secr50")
    r = _post(c, "/cdg/seances/", {"date": "09/02/2027"})
    assert r.status_code == 200 and "Date de la séance absente ou illisible" in r.content.decode()
    pk = _new_seance(c)
    s = Seance.objects.get(pk=pk)
    assert s.cdg.nom == "Centre de gestion de la Manche" and s.membres[0] == {"role": "president", "nom": "Dr Paul Lemaire"}
    page = c.get(f"/cdg/seances/{pk}/").content.decode()
    assert "formation plénière du 09/02/2027" in page and "Représentant du personnel : Marc Tison" in page
    # The Calvados's dossier is not offered, and cannot be forced in.
    assert cdg_world["bayeux"].agent not in page and cdg_world["valognes"].agent in page
    r = _post(c, f"/cdg/seances/{pk}/inscrire/", {"dossiers": [str(cdg_world["bayeux"].uid)]})
    assert "Choisissez au moins un dossier" in c.get(r["Location"]).content.decode()
    _post(c, f"/cdg/seances/{pk}/inscrire/", {"dossiers": [str(cdg_world["valognes"].uid),
                                                            str(secretariat["d01"].uid)]})
    assert set(s.inscriptions.values_list("dossier__reference", flat=True)) == {
        cdg_world["valognes"].reference, secretariat["d01"].reference}
    assert c.get(f"/cdg/seances/{pk}/dossiers/{cdg_world['bayeux'].uid}/af4.pdf").status_code == 404
    # The administrator finds the séance and its agenda in « Administration »; nobody else does.
    admin = client_for("admin")
    listing = admin.get("/admin/desk/seance/").content.decode()
    assert "Séances du conseil médical" in listing and "Centre de gestion de la Manche" in listing
    detail = admin.get(f"/admin/desk/seance/{pk}/change/").content.decode()
    assert cdg_world["valognes"].reference in detail and "Dossiers inscrits" in detail
    assert c.get("/admin/desk/seance/").status_code == 302


def _pdf_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


@pytest.mark.slow  # one LibreOffice conversion (~2 s)
def test_prefilled_af4_carries_the_seance_and_is_logged(secretariat, cdg_world):
    from pipeline.web.desk.models import Journal

    c = client_for("secr50")
    pk = _new_seance(c, lieu="Maison des services, Saint-Lô")
    d = secretariat["d01"]
    _post(c, f"/cdg/seances/{pk}/inscrire/", {"dossiers": [str(d.uid)]})
    before = Journal.objects.count()
    r = c.get(f"/cdg/seances/{pk}/dossiers/{d.uid}/af4.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith('attachment; filename="AF4_')
    text = _pdf_text(r.content)
    assert "09/02/2027" in text and "Maison des services, Saint-Lô" in text
    assert d.agent.split()[-1].upper() in text.upper()
    for _, nom in MEMBRES:
        assert nom in text, nom
    j = Journal.objects.all()[: Journal.objects.count() - before]
    assert [(x.utilisateur, x.piece, x.action) for x in j] == [("secr50", "af4", "téléchargement de l'AF4 pré-rempli")]

    # Every AF4 of the séance in one zip: one PDF per dossier, the same text, each download logged.
    import zipfile

    valognes = cdg_world["valognes"]
    _post(c, f"/cdg/seances/{pk}/inscrire/", {"dossiers": [str(valognes.uid)]})
    before = Journal.objects.count()
    r = c.get(f"/cdg/seances/{pk}/af4.zip")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = sorted(z.namelist())
        assert names == sorted([f"AF4_{d.reference}_2027-02-09.pdf", f"AF4_{valognes.reference}_2027-02-09.pdf"])
        texts = {n: _pdf_text(z.read(n)) for n in names}
    assert valognes.agent.split()[-1].upper() in texts[f"AF4_{valognes.reference}_2027-02-09.pdf"].upper()
    assert all("Maison des services, Saint-Lô" in t for t in texts.values())
    assert Journal.objects.count() == before + 2
    # Another centre's séance, or a gestionnaire: nothing.
    assert c.get(f"/cdg/seances/{secretariat['autre_seance'].pk}/af4.zip").status_code == 404
    assert client_for("gest_a").get(f"/cdg/seances/{pk}/af4.zip").status_code == 403


def test_scanned_af4_without_quorum_is_read_and_filed(secretariat, quorum_af4):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pipeline.web.desk.models import Journal, SeanceDossier

    c = client_for("secr50")
    pk = _new_seance(c)
    d = secretariat["d01"]
    _post(c, f"/cdg/seances/{pk}/inscrire/", {"dossiers": [str(d.uid)]})
    up = SimpleUploadedFile("af4_seance.pdf", quorum_af4.read_bytes(), content_type="application/pdf")
    r = _post(c, f"/cdg/seances/{pk}/dossiers/{d.uid}/deposer/", {"fichier": up})
    assert r.status_code == 302 and r["Location"].endswith(f"#dossier-{d.uid}")
    ins = SeanceDossier.objects.get(seance_id=pk, dossier=d)
    page = c.get(f"/cdg/seances/{pk}/").content.decode()
    assert "lecture de l&#x27;AF4 et contrôle du quorum en cours" in page and "data-tache-url" in page
    run_task(ins.tache)  # what the Huey consumer runs (the check after a drop is the bundle)
    page = c.get(f"/cdg/seances/{pk}/").content.decode()
    assert "bloquant — AF4-QUORUM" in page and "Le quorum du conseil médical plénier n&#x27;est pas atteint" in page
    # Filed as received for the dossier: the gestionnaire sees it on the dossier's page.
    ins.refresh_from_db()
    assert ins.af4.piece_id == "af4" and d.pieces.filter(pk=ins.af4.pk).exists()
    assert "af4_seance.pdf" in client_for("gest_a").get(f"/dossiers/{d.uid}/").content.decode()
    # Opening the scanned AF4 is logged; not by the scanning desk, which has no access here.
    n = Journal.objects.count()
    r = c.get(f"/cdg/seances/{pk}/dossiers/{d.uid}/af4-recu/")
    assert r.status_code == 200 and Journal.objects.count() == n + 1
    assert Journal.objects.first().piece == "af4" and Journal.objects.first().utilisateur == "secr50"
    assert client_for("scan50").get(f"/cdg/seances/{pk}/dossiers/{d.uid}/af4-recu/").status_code == 403


def test_a_bad_file_is_refused_with_its_reason(secretariat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for("secr50")
    pk = _new_seance(c)
    d = secretariat["d01"]
    _post(c, f"/cdg/seances/{pk}/inscrire/", {"dossiers": [str(d.uid)]})
    n = d.pieces.count()
    up = SimpleUploadedFile("af4.pdf", b"pas un PDF", content_type="application/pdf")
    r = _post(c, f"/cdg/seances/{pk}/dossiers/{d.uid}/deposer/", {"fichier": up}, follow=True)
    assert "n&#x27;est ni un PDF ni une image" in r.content.decode() and d.pieces.count() == n


def test_a_second_check_of_the_same_dossier_waits_for_the_first(secretariat):
    """Two checks of one dossier never run at once (two drops in a row, the watcher and the
    desk): the second says it waits, then runs on what the first left."""
    import threading
    import time

    from pipeline import fsutil
    from pipeline.web.desk import tasks, uploads
    from pipeline.web.desk.models import Tache

    d = secretariat["d01"]
    t = Tache.objects.create(genre="controle", dossier=d, collectivite=d.collectivite)
    worker = threading.Thread(target=tasks.assembler_now, args=(t,))
    c = client_for("secr50")
    with fsutil.folder_lock(uploads.dossier_dir(d)):  # the first run, holding the dossier's folder
        worker.start()
        deadline = time.monotonic() + 60
        while "En attente" not in (state := c.get(f"/taches/{t.pk}/").json())["message"]:
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        time.sleep(1)
        state = c.get(f"/taches/{t.pk}/").json()
        assert not state["fini"] and "un autre traitement de ce dossier est en cours" in state["message"]
    worker.join(180)
    state = c.get(f"/taches/{t.pk}/").json()
    assert state["fini"] and state["etat"] == "terminee" and state["message"].startswith("Contrôle terminé")
