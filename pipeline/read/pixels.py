"""Page images and ink: ticked boxes, signatures and blank pages measured by dark pixels."""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Optional

from PIL import Image

from pipeline.read.document import FileData, Word

# A scanned page the OCR reads whole (or most of) at its resolution is drawn whole and kept: the
# zones drawn on it next (the checkboxes') are cut from that drawing, as drawing a zone decodes
# the page's whole image again. Per thread (the web desk reads on several); the last pages only
# (4 MB each, A4 at 200 dpi).
WHOLE_DPI = 200
WHOLE_KEEP = 6
WHOLE_SHARE = 0.5  # a zone this share of the page or more: the page is drawn whole and kept
_WHOLE = threading.local()


def render(fd: FileData, index: int, dpi: int = 150, crop=None):
    """Grey PIL image of page `index`; `crop` = (x0, top, x1, bottom) in points.

    A page the OCR found turned (`Page.rotation`) is drawn upright: its boxes are upright too.
    """
    page = fd.pages[index]
    if page.rotation:
        return _render_turned(fd, index, dpi, crop)
    if fd.kind == "pdf" and dpi == WHOLE_DPI and not page.has_text_layer and _keeps(fd, page, crop):
        img = _whole(fd, index, dpi, 0)
        if not crop:
            return img.copy()
        # The pixels pdfium draws for this crop (pypdfium2's PdfPage.render rounds the same way).
        left, low, right, high = (math.ceil(v * dpi / 72) for v in _pdfium_crop(page, crop))
        if img.width - right - left < 1 or img.height - low - high < 1:
            raise ValueError("Crop exceeds page dimensions")
        return img.crop((left, high, img.width - right, img.height - low))
    if fd.kind == "pdf":
        p = fd.pdf_page(index)  # the document stays open for the next drawing (FileData.close_pdf)
        c = _pdfium_crop(page, crop) if crop else (0, 0, 0, 0)
        return p.render(scale=dpi / 72, crop=c, grayscale=True).to_pil().convert("L")
    from PIL import Image, ImageSequence

    with Image.open(fd.path) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            if i == index:
                img = frame.convert("L")
                break
    sx = img.width / page.width
    if crop:
        x0, top, x1, bottom = crop
        img = img.crop((int(max(0, x0) * sx), int(max(0, top) * sx),
                        int(min(page.width, x1) * sx), int(min(page.height, bottom) * sx)))
    scale = dpi / 72 / sx
    if abs(scale - 1) > 0.05:
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
    return img

def _pdfium_crop(page, crop) -> tuple:
    """`crop` (x0, top, x1, bottom, points from the top left) kept on the page, as the margins
    pdfium cuts off (left, bottom, right, top)."""
    x0, top, x1, bottom = crop
    x0, top = max(0, x0), max(0, top)
    x1, bottom = min(page.width, x1), min(page.height, bottom)
    return x0, page.height - bottom, page.width - x1, top


def _keeps(fd: FileData, page, crop) -> bool:
    """Whether to cut this zone from the page drawn whole: kept already, or most of the page."""
    if not crop:
        return True
    x0, top, x1, bottom = crop
    share = max(0.0, min(x1, page.width) - max(0.0, x0)) * max(0.0, min(bottom, page.height) - max(0.0, top))
    if share >= WHOLE_SHARE * page.width * page.height:
        return True
    hit = getattr(_WHOLE, "pages", {}).get((page.index, WHOLE_DPI, page.rotation))
    return hit is not None and hit[0] is fd._pdf


def _whole(fd: FileData, index: int, dpi: int, rotation: int):
    """Page `index` drawn whole at `dpi` (turned `rotation` degrees clockwise), kept for its zones."""
    kept = getattr(_WHOLE, "pages", None)
    if kept is None:
        kept = _WHOLE.pages = OrderedDict()
    handle, key = fd.pdf(), (index, dpi, rotation)
    hit = kept.get(key)
    if hit is not None and hit[0] is handle:  # the same file still open (the handle is kept with it)
        kept.move_to_end(key)
        return hit[1]
    if rotation:
        img = _render_turned(fd, index, dpi, None, whole=False)
    else:
        img = fd.pdf_page(index).render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    for k in [k for k, (h, _) in kept.items() if h is not handle]:
        del kept[k]  # another file's: a thread reads one file at a time, this one now
    kept[key] = (handle, img)
    while len(kept) > WHOLE_KEEP:
        kept.popitem(last=False)
    return img


def _render_turned(fd: FileData, index: int, dpi: int, crop, whole: bool = True):
    page = fd.pages[index]
    rot = page.rotation
    if whole and fd.kind == "pdf" and dpi == WHOLE_DPI and not page.has_text_layer and _keeps(fd, page, crop):
        img = _whole(fd, index, dpi, rot)
        if not crop:
            return img.copy()
    else:
        page.rotation = 0
        w, h = page.width, page.height
        if rot in (90, 270):  # the stored size is the upright one: draw the file's page as it is
            page.width, page.height = h, w
        try:
            img = render(fd, index, dpi=dpi)
        finally:
            page.rotation, page.width, page.height = rot, w, h
        img = img.rotate(-rot, expand=True)  # clockwise
    if crop:
        k = img.width / page.width
        x0, top, x1, bottom = crop
        img = img.crop((int(max(0, x0) * k), int(max(0, top) * k),
                        int(min(page.width, x1) * k), int(min(page.height, bottom) * k)))
    return img


def dark_share(img, threshold: int = 128) -> float:
    """Share of dark pixels in a grey image."""
    hist = img.histogram()
    total = sum(hist) or 1
    return sum(hist[:threshold]) / total

