"""The CDG's desk in the web application: rights (a CDG sees the three collectivités it serves
and no other), urgent dossiers first, the batch check of a collectivité and its report read back
from the PDF, the CSV export; Django's test client on the real database and stages."""
from __future__ import annotations

import csv
import io

import pytest

from tests.web.cdg_support import run_task
from tests.web.conftest import _cdg_dossier, client_for


def test_cdg_sees_its_three_collectivites_and_no_other(cdg_world):
    c = client_for("cdg50")
    r = c.get("/cdg/")
    assert r.status_code == 200
    page = r.content.decode()
    for key in ("valognes", "coutances", "saintlo"):
        assert cdg_world[key].agent in page, key
    assert cdg_world["bayeux"].agent not in page and "Commune de Bayeux" not in page
    for n in ("Commune de Valognes", "Commune de Coutances", "Commune de Saint-Lô"):
        assert n in page
    # Not the CDG: refused; not logged in: the login page.
    assert client_for("gest_a").get("/cdg/").status_code == 403
    r = client_for(None).get("/cdg/")
    assert r.status_code == 302 and r["Location"].startswith("/connexion/")


def test_urgent_first_with_the_reason(cdg_world):
    page = client_for("cdg50").get("/cdg/").content.decode()
    rows = page.split('<table class="liste" id="dossiers">')[1].split("<tr")[2:]
    assert cdg_world["coutances"].agent in rows[0] and "Urgent" in rows[0] and "limite d&#x27;âge" in rows[0]
    assert all("Urgent" not in r for r in rows[1:])
    only = client_for("cdg50").get("/cdg/?urgents=1").content.decode()
    assert cdg_world["coutances"].agent in only and cdg_world["valognes"].agent not in only


def test_csv_export_urgent_first_and_neutralised(cdg_world):
    from pipeline.web.desk.models import Dossier

    d = cdg_world["saintlo"]
    Dossier.objects.filter(pk=d.pk).update(action="=HYPERLINK(\"http://x\")")
    raw = client_for("cdg50").get("/cdg/tableau.csv").content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    col = {n: i for i, n in enumerate(rows[0])}
    assert rows[1][col["Agent"]] == cdg_world["coutances"].agent and rows[1][col["Urgent"]] == "oui"
    names = [r[col["Agent"]] for r in rows[1:]]
    assert cdg_world["bayeux"].agent not in names
    assert {cdg_world[k].agent for k in ("valognes", "coutances", "saintlo")} <= set(names)
    action = next(r[col["Prochaine action"]] for r in rows[1:] if r[col["Agent"]] == d.agent)
    assert action.startswith("'=HYPERLINK")


