"""Stage extract: one file → pages with text, words, and the helpers that read zones.

Cheap first, expensive only where needed (bench/bench_check.py measures it):
- type by content with python-magic (never by extension);
- text of every page with pypdfium2 (hundreds of pages a second);
- pdfplumber only for the pages where layout matters (a label's position);
- OCR (Tesseract, one thread per process) only for pages without a text layer;
- ticked boxes and handwritten strokes on scans by the darkness of a small area.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.text import strip_accents

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract: parallelism comes from processes

ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpeg", "image/png": "png", "image/tiff": "tiff"}
MAX_BYTES = 20 * 1024 * 1024  # PEP'S refuses bigger uploads
MAX_PAGES = 100
OCR_DPI = 200
MIN_TEXT_CHARS = 8  # fewer characters than this: the page has no usable text layer
A4_PT = (595.28, 841.89)


# ---------------------------------------------------------------- text helpers
def fold_keep_lines(s: str) -> str:
    """Lower case, no accents, single spaces, but lines kept (labels are matched per line)."""
    s = strip_accents(s or "").lower().replace("’", "'").replace("œ", "oe")
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    lines = (re.sub(r"[ \t\u00a0\u202f]+", " ", ln).strip() for ln in s.split("\n"))
    return "\n".join(ln for ln in lines if ln)


@dataclass
class Word:
    text: str
    x0: float  # PDF points, origin top-left
    top: float
    x1: float
    bottom: float
    line: int = 0  # OCR line number (block*10000+par*100+line), 0 when unknown


@dataclass
class Page:
    index: int  # 0-based
    width: float  # points
    height: float
    text: str = ""
    ocr: bool = False  # text comes from OCR
    has_text_layer: bool = True
    size_known: bool = True  # False for an image without resolution: its paper size is unknown
    words: Optional[list[Word]] = None  # filled by OCR, or lazily by pdfplumber
    ink: Optional[float] = None  # share of dark pixels, computed when needed
    _folded: Optional[tuple[str, str]] = field(default=None, repr=False)

    @property
    def folded(self) -> str:
        if self._folded is None or self._folded[0] is not self.text:
            self._folded = (self.text, fold_keep_lines(self.text))
        return self._folded[1]

    @property
    def is_a4_portrait(self) -> bool:
        tol = 3 / 25.4 * 72
        return abs(self.width - A4_PT[0]) <= tol and abs(self.height - A4_PT[1]) <= tol


@dataclass
class FileData:
    path: Path
    kind: Optional[str] = None  # pdf | jpeg | png | tiff
    mime: str = ""
    problem: Optional[str] = None  # French reason the file cannot be read
    pages: list[Page] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    form_fields: dict = field(default_factory=dict)
    ocr_pages: int = 0
    corner: object = field(default=None, repr=False)  # PIL image of page 1's QR corner

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    @property
    def folded(self) -> str:
        return "\n".join(p.folded for p in self.pages)  # each page caches its own

    def image(self, index: int, dpi: int = 150, crop=None):
        """PIL image of a page (grey), `crop` = (x0, top, x1, bottom) in points."""
        return render(self, index, dpi, crop)


# ---------------------------------------------------------------- typing
def sniff(path: Path) -> tuple[Optional[str], str]:
    import magic

    with open(path, "rb") as fh:
        head = fh.read(8192)
    mime = magic.from_buffer(head, mime=True) if head else "inode/x-empty"
    return ACCEPTED.get(mime), mime


def read_file(path: Path, *, ocr: bool = True, ocr_plan=None) -> FileData:
    """Read a file into pages. Never raises for a bad file: `problem` says what is wrong.

    `ocr_plan(filedata) -> {page index: crop or None}` decides which pages without text to
    OCR (None: all of them, whole page).
    """
    path = Path(path)
    fd = FileData(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        fd.problem = f"fichier inaccessible ({e.strerror})"
        return fd
    if size == 0:
        fd.problem = "fichier vide"
        return fd
    if size > MAX_BYTES:
        fd.problem = f"fichier trop volumineux ({size // (1024 * 1024)} Mo, limite {MAX_BYTES // (1024 * 1024)} Mo)"
        return fd
    fd.kind, fd.mime = sniff(path)
    if fd.kind is None:
        fd.problem = f"type de fichier non accepté ({fd.mime}) : seuls PDF, JPEG, PNG et TIFF sont acceptés"
        return fd
    try:
        if fd.kind == "pdf":
            _read_pdf(fd)
        else:
            _read_image(fd)
    except Exception as e:  # a corrupt file is a finding, never a crash
        fd.problem = fd.problem or f"fichier illisible ou endommagé ({type(e).__name__})"
        fd.pages = []
        return fd
    if fd.problem:
        return fd
    if len(fd.pages) > MAX_PAGES:
        fd.problem = f"trop de pages ({len(fd.pages)}, limite {MAX_PAGES})"
        return fd
    if ocr:
        todo = {p.index: None for p in fd.pages if not p.has_text_layer}
        if ocr_plan is not None and todo:
            todo = ocr_plan(fd)
        if todo:
            ocr_pages(fd, todo)
    return fd


def _read_pdf(fd: FileData) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        doc = pdfium.PdfDocument(str(fd.path))
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        fd.problem = ("fichier protégé par un mot de passe (chiffré)" if "password" in msg
                      else "PDF endommagé ou illisible")
        return
    try:
        if raw.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:
            fd.problem = "PDF chiffré (protégé) : la CNRACL exige des fichiers non protégés"
            return
        if len(doc) == 0:
            fd.problem = "PDF sans aucune page"
            return
        if len(doc) > MAX_PAGES:
            fd.problem = f"trop de pages ({len(doc)}, limite {MAX_PAGES})"
            return
        for i in range(len(doc)):
            page = doc[i]
            w, h = page.get_size()
            tp = page.get_textpage()
            text = tp.get_text_range() or ""
            tp.close()
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
            has = len(re.sub(r"\s", "", text)) >= MIN_TEXT_CHARS
            if i == 0:
                # The QR corner, drawn now while the page is loaded (a second load costs more).
                dpi = 100 if has else 150
                crop = (w * 0.55, 0, 0, h * 0.70)
                fd.corner = page.render(scale=dpi / 72, crop=crop, grayscale=True).to_pil()
            page.close()
            fd.pages.append(Page(i, w, h, text if has else "", has_text_layer=has))
        try:
            fd.metadata = {k: v for k, v in doc.get_metadata_dict().items() if v}
        except Exception:
            pass
        has_form = raw.FPDF_GetFormType(doc.raw) != 0
    finally:
        doc.close()
    if has_form:
        _pdf_fields(fd)


def _pdf_fields(fd: FileData) -> None:
    """AcroForm values (pypdf): forms filled on screen keep their values out of the page text."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(fd.path))
        for name, f in (reader.get_fields() or {}).items():
            value = f.get("/V")
            if value not in (None, "", "/Off"):
                fd.form_fields[name] = str(value)
    except Exception:
        pass  # the text is what counts
    if fd.form_fields and fd.pages:
        # Values typed into fields are part of what a person reads on the form.
        extra = "\n".join(f"{k} : {v}" for k, v in fd.form_fields.items())
        fd.pages[0].text += "\n" + extra


