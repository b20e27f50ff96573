"""The web desk under test: one data folder, real accounts, the real `pipeline serve` process.

The test process configures Django on the same data folder (SQLite file) to create the
accounts and to drive the access tests with Django's test client; the browser talks to the
server started by `pipeline serve` (waitress + the Huey consumer + LibreOffice).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PASSWORD = "Dossier-solide-2026!"
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTEFACTS = ROOT / "tests" / "artefacts" / "web"


def keep_screenshot(page, name: str) -> None:
    """A full-page screenshot kept as a test artefact (tests/artefacts/web/NAME.png), to look at."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


@contextlib.contextmanager
def logged_in(desk_server: str, username: str, password: str = PASSWORD, **context):
    """A page of Debian's Chromium (Playwright) logged in to the desk as `username`."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright runs its own loop in this thread
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(locale="fr-FR", **context).new_page()
            page.set_default_timeout(20_000)
            page.goto(desk_server + "/connexion/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("button:has-text('Se connecter')")
            yield page
        finally:
            browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def desk_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("desk") / "donnees"
    os.environ["PIPELINE_DATA"] = str(data)
    os.environ["PIPELINE_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    from pipeline import web

    web.setup(data)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    _accounts()
    return data


def _accounts() -> None:
    from django.contrib.auth.models import User

    from pipeline.web.desk.models import Cdg, Collectivite, Profil

    manche = Cdg.objects.create(nom="Centre de gestion de la Manche", adresse="139 rue Guillaume Fouace, 50000 Saint-Lô",
                                signataire="Anne Lecomte", qualite_signataire="La Présidente")
    autre = Cdg.objects.create(nom="Centre de gestion du Calvados")
    a = Collectivite.objects.create(nom="Commune de Saint-Lô", siret="21500502700019", cdg=manche)
    b = Collectivite.objects.create(nom="Commune de Coutances", siret="21500147100015", cdg=manche)
    Collectivite.objects.create(nom="Commune de Bayeux", cdg=autre)
    for name, role, colls, cdg in (("gest_a", "gestionnaire", [a], None), ("gest_b", "gestionnaire", [b], None),
                                   ("cdg50", "cdg", [], manche), ("scan50", "numerisation", [], manche)):
        u = User.objects.create_user(name, password=PASSWORD)
        p = Profil.objects.create(user=u, role=role, cdg=cdg)
        p.collectivites.set(colls)
    User.objects.create_superuser("admin", password=PASSWORD)


@pytest.fixture(scope="session")
def scan_root(desk_data) -> Path:
    """The dossiers folder of the drop-folder watcher that the server's scanning desk reads."""
    root = desk_data.parent / "scans" / "dossiers"
    root.mkdir(parents=True, mode=0o700)
    return root


@pytest.fixture(scope="session")
def desk_server(desk_data, scan_root):
    """`pipeline serve` on a free loopback port; yields its base URL."""
    port = _free_port()
    log = open(desk_data.parent / "serve.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "pipeline"), "serve", "--data", str(desk_data),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, "PIPELINE_WATCH_ROOT": str(scan_root)})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/connexion/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError("pipeline serve n'a pas démarré :\n" +
                                   (desk_data.parent / "serve.log").read_text(errors="replace"))
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def completed_forms(tmp_path_factory) -> dict[str, Path]:
    """A completed AF3 and AF4 of sample case 01, drawn by the project's sample generator."""
    from tests.fixtures_samples import load_generator

    g = load_generator()
    spec = g.complete_spec(g.case_dirs("01")[0])
    out = tmp_path_factory.mktemp("recues")
    paths = {}
    for piece in ("af3", "af4"):
        path = out / f"{piece}_signe.pdf"
        path.write_bytes(g._standin(piece, spec.d, spec, "autre"))
        paths[piece] = path
    return paths


def _cdg_dossier(coll, case: str, change=None):
    from pipeline.web.desk import services, wizard
    from pipeline.web.desk.models import Dossier

    import yaml

    data = yaml.safe_load((ROOT / "samples" / case / "dossier.yaml").read_text(encoding="utf-8"))
    data["employeur"]["collectivite"] = coll.nom
    if change:
        change(data)
    d = Dossier.objects.create(collectivite=coll)
    problems = services.save_yaml(d, wizard.load_yaml(yaml.safe_dump(data, allow_unicode=True, sort_keys=False)))
    assert problems == [], [p.full for p in problems]
    return d


@pytest.fixture(scope="session")
def cdg_world(desk_data):
    """Three collectivités of the Manche's CDG with a dossier each, one of the Calvados's (shared by the
    client tests and the browser test: created once per session)."""
    import datetime as dt

    from django.contrib.auth.models import User

    from pipeline.web.desk.models import Cdg, Collectivite, Profil

    manche = Cdg.objects.get(nom="Centre de gestion de la Manche")
    colls = {n: Collectivite.objects.get_or_create(nom=n, defaults={"cdg": manche})[0]
             for n in ("Commune de Saint-Lô", "Commune de Coutances")}
    colls["Commune de Valognes"] = Collectivite.objects.create(nom="Commune de Valognes", siret="21500615700015",
                                                               cdg=manche)
    bayeux = Collectivite.objects.get(nom="Commune de Bayeux")
    today = dt.date.today()
    near = today.replace(year=today.year - 67) + dt.timedelta(days=60)  # age limit in two months
    d = {
        "valognes": _cdg_dossier(colls["Commune de Valognes"], "02_non_imputable_ses_fonctions_ppr"),
        "coutances": _cdg_dossier(colls["Commune de Coutances"], "04_accident_trajet_tiers_pv",
                              lambda y: y["agent"].update(date_naissance=near)),
        "saintlo": _cdg_dossier(colls["Commune de Saint-Lô"], "05_maladie_professionnelle_tierce_personne"),
        "bayeux": _cdg_dossier(bayeux, "03_accident_service_ati",
                           lambda y: y["agent"].update(nom_usage="Horsressort", nom_naissance="Horsressort")),
    }
    u = User.objects.create_user("gest_valognes", password="x-Solide-2026!")
    Profil.objects.create(user=u, role="gestionnaire").collectivites.set([colls["Commune de Valognes"]])
    return d


def client_for(username: str | None):
    from django.test import Client

    from django.contrib.auth.models import User

    c = Client(enforce_csrf_checks=True)
    if username:
        c.force_login(User.objects.get(username=username))
    return c
