"""First use of a new desk, as a person who has read nothing: `pipeline serve` on an empty data
folder prints a first-use link; the login page says where it is; the link opened on the server
itself creates the administrator (passwords checked in French) who lands on the desk with a
first collectivité; the page is gone afterwards. Without the key, with a wrong one, or from
another address, it never exists."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.web.conftest import CHROMIUM, PASSWORD, ROOT, _free_port, keep_screenshot


def _outside_address() -> str | None:
    """An address of this machine that is not loopback (the « other computer » of the test)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent: the kernel only picks the route's source address
        addr = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if addr.startswith("127.") else addr


@pytest.fixture()
def empty_desk(tmp_path):
    port = _free_port()
    data = tmp_path / "donnees"
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "pipeline"), "serve", "--data", str(data),
                                 "--host", "0.0.0.0", "--port", str(port), "--no-consumer"],
                                stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                env={**os.environ, "PIPELINE_ALLOWED_HOSTS": "*"})
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion/", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text(errors="replace"))
                time.sleep(0.3)
        yield port, log
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _status(url) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.slow
def test_first_use_creates_the_administrator_in_the_browser(empty_desk):
    from playwright.sync_api import sync_playwright

    port, log = empty_desk
    printed = log.read_text(encoding="utf-8")
    assert "Aucun compte pour l'instant" in printed
    link = re.search(r"http://127\.0\.0\.1:\d+/premier-compte/\?cle=[\w-]+", printed).group(0)
    key = link.split("cle=")[1]
    assert _status(link.split("?")[0]) == 404 and _status(link[:-3] + "xyz") == 404  # no key, wrong key
    outside = _outside_address()
    if outside:  # from another computer the page does not exist, even with the key
        assert _status(f"http://{outside}:{port}/connexion/") == 200  # the desk answers there…
        assert _status(f"http://{outside}:{port}/premier-compte/?cle={key}") == 404  # …but not this page

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(locale="fr-FR").new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        assert "Aucun compte n'existe encore" in page.inner_text("#sans-compte")
        page.goto(link)
        assert page.locator("h1").inner_text() == "Première utilisation du bureau"
        page.fill("#id_username", "responsable")
        page.fill("#id_password1", "court")
        page.fill("#id_password2", "court")
        page.click("button:has-text('Créer le compte administrateur')")
        errors = page.inner_text("#premier-compte")
        assert "trop court" in errors and "10 caractères" in errors, errors
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.fill("#id_collectivite", "Commune de Carentan")
        keep_screenshot(page, "00_premiere_utilisation")
        page.click("button:has-text('Créer le compte administrateur')")
        page.wait_for_url(f"http://127.0.0.1:{port}/")
        assert "Compte administrateur créé" in page.inner_text("main")
        page.click("text=Nouveau dossier")
        assert "Commune de Carentan" in page.inner_text("#collectivite")
        browser.close()

    # Once an account exists the page is gone, key and all, and the login page is the way in.
    assert _status(link) == 404
    login = urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion/", timeout=10).read().decode()
    assert "Connexion" in login and "Aucun compte" not in login