def _read_image(fd: FileData) -> None:
    from PIL import Image, ImageSequence

    with Image.open(fd.path) as im:
        im.load()
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            dpi = frame.info.get("dpi")
            known = bool(dpi and float(dpi[0]) > 1)
            dx = float(dpi[0]) if known else 200.0
            dy = (float(dpi[1]) or dx) if known else dx
            w, h = frame.size
            fd.pages.append(Page(i, w * 72 / dx, h * 72 / dy, "", has_text_layer=False, size_known=known))


# ---------------------------------------------------------------- rendering
def render(fd: FileData, index: int, dpi: int = 150, crop=None):
    """Grey PIL image of page `index`; `crop` = (x0, top, x1, bottom) in points."""
    page = fd.pages[index]
    if fd.kind == "pdf":
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(fd.path))
        try:
            p = doc[index]
            c = (0, 0, 0, 0)
            if crop:
                x0, top, x1, bottom = crop
                x0, top = max(0, x0), max(0, top)
                x1, bottom = min(page.width, x1), min(page.height, bottom)
                c = (x0, page.height - bottom, page.width - x1, top)
            img = p.render(scale=dpi / 72, crop=c, grayscale=True).to_pil().convert("L")
            p.close()
        finally:
            doc.close()
        return img
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


# ---------------------------------------------------------------- OCR
def ocr_pages(fd: FileData, plan: dict) -> None:
    """OCR the pages in `plan` ({index: crop or None}); Tesseract runs as subprocesses."""
    from pipeline.ocr import require_tesseract

    require_tesseract()
    for index, crop in sorted(plan.items()):
        page = fd.pages[index]
        img = render(fd, index, dpi=OCR_DPI, crop=crop)
        ox, oy = (crop[0], crop[1]) if crop else (0.0, 0.0)
        words = tesseract_words(img, OCR_DPI, ox, oy)
        page.words = words
        page.text = words_to_text(words)
        page.ocr = True
        fd.ocr_pages += 1


