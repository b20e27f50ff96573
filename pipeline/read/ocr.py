"""Tesseract (French) on page images, one thread per process; OCRmyPDF for whole files."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from pipeline.errors import MissingComponent
from pipeline.read.document import FileData, Word, wordy
from pipeline.read.pixels import DARK_LUT, render

# Must be set before Tesseract starts; OCRmyPDF's workers inherit it.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


OCR_DPI = 200
PAD = 20  # pixels of white added above a zone read under another
CUT_DPI, CUT_WHITE = 100, 200  # a blank band between the zone read and the rest: no pixel darker

def ocr_pages(fd: FileData, plan: dict) -> None:
    """OCR the pages in `plan` ({index: crop or None}) with the Tesseract engine kept loaded.

    Each part of a page is read once: a page whose top was read already is read below it only.
    """
    require_tesseract()
    for index, crop in sorted(plan.items()):
        page = fd.pages[index]
        landscape = page.width > page.height * 1.1
        if landscape and not page.rotation:
            # A landscape sheet is most likely a portrait form fed sideways: ask the orientation
            # first (OSD is surer at 150 dpi), so as not to read the page sideways for nothing.
            if getattr(page, "_osd", None) is None:
                page._osd = orientation(render(fd, index, dpi=OSD_DPI), 0.5)
            turn = page._osd
            if turn in (90, 270):
                _turn(page, turn)
                words, conf = tesseract_words(render(fd, index, dpi=OCR_DPI), OCR_DPI, 0.0, 0.0, with_conf=True)
                if conf < LOW_CONF and not _surely_upright(words):
                    # OSD knows the page lies sideways more surely than which way: the other way too.
                    other = _read_turned(fd, index, (turn + 180) % 360)
                    if other[1] > conf:
                        (words, conf), page._osd = other, (turn + 180) % 360
                        _turn(page, page._osd)
                _keep(fd, page, words, None)
                continue
            words, conf = _read(fd, page, crop)
            if _vertical(words):
                # Sideways for sure, the direction unsure: read it both ways, keep the surer.
                tries = [(_read_turned(fd, index, t), t) for t in (90, 270)]
                (words, conf), turn = max(tries, key=lambda x: x[0][1])
                _turn(page, turn)
                crop = None
            _keep(fd, page, words, crop)
            continue
        if crop is None and page.ocr and getattr(page, "_ocr_zone", "none") == (page.rotation, None):
            continue  # read whole already, the same way up
        below = _below(fd, page, crop)
        if below is not None:
            # The top was read already (to see whether another pièce starts there): read the rest.
            cut, part = below
            from PIL import ImageOps

            # White above the zone: Tesseract misses words that touch the image's edge.
            img = ImageOps.expand(render(fd, index, dpi=OCR_DPI, crop=part), border=(0, PAD, 0, 0), fill=255)
            words, _ = tesseract_words(img, OCR_DPI, part[0], part[1] - PAD * 72 / OCR_DPI, with_conf=True)
            top = [w for w in page.words if (w.top + w.bottom) / 2 <= cut]
            shift = 1 + max((w.line for w in top), default=0)
            words = top + [Word(w.text, w.x0, w.top, w.x1, w.bottom, w.line + shift, w.conf)
                           for w in words if (w.top + w.bottom) / 2 > cut]
            _keep(fd, page, words, None if crop is None else (0.0, 0.0, page.width, part[3]))
            continue
        words, conf = _read(fd, page, crop)
        if ((conf < LOW_CONF and not _surely_upright(words)) or _vertical(words)) and not page.rotation:
            # Little read, and badly: the page may be turned. Ask Tesseract's orientation
            # detection on the whole page, turn it upright, read it again.
            turn, sure = orientation_guess(render(fd, index, dpi=OSD_DPI))
            if turn and sure >= 1.0:
                _turn(page, turn)
                crop = None  # a zone of a turned page is another zone: read it whole
                words, conf = tesseract_words(render(fd, index, dpi=OCR_DPI), OCR_DPI, 0.0, 0.0, with_conf=True)
            elif turn and conf < LOW_CONF:
                # Detection unsure (an upside-down page on a noisy black-and-white scan gave 0.56):
                # its guess is read, and kept only when words are then read surely.
                other = _read_turned(fd, index, turn)
                if other[1] > conf + 10 and _surely_upright(other[0]):
                    _turn(page, turn)
                    crop = None
                    words, conf = other
            elif not turn:
                # No guess at all (seen: 0.11 on an upside-down AF4 page in black and white, read
                # as 155 words of nonsense): upside down is the usual slip of a scanner's feeder.
                other = _read_turned(fd, index, 180)
                if other[1] > conf + 10 and _surely_upright(other[0]):
                    _turn(page, 180)
                    crop = None
                    words, conf = other
        _keep(fd, page, words, crop)
        if (crop is None or crop[1] <= 0) and page.words and _missed_above(fd, page):
            # Lines above the first word read: Tesseract leaves out a title in a frame, or a zone's
            # first lines (« Partie réservée au médecin agréé »), and they name the pièce or the
            # fields under them. Read alone, right after the page or its top, the band gives them.
            _read_above(fd, page)


def _read(fd: FileData, page, crop):
    img = render(fd, page.index, dpi=OCR_DPI, crop=crop)
    ox, oy = (crop[0], crop[1]) if crop else (0.0, 0.0)
    return tesseract_words(img, OCR_DPI, ox, oy, with_conf=True)


def _keep(fd: FileData, page, words, crop) -> None:
    _keep_words(page, words)
    page.ocr = True
    fd.ocr_pages += 1
    page._ocr_zone = (page.rotation, crop)  # what was read, which way up: None for the whole page


def _below(fd: FileData, page, crop):
    """(cut, zone) to read when only the top of an upright page was read and more is asked for.

    The cut is a blank band across the whole page, under the last line read whole: no line is
    read twice or cut in two, and no ruled table is cut (its rules cross every band). None when
    there is no such band (a skewed page, a table at the zone's edge): the page is read whole.
    """
    rotation, zone = getattr(page, "_ocr_zone", (None, None))
    if not page.ocr or not page.words or page.rotation or rotation != 0 or zone is None:
        return None
    x0, top, x1, bottom = zone
    if top > 0 or x0 > 0 or x1 < page.width - 1:
        return None
    want = page.height if crop is None else crop[3]
    if (crop is not None and (crop[0] > 0 or crop[1] > 0 or crop[2] < page.width - 1)) or want <= bottom:
        return None
    h = sorted(w.bottom - w.top for w in page.words)[len(page.words) // 2]
    lo, hi = bottom * 0.4, bottom - 1.5 * h  # the lines above `hi` were read whole
    if hi <= lo:
        return None
    img = render(fd, page.index, dpi=CUT_DPI, crop=(page.width * 0.04, lo, page.width * 0.96, hi))
    px = img.load()
    for y in range(img.height - 1, -1, -1):
        if all(px[x, y] >= CUT_WHITE for x in range(img.width)):
            cut = lo + y * 72 / CUT_DPI
            return cut, (0.0, cut, page.width, want)
    return None


def _read_above(fd: FileData, page) -> None:
    """Read the band above the first word read, alone, and put its words before the others."""
    from PIL import ImageOps

    first = _first_top(page)
    img = ImageOps.expand(render(fd, page.index, dpi=OCR_DPI, crop=(0.0, 0.0, page.width, first - 1)),
                          border=(0, 0, 0, PAD), fill=255)
    above, _ = tesseract_words(img, OCR_DPI, 0.0, 0.0, with_conf=True)
    above = [w for w in above if (w.top + w.bottom) / 2 < first - 1]
    if not above:
        return
    shift = 1 + max(w.line for w in above)
    _keep_words(page, above + [Word(w.text, w.x0, w.top, w.x1, w.bottom, w.line + shift, w.conf) for w in page.words])


def _keep_words(page, words) -> None:
    page.words = words
    page.text = words_to_text(words)


def _first_top(page) -> float:
    words = [w for w in page.words if wordy(w) and w.conf >= 50]
    return min((w.top for w in words), default=0.0)


def _missed_above(fd: FileData, page) -> bool:
    """Whether lines of ink lie above the first word the zone's reading gave: Tesseract sometimes
    leaves out a zone's first lines (seen on a skewed 300 dpi scan: « Partie réservée au médecin
    agréé » lost, and every field read after it with it)."""
    first = _first_top(page)
    top = page.height * 0.03  # a scanner's dark border is not a line
    if first - 2 <= top + 8:
        return False
    img = render(fd, page.index, dpi=CUT_DPI, crop=(page.width * 0.04, top, page.width * 0.96, first - 2))
    w, h = img.size
    dark = img.point(DARK_LUT).tobytes()
    run = 0
    for y in range(h):
        run = run + 1 if dark[y * w:(y + 1) * w].count(1) >= LINE_INK else 0
        if run >= LINE_ROWS:
            return True
    return False


LINE_INK, LINE_ROWS = 8, 4  # dark pixels in a row, rows in a run, at CUT_DPI: a line of text, not specks


def _turn(page, turn: int) -> None:
    """Record that the page is read turned by `turn` degrees (its size as read upright)."""
    if (turn in (90, 270)) != (page.rotation in (90, 270)):  # a quarter turn more or less
        page.width, page.height = page.height, page.width
    page.rotation = turn


def _read_turned(fd: FileData, index: int, turn: int):
    page = fd.pages[index]
    before = page.rotation
    _turn(page, turn)
    try:
        return tesseract_words(render(fd, index, dpi=OCR_DPI), OCR_DPI, 0.0, 0.0, with_conf=True)
    finally:
        _turn(page, before)


def _surely_upright(words: list[Word]) -> bool:
    """Words read surely (letters only, four or more, high confidence), many of them: the page is
    upright even though the mean confidence is low (values written by hand lower it). A page read
    upside down gives at most one or two such words by chance."""
    sure = sum(w.conf >= SURE_CONF and len(w.text) >= 4 and w.text.isalpha() for w in words)
    return sure >= 6 and sure >= 0.1 * len(words)


def _vertical(words: list[Word]) -> bool:
    """Words standing on end (taller than wide): a page turned a quarter, read sideways."""
    long = [w for w in words if len(w.text) >= 4]
    return len(long) >= 5 and sum((w.bottom - w.top) > (w.x1 - w.x0) for w in long) >= 0.5 * len(long)


def tesseract(img, *args: str, timeout: float = 180) -> str:
    """Tesseract on one PIL image (the only place it is called directly); "" on a time-out.

    `args` are the command line's (-l, --psm, -c name=value, tsv): the engine loaded in this
    process reads them the same way; without it (tesserocr missing), the `tesseract` command.
    """
    opts = _options(args)
    api = _api(opts["lang"])
    if api is None:
        return _cli(img, *args, timeout=timeout)
    return _run(api, img, opts, timeout)


def _cli(img, *args: str, timeout: float = 180) -> str:
    """The `tesseract` command on one image: a process per image (0.1 s to load the models)."""
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    try:
        return subprocess.run(
            [shutil.which("tesseract") or "tesseract", "stdin", "stdout", *args],
            input=buf.getvalue(), capture_output=True, timeout=timeout,
            env=dict(os.environ, OMP_THREAD_LIMIT="1"),
        ).stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return ""  # an unreadable page reads as empty; the run goes on


def _options(args) -> dict:
    opts = {"lang": "eng", "psm": 3, "vars": {}, "out": "txt"}  # the command's defaults
    it = iter(args)
    for a in it:
        if a == "-l":
            opts["lang"] = next(it)
        elif a == "--psm":
            opts["psm"] = int(next(it))
        elif a == "-c":
            name, _, value = next(it).partition("=")
            opts["vars"][name] = value
        else:
            opts["out"] = a
    if opts["psm"] == 0:
        opts["lang"] = "osd"
    return opts


# Tesseract kept loaded: one engine per language and per thread (the web desk reads on several
# threads; an engine is not to be shared while it reads). A forked reader inherits its parent's.
_ENGINES = threading.local()
_TESSDATA: list = []
TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"


def _tesserocr():
    try:
        import tesserocr
    except ImportError:  # the binding is a dependency; without it the command does the same work
        return None
    if not _QUIET:
        _QUIET.append(_quiet_leptonica(tesserocr))
    return tesserocr


_QUIET: list = []


def _quiet_leptonica(tesserocr) -> bool:
    """No Leptonica message on the reader's standard error (the command's went to a pipe we did
    not show): « Error in boxClipToRectangle » on a zone at a page's edge means nothing to a user."""
    import ctypes
    import ctypes.util
    import glob

    here = os.path.dirname(os.path.dirname(tesserocr.__file__))
    found = glob.glob(os.path.join(here, "tesserocr.libs", "libleptonica*"))  # the wheel's own copy
    found += [n for n in (ctypes.util.find_library("leptonica"), ctypes.util.find_library("lept")) if n]
    for name in found:
        try:
            ctypes.CDLL(name).setMsgSeverity(6)  # L_SEVERITY_NONE
            return True
        except (OSError, AttributeError):
            continue
    return False


