"""The CDG's desk in a real browser (Debian's Chromium driven by Playwright) against the real
`pipeline serve` (waitress + the Huey consumer): a CDG user sees its three collectivités and no
other, runs a collectivité's batch check, follows its progress, downloads the report PDF, and
the test reads it back."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.conftest import CHROMIUM, keep_screenshot, logged_in

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium absent (/usr/bin/chromium)")]


def test_cdg_batch_check_in_the_browser(desk_server, cdg_world, tmp_path):
    from pipeline.web.desk.models import Dossier

    names = {k: d.agent for k, d in cdg_world.items()}
    # A name without any space, as a pasted formula or address gives: it must not widen the table.
    long_name = Dossier.objects.create(collectivite=cdg_world["saintlo"].collectivite,
                                       agent='=LIEN_HYPERTEXTE("http://exemple.invalid/une/longue/adresse","ici")')
    try:
        _batch_check(desk_server, names, tmp_path)
    finally:
        long_name.delete()


def _batch_check(desk_server, names, tmp_path):
    import pdfplumber
    from playwright.sync_api import expect

    with logged_in(desk_server, "cdg50", accept_downloads=True) as page:
        page.click("nav >> text=Centre de gestion")
        expect(page.locator("h1")).to_contain_text("Dossiers des collectivités")
        table = page.locator("#dossiers").inner_text()
        for key in ("valognes", "coutances", "saintlo"):
            assert names[key] in table, key
        assert names["bayeux"] not in page.content() and "Bayeux" not in page.content()
        first = page.locator("#dossiers tbody tr").first.inner_text()
        assert names["coutances"] in first and "Urgent" in first
        # At 1 280 pixels the whole table stays inside the page, even with a long name that has no
        # space (the « =LIEN_HYPERTEXTE(…) » agent): no column is pushed past the right edge.
        past = page.evaluate("""() => { const t = document.querySelector('#dossiers').getBoundingClientRect();
            const m = document.querySelector('main'); const r = m.getBoundingClientRect().right
            - parseFloat(getComputedStyle(m).paddingRight); return t.right - r; }""")
        assert past <= 1, f"le tableau dépasse de {past:.0f} pixels à droite"
        keep_screenshot(page, "cdg_tableau")

        row = page.locator("#collectivites tr", has_text="Commune de Valognes")
        row.locator("button:has-text('Contrôler')").click()
        # The progress bar polls the task; the page reloads when it is done.
        expect(row.locator("a:has-text('PDF')")).to_be_visible(timeout=180_000)
        assert "Contrôle terminé" in row.inner_text()
        keep_screenshot(page, "cdg_controle")
        with page.expect_download() as dl:
            row.locator("a:has-text('PDF')").click()
        pdf_path = tmp_path / "rapport.pdf"
        dl.value.save_as(pdf_path)
        page.click("text=Centre de gestion")
        page.click("text=En-tête des rapports")
        expect(page.locator("h1")).to_have_text("En-tête des rapports")
        assert page.input_value("#id_signataire") == "Anne Lecomte"
        keep_screenshot(page, "cdg_entete")
    with pdfplumber.open(pdf_path) as pdf:
        text = "\n".join(pg.extract_text() or "" for pg in pdf.pages)
    assert "Centre de gestion de la Manche" in text and "Anne Lecomte" in text
    assert "Commune de Valognes" in text and "CASTEL" in text and "PIECE-MANQUANTE" in text
    for other in ("coutances", "saintlo", "bayeux"):
        assert names[other].split()[-1].upper() not in text, other
    assert re.search(r"Fait à Saint-Lô, le \d", text)