def tesseract_words(img, dpi: int, ox: float = 0.0, oy: float = 0.0) -> list[Word]:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        out = subprocess.run(
            [shutil.which("tesseract") or "tesseract", "stdin", "stdout", "-l", "fra", "--psm", "3",
             "-c", "preserve_interword_spaces=1", "-c", "tessedit_do_invert=0", "tsv"],
            input=buf.getvalue(), capture_output=True, env=env, timeout=180,
        ).stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return []  # an unreadable page reads as empty; the run goes on
    k = 72 / dpi
    words = []
    for row in out.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        line = int(cols[2]) * 10000 + int(cols[3]) * 100 + int(cols[4])
        words.append(Word(cols[11].strip(), ox + left * k, oy + top * k,
                          ox + (left + width) * k, oy + (top + height) * k, line))
    return words


def words_to_text(words: list[Word]) -> str:
    lines: list[str] = []
    current = None
    for w in words:
        if w.line != current:
            lines.append(w.text)
            current = w.line
        else:
            lines[-1] += " " + w.text
    return "\n".join(lines)


# ---------------------------------------------------------------- words and zones
def page_words(fd: FileData, index: int) -> list[Word]:
    """Words with positions: from OCR, or from pdfplumber (only pages where layout matters)."""
    page = fd.pages[index]
    if page.words is None:
        import pdfplumber

        with pdfplumber.open(str(fd.path), pages=[index + 1]) as pdf:
            p = pdf.pages[0]
            ws = p.extract_words(keep_blank_chars=False, use_text_flow=True)
        page.words = [Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in ws]
    return page.words


