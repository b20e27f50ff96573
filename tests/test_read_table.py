"""Ruled tables on scans read cell by cell (pipeline/read/table.py), on pictures drawn here."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pipeline.read.reader import read_file
from pipeline.read.table import ruled_rows

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DPI = 200


def _page(tmp_path: Path, tables: list[tuple[int, list[list[str]]]], lines: list[tuple[int, str]] = ()) -> Path:
    """An A4 page at 200 dpi with ruled tables (top in pixels, rows of cells) and plain lines."""
    img = Image.new("L", (1654, 2339), 255)
    draw, font = ImageDraw.Draw(img), ImageFont.truetype(FONT, 30)
    for top, rows in tables:
        widths = [520, 330, 520]
        for r, row in enumerate(rows):
            y = top + r * 70
            x = 90
            for w, text in zip(widths, row):
                draw.rectangle((x, y, x + w, y + 70), outline=0, width=3)
                draw.text((x + 14, y + 18), text, fill=0, font=font)
                x += w
    for y, text in lines:
        draw.text((90, y), text, fill=0, font=font)
    path = tmp_path / "page.png"
    img.save(path, dpi=(DPI, DPI))
    return path


def test_cells_read_row_by_row_and_the_table_located(tmp_path):
    rows = [["Nom", "Mode", "Rôle"], ["Marc Lebrun", "présent", "Président"],
            ["Claire Pasquier", "visioconférence", "Médecin"]]
    fd = read_file(_page(tmp_path, [(400, rows)], [(300, "Composition du conseil")]))
    table = ruled_rows(fd, 0, (0, 100, 595, 400))
    assert table is not None and table.rows == rows
    top, bottom = table.box[1], table.box[3]
    assert abs(top - 400 * 72 / DPI) < 3 and abs(bottom - (400 + 3 * 70) * 72 / DPI) < 3


def test_only_the_first_table_and_only_near_the_label(tmp_path):
    first = [["Infirmité", "Date", "Taux"], ["Coxarthrose", "12/03/2021", "20 %"]]
    second = [["Nom", "Mode", "Rôle"], ["Anne Collet", "présent", "Secrétaire"]]
    fd = read_file(_page(tmp_path, [(400, first), (900, second)], [(700, "Avis du conseil médical")]))
    table = ruled_rows(fd, 0, (0, 100, 595, 420))
    assert table is not None and table.rows == first  # the text and table below are not part of it
    # A table far under the zone's top is another section's: not taken for the label's value.
    assert ruled_rows(fd, 0, (0, 100, 595, 420), starts_within=20) is None


def test_no_ruled_table_no_rows(tmp_path):
    fd = read_file(_page(tmp_path, [], [(300, "Marc Lebrun présent Président signé"),
                                       (360, "Claire Pasquier présent Médecin signé")]))
    assert ruled_rows(fd, 0, (0, 50, 595, 300)) is None
