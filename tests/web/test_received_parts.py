"""A received file holding several pièces (AF3 and AF4 scanned together, or a whole dossier):
the dossier page names each pièce with its pages, and the checklist marks each as received."""
from __future__ import annotations

import html
import io
import re

import pytest

from tests.web.conftest import _cdg_dossier, client_for


def _one_file(*paths) -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for path in paths:
        for page in PdfReader(path).pages:
            w.add_page(page)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.mark.slow  # one build (LibreOffice)
def test_one_file_two_pieces(cdg_world, completed_forms):
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pipeline.web.desk import services, tasks, uploads
    from pipeline.web.desk.models import Journal, Tache

    saintlo = cdg_world["saintlo"].collectivite
    d = _cdg_dossier(saintlo, "01_non_imputable_toutes_fonctions")
    built = Tache.objects.create(genre="construction", dossier=d, collectivite=saintlo)
    tasks.construire_now(built)  # documents and checklist, nothing received (never queued: run here)
    assert built.etat == "terminee", built.message
    data = _one_file(completed_forms["af3"], completed_forms["af4"])
    (p,), _ = uploads.file_pieces(d, [uploads.examine(SimpleUploadedFile("af3_af4_scannes.pdf", data))],
                                  User.objects.get(username="gest_a"))
    services.bundle(d)
    p.refresh_from_db()
    assert [x["piece"] for x in p.parties] == ["af3", "af4"] and p.medicale

    c = client_for("gest_a")
    page = html.unescape(c.get(f"/dossiers/{d.uid}/").content.decode())
    received = re.sub(r"<[^>]+>", " ", page.split('id="recues"')[1].split("</table>")[0])
    assert "Imprimé AF3 – rapport médical du médecin agréé (p. 1 à 4)" in received, received
    assert "Imprimé AF4 – procès-verbal du conseil médical en formation plénière (p. 5 à 6)" in received
    checklist = page.split('id="checklist"')[1].split("</table>")[0]
    rows = {re.sub(r"<[^>]+>", "", r).strip()[:12]: r for r in checklist.split("<tr>")[2:]}
    assert "reçue le" in rows["Imprimé AF3 "] and "reçue le" in rows["Imprimé AF4 "], rows.keys()
    missing = re.findall(r"PIECE-MANQUANTE</code></td><td>([^<(]+)", page)
    assert any(m.startswith("Rapport d'expertise") for m in missing), missing
    assert not any(m.startswith(("Imprimé AF3", "Imprimé AF4")) for m in missing), missing

    # Opening it is logged with both pièces.
    before = Journal.objects.count()
    assert c.get(f"/dossiers/{d.uid}/pieces/{p.pk}/").status_code == 200
    entry = Journal.objects.order_by("-pk").first()
    assert Journal.objects.count() == before + 1 and entry.piece == "af3,af4"
