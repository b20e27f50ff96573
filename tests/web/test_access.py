"""Rights, CSRF, audit log and bad uploads of the web desk (Django's test client, same database)."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

from tests.web.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"
SAMPLE_B = ROOT / "samples" / "03_accident_service_ati" / "dossier.yaml"


def _dossier(coll_name: str, yaml_path: Path, build: bool = True):
    from django.utils import timezone

    from pipeline.web.desk import engine, services, wizard
    from pipeline.web.desk.models import Collectivite, Dossier

    d = Dossier.objects.create(collectivite=Collectivite.objects.get(nom=coll_name))
    problems = services.save_yaml(d, wizard.load_yaml(yaml_path.read_text(encoding="utf-8")))
    assert problems == [], [p.full for p in problems]
    if build:  # documents as .docx only: the rights are what is tested here, not LibreOffice
        plan, _, finish = engine.build_steps()
        finish(plan(services.model_of(d)), None, services.build_dir(d).parent)
        d.construit_le = timezone.now()
        d.save()
        services.refresh(d)
    return d


def _csrf(client, url="/") -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


@pytest.fixture(scope="module")
def two(desk_data, completed_forms):
    a = _dossier("Commune de Saint-Lô", SAMPLE)
    b = _dossier("Commune de Coutances", SAMPLE_B)
    c = client_for("gest_b")
    token = _csrf(c, f"/dossiers/{b.uid}/")
    with open(completed_forms["af3"], "rb") as fh:
        r = c.post(f"/dossiers/{b.uid}/deposer/", {"fichiers": fh, "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    assert b.pieces.count() == 1
    return a, b


def _urls_of(d) -> list[str]:
    p = d.pieces.first()
    urls = [f"/dossiers/{d.uid}/", f"/dossiers/{d.uid}/saisie/agent/", f"/dossiers/{d.uid}/saisie/verification/",
            f"/dossiers/{d.uid}/dossier.yaml", f"/dossiers/{d.uid}/documents/{d.reference}.zip",
            f"/dossiers/{d.uid}/documents/liste_des_pieces.txt", f"/dossiers/{d.uid}/calendrier.ics"]
    if p is not None:
        urls += [f"/dossiers/{d.uid}/pieces/{p.pk}/", f"/dossiers/{d.uid}/pieces/{p.pk}/apercu.png"]
    return urls


def test_owner_reaches_every_page_and_file(two):
    _, b = two
    c = client_for("gest_b")
    for url in _urls_of(b):
        assert c.get(url).status_code == 200, url


def test_before_login_nothing_is_shown(two):
    a, b = two
    c = client_for(None)
    for url in ["/", "/dossiers/nouveau/"] + _urls_of(b):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/connexion/"), url
    assert b.agent not in c.get("/connexion/").content.decode()


def test_other_collectivite_is_404_by_page_and_by_url(two):
    a, b = two
    c = client_for("gest_a")
    page = c.get("/").content.decode()
    assert a.agent in page and b.agent not in page and b.reference not in page
    assert b.agent not in c.get("/?q=" + b.agent.split()[-1]).content.decode()
    for url in _urls_of(b):
        r = c.get(url)
        assert r.status_code == 404, url
        assert b.agent.encode() not in r.content
    token = _csrf(c)
    for action in ("construire", "controler", "lot-final", "deposer"):
        assert c.post(f"/dossiers/{b.uid}/{action}/", {"csrfmiddlewaretoken": token}).status_code == 404, action
    assert c.post(f"/dossiers/{b.uid}/saisie/agent/", {"csrfmiddlewaretoken": token,
                                                      "agent.nom_naissance": "X"}).status_code == 404
    t = b.taches.first()
    assert t is not None and c.get(f"/taches/{t.pk}/").status_code == 404
    assert c.get("/dossiers/pas-un-identifiant/").status_code == 404
    assert b.reference not in c.get("/cdg/export.csv").content.decode("utf-8-sig")
    b.refresh_from_db()
    assert "X" not in b.yaml.split("nom_naissance:")[1].split("\n")[0]


def test_cdg_sees_the_collectivites_it_serves_only(two):
    from pipeline.web.desk.models import Collectivite, Dossier

    a, b = two
    bayeux = Dossier.objects.create(collectivite=Collectivite.objects.get(nom="Commune de Bayeux"),
                                    reference="INV-BAYEUX-1", agent="Paul Hors-Ressort")
    c = client_for("cdg50")
    page = c.get("/").content.decode()
    assert a.agent in page and b.agent in page and "Hors-Ressort" not in page
    assert c.get(f"/dossiers/{bayeux.uid}/").status_code == 404
    csv = c.get("/cdg/export.csv").content.decode("utf-8-sig")
    assert a.reference in csv and b.reference in csv and "INV-BAYEUX-1" not in csv


def test_csrf_is_enforced_on_every_form(two):
    _, b = two
    c = client_for("gest_b")
    n = b.pieces.count()
    before = b.yaml
    posts = [f"/dossiers/{b.uid}/{x}/" for x in ("construire", "controler", "lot-final", "deposer")] + [
        f"/dossiers/{b.uid}/saisie/agent/", "/dossiers/nouveau/", "/dossiers/importer/", "/deconnexion/",
        "/mot-de-passe/"]
    for url in posts:
        r = c.post(url, {"agent.nom_naissance": "Pirate"})
        assert r.status_code == 403, url
        assert "jeton de sécurité" in r.content.decode(), url
    b.refresh_from_db()
    assert b.yaml == before and b.pieces.count() == n
    login = client_for(None).post("/connexion/", {"username": "gest_b", "password": "x"})
    assert login.status_code == 403


def test_medical_piece_access_is_journaled_and_admin_reads_it(two):
    from pipeline.web.desk.models import Journal

    _, b = two
    p = b.pieces.first()
    c = client_for("gest_b")
    before = Journal.objects.count()
    assert c.get(f"/dossiers/{b.uid}/pieces/{p.pk}/").status_code == 200
    entry = Journal.objects.order_by("-pk").first()
    assert Journal.objects.count() == before + 1
    assert (entry.utilisateur, entry.fichier, entry.dossier) == ("gest_b", p.nom, b.reference)
    assert entry.quand is not None
    # No medical text in the log: only names and identifiers.
    row = " ".join(str(getattr(entry, f.name)) for f in entry._meta.fields)
    assert "Polyarthrite" not in row and "infirm" not in row.lower()
    admin = client_for("admin").get("/admin/desk/journal/")
    assert admin.status_code == 200 and "gest_b" in admin.content.decode() and p.nom in admin.content.decode()
    assert client_for("gest_b").get("/admin/desk/journal/").status_code == 302
    # A dossier starts on the desk, where its description is checked, not as an empty admin row.
    assert client_for("admin").get("/admin/desk/dossier/add/").status_code == 403


def _drop(c, d, *files):
    token = _csrf(c, f"/dossiers/{d.uid}/")
    r = c.post(f"/dossiers/{d.uid}/deposer/", {"fichiers": list(files), "csrfmiddlewaretoken": token}, follow=True)
    return html.unescape(r.content.decode())


def _named(data: bytes, name: str):
    f = io.BytesIO(data)
    f.name = name
    return f


def test_bad_uploads_are_refused_in_french_and_nothing_is_saved(two, completed_forms):
    from pipeline.web.desk import uploads

    _, b = two
    c = client_for("gest_b")
    n = b.pieces.count()
    recus = uploads.dossier_dir(b) / "recus"
    files_before = sorted(p.name for p in recus.iterdir())
    good = completed_forms["af4"].read_bytes()
    cases = [
        (_named(good[: len(good) // 3], "af4.pdf"), "abîmé"),
        (_named(b"PK\x03\x04" + b"\x00" * 200, "lettre.pdf"), "n'est ni un PDF ni une image"),
        (_named(b"", "vide.pdf"), "est vide"),
        (_named(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50, "scan.jpg"), "image abîmée"),
    ]
    for bad, reason in cases:
        # A good file dropped with a bad one: the whole drop is refused.
        page = _drop(c, b, _named(good, "af4_bon.pdf"), bad)
        assert reason in page, (bad.name, re.findall(r'class="msg-error">([^<]+)', page))
        assert "Aucun fichier de ce dépôt n'a été enregistré" in page
        assert b.pieces.count() == n
        assert sorted(p.name for p in recus.iterdir()) == files_before


def test_upload_limits(two, completed_forms):
    from django.test import override_settings

    _, b = two
    c = client_for("gest_b")
    n = b.pieces.count()
    with override_settings(UPLOAD_MAX_BYTES=2 * 1024 * 1024):
        big = _named(b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "gros.pdf")
        page = _drop(c, b, big)
    assert "« gros.pdf » pèse 3,0 Mo : la limite est de 2 Mo par fichier" in page
    with override_settings(UPLOAD_MAX_PAGES=1):
        page = _drop(c, b, _named(completed_forms["af4"].read_bytes(), "af4.pdf"))
    assert "« af4.pdf » compte 2 pages : la limite est de 1 pages par fichier" in page
    assert b.pieces.count() == n


def test_form_errors_use_the_validate_wording(two):
    from pipeline.errors import InvalidInput
    from pipeline.dossier.load import parse_text

    _, b = two
    c = client_for("gest_b")
    token = _csrf(c, f"/dossiers/{b.uid}/saisie/agent/")
    page = c.get(f"/dossiers/{b.uid}/saisie/agent/").content.decode()
    post = dict(re.findall(r'<input name="(agent\.[a-z_.]+)" id="[^"]+" value="([^"]*)"', page))
    post["agent.nir"] = "2 67 09 50 116 042 38"
    post.update({"csrfmiddlewaretoken": token, "action": "enregistrer", "agent.civilite": "Monsieur",
                 "agent.statut": "titulaire", "agent.affiliation_cnracl": "on"})
    c.post(f"/dossiers/{b.uid}/saisie/agent/", post)
    page = html.unescape(c.get(f"/dossiers/{b.uid}/saisie/agent/").content.decode())
    b.refresh_from_db()
    with pytest.raises(InvalidInput) as e:
        parse_text(b.yaml, "dossier.yaml")
    expected = next(p.message for p in e.value.problems if p.field == "agent.nir")
    assert expected in page and "clé du NIR" in expected
    assert 'class="champ en-erreur"' in page
    export = c.get(f"/dossiers/{b.uid}/dossier.yaml").content.decode()
    assert "2 67 09 50 116 042 38" in export


def test_csv_neutralises_formulas(two):
    from pipeline.web.desk.cdg import neutralise

    a, _ = two
    a.agent = '=HYPERLINK("http://exemple.invalid","clic")'
    a.save()
    csv = client_for("cdg50").get("/cdg/export.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and ";=HYPERLINK" not in csv
    assert neutralise("-2+3") == "'-2+3" and neutralise("@SUM(A1)") == "'@SUM(A1)" and neutralise("Durand") == "Durand"


def test_checkbox_help_speaks_of_the_box_not_of_yaml():
    from pipeline.web.desk.wizard import make_field

    f = make_field("agent.affiliation_cnracl")
    assert f.kind == "bool" and f.help == "Cochez si l'agent est affilié à la CNRACL."


def test_a_new_step_shows_no_error_until_it_is_sent(desk_data):
    """Errors appear once the person sends the step, next to the field, in `pipeline validate`'s
    words without the file and line (she never saw dossier.yaml)."""
    c = client_for("gest_a")
    token = _csrf(c, "/dossiers/nouveau/")
    from pipeline.web.desk.models import Collectivite

    coll = Collectivite.objects.get(nom="Commune de Saint-Lô")
    r = c.post("/dossiers/nouveau/", {"collectivite": coll.pk, "csrfmiddlewaretoken": token})
    uid = r["Location"].split("/")[2]
    url = f"/dossiers/{uid}/saisie/agent/"
    page = html.unescape(c.get(url).content.decode())
    assert "champ obligatoire absent" not in page and "en-erreur" not in page and "pastille" not in page
    assert "dossier.yaml" not in page.split("<main")[-1].split("Exporter")[0]
    r = c.post(url, {"csrfmiddlewaretoken": token, "action": "suivant", "agent.nom_naissance": "Durand"})
    assert r["Location"].endswith("/saisie/agent/"), "une étape à corriger est montrée à nouveau"
    page = html.unescape(c.get(url).content.decode())
    field = page.split('id="agent.prenoms"')[1].split('<div class="champ')[0]
    assert "champ obligatoire absent" in field  # next to its own field
    assert 'class="champ en-erreur"' in page
    assert not re.search(r"dossier\.yaml|ligne \d+ —|, ligne \d+", page.split('id="saisie"')[1])
    assert "Passer à l'étape suivante sans corriger" in page
    r = c.post(url, {"csrfmiddlewaretoken": token, "action": "passer", "agent.nom_naissance": "Durand"})
    assert not r["Location"].endswith("/saisie/agent/")


def test_web_help_never_speaks_of_yaml():
    from pipeline.web.desk import wizard

    fields = []
    for s in wizard.STEPS:
        for it in s.items:
            if isinstance(it, wizard.ListBlock):
                fields += [it, *it.fields]
            elif isinstance(it, wizard.Field):
                fields.append(it)
    fields += wizard.medecin_traitant_fields()
    bad = re.compile(r"yaml|guillemet|pipeline |\btrue\b|\bfalse\b|\bnull\b|--", re.I)
    leaks = [(f.path, f.help) for f in fields if bad.search(f.help or "")]
    assert not leaks, leaks
    assert [s.intro for s in wizard.STEPS if bad.search(s.intro)] == []
    assert wizard.make_field("agent.adresse.code_postal").help == "Code postal à 5 chiffres (ex. 50000)."
    assert wizard.make_field("dossier.d_office").help.startswith("Cochez si")


def test_stage_is_pipeline_status_worded_for_the_desk(two):
    """The desk's stage is `pipeline status` on the same folder; the action names a button, no command."""
    from pipeline.status import STAGES, dossier_status
    from pipeline.web.desk import stages
    from pipeline.web.desk.uploads import dossier_dir

    a, b = two
    for d, owner in ((a, "gest_a"), (b, "gest_b")):
        # What the person sees: the page (whether or not a queue consumer has run the re-check yet).
        assert client_for(owner).get(f"/dossiers/{d.uid}/").status_code == 200
        d.refresh_from_db()
        st = dossier_status(dossier_dir(d))
        assert d.stade == st.stage and st.stage in STAGES
    assert a.stade == "attente_af3"
    page = re.sub(r"<[^>]+>", "", html.unescape(client_for("gest_a").get(f"/dossiers/{a.uid}/").content.decode()))
    assert "en attente de l'AF3 (médecin agréé)" in page and "Qui agit : médecin agréé" in page
    # Every action of pipeline.status, as the desk words it: no command to type.
    samples = {
        "a_completer": "Obtenir les pièces manquantes : Rapport X, Fiche Y ; puis « pipeline bundle /d ».",
        "pret_a_envoyer": "Déposer sur PEP'S les pièces du dossier envoi/, déléguer le dossier au centre de gestion "
                          "et lui poster les pièces de carrière (bordereau.pdf), puis enregistrer la date : "
                          "« pipeline status /d --sent AAAA-MM-JJ ».",
        "envoye": "Attendre l'avis de la CNRACL en consultant PEP'S régulièrement (demandes de pièces) ; à réception : "
                  "« pipeline status /d --avis AAAA-MM-JJ ».",
        "avis_recu": "Prendre l'arrêté portant radiation des cadres (« pipeline build --seconde-etape ») : au plus tôt "
                     "le 1er mars 2027, ou le 1er avril 2027 (premier jour du mois suivant) ; jamais rétroactif.",
        "a_construire": "Construire les documents : « pipeline build /d/dossier.yaml -o /d ».",
        "a_assembler": "Contrôler et constituer le lot : « pipeline bundle /d ».",
    }
    out = {k: stages.desk_action(k, v) for k, v in samples.items()}
    for k, text in out.items():
        assert "pipeline" not in text and "«  »" not in text and "envoi/" not in text, (k, text)
    assert out["a_completer"] == "Obtenir les pièces manquantes : Rapport X, Fiche Y"
    assert out["pret_a_envoyer"].startswith("Déposer sur PEP'S les pièces du lot final, déléguer le dossier")
    assert out["avis_recu"].startswith("Prendre l'arrêté portant radiation des cadres : au plus tôt")


