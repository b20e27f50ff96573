"""The centre's letterhead edited in the desk by its retirement service, read back from the
report PDF sent to a collectivité; a file that is not an image is refused in French."""
from __future__ import annotations

import io
from pathlib import Path

from tests.web.cdg_support import run_task
from tests.web.conftest import client_for


def _png() -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (600, 240), "white")
    ImageDraw.Draw(im).rectangle((20, 20, 580, 220), fill=(20, 70, 140))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _post(c, data: dict, files: dict | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {**data, "csrfmiddlewaretoken": c.cookies["csrftoken"].value}
    for k, (name, content) in (files or {}).items():
        payload[k] = SimpleUploadedFile(name, content)
    return c.post("/cdg/en-tete/", payload)


def test_letterhead_edited_in_the_desk_is_printed_on_the_report(cdg_world):
    import pdfplumber
    from django.conf import settings

    from pipeline.web.desk.models import Cdg, Tache

    manche = Cdg.objects.get(nom="Centre de gestion de la Manche")
    keep = {f: getattr(manche, f) for f in ("service", "telephone", "courriel", "logo")}
    c = client_for("cdg50")
    page = c.get("/cdg/en-tete/").content.decode()
    assert "En-tête des rapports" in page and "Centre de gestion de la Manche" in page and "Anne Lecomte" in page
    form = {"nom": manche.nom, "adresse": manche.adresse, "signataire": manche.signataire,
            "qualite_signataire": manche.qualite_signataire}
    try:
        sent = _png()
        r = _post(c, {**form, "service": "Service retraites – invalidité", "telephone": "02 33 77 89 00",
                      "courriel": "retraites@cdg50.example"}, {"logo_fichier": ("logo.png", sent)})
        assert r.status_code == 302, r.content.decode()[:2000]
        manche.refresh_from_db()
        logo = Path(settings.DATA_DIR) / manche.logo
        assert manche.telephone == "02 33 77 89 00" and logo.is_file()
        assert logo.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and logo.read_bytes() != sent  # drawn again
        assert logo.stat().st_mode & 0o077 == 0

        coll = cdg_world["valognes"].collectivite
        assert c.post("/cdg/controle/", {"collectivite": coll.pk,
                                         "csrfmiddlewaretoken": c.cookies["csrftoken"].value}).status_code == 302
        t = Tache.objects.filter(genre="controle_lot", collectivite=coll).latest("cree_le")
        run_task(t)
        assert t.etat == "terminee", t.message
        pdf_bytes = b"".join(c.get(f"/cdg/rapports/{t.pk}/rapport.pdf").streaming_content)
        with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
            assert pdf.pages[0].images, "le logo n'est pas imprimé sur la lettre"
            head = pdf.pages[0].extract_text() or ""
            text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        assert "Service retraites – invalidité" in head and "02 33 77 89 00" in head, head[:400]
        assert "retraites@cdg50.example" in head and "Anne Lecomte" in text, head[:400]

        # Not an image: refused in French, nothing changed.
        before = (manche.logo, manche.telephone)
        r = _post(c, {**form, "telephone": "00 00 00 00 00"}, {"logo_fichier": ("logo.png", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n")})
        assert r.status_code == 200
        assert "n&#x27;est ni une image PNG ni une image JPEG d&#x27;après son contenu" in r.content.decode()
        manche.refresh_from_db()
        assert (manche.logo, manche.telephone) == before

        # Removed: the file goes with it.
        r = _post(c, {**form, "retirer_logo": "on"})
        assert r.status_code == 302
        manche.refresh_from_db()
        assert manche.logo == "" and not logo.exists()
    finally:
        Cdg.objects.filter(pk=manche.pk).update(**keep)


def test_only_the_centres_retirement_service_edits_its_letterhead(cdg_world):
    assert client_for("gest_a").get("/cdg/en-tete/").status_code == 403
    assert client_for("scan50").get("/cdg/en-tete/").status_code == 403
    r = client_for(None).get("/cdg/en-tete/")
    assert r.status_code == 302 and "/connexion/" in r["Location"]


def test_no_model_change_without_its_migration():
    from django.core.management import call_command

    call_command("makemigrations", "desk", "cdg", check=True, dry_run=True, verbosity=0)  # exits 1 when one is missing
