"""Scans read by Tesseract kept loaded in the process (tesserocr): the same words as the
`tesseract` command, on several threads at once, and a page lying upside down still read upright."""
from __future__ import annotations

import difflib
import io
import random
import sys
import threading

import pytest

from pipeline.read import ocr
from pipeline.read.reader import read_file
from tests.paths import REPO

sys.path.insert(0, str(REPO / "samples"))
import variations  # noqa: E402

LINES = [
    ("Rapport hiérarchique", None),
    ("Nom de naissance :", "DURAND"),
    ("Prénoms :", "Claire Marie"),
    ("Date de naissance :", "14/09/1967"),
    ("Service :", "Direction des ressources humaines"),
    ("L'agent occupe un poste d'adjoint administratif depuis le mois de mars.", None),
    ("Ses fonctions comportent l'accueil du public et la tenue des dossiers.", None),
]
BY_HAND = [  # a form filled by hand: the values' words are read unsurely
    ("Fiche de poste", None), ("Nom de naissance :", "Durand"), ("Prénoms :", "Claire Marie"),
    ("Date de naissance :", "14/09/1967"), ("Service :", "Direction des ressources humaines"),
    ("Missions :", "Accueil du public, tenue des dossiers"), ("", "et suivi des carrieres des agents"),
    ("Contraintes :", "Station debout prolongee, port de charges"), ("", "deplacements frequents sur les sites"),
    ("Observations :", "Poste adapte a envisager apres avis"), ("", "du medecin du travail"),
]


def _scan(tmp_path, turn: int = 0, value_font: str | None = None, name: str = "scan.pdf", lines=LINES):
    """One A4 page, printed labels and values (in `value_font` when given), scanned at 200 dpi
    lying `turn` degrees on the glass."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    body, _ = variations._fonts("sans")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = 780
    for label, value in lines:
        c.setFont(body, 12)
        c.drawString(60, y, label)
        if value:
            c.setFont(value_font or body, 13)
            c.drawString(68 + c.stringWidth(label, body, 12), y, value)
        y -= 28
    c.showPage()
    c.save()
    look = variations.ScanLook(dpi=200, skew=0.0, blur=0, noise=0, bw=False, turn=turn)
    path = tmp_path / name
    path.write_bytes(variations.scan_pdf(buf.getvalue(), [look], random.Random(0)))
    return path


def _words(img) -> list[str]:
    return [w.text for w in ocr.tesseract_words(img, ocr.OCR_DPI)]


def _cli_words(img) -> list[str]:
    out = ocr._cli(img, "-l", "fra", "--psm", "3", "-c", "preserve_interword_spaces=1",
                   "-c", "tessedit_do_invert=0", "tsv")
    return [r.split("\t")[11].strip() for r in out.splitlines()[1:]
            if len(r.split("\t")) >= 12 and r.split("\t")[0] == "5" and r.split("\t")[11].strip()]


def _page_image(path):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return doc[0].render(scale=ocr.OCR_DPI / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()


def test_the_engine_in_the_process_reads_the_words_the_command_reads(tmp_path):
    assert ocr._api("fra") is not None, "tesserocr absent : « make install » l'installe (pyproject)"
    img = _page_image(_scan(tmp_path))
    ours, cli = _words(img), _cli_words(img)
    # The library bundled by the wheel may be a newer Tesseract than Debian's: nearly the same words.
    assert difflib.SequenceMatcher(None, ours, cli).ratio() >= 0.9, (ours, cli)
    text = " ".join(ours)
    for expected in ("DURAND", "14/09/1967", "ressources humaines", "adjoint administratif"):
        assert expected in text


def test_pages_read_on_several_threads_at_once_give_each_its_own_words(tmp_path):
    """The web desk reads on several threads: each gets its own engine, no page mixed with another."""
    upright = _page_image(_scan(tmp_path))
    other = upright.crop((0, 0, upright.width, upright.height // 3))
    alone = {"upright": _words(upright), "other": _words(other)}
    got: dict = {}

    def read(name, img):
        got.setdefault(name, []).append(_words(img))

    threads = [threading.Thread(target=read, args=(n, i)) for n, i in
               [("upright", upright), ("other", other), ("upright", upright), ("other", other)]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {"upright": [alone["upright"]] * 2, "other": [alone["other"]] * 2}


@pytest.mark.slow
@pytest.mark.parametrize("turn", [180, 90])
def test_a_page_scanned_turned_is_read_upright(tmp_path, turn):
    fd = read_file(_scan(tmp_path, turn=turn))
    page = fd.pages[0]
    assert page.ocr and page.rotation in (90, 180, 270)
    assert "DURAND" in page.text and "14/09/1967" in page.text
    assert "Direction des ressources humaines" in page.text


@pytest.mark.slow
@pytest.mark.skipif(not variations.hand_available(), reason="police manuscrite absente (fonts-breip)")
def test_values_written_by_hand_upright_or_upside_down_the_labels_are_read_upright(tmp_path):
    """Values written by hand lower the OCR's mean confidence: an upright page is kept as it is
    (its printed words are read surely), a page upside down is still turned and read upright."""
    hand = variations._font("V_hand", variations.HAND)
    for turn in (0, 180):
        fd = read_file(_scan(tmp_path, turn=turn, value_font=hand, name=f"main_{turn}.pdf", lines=BY_HAND))
        page = fd.pages[0]
        assert page.rotation == turn
        for label in ("Fiche de poste", "Nom de naissance : Durand", "Date de naissance", "Observations"):
            assert label in page.text


@pytest.mark.slow
def test_reading_a_scan_writes_nothing_on_the_terminal(tmp_path, capfd):
    """The engine runs in the reading process: Leptonica's messages (« Error in
    boxClipToRectangle » on a zone at a page's edge, seed 4) must not reach the user's terminal."""
    from pipeline.read.identify import identify_document

    assert 4 in variations.DEV_SEEDS
    variations.generate(4, tmp_path / "v", mode="scan", dpi=200)
    capfd.readouterr()
    ident = identify_document(tmp_path / "v" / "dossier" / "document_02.pdf")
    assert ident.piece is not None
    assert capfd.readouterr().err == ""