def tessdata() -> str | None:
    """The folder of the system's trained models, as `tesseract --list-langs` gives it
    (Debian: /usr/share/tesseract-ocr/5/tessdata), or TESSDATA_PREFIX; None when unknown."""
    if not _TESSDATA:
        path = os.environ.get("TESSDATA_PREFIX")
        exe = shutil.which("tesseract")
        if not path and exe:
            try:
                out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
                m = re.search(r'"([^"]+)"', out.stdout + out.stderr)
                path = m.group(1) if m else None
            except (OSError, subprocess.SubprocessError):
                path = None
        _TESSDATA.append(path.rstrip("/") + "/" if path else None)
    return _TESSDATA[0]


def _api(lang: str):
    """This thread's engine for `lang` ("osd": orientation only), loaded at first use; None when
    the binding or the models are missing (the command is used instead)."""
    apis = _ENGINES.__dict__
    if lang not in apis:
        tr, path, api = _tesserocr(), tessdata(), None
        if tr is not None and path and os.path.exists(os.path.join(path, f"{lang}.traineddata")):
            try:
                if lang == "osd":
                    api = tr.PyTessBaseAPI(path=path, lang="osd", psm=tr.PSM.OSD_ONLY)
                else:
                    api = tr.PyTessBaseAPI(path=path, lang=lang)
                api.SetVariable("debug_file", os.devnull)  # Tesseract's own messages: as the command's
            except RuntimeError:
                api = None
        apis[lang] = api
    return apis[lang]


