"""The conseil médical's secretariat in a real browser (Debian's Chromium driven by Playwright)
against the real `pipeline serve` (waitress + the Huey consumer + LibreOffice): a secretariat
user creates a séance, puts two dossiers on its agenda, downloads a dossier's pre-filled AF4 (the
test reads back the agent and the séance date), drops the scanned AF4 of a séance without quorum
and sees the quorum finding on the page once the server's queue has read it."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import CHROMIUM, keep_screenshot, logged_in
from tests.web.test_cdg_seances import quorum_af4, secretariat  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def test_secretariat_seance_af4_and_quorum(desk_server, cdg_world, secretariat, quorum_af4, tmp_path):  # noqa: F811
    import pdfplumber
    from playwright.sync_api import expect

    d01, valognes = secretariat["d01"], cdg_world["valognes"]
    with logged_in(desk_server, "secr50", accept_downloads=True) as page:
        expect(page.locator("nav >> text=Centre de gestion")).to_have_count(0)
        page.click("nav >> text=Conseil médical")
        expect(page.locator("h1")).to_contain_text("Séances du conseil médical")

        form = page.locator("#nouvelle-seance form")
        form.locator("input[name=date]").fill("2027-03-16")
        form.locator("input[name=lieu]").fill("Centre de gestion, Saint-Lô")
        for i, (role, nom) in enumerate([("president", "Dr Paul Lemaire"), ("medecin", "Dr Claire Roussel"),
                                         ("representant_personnel", "Marc Tison")]):
            form.locator(f"select[name=role_{i}]").select_option(role)
            form.locator(f"input[name=nom_{i}]").fill(nom)
        form.locator("button:has-text('Créer la séance')").click()
        expect(page.locator("h1")).to_contain_text("formation plénière du 16/03/2027")

        inscrire = page.locator("#inscrire")
        assert cdg_world["bayeux"].agent not in inscrire.inner_text()  # another centre's collectivité
        inscrire.locator(f"input[value='{valognes.uid}']").check()
        inscrire.locator(f"input[value='{d01.uid}']").check()
        inscrire.locator("button:has-text('Inscrire')").click()
        expect(page.locator(".messages")).to_contain_text("2 dossier(s) inscrit(s)")
        expect(page.locator("#dossiers .inscription")).to_have_count(2)

        bloc = page.locator(f"#dossier-{d01.uid}")
        with page.expect_download(timeout=120_000) as dl:
            bloc.locator("a:has-text('AF4 pré-rempli')").click()
        af4_path = tmp_path / "af4_prerempli.pdf"
        dl.value.save_as(af4_path)

        bloc.locator("input[type=file]").set_input_files(str(quorum_af4))
        bloc.locator("button:has-text('Envoyer l')").click()
        expect(page.locator(".messages")).to_contain_text("contrôle du quorum en cours")
        # The progress bar polls the server's queue; the page reloads when the AF4 is read.
        bloc = page.locator(f"#dossier-{d01.uid}")
        expect(bloc.locator(".quorum")).to_contain_text("AF4-QUORUM", timeout=180_000)
        text = bloc.inner_text()
        assert "quorum du conseil médical plénier n'est pas atteint" in text, text
        assert "af4_seance.pdf" in text  # filed among the dossier's received pièces
        keep_screenshot(page, "seance_quorum")
    with pdfplumber.open(af4_path) as pdf:
        text = "\n".join(pg.extract_text() or "" for pg in pdf.pages)
    assert "16/03/2027" in text and "Centre de gestion, Saint-Lô" in text
    assert d01.agent.split()[-1].upper() in text.upper() and "Marc Tison" in text
