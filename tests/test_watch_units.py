"""Fast tests of the watcher's pieces: separator sheets, splitting, limits, filing, routing."""
from __future__ import annotations

import subprocess

import pytest

from pipeline import qr
from tests.test_watch_support import AGENTS, PYTHON, identity_lines, make_dossier, pdf_text, text_pdf


@pytest.mark.slow  # more than 5 s
def test_sheets_one_page_per_expected_piece_with_its_qr(tmp_path):
    root = tmp_path / "dossiers"
    folder = make_dossier(root, "A")
    out = tmp_path / "feuilles.pdf"
    r = subprocess.run([PYTHON, "-m", "pipeline.cli", "sheets", str(folder / "dossier.yaml"), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "feuille(s) de séparation" in r.stdout
    from pipeline.dossier.load import load_dossier
    from pipeline.dossier.pieces import case_from_dossier, required_ids

    expected = required_ids(case_from_dossier(load_dossier(folder / "dossier.yaml")))
    import pypdf

    n = len(pypdf.PdfReader(out).pages)
    assert n == len(expected)
    got = [qr.decode_pdf_page(out, i, dpi=72) for i in range(n)]  # large code: even 72 dpi reads it
    assert [[(p.kind, p.dossier_id, p.piece_id) for p in g] for g in got] == [[("S", AGENTS["A"]["id"], pid)] for pid in expected]
    text = pdf_text(out)
    assert "FEUILLE DE SÉPARATION" in text and "Imprimé AF3 – rapport médical du médecin agréé" in text
    assert "SEP-PIN1" in text and (out.stat().st_mode & 0o777) == 0o600


def test_sheets_bad_yaml_is_a_french_error(tmp_path):
    bad = tmp_path / "dossier.yaml"
    bad.write_text("dossier:\n  id: X\n", encoding="utf-8")
    r = subprocess.run([PYTHON, "-m", "pipeline.cli", "sheets", str(bad), "-o", str(tmp_path / "o.pdf")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Erreur" in r.stderr and not (tmp_path / "o.pdf").exists()


def P(d, piece, page=1, pages=1):
    return qr.page_payload(d, piece, "DOC", page, pages)


def S(d, piece):
    return qr.separator_payload(d, piece)


def test_split_at_separators_and_page_codes():
    from pipeline.watch.split import segments

    pages = [
        [],                      # 0: no code before anything: a document to route by content
        [S("D1", "af3")],        # 1: sheet (dropped)
        [], [],                  # 2, 3: af3
        [S("D1", "af4")],        # 4: sheet
        [P("D1", "af4", 1, 2)],  # 5: af4 page 1 (same as the sheet: no new split)
        [P("D1", "af4", 2, 2)],  # 6
        [P("D1", "af4", 1, 1)],  # 7: a second AF4 (page 1 again): new document
        [P("D2", "af3", 1, 1)],  # 8: another dossier
        [],                      # 9: continues D2 af3
        [S("D1", "rib")],        # 10: sheet with nothing after it: nothing
    ]
    segs = segments(pages)
    assert [(s.dossier_id, s.piece_id, s.via, s.pages) for s in segs] == [
        (None, None, "", [0]),
        ("D1", "af3", "separateur", [2, 3]),
        ("D1", "af4", "separateur", [5, 6]),
        ("D1", "af4", "qr", [7]),
        ("D2", "af3", "qr", [8, 9]),
    ]


def test_limits_refuse_with_french_reasons(tmp_path):
    from pipeline.watch.convert_input import Refused, to_pdf

    big = tmp_path / "long.pdf"
    big.write_bytes(text_pdf("X", ["y"], pages=5))
    with pytest.raises(Refused, match="trop de pages"):
        to_pdf(big, tmp_path / "o.pdf", max_bytes=10**7, max_pages=4, max_pixels=10**8)
    with pytest.raises(Refused, match="trop volumineux"):
        to_pdf(big, tmp_path / "o.pdf", max_bytes=100, max_pages=10, max_pixels=10**8)
    from PIL import Image

    img = tmp_path / "grande.png"
    Image.new("L", (3000, 3000), 255).save(img)
    with pytest.raises(Refused, match="démesurée"):
        to_pdf(img, tmp_path / "o.pdf", max_bytes=10**8, max_pages=10, max_pixels=4_000_000)
    info = to_pdf(img, tmp_path / "o.pdf", max_bytes=10**8, max_pages=10, max_pixels=10**8)
    assert info == {"type": "png", "pages": 1}
    # Lossless: the PDF embeds the very pixels.
    import pypdf

    (im,) = pypdf.PdfReader(tmp_path / "o.pdf").pages[0].images
    assert im.image.size == (3000, 3000) and im.image.getextrema() == (255, 255)


def test_filing_never_overwrites_and_resumes_by_inode(tmp_path):
    from pipeline.watch.filer import place

    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "af3.pdf").write_bytes(b"someone else's")
    a = tmp_path / "a.pdf"
    a.write_bytes(b"%PDF-a")
    first = place(a, folder, "af3")
    assert first.name == "af3_2.pdf" and (folder / "af3.pdf").read_bytes() == b"someone else's"
    # A restart that redoes the step finds the same file instead of filing it twice.
    assert place(a, folder, "af3") == first
    assert sorted(p.name for p in folder.iterdir()) == ["af3.pdf", "af3_2.pdf"]


def test_route_never_guesses(tmp_path):
    from pipeline import nir as nir_mod
    from pipeline.watch.route import DossierIndex, Facts, by_content, by_qr

    root = tmp_path / "dossiers"
    for k in AGENTS:
        make_dossier(root, k)
    index = DossierIndex(root).refresh()
    nA, nB = (nir_mod.with_key(AGENTS[k]["nir13"]) for k in "AB")
    d = by_content(index, Facts(piece_id="af3", nirs=[nA], text=""))
    assert (d.kind, d.dossier_id, d.piece_id) == ("dossier", AGENTS["A"]["id"], "af3")
    d = by_content(index, Facts(piece_id="af3", nirs=[nA, nB], text=""))
    assert d.kind == "a_trier" and "plusieurs dossiers" in d.reason
    text = "\n".join(line for line in identity_lines("C") if not line.startswith("NIR"))
    from pipeline.watch.route import dates_in

    d = by_content(index, Facts(piece_id="af4", text=text, birth_dates=dates_in(text)))
    assert (d.kind, d.dossier_id) == ("dossier", AGENTS["C"]["id"])
    d = by_content(index, Facts(piece_id="af4", text="Petit Claire", birth_dates=set()))
    assert d.kind == "a_trier"  # a name without the birth date is not enough
    assert by_qr(index, "INV-INCONNU", "af3", "qr").kind == "a_trier"
    assert by_qr(index, AGENTS["B"]["id"], "pas_une_piece", "qr").kind == "a_trier"


@pytest.mark.slow  # more than 5 s
def test_time_limit_quarantines_the_file_and_the_watcher_goes_on(tmp_path):
    from tests.test_watch_support import drop, journal_rows, page_image, run_once, scan_pdf

    inbox, root = tmp_path / "depot", tmp_path / "dossiers"
    inbox.mkdir()
    make_dossier(root, "A")
    pages = [page_image("CERTIFICAT MEDICAL INITIAL", [f"ligne {i}"] * 20) for i in range(4)]
    drop(inbox, "lourd.pdf", scan_pdf(pages))  # 4 pages of OCR: well over one second
    drop(inbox, "leger.pdf", text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("A")))
    systmp = tmp_path / "tmp-systeme"
    systmp.mkdir()
    r = run_once(inbox, root, "--timeout", "1", "--workers", "1", env={"TMPDIR": str(systmp)})
    assert r.returncode == 0, r.stderr
    # The OCR killed mid-page leaves no page image behind, neither in the system's temporary
    # folder nor in the work area.
    assert list(systmp.iterdir()) == []
    assert list((root / "_watch" / "travail").iterdir()) == []
    rows = {row[1]: row for row in journal_rows(root)}
    assert rows["lourd.pdf"][3] == "quarantaine" and "délai de traitement dépassé" in rows["lourd.pdf"][4]
    assert rows["leger.pdf"][3] == "classe"
    assert (root / "_watch" / "quarantaine" / "1_lourd.pdf").exists() or list((root / "_watch" / "quarantaine").glob("*_lourd.pdf"))


@pytest.mark.slow  # more than 5 s
def test_a_trier_document_dropped_again_once_its_dossier_exists(tmp_path):
    from tests.test_watch_support import drop, journal_rows, run_once

    inbox, root = tmp_path / "depot", tmp_path / "dossiers"
    inbox.mkdir()
    make_dossier(root, "A")
    doc = text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("C"))
    drop(inbox, "certificat.pdf", doc)
    assert run_once(inbox, root).returncode == 0
    make_dossier(root, "C")  # what the à-trier reason asked for
    drop(inbox, "certificat.pdf", doc)  # the very same bytes
    drop(inbox, "encore.pdf", doc)
    assert run_once(inbox, root).returncode == 0
    rows = journal_rows(root)
    assert [(r[1], r[3]) for r in rows] == [("certificat.pdf", "a_trier"), ("certificat.pdf", "classe"),
                                           ("encore.pdf", "doublon")] or \
        [(r[1], r[3]) for r in rows] == [("certificat.pdf", "a_trier"), ("encore.pdf", "classe"),
                                        ("certificat.pdf", "doublon")]
    assert [p.name for p in (root / "dossier_c").glob("*.pdf")] == ["certificat_medical_initial.pdf"]


def test_archive_kept_n_days(tmp_path):
    import datetime as dt

    from pipeline.watch.filer import purge_archive

    today = dt.date.today()
    for days in (0, 5, 31, 400):
        d = tmp_path / (today - dt.timedelta(days=days)).isoformat()
        d.mkdir()
        (d / "x.pdf").write_bytes(b"x")
    (tmp_path / "autre").mkdir()
    assert purge_archive(tmp_path, 30) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [(today - dt.timedelta(days=n)).isoformat() for n in (0, 5)] + ["autre"])