def _run(api, img, opts: dict, timeout: float) -> str:
    """What the command prints for `opts`, read by the loaded engine."""
    names = opts["vars"]
    before = {k: api.GetVariableAsString(k) for k in names}
    try:
        for k, v in names.items():
            api.SetVariable(k, v)
        if opts["psm"] == 0:
            rotate, conf = _osd(api, img)
            return f"Rotate: {rotate}\nOrientation confidence: {conf:.2f}\n" if rotate is not None else ""
        api.SetPageSegMode(opts["psm"])
        api.SetImage(img)
        # The resolution the command takes for an image that gives none (our pages give none):
        # the layout found, and so the words, are then the command's.
        api.SetSourceResolution(_resolution(img))
        if not api.Recognize(int(timeout * 1000)):
            return ""  # the same as the command's time-out: an unreadable page reads as empty
        if opts["out"] == "tsv":
            return TSV_HEADER + (api.GetTSVText(0) or "")
        return api.GetUTF8Text() or ""
    except RuntimeError:  # an image the engine cannot take (as the command, which prints nothing)
        return ""
    finally:
        for k, v in before.items():
            if v is not None:
                api.SetVariable(k, v)
        api.Clear()  # the page's results are not kept until the next page


def _resolution(img) -> int:
    dpi = img.info.get("dpi")
    try:
        y = int(round(float(dpi[1]))) if dpi else 0
    except (TypeError, ValueError, IndexError):
        y = 0
    return y if 70 <= y <= 2400 else 70  # Tesseract's kMinCredibleResolution / kMaxCredibleResolution


