"""Ruled tables on scans, read cell by cell.

Read with the rest of its page, a ruled table loses rows and cells to Tesseract (its rules break
the page's layout analysis). Its rules, found on the page image, give the cells; each cell read
alone is read whole. Used only where a table read with the page came out incomplete.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from PIL import Image, ImageOps

from pipeline.read.document import FileData
from pipeline.read.layout import skew_slope
from pipeline.read.pixels import DARK_LUT, render

DPI = 200
RULE_ACROSS = 0.4  # a horizontal rule: dark across this share of the zone's width
RULE_DOWN = 0.6  # a vertical rule: dark down this share of its row's height
MIN_CELL = 14  # pixels (5 points at 200 dpi): less is the gap between two rules, not a cell
INSET = 4  # pixels cut off each side of a cell: its rules are not text
PAD = 12  # white added around a cell: Tesseract misses what touches the image's edge


@dataclass
class Table:
    rows: list[list[str]]  # the cells' text, row by row
    box: tuple  # (x0, top, x1, bottom) in points: where it lies on the page
    words: list = field(default_factory=list)  # every cell's words, with the OCR's confidence


def ruled_rows(fd: FileData, index: int, zone: tuple, starts_within: Optional[float] = None
               ) -> Optional[Table]:
    """The first ruled table in `zone` (x0, top, x1, bottom in points) of page `index`, read cell
    by cell; None when the zone holds no ruled table (two rows or more, with columns), or none
    whose first rule is within `starts_within` points of the zone's top."""
    img = render(fd, index, dpi=DPI, crop=zone)
    slope = skew_slope(fd.pages[index].words or [])
    if slope:  # rules found along the page's own lines: level them first
        img = img.rotate(math.degrees(math.atan(slope)), resample=Image.Resampling.BICUBIC, fillcolor=255)
    dark = img.point(DARK_LUT)
    bands = _bands(dark)
    if len(bands) < 2 or (starts_within is not None and bands[0][0] > starts_within * DPI / 72):
        return None
    rows, words, top, bottom = [], [], None, None
    for y0, y1 in bands:
        cols = _columns(dark.crop((0, y0, dark.width, y1)))
        if len(cols) < 2:
            if rows:
                break  # the space after the table (text between two tables): the first one ends
            continue
        cells = [_cell_words(img.crop((x0 + INSET, y0 + INSET, x1 - INSET, y1 - INSET))) for x0, x1 in cols]
        rows.append([" ".join(w.text for w in c) for c in cells])
        words += [w for c in cells for w in c]
        top, bottom = y0 if top is None else top, y1
    if len(rows) < 2:
        return None
    k = 72 / DPI
    return Table(rows, (zone[0], zone[1] + top * k, zone[2], zone[1] + bottom * k), words)


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    out, start = [], None
    for k, f in enumerate(flags + [False]):
        if f and start is None:
            start = k
        elif not f and start is not None:
            out.append((start, k))
            start = None
    return out


def _between(rules: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spaces between consecutive rules wide enough to hold text."""
    return [(a[1], b[0]) for a, b in zip(rules, rules[1:]) if b[0] - a[1] >= MIN_CELL]


def _bands(dark) -> list[tuple[int, int]]:
    """Rows of the table: the spaces between horizontal rules. A rule a little askew spreads over
    a few pixel rows: each row counts the columns dark in it or the rows next to it."""
    w, h = dark.size
    data = dark.tobytes()
    bits = [int.from_bytes(data[y * w:(y + 1) * w], "big") for y in range(h)]
    across = [(bits[y] | bits[max(0, y - 1)] | bits[min(h - 1, y + 1)]).bit_count() >= RULE_ACROSS * w
              for y in range(h)]
    return _between(_runs(across))


def _columns(band) -> list[tuple[int, int]]:
    w, h = band.size
    data = band.transpose(Image.Transpose.TRANSPOSE).tobytes()
    down = [data[x * h:(x + 1) * h].count(1) >= RULE_DOWN * h for x in range(w)]
    return _between(_runs(down))


def _cell_words(cell) -> list:
    """The words of one cell in reading order (their boxes are the cell's, not the page's)."""
    from pipeline.read.ocr import tesseract_words

    if cell.width < 4 or cell.height < 4 or cell.point(DARK_LUT).tobytes().count(1) < 12:
        return []  # an empty cell (a speck at most)
    return tesseract_words(ImageOps.expand(cell, border=PAD, fill=255), DPI, psm=6)