def _wfold(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", strip_accents(s).lower())


def find_label(words: list[Word], label: str, start: int = 0) -> Optional[tuple[int, int]]:
    """(first, last) word indexes whose letters spell `label` (accents, case, punctuation ignored)."""
    target = _wfold(label)
    if not target:
        return None
    for i in range(start, len(words)):
        if not _wfold(words[i].text):
            continue  # a box or punctuation read as a word: the label starts after it
        acc = ""
        for j in range(i, min(len(words), i + 12)):
            acc += _wfold(words[j].text)
            if acc == target or (acc.startswith(target) and j > i):
                return i, j
            if not target.startswith(acc):
                break
    return None


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
    px = img.load()
    dark_cols = [any(px[x, y] < 140 for y in range(hh)) for x in range(w)]
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
    # « [ ] » is two strokes: group the runs nearest to the word, up to a box's width.
    ppt = 200 / 72
    x0, x1 = runs[-1]
    for a, b in reversed(runs[:-1]):
        if x0 - b <= 0.8 * h * ppt and x1 - a <= 1.6 * h * ppt:
            x0 = a
        else:
            break
    if x1 - x0 < 0.35 * h * ppt:
        return None  # a letter or a speck, not a box
    rows = [y for y in range(hh) if any(px[x, y] < 140 for x in range(x0, x1))]
    y0, y1 = rows[0], rows[-1] + 1
    if (x1 - x0) < 4 or (y1 - y0) < 4:
        return None
    return box_darkness(img, x0, y0, x1, y1)


TICK_THRESHOLD = 0.12


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


# ---------------------------------------------------------------- form zones (data-driven)
FORMS_DIR = Path(__file__).resolve().parent.parent / "validators" / "forms"
DATE_RE = re.compile(r"\b(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4})\b")
TICKED = re.compile(r"(☒|☑|■|✓|✔|✗|✘|\[\s*[x✓✔]\s*\]|\(\s*x\s*\)|(?<![a-z0-9])x(?![a-z0-9]))\s*$")
UNTICKED = re.compile(r"(☐|□|\[\s*\]|\(\s*\))\s*$")


def load_form(name: str) -> dict:
    return _load_form_cached(name)


def _load_yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


_FORM_CACHE: dict = {}


def _load_form_cached(name: str) -> dict:
    if name not in _FORM_CACHE:
        _FORM_CACHE[name] = _load_yaml(FORMS_DIR / f"{name}.yaml")
    return _FORM_CACHE[name]


def _label_re(label: str, colon: bool, line_start: bool = False) -> re.Pattern:
    """A label, tolerant of line breaks between its words; `colon`: followed by « : » or EOL."""
    label = label.replace(" ", r"\s+")
    # « : », or the end of the line, allowing a few specks of OCR noise (« Signature . »).
    tail = r"[ \t]*(?::|[^a-z0-9\n]{0,3}(?:\n|$))" if colon else ""
    head = r"^[^a-z0-9\n]{0,3}" if line_start else r"(?<![a-z0-9])"
    return re.compile(head + r"(?:" + label + r")(?![a-z0-9])" + tail, re.MULTILINE)


def _start(text: str, after: Optional[str]) -> int:
    if not after:
        return 0
    m = re.search(after, text)
    return m.end() if m else -1


def _find_label(text: str, label: str, after: Optional[str], colon: bool = True) -> Optional[re.Match]:
    """The label as a field heading (at a line start, followed by « : »), searched after the
    `after` pattern; None when either is absent. `colon=False`: the label anywhere (boxes)."""
    s = _start(text, after)
    if s < 0:
        return None
    rx = _label_re(label, True, True) if colon else _label_re(label, False)
    return rx.search(text, s)


KNOWN_LABELS: list[str] = [r"(partie|parties|cadre) [a-z]\b"]


def _looks_like_label(line: str, known=()) -> bool:
    if re.search(r"^[a-z'][^:]{1,60}:(\s|$)", line):
        return True
    return any(re.fullmatch(r"\W{0,3}(?:" + k + r")\W{0,3}", line) for k in list(known) + KNOWN_LABELS)


def text_value(text: str, label: str, after: Optional[str] = None, known=()) -> Optional[str]:
    """Value written after `label :` on its line, or alone on the next line."""
    m = _find_label(text, label, after)
    if not m:
        return None
    if m.group(0).endswith(":"):
        rest = text[m.end():].split("\n", 1)
        same = rest[0].strip()
        if same:
            return same
        nxt = rest[1].split("\n", 1)[0].strip() if len(rest) > 1 else ""
        return nxt if nxt and not _looks_like_label(nxt, known) else ""
    nxt = text[m.end():].lstrip("\n").split("\n", 1)[0].strip()
    return nxt if nxt and not _looks_like_label(nxt, known) else ""


def text_block(text: str, label: str, stops: list[str], after: Optional[str] = None) -> Optional[str]:
    """Everything between `label :` and the next stop label ("" when empty, None when no label)."""
    m = _find_label(text, label, after)
    if not m:
        return None
    rest = text[m.end():]
    end = len(rest)
    for stop in stops:
        sm = re.search(r"(?m)^[^a-z0-9\n]{0,3}(?:" + stop.replace(" ", r"\s+") + r")(?![a-z0-9])", rest)
        if sm and sm.start() < end:
            end = sm.start()
    return rest[:end].strip(" \n:|")


def parse_date(s: Optional[str]):
    import datetime as dt

    if not s:
        return None
    m = DATE_RE.search(s)
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def text_date(text: str, label: str, after: Optional[str] = None):
    m = _find_label(text, label, after)
    if not m:
        return None
    return parse_date(text[m.end():m.end() + 40])


def _mark_before(text: str, pos: int) -> Optional[bool]:
    window = text[max(0, pos - 6):pos]
    if TICKED.search(window):
        return True
    if UNTICKED.search(window):
        return False
    return None


def text_yesno_marks(text: str, label: str) -> tuple[Optional[bool], bool, bool]:
    """(answer, label found, box glyphs found) from ☒/☐ or [X]/[ ] before « Oui » and « Non ».

    The label may also occur in running text (« si l'invalidité est imputable au service... »):
    the first occurrence followed by a decisive pair of boxes wins. Two empty boxes printed
    as glyphs are a decisive "not answered": no need to look at the page's ink.
    """
    found = glyphs = False
    for m in _label_re(label, False).finditer(text):
        found = True
        window = text[m.end():m.end() + 160]
        oui = re.search(r"(?<![a-z])oui(?![a-z])", window)
        non = re.search(r"(?<![a-z])non(?![a-z])", window)
        if not oui or not non:
            continue
        mo, mn = _mark_before(window, oui.start()), _mark_before(window, non.start())
        if mo and not mn:
            return True, True, True
        if mn and not mo:
            return False, True, True
        glyphs = glyphs or (mo is not None and mn is not None)
    return None, found, glyphs


def text_yesno(text: str, label: str) -> tuple[Optional[bool], bool]:
    answer, found, _ = text_yesno_marks(text, label)
    return answer, found


def text_tick(text: str, label: str, after: Optional[str] = None) -> tuple[Optional[bool], bool]:
    m = _find_label(text, label, after, colon=False)
    if not m:
        return None, False
    return _mark_before(text, m.start()), True


def _page_of(fd: FileData, label: str, hint: Optional[int]) -> list[int]:
    rx = _label_re(label, False)
    found = [p.index for p in fd.pages if rx.search(p.folded)]
    if hint is not None and (hint - 1) in found:
        found.remove(hint - 1)
        found.insert(0, hint - 1)
    return found


def _words_after(words: list[Word], label: str, start: int = 0) -> Optional[int]:
    hit = find_label(words, label, start)
    return None if hit is None else hit[1]


def _label_words(label: str) -> str:
    """A plain phrase from a label regex, for word-position search (first alternative)."""
    s = re.sub(r"\([^()]*\)\?", "", label)
    s = re.sub(r"\(([^|()]*)\|[^()]*\)", r"\1", s)
    s = s.split("|")[0]
    s = re.sub(r"\\[bsw]", " ", s)
    return re.sub(r"[\\?()\[\]^$*+.]", "", s)


def _nearest(words: list[Word], anchor: Word, suffix: str) -> Optional[Word]:
    """The word ending in `suffix` on the anchor's line (to its right) or just below it.

    OCR does not keep reading order for boxes: look by position, not by sequence.
    """
    h = max(4.0, anchor.bottom - anchor.top)
    best = None
    for w in words:
        if w is anchor or not _wfold(w.text).endswith(suffix) or len(_wfold(w.text)) > len(suffix) + 2:
            continue
        dy = w.top - anchor.top
        if dy < -0.6 * h or dy > 3.5 * h:
            continue
        same_line = abs(dy) <= 0.6 * h
        if same_line and w.x0 < anchor.x1 - 1:
            continue
        key = (0 if same_line else 1, abs(dy) if not same_line else w.x0 - anchor.x1)
        if best is None or key < best[0]:
            best = (key, w)
    return best[1] if best else None


def dark_yesno(fd: FileData, index: int, label: str) -> Optional[bool]:
    """Yes / no by the darkness of the boxes before « Oui » and « Non » (scans, drawn boxes)."""
    words = page_words(fd, index)
    end = _words_after(words, _label_words(label))
    if end is None:
        return None
    anchor = words[end]
    # The question may end with « (ATI) ? » after the label: start from the line's last word.
    oui, non = _nearest(words, anchor, "oui"), _nearest(words, anchor, "non")
    if oui is None or non is None:
        return None
    vo, vn = box_value(fd, index, oui), box_value(fd, index, non)
    if vo is None or vn is None:
        return None
    # Relative: dust in an empty box must not beat the cross in the other one.
    if vo > TICK_THRESHOLD and vo > 1.8 * vn:
        return True
    if vn > TICK_THRESHOLD and vn > 1.8 * vo:
        return False
    return None


def dark_tick(fd: FileData, index: int, label: str) -> Optional[bool]:
    words = page_words(fd, index)
    hit = find_label(words, _label_words(label))
    if hit is None:
        return None
    return box_is_ticked(fd, index, words[hit[0]])


def read_fields(fd: FileData, form: dict) -> dict:
    """Every field of a form description (validators/forms/*.yaml) read from a file."""
    text = fd.folded
    out: dict = {}
    known = [s["libelle"] for s in form.get("champs", {}).values() if s.get("libelle")]
    known += form.get("libelles", [])
    for name, spec in form.get("champs", {}).items():
        kind = spec["type"]
        label = spec.get("libelle", "")
        after = spec.get("apres")
        hint = spec.get("page")
        if kind == "valeur":
            out[name] = text_value(text, label, after, known)
        elif kind == "date":
            out[name] = text_date(text, label, after)
        elif kind == "nir":
            out[name] = text_nirs(text, label)
        elif kind == "bloc":
            out[name] = text_block(text, label, spec.get("arret", []), after)
        elif kind == "ouinon":
            out[name] = _read_yesno(fd, text, label, hint)
        elif kind == "case":
            out[name] = _read_tick(fd, text, label, after, hint)
        elif kind == "choix":
            if spec.get("si") and not out.get(spec["si"]):
                out[name] = None  # e.g. the kind of imputability when not imputable
                continue
            out[name] = _read_choice(fd, text, spec["options"], after, hint)
        elif kind == "signature":
            out[name] = _read_signature(fd, text, label, after, hint)
        elif kind == "membres":
            block = text_block(text, label, spec.get("arret", []))
            out[name] = parse_members(block, form) if block is not None else None
    return out


def _read_yesno(fd: FileData, text: str, label: str, hint) -> Optional[bool]:
    pages = _page_of(fd, label, hint)
    for i in pages:
        if fd.pages[i].ocr:
            ans = dark_yesno(fd, i, label)
            if ans is not None:
                return ans
    ans, found, glyphs = text_yesno_marks(text, label)
    if ans is None and found and not glyphs:
        for i in pages:  # drawn boxes without glyphs: look at the page
            ans = dark_yesno(fd, i, label)
            if ans is not None:
                return ans
    return ans


def _bracket_tick(text: str, label: str, after) -> bool:
    s = _start(text, after)
    m = _label_re(label, False).search(text, max(s, 0))
    return bool(m and re.search(r"\[\s*x\s*\]\s*$", text[max(0, m.start() - 6):m.start()]))


def _read_choice(fd: FileData, text: str, options: dict, after, hint) -> Optional[str]:
    """The one ticked option: from the text marks when decisive, else by darkness."""
    if not any(fd.pages[i].ocr for lab in options.values() for i in _page_of(fd, lab, hint)):
        marks = {opt: text_tick(text, lab, after)[0] for opt, lab in options.items()}
        ticked = [o for o, m in marks.items() if m]
        if len(ticked) == 1:
            return ticked[0]
        if not any(m is not None for m in marks.values()):
            pass  # no glyph at all: drawn boxes, look at the page
        elif not ticked:
            return None
    ticked = [opt for opt, lab in options.items() if _read_tick(fd, text, lab, after, hint)]
    return ticked[0] if len(ticked) == 1 else None


def _read_tick(fd: FileData, text: str, label: str, after, hint) -> Optional[bool]:
    pages = _page_of(fd, label, hint)
    ans, found = text_tick(text, label, after)
    for i in pages:
        if fd.pages[i].ocr:
            if ans is False or (found and _bracket_tick(text, label, after)):
                return ans  # OCR reads « [ ] » and « [X] » reliably; other glyphs by darkness
            return bool(dark_tick(fd, i, label))
    if ans is None and found:
        for i in pages:
            ans = dark_tick(fd, i, label)
            if ans is not None:
                return ans
    return bool(ans)


def _read_signature(fd: FileData, text: str, label: str, after, hint) -> Optional[bool]:
    value = text_value(text, label, after)
    if value is None:
        return None
    if value.strip(" _.…-"):
        return True
    # Handwritten: a stroke after the label, seen as ink (pdfplumber gives the label's place).
    anchor = _label_words(after) if after else None
    for i in _page_of(fd, label, hint):
        words = page_words(fd, i)
        start = 0
        if anchor:
            a = find_label(words, anchor)
            if a is None:
                continue
            start = a[1] + 1
        hit = find_label(words, _label_words(label), start)
        if hit is None:
            continue
        return ink_right_of(fd, i, words[hit[1]]) > 0.01
    return False


_OCR_DIGITS = str.maketrans({"o": "0", "l": "1", "i": "1"})


def text_nirs(text: str, label: str) -> list[str]:
    """NIRs written after a NIR label (normalised; 13-15 characters, valid or not)."""
    out = []
    for m in _label_re(label, False).finditer(text):
        tail = text[m.end():m.end() + 40].lstrip(" :\n")
        v = re.match(r"([0-9abilo][0-9abilo \u00a0.]{11,24})(?![a-z])", tail)
        if v:
            raw = v.group(1).translate(_OCR_DIGITS)  # OCR reads 0 as o, 1 as l or i
            digits = re.sub(r"[^0-9ab]", "", raw).upper()
            if 12 <= len(digits) <= 16:
                out.append(digits)
    return out


def parse_members(block: str, form: dict) -> list[dict]:
    """AF4 member lines: role, name, presence mode, signed (tolerant of missing or noisy separators)."""
    roles = form.get("roles", {})
    presences = form.get("presences", {})
    words = r"\b(par|presente?s?|visio\w*|absente?s?|non[\s-]*signee?s?|signee?s?)\b"
    members = []
    for line in block.split("\n"):
        role, m = None, None
        for rid, rx in roles.items():
            m = re.match(r"[\W_]*(?:" + rx + r")", line)
            if m:
                role = rid
                break
        if role is None:
            continue
        rest = line[m.end():]  # never search « présent » inside « représentant »
        presence = None
        for pid, rx in presences.items():
            if re.search(r"(?<![a-z])(?:" + rx + r")", rest):
                presence = pid
                break
        signed = None
        if re.search(r"non[\s-]*sign", rest):
            signed = False
        elif re.search(r"sign", rest):
            signed = True
        cells = [c.strip(" .,:;!-_") for c in re.split(r"[|\[\]{}]", rest)]
        cells = [c for c in cells if c]
        name = re.sub(words, " ", cells[0] if cells else "")
        members.append({"role": role, "nom": re.sub(r"\s+", " ", name).strip(" :-,."),
                        "presence": presence or "present", "signe": True if signed is None else signed})
    return members



def reread_line_after(fd: FileData, label: str, dpi: int = 300, whitelist: str = "0123456789AB ") -> list[str]:
    """OCR again, finer and digits only, the line right of `label` on every OCR'd page.

    Used to confirm a suspicious value (a NIR whose key looks wrong) before accusing it.
    """
    out = []
    for page in fd.pages:
        if not page.ocr or not page.words:
            continue
        hit = find_label(page.words, label)
        while hit is not None:
            w = page.words[hit[1]]
            h = max(6.0, w.bottom - w.top)
            crop = (w.x1 + 1, w.top - 0.6 * h, min(page.width, w.x1 + 260), w.bottom + 0.6 * h)
            img = render(fd, page.index, dpi=dpi, crop=crop)
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            try:
                txt = subprocess.run(
                    [shutil.which("tesseract") or "tesseract", "stdin", "stdout", "--psm", "7",
                     "-c", f"tessedit_char_whitelist={whitelist}"],
                    input=buf.getvalue(), capture_output=True, timeout=60,
                    env=dict(os.environ, OMP_THREAD_LIMIT="1")).stdout.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                txt = ""
            out.append(re.sub(r"[^0-9AB]", "", txt.upper()))
            hit = find_label(page.words, label, hit[1] + 1)
    return out