def _osd(api, img):
    """(degrees to turn clockwise, confidence) by orientation detection; (None, 0) when none."""
    api.SetImage(img)
    api.SetSourceResolution(_resolution(img))
    r = api.DetectOrientationScript()
    if not r:
        return None, 0.0
    # orient_deg is how far the page was turned clockwise: the command's « Rotate » undoes it.
    return (360 - int(r["orient_deg"])) % 360, float(r["orient_conf"])


LOW_CONF = 55.0  # mean word confidence under which a page may be turned
SURE_CONF = 85.0  # a word read this surely is a word: the page is not upside down
OSD_DPI = 150


def orientation(img, min_conf: float = 1.0) -> int:
    """Degrees to turn a page clockwise to read it upright (Tesseract OSD); 0 when unsure."""
    turn, conf = orientation_guess(img)
    return turn if conf >= min_conf else 0


def orientation_guess(img) -> tuple[int, float]:
    """(degrees to turn clockwise, OSD's confidence), however unsure; (0, 0.0) when none."""
    out = tesseract(img, "--psm", "0", "-c", "min_characters_to_try=10", timeout=60)
    m = re.search(r"Rotate:\s*(\d+)", out)
    c = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not m:
        return 0, 0.0
    return int(m.group(1)) % 360, float(c.group(1)) if c else 0.0


