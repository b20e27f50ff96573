"""Extraction on small PDFs drawn here: typing by content, labels, boxes, scans, NIR noise."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pipeline.read import fields as extract
from pipeline.read.document import fold_keep_lines
from pipeline.read.pixels import page_ink
from pipeline.read.fields import read_fields
from pipeline.read.labels import text_block, text_value
from pipeline.read.reader import read_file

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _pdf(path, lines, font_size=11):
    pdfmetrics.registerFont(TTFont("DV", FONT))
    c = canvas.Canvas(str(path), pagesize=A4)
    y = 800
    for line in lines:
        c.setFont("DV", font_size)
        c.drawString(60, y, line)
        y -= 22
    c.showPage()
    c.save()
    return path


def _scan(src, dst, dpi=200):
    """An image-only PDF of `src` (what a scanner gives)."""
    import img2pdf
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(src))
    img = doc[0].render(scale=dpi / 72, grayscale=True).to_pil()
    doc.close()
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=70, dpi=(dpi, dpi))
    dst.write_bytes(img2pdf.convert([buf.getvalue()], layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))
    return dst


FORM = {"champs": {
    "inapte": {"type": "ouinon", "libelle": "inapte a toutes fonctions"},
    "ati": {"type": "ouinon", "libelle": "allocation temporaire d'invalidite"},
    "traitant": {"type": "bloc", "libelle": "medecin traitant", "arret": ["la fiche de poste"]},
    "seconde": {"type": "case", "libelle": "seconde convocation"},
}}
LINES = [
    "L'agent est-il inapte à toutes fonctions ?  ☐ Oui   ☒ Non",
    "L'agent perçoit-il une allocation temporaire d'invalidité (ATI) ?  ☒ Oui   ☐ Non",
    "Médecin traitant :",
    "Docteur Hélène GIRAUD",
    "La fiche de poste est obligatoire.",
    "☐ Seconde convocation (le quorum n'était pas atteint)",
]


def test_boxes_and_blocks_from_text_layer(tmp_path):
    fd = read_file(_pdf(tmp_path / "f.pdf", LINES))
    f = read_fields(fd, FORM)
    assert f["inapte"] is False and f["ati"] is True and f["seconde"] is False
    assert "giraud" in f["traitant"]


def test_ticked_boxes_on_a_scan_by_darkness(tmp_path):
    src = _pdf(tmp_path / "f.pdf", LINES, font_size=13)
    fd = read_file(_scan(src, tmp_path / "scan.pdf"))
    assert fd.pages[0].ocr and not fd.pages[0].has_text_layer
    f = read_fields(fd, FORM)
    assert (f["inapte"], f["ati"], f["seconde"]) == (False, True, False)
    assert "giraud" in f["traitant"]


def test_other_layout_label_then_value_on_next_line():
    text = fold_keep_lines("Nom de naissance\nLEFÈVRE\nHeure\nLieu\nSalle 3\nCirconstances\nDate\n01/02/2026")
    assert text_value(text, "nom de naissance") == "lefevre"
    # An empty field followed by another label is empty, not the next label.
    assert text_value(text, "heure", known=["lieu"]) == ""
    assert text_block(text, "circonstances", ["date"]) == ""
    assert text_value("heure : 10:40\nlieu : x", "heure") == "10:40"


def test_type_by_content_not_extension(tmp_path):
    pdf = _pdf(tmp_path / "vrai.pdf", ["FICHE DE POSTE – DERNIÈRES FONCTIONS EXERCÉES"])
    renamed = tmp_path / "photo.jpg"
    renamed.write_bytes(pdf.read_bytes())
    assert read_file(renamed).kind == "pdf"
    doc = tmp_path / "note.pdf"
    doc.write_text("ceci n'est pas un PDF", encoding="utf-8")
    fd = read_file(doc)
    assert fd.problem and "non accepté" in fd.problem
    empty = tmp_path / "vide.pdf"
    empty.write_bytes(b"")
    assert read_file(empty).problem == "fichier vide"


def test_nir_read_after_its_label_with_ocr_letters():
    text = "nir : 2 67 09 50 116 o42 37\nsiret : 21500502700019"
    assert extract.text_nirs(text, "nir") == ["267095011604237"]


def test_page_size_and_blank_page(tmp_path):
    c = canvas.Canvas(str(tmp_path / "b.pdf"), pagesize=(612, 792))
    c.showPage()
    c.save()
    fd = read_file(tmp_path / "b.pdf", ocr=False)
    assert not fd.pages[0].is_a4_portrait
    assert page_ink(fd, 0) < 0.002


def test_words_read_with_the_text_and_the_file_kept_open_only_in_this_process(tmp_path):
    import pickle

    from pipeline.read.pixels import render

    fd = read_file(_pdf(tmp_path / "f.pdf", ["Nom de naissance : MARTIN", "Prénom : Hélène"]))
    page = fd.pages[0]
    # The words' boxes come with the text, in reading order, top-left origin.
    assert [w.text for w in page.words] == ["Nom", "de", "naissance", ":", "MARTIN", "Prénom", ":", "Hélène"]
    assert page.words[0].top < page.words[5].top and page.words[0].x0 < page.words[4].x0
    # Drawn from the document the reading left open; closed, it opens again for the next drawing.
    a = render(fd, 0, dpi=40)
    fd.close_pdf()
    assert render(fd, 0, dpi=40).tobytes() == a.tobytes()
    # A sandbox worker sends its FileData back: the pypdfium2 objects stay behind.
    back = pickle.loads(pickle.dumps(fd))
    assert back._pdf is None and [w.text for w in back.pages[0].words] == [w.text for w in page.words]
    assert render(back, 0, dpi=40).tobytes() == a.tobytes()
    fd.close_pdf()
    back.close_pdf()