def page_ink(fd: FileData, index: int) -> float:
    page = fd.pages[index]
    if page.ink is None:
        img = render(fd, index, dpi=40)
        # Ignore a margin: scanners leave dark borders.
        w, h = img.size
        img = img.crop((int(w * 0.05), int(h * 0.05), int(w * 0.95), int(h * 0.95)))
        page.ink = dark_share(img, 160)
    return page.ink

def box_is_ticked(fd: FileData, index: int, word: Word) -> Optional[bool]:
    """A checkbox printed just left of `word`: ticked when its inside is markedly dark."""
    v = box_value(fd, index, word)
    return None if v is None else v > TICK_THRESHOLD

def box_value(fd: FileData, index: int, word: Word) -> Optional[float]:
    """Darkness of the inside of the checkbox just left of `word` (None: no box there).

    The box is the dark cluster nearest to the word (not a letter of the previous word).
    """
    h = max(6.0, word.bottom - word.top)
    crop = (word.x0 - 2.4 * h, word.top - 0.5 * h, word.x0 - 0.5, word.bottom + 0.5 * h)
    img = render(fd, index, dpi=200, crop=crop)
    w, hh = img.size
    dark = img.point(DARK_LUT)
    dark_cols = dark_columns(dark)
    runs, x = [], 0
    while x < w:
        if dark_cols[x]:
            x0 = x
            gap = 0
            while x < w and (dark_cols[x] or gap < 2):
                gap = 0 if dark_cols[x] else gap + 1
                x += 1
            runs.append((x0, x - gap))
        else:
            x += 1
    if not runs:
        return None  # no box at all
    ppt = 200 / 72
    if len(runs) > 1 and runs[-1][1] >= w - 1 and runs[-1][1] - runs[-1][0] < 0.25 * h * ppt:
        runs.pop()  # the answer's first letter, cut by the crop: the OCR's word box starts inside it
    # « [ ] » is two strokes: group the runs nearest to the word, up to a box's width.
    x0, x1 = runs[-1]
    for a, b in reversed(runs[:-1]):
        if x0 - b <= 0.8 * h * ppt and x1 - a <= 1.6 * h * ppt:
            x0 = a
        else:
            break
    if x1 - x0 < 0.35 * h * ppt:
        return None  # a letter or a speck, not a box
    band = dark.crop((x0, 0, x1, hh)).tobytes()
    rows = [y for y in range(hh) if 1 in band[y * (x1 - x0):(y + 1) * (x1 - x0)]]
    y0, y1 = rows[0], rows[-1] + 1
    if (x1 - x0) < 4 or (y1 - y0) < 4:
        return None
    return box_darkness(img, x0, y0, x1, y1)

def letters_start(fd: FileData, index: int, word: Word) -> Optional[float]:
    """Where the letters of `word` start (points) when the OCR read a box and the answer after it
    as one word (« [Non » for « ☐ Non »): after the first dark cluster, box-sized, and the blank
    that follows it. None when the word does not begin so."""
    h = max(6.0, word.bottom - word.top)
    x0 = word.x0 - 0.2 * h
    img = render(fd, index, dpi=200, crop=(x0, word.top, word.x1, word.bottom))
    w = img.width
    dark = dark_columns(img.point(DARK_LUT))
    ppt = 200 / 72
    start = next((x for x in range(w) if dark[x]), None)
    if start is None:
        return None
    end = start
    while end < w and dark[end]:
        end += 1
    gap = end
    while gap < w and not dark[gap]:
        gap += 1
    if not (0.35 * h * ppt <= end - start <= 1.6 * h * ppt) or gap - end < 2 or gap >= w:
        return None
    return x0 + gap / ppt


def dark_columns(dark) -> list[bool]:
    """Per column of a picture of dark pixels (`img.point(DARK_LUT)`), whether any is dark: the
    picture turned, then C-level searches instead of a Python loop over every pixel."""
    w, h = dark.size
    cols = dark.transpose(Image.Transpose.TRANSPOSE).tobytes()
    return [1 in cols[x * h:(x + 1) * h] for x in range(w)]


TICK_THRESHOLD = 0.12
DARK_LUT = [1 if v < 140 else 0 for v in range(256)]  # img.point(DARK_LUT): 1 where the ink is

def box_darkness(img, x0, y0, x1, y1) -> float:
    """Dark share of the middle of a box, away from its (blurred) border."""
    mx, my = max(2, (x1 - x0) * 3 // 10), max(2, (y1 - y0) * 3 // 10)
    if x1 - x0 <= 2 * mx or y1 - y0 <= 2 * my:
        return 0.0
    return dark_share(img.crop((x0 + mx, y0 + my, x1 - mx, y1 - my)), 140)

def ink_right_of(fd: FileData, index: int, word: Word, width: float = 160.0) -> float:
    """Darkness of the area right of a label on its line (a handwritten signature, a stroke)."""
    h = max(8.0, word.bottom - word.top)
    # Same line only, after the colon: a signature overflows a little above and below.
    crop = (word.x1 + 8, word.top - 0.2 * h, word.x1 + width, word.bottom + 0.5 * h)
    img = render(fd, index, dpi=100, crop=crop)
    return dark_share(img, 140)

def ink_left_of(fd: FileData, index: int, word: Word) -> float:
    """Dark share of the place a checkbox would take left of `word` (a bare ✓ has no box)."""
    h = max(6.0, word.bottom - word.top)
    crop = (word.x0 - 2.4 * h, word.top - 0.3 * h, word.x0 - 0.5, word.bottom + 0.3 * h)
    return dark_share(render(fd, index, dpi=200, crop=crop), 140)