def test_list_queries_do_not_grow_and_a_view_writes_nothing(two):
    """The list costs the same queries with 60 more dossiers (paginated, no query per row); opening
    a dossier whose stage did not move does not touch it (nor move it up the list)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pipeline.web.desk.models import Collectivite, Dossier

    a, _ = two
    c = client_for("cdg50")  # several collectivités: the list shows each row's collectivité
    c.get("/")
    with CaptureQueriesContext(connection) as before:
        assert c.get("/").status_code == 200
    coll = Collectivite.objects.get(nom="Commune de Saint-Lô")
    Dossier.objects.bulk_create([Dossier(collectivite=coll, reference=f"INV-BANC-{i:03d}", stade="a_construire")
                                 for i in range(60)])
    with CaptureQueriesContext(connection) as after:
        page = c.get("/").content.decode()
    assert len(after) == len(before), [q["sql"] for q in after]
    assert "Commune de Saint-Lô" in page and "suivants" in page
    Dossier.objects.filter(reference__startswith="INV-BANC-").delete()
    c = client_for("gest_a")
    c.get(f"/dossiers/{a.uid}/")
    a.refresh_from_db()
    stamp = a.modifie_le
    with CaptureQueriesContext(connection) as view:
        c.get(f"/dossiers/{a.uid}/")
    a.refresh_from_db()
    assert a.modifie_le == stamp
    assert not [q for q in view if q["sql"].startswith(("UPDATE", "INSERT")) and "desk_dossier" in q["sql"]]


def test_an_identifier_typed_as_a_path_never_names_a_folder(two):
    """The identifier is typed before the description is valid: it never reaches another dossier's files."""
    from pipeline.web.desk import services
    from pipeline.web.desk.models import Dossier

    a, b = two
    d = Dossier(collectivite=a.collectivite, reference=f"../{b.uid}/{b.reference}")
    assert services.build_dir(d) is None and services.manifest(d) is None
    assert services.build_dir(b) is not None
