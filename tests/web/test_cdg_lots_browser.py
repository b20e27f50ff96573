"""A collectivité's batch drop in a real browser (Debian's Chromium driven by Playwright) against
the real `pipeline serve` (waitress + the Huey consumer): a collectivité's gestionnaire chooses a
folder holding two dossiers (`<input type=file webkitdirectory>`), follows the check's progress,
and sees each dossier's result; a zip leaving its folder is refused with its reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import CHROMIUM, keep_screenshot, logged_in

from tests.web.test_cdg_lots import _zip_of, lot_folder  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def test_folder_of_dossiers_dropped_in_the_browser(desk_server, cdg_world, lot_folder, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    bad = tmp_path / "evasion.zip"
    bad.write_bytes(_zip_of({"a/ok.pdf": b"%PDF-1.4", "../hors.pdf": b"%PDF-1.4"}))
    with logged_in(desk_server, "gest_valognes", "x-Solide-2026!") as page:
        page.click("nav >> text=Dépôt par lot")
        expect(page.locator("h1")).to_contain_text("Dépôt d'un lot de dossiers")
        form = page.locator("#deposer form")
        assert form.locator("select[name=collectivite] option").all_inner_texts() == ["—", "Commune de Valognes"]

        form.locator("select[name=collectivite]").select_option(label="Commune de Valognes")
        form.locator("input[name=archive]").set_input_files(str(bad))
        form.locator("button:has-text('Déposer le lot')").click()
        expect(page.locator(".messages")).to_contain_text("« evasion.zip » : archive refusée : chemin qui sort "
                                                          "du dossier")

        form = page.locator("#deposer form")
        form.locator("select[name=collectivite]").select_option(label="Commune de Valognes")
        form.locator("input[name=dossier]").set_input_files(str(lot_folder))
        form.locator("button:has-text('Déposer le lot')").click()
        expect(page.locator(".messages")).to_contain_text("contrôle en cours")
        lot = page.locator(".lot-depose").first
        # The progress bar polls the server's queue; the page reloads when the batch is checked.
        expect(lot).to_contain_text("Lot contrôlé : 2 dossier(s), 1 à compléter.", timeout=180_000)
        rows = page.locator(".lot-depose").first.locator("tbody tr")
        expect(rows).to_have_count(2)
        assert "complet_1" in rows.nth(0).inner_text() and "complet" in rows.nth(0).inner_text()
        q = rows.nth(1).inner_text()
        assert "quorum_2" in q and "incomplet" in q and "AF4-QUORUM" in q, q
        keep_screenshot(page, "lot")