def test_batch_check_and_the_collectivite_report(cdg_world):
    import pdfplumber

    from pipeline.web.desk.models import Tache

    c = client_for("cdg50")
    c.get("/cdg/")
    token = c.cookies["csrftoken"].value
    coll = cdg_world["valognes"].collectivite
    r = c.post("/cdg/controle/", {"collectivite": coll.pk, "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    t = Tache.objects.filter(genre="controle_lot", collectivite=coll).latest("cree_le")
    run_task(t)  # what the Huey consumer runs
    assert t.etat == "terminee" and t.progression == 100, t.message
    page = c.get("/cdg/").content.decode()
    assert f"/cdg/rapports/{t.pk}/rapport.pdf" in page
    r = c.get(f"/cdg/rapports/{t.pk}/rapport.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(b"".join(r.streaming_content))) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert "Centre de gestion de la Manche" in text and "Anne Lecomte" in text and "Fait à Saint-Lô" in text
    assert "Commune de Valognes" in text and "CASTEL" in text
    assert "PIECE-MANQUANTE" in text and "Incomplet" in text  # no pièce received: what is missing
    for other in ("coutances", "saintlo", "bayeux"):
        nom = cdg_world[other].agent.split()[-1].upper()
        assert nom not in text, other
    # The collectivité's own gestionnaire may read it; another collectivité's, or the other CDG, may not.
    assert client_for("gest_valognes").get(f"/cdg/rapports/{t.pk}/rapport.json").status_code == 200
    assert client_for("gest_a").get(f"/cdg/rapports/{t.pk}/rapport.pdf").status_code == 404
    assert client_for("gest_a").get(f"/taches/{t.pk}/").status_code == 404
    assert c.get(f"/cdg/rapports/{t.pk}/rapport.exe").status_code == 404
    # Only the CDG launches a batch, and only on a collectivité it serves.
    g = client_for("gest_valognes")
    g.get("/")
    assert g.post("/cdg/controle/", {"collectivite": coll.pk,
                                     "csrfmiddlewaretoken": g.cookies["csrftoken"].value}).status_code == 403
    bayeux = cdg_world["bayeux"].collectivite
    assert c.post("/cdg/controle/", {"collectivite": bayeux.pk, "csrfmiddlewaretoken": token}).status_code == 404
    assert not Tache.objects.filter(genre="controle_lot", collectivite=bayeux).exists()


def test_scanning_desk_without_a_drop_folder_says_what_to_do(cdg_world, monkeypatch):
    monkeypatch.delenv("PIPELINE_WATCH_ROOT", raising=False)
    page = client_for("cdg50").get("/cdg/numerisation/").content.decode()
    assert "PIPELINE_WATCH_ROOT" in page
    assert client_for("gest_a").get("/cdg/numerisation/").status_code == 403


@pytest.mark.slow  # a real watcher run (~10 s)
def test_scanning_desk_assigns_releases_and_deletes(cdg_world, tmp_path, monkeypatch):
    from huey.contrib.djhuey import HUEY

    from tests.test_watch_support import AGENTS, drop, encrypted_pdf, identity_lines, make_dossier, run_once, text_pdf

    inbox, root = tmp_path / "depot", tmp_path / "dossiers"
    inbox.mkdir()
    make_dossier(root, "A")
    cert_a = text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("A"))
    drop(inbox, "certificat_a.pdf", cert_a)
    drop(inbox, "scan_c.pdf", text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("C")))
    drop(inbox, "protege.pdf", encrypted_pdf())
    assert run_once(inbox, root).returncode == 0
    drop(inbox, "certificat_a_bis.pdf", cert_a)
    assert run_once(inbox, root).returncode == 0
    folder_c = make_dossier(root, "C")
    monkeypatch.setenv("PIPELINE_WATCH_ROOT", str(root))

    c = client_for("cdg50")
    page = c.get("/cdg/numerisation/").content.decode()
    for section in ("a-trier", "quarantaine", "doublons", "classes"):
        assert f'id="{section}"' in page
    assert "scan_c.pdf" in page and "protege.pdf" in page and "certificat_a_bis.pdf" in page
    assert AGENTS["C"]["id"] in page  # offered as a destination
    token = c.cookies["csrftoken"].value
    from pipeline.watch import desk

    j = desk.open_journal(root)
    trier, quar, dup = desk.a_trier(j)[0], desk.quarantine(j)[0], desk.duplicates(j)[0]
    j.close()
    # Without the CSRF token nothing happens.
    assert c.post("/cdg/numerisation/liberer/", {"file_id": quar.file_id}).status_code == 403
    HUEY.immediate = True  # the re-check runs at once, as the consumer would
    try:
        r = c.post("/cdg/numerisation/attribuer/", {"file_id": trier.file_id, "idx": trier.idx,
                                                    "dossier_id": AGENTS["C"]["id"],
                                                    "piece_id": "certificat_medical_initial",
                                                    "csrfmiddlewaretoken": token})
    finally:
        HUEY.immediate = False
    assert r.status_code == 302
    assert (folder_c / "certificat_medical_initial.pdf").is_file()
    assert c.post("/cdg/numerisation/liberer/", {"file_id": quar.file_id, "csrfmiddlewaretoken": token}).status_code == 302
    assert (inbox / "protege.pdf").is_file()
    assert c.post("/cdg/numerisation/supprimer-doublon/", {"file_id": dup.file_id,
                                                           "csrfmiddlewaretoken": token}).status_code == 302
    page = c.get("/cdg/numerisation/").content.decode()
    assert "Aucun document à trier" in page and "Aucun fichier en quarantaine" in page and "Aucun doublon" in page
    classes = page.split('id="classes"')[1]
    assert "scan_c.pdf" in classes and AGENTS["C"]["id"] in classes and "incomplet" in classes  # re-checked
    assert "cdg50 : attribution" in page and "cdg50 : liberation" in page and "cdg50 : suppression_doublon" in page
    # A gestionnaire has no access to the scanning desk's actions.
    g = client_for("gest_a")
    g.get("/")
    assert g.post("/cdg/numerisation/liberer/", {"file_id": quar.file_id,
                                                 "csrfmiddlewaretoken": g.cookies["csrftoken"].value}).status_code == 403


def test_table_filters_and_the_csv_follows_them(cdg_world):
    """Collectivité, due date before a day, a rule id, blocking findings, profile; the CSV export
    holds exactly the rows of the same filters."""
    import datetime as dt

    from pipeline.web.desk.models import Dossier

    v, s, co = cdg_world["valognes"], cdg_world["saintlo"], cdg_world["coutances"]
    keep = {d.pk: Dossier.objects.filter(pk=d.pk).values("echeance", "controle", "bloquants", "profil")[0]
            for d in (v, s)}
    try:
        Dossier.objects.filter(pk=v.pk).update(
            echeance=dt.date(2031, 5, 1), bloquants=1, profil="cdg50",
            controle={"statut": "incomplet", "constats": [{"rule": "AF4-QUORUM", "severity": "bloquant"}]})
        Dossier.objects.filter(pk=s.pk).update(
            echeance=dt.date(2029, 1, 1), bloquants=0,
            controle={"statut": "complet", "constats": [{"rule": "PAGE-BLANCHE", "severity": "avertissement"}]})
        c = client_for("cdg50")

        def agents(query: str) -> tuple[set[str], set[str]]:
            page = c.get("/cdg/?" + query).content.decode()
            table = page.split('id="dossiers"')[1] if 'id="dossiers"' in page else ""
            shown = {d.agent for d in cdg_world.values() if d.agent in table}
            raw = c.get("/cdg/tableau.csv?" + query).content.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
            # Other tests of the session add dossiers: the three of this world are the ones judged.
            known = {d.agent for d in cdg_world.values()}
            return shown, {r[rows[0].index("Agent")] for r in rows[1:]} & known

        for query, expected in [
            (f"collectivite={v.collectivite_id}", {v.agent}),
            ("regle=AF4-QUORUM", {v.agent}),
            ("regle=PAGE-BLANCHE", {s.agent}),
            ("constats=bloquants", {v.agent}),
            ("profil=cdg50", {v.agent}),
            ("echeance=2030-01-01&collectivite=" + str(s.collectivite_id), {s.agent}),
            ("echeance=2030-01-01&regle=AF4-QUORUM", set()),
            ("urgents=1", {co.agent}),
        ]:
            shown, exported = agents(query)
            assert shown == expected and exported == expected, (query, shown, exported)
        page = c.get("/cdg/?regle=AF4-QUORUM").content.decode()
        assert '<option value="AF4-QUORUM" selected>' in page and '<option value="PAGE-BLANCHE" >' in page
        assert "Date d&#x27;échéance illisible" in c.get("/cdg/?echeance=01/02/2030").content.decode()
    finally:
        for pk, values in keep.items():
            Dossier.objects.filter(pk=pk).update(**values)


@pytest.mark.slow  # one build (LibreOffice)
def test_batch_check_counts_the_produced_and_received_pieces_as_the_dossier_page(cdg_world, completed_forms):
    """A built dossier with its AF3 and AF4 back: the CDG's batch check finds what the dossier
    page's check finds (the produced fiche de poste and the dropped forms are not « manquantes »)."""
    import json

    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pipeline.web.desk import services, tasks, uploads
    from pipeline.web.desk.models import Tache

    saintlo = cdg_world["saintlo"].collectivite
    d = _cdg_dossier(saintlo, "01_non_imputable_toutes_fonctions")
    gest = User.objects.get(username="gest_a")
    built = Tache.objects.create(genre="construction", dossier=d, collectivite=saintlo, cree_par=gest)
    tasks.construire_now(built)  # created here, never queued: no consumer can take it
    assert built.etat == "terminee", built.message
    accepted = [uploads.examine(SimpleUploadedFile(p.name, p.read_bytes())) for p in completed_forms.values()]
    uploads.file_pieces(d, accepted, gest)

    c = client_for("cdg50")
    c.get("/cdg/")
    assert c.post("/cdg/controle/", {"collectivite": saintlo.pk,
                                     "csrfmiddlewaretoken": c.cookies["csrftoken"].value}).status_code == 302
    t = Tache.objects.filter(genre="controle_lot", collectivite=saintlo).latest("cree_le")
    run_task(t, timeout=300)
    assert t.etat == "terminee", t.message
    d.refresh_from_db()
    seen_by_cdg = sorted((f["rule"], f.get("piece")) for f in d.controle["constats"])
    assert ("PIECE-MANQUANTE", "expertise_medicale") in seen_by_cdg
    for piece in ("af3", "af4", "fiche_de_poste"):
        assert ("PIECE-MANQUANTE", piece) not in seen_by_cdg, piece
    page_check = services.bundle(d).report.as_dict()["findings"]
    assert seen_by_cdg == sorted((f["rule"], f.get("piece")) for f in page_check)
    # The collectivité's report says the same for this agent.
    report = json.loads(b"".join(c.get(f"/cdg/rapports/{t.pk}/rapport.json").streaming_content))
    text = json.dumps(report, ensure_ascii=False)
    assert "expertise_medicale" in text and "Durand".upper() in text.upper()
