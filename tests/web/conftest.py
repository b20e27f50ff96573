"""The web desk under test: one data folder, real accounts, the real `pipeline serve` process.

The test process configures Django on the same data folder (SQLite file) to create the
accounts and to drive the access tests with Django's test client; the browser talks to the
server started by `pipeline serve` (waitress + the Huey consumer + LibreOffice).
"""
from __future__ import annotations

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
                                   ("cdg50", "cdg", [], manche)):
        u = User.objects.create_user(name, password=PASSWORD)
        p = Profil.objects.create(user=u, role=role, cdg=cdg)
        p.collectivites.set(colls)
    User.objects.create_superuser("admin", password=PASSWORD)


@pytest.fixture(scope="session")
def desk_server(desk_data):
    """`pipeline serve` on a free loopback port; yields its base URL."""
    port = _free_port()
    log = open(desk_data.parent / "serve.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "pipeline"), "serve", "--data", str(desk_data),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ})
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


def client_for(username: str | None):
    from django.test import Client

    from django.contrib.auth.models import User

    c = Client(enforce_csrf_checks=True)
    if username:
        c.force_login(User.objects.get(username=username))
    return c