def tesseract_words(img, dpi: int, ox: float = 0.0, oy: float = 0.0, with_conf: bool = False, psm: int = 3):
    out = tesseract(img, "-l", "fra", "--psm", str(psm), "-c", "preserve_interword_spaces=1",
                    "-c", "tessedit_do_invert=0", "tsv")
    k = 72 / dpi
    words, confs = [], []
    for row in out.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        line = int(cols[2]) * 10000 + int(cols[3]) * 100 + int(cols[4])
        try:
            conf = float(cols[10])
            confs.append(conf)
        except ValueError:
            conf = 0.0
        words.append(Word(cols[11].strip(), ox + left * k, oy + top * k,
                          ox + (left + width) * k, oy + (top + height) * k, line, conf))
    if with_conf:
        # No word at all on an inked zone reads as « unsure » too (a turned page often gives none).
        return words, (sum(confs) / len(confs) if len(confs) >= 3 else 0.0)
    return words

def words_to_text(words: list[Word]) -> str:
    """The page's text, a line per OCR line, its blocks top down: Tesseract may list a block
    printed in a top corner (a form's code) after the page's body, and the first lines of the
    text are where identification looks for a title or a code."""
    blocks: dict[int, list[Word]] = {}
    for w in words:
        blocks.setdefault(w.line // 10000, []).append(w)
    if len(blocks) > 1:
        words = [w for b in sorted(blocks.values(), key=lambda ws: min(w.top for w in ws)) for w in b]
    lines: list[str] = []
    current = None
    for w in words:
        if w.line != current:
            lines.append(w.text)
            current = w.line
        else:
            lines[-1] += " " + w.text
    return "\n".join(lines)


def require_tesseract() -> None:
    if not shutil.which("tesseract"):
        raise MissingComponent("Tesseract n'est pas installé : lancez « make install » (paquets tesseract-ocr et tesseract-ocr-fra).")


def ocr_pdf(src: Path, dst: Path, *, jobs: int = 1, pages: str | None = None,
            deskew: bool = True, rotate: bool = True, language: str = "fra") -> Path:
    """Write to `dst` a copy of `src` with a text layer on the pages that have none."""
    require_tesseract()
    import ocrmypdf

    kwargs = dict(
        language=[language],
        skip_text=True,  # pages that already have text are left alone
        deskew=deskew,
        rotate_pages=rotate,
        rotate_pages_threshold=2.0,
        jobs=jobs,
        progress_bar=False,
        optimize=0,
        output_type="pdf",
        tesseract_timeout=120,
    )
    if pages:
        kwargs["pages"] = pages
    result = ocrmypdf.ocr(str(src), str(dst), **kwargs)
    if int(result) not in (0, 6):  # 6: already had text everywhere
        raise RuntimeError(f"OCR en échec (code {int(result)})")
    if int(result) == 6:
        shutil.copyfile(src, dst)
    return Path(dst)
