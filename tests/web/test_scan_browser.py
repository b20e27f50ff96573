"""The scanning desk in a real browser (Debian's Chromium driven by Playwright) against the real
`pipeline serve`: the watcher could not tell whose a scanned certificate is; a scanning-desk user
sees it under « À trier » with the reason, files it in the right dossier and pièce, and sees it
filed and the dossier re-checked by the server's task queue. The file lands on disk."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import CHROMIUM, keep_screenshot, logged_in

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def test_scanning_desk_files_an_a_trier_document(desk_server, scan_root, tmp_path):
    from playwright.sync_api import expect

    from tests.test_watch_support import AGENTS, drop, identity_lines, make_dossier, run_once, text_pdf

    inbox = tmp_path / "depot"
    inbox.mkdir()
    make_dossier(scan_root, "A")
    # C's certificate arrives before C's dossier exists: the watcher sets it aside « à trier ».
    drop(inbox, "scan_c.pdf", text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("C")))
    assert run_once(inbox, scan_root).returncode == 0
    folder_c = make_dossier(scan_root, "C")
    target = folder_c / "certificat_medical_initial.pdf"
    assert not target.exists()

    with logged_in(desk_server, "scan50") as page:
        expect(page.locator("nav >> text=Centre de gestion")).to_have_count(0)
        page.click("nav >> text=Numérisation")
        expect(page.locator("h1")).to_contain_text("Bureau de numérisation")
        row = page.locator("#a-trier tbody tr", has_text="scan_c.pdf")
        expect(row).to_have_count(1)
        assert row.locator("td").nth(2).inner_text().strip(), "le motif de la mise à l'écart manque"
        keep_screenshot(page, "numerisation_a_trier")

        row.locator("select[name=dossier_id]").select_option(AGENTS["C"]["id"])
        row.locator("select[name=piece_id]").select_option("certificat_medical_initial")
        row.locator("button:has-text('Classer')").click()
        expect(page.locator(".messages")).to_contain_text("Document classé dans " + AGENTS["C"]["id"])
        expect(page.locator("#a-trier")).to_contain_text("Aucun document à trier")
        assert target.is_file()
        # The re-check runs in the server's queue: the person reloads until the verdict shows.
        classes = page.locator("#classes tr", has_text="scan_c.pdf")
        for _ in range(60):
            if "incomplet" in classes.inner_text() or "complet" in classes.inner_text():
                break
            page.wait_for_timeout(1000)
            page.reload()
        text = classes.inner_text()
        assert AGENTS["C"]["id"] in text and "incomplet" in text, text
        assert "scan50 : attribution" in page.locator("main").inner_text()
        keep_screenshot(page, "numerisation_classe")
