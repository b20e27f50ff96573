"""The evidence of a finding on the dossier page: the zone of the page the check read, shown
next to the finding, behind the dossier's right, each opening written to the access log, and
gone with the finding."""
from __future__ import annotations

import io

from tests.web.conftest import _cdg_dossier, client_for
from tests.web.test_cdg_seances import quorum_af4  # noqa: F401  (fixture)


def test_the_crop_of_the_page_is_shown_next_to_the_finding(cdg_world, quorum_af4):  # noqa: F811
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from pipeline.web.desk import services, uploads
    from pipeline.web.desk.models import Journal

    saintlo = cdg_world["saintlo"].collectivite
    d = _cdg_dossier(saintlo, "01_non_imputable_toutes_fonctions")
    gest = User.objects.get(username="gest_a")
    accepted = [uploads.examine(SimpleUploadedFile("af4_quorum.pdf", quorum_af4.read_bytes()))]
    (piece,), _ = uploads.file_pieces(d, accepted, gest)
    services.bundle(d)
    d.refresh_from_db()
    n = next(i for i, c in enumerate(d.controle["constats"]) if c["rule"] == "AF4-QUORUM")
    url = f"/dossiers/{d.uid}/constats/{n}/extrait.png"

    c = client_for("gest_a")
    page = c.get(f"/dossiers/{d.uid}/").content.decode()
    row = page.split("AF4-QUORUM", 1)[1].split("</tr>", 1)[0]
    assert "lu page 1 : « " in row and f'src="{url}"' in row, row
    before = Journal.objects.count()
    r = c.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.width > 100 and im.height > 50  # the members' table, not a blank pixel
    last = Journal.objects.order_by("-pk").first()
    assert Journal.objects.count() == before + 1 and last.utilisateur == "gest_a" and last.piece == "af4"
    assert (services.crops_dir(d) / f"constat_{n}.png").stat().st_mode & 0o077 == 0

    # Another collectivité's gestionnaire, or nobody, gets nothing; a finding without crop neither.
    assert client_for("gest_b").get(url).status_code == 404
    assert client_for(None).get(url).status_code in (302, 404)
    assert c.get(f"/dossiers/{d.uid}/constats/{len(d.controle['constats']) + 3}/extrait.png").status_code == 404
    missing = next(i for i, x in enumerate(d.controle["constats"]) if x["rule"] == "PIECE-MANQUANTE")
    assert c.get(f"/dossiers/{d.uid}/constats/{missing}/extrait.png").status_code == 404

    # The AF4 withdrawn and the dossier checked again: the crop goes with its finding.
    (uploads.dossier_dir(d) / piece.chemin).unlink()
    piece.delete()
    services.bundle(d)
    d.refresh_from_db()
    assert not any(x["rule"] == "AF4-QUORUM" for x in d.controle["constats"])
    assert c.get(url).status_code == 404
    assert not (services.crops_dir(d) / f"constat_{n}.png").exists()

