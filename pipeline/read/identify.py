"""Stage identify: one file → which pièce(s) it holds, with a confidence, and who it is about.

The project's own pages carry a QR code (pipeline/qr.py): read it first. Otherwise weighed
evidence (cues per pièce, data in validators/forms/documents.yaml): the title in the top lines
of a page weighs most, then the printed form code, the form's section headings and its own
phrases, the page count. A line citing another document (« vu le rapport… », « … joint »)
never decides. The best candidate wins by a margin, otherwise both candidates are kept for a
person to settle (`candidates`). A file holding several pièces is cut where a page opens
another one (`parts`). Also used by the drop-folder watcher.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Optional

from pipeline import nir as nir_mod
from pipeline import resources
from pipeline.dossier import forms
from pipeline.qr import Payload, decode_image
from pipeline.read.document import FileData, Page, fold_keep_lines
from pipeline.read.fields import load_form, read_fields, reread_line_after, reread_zone
from pipeline.read.ocr import ocr_pages
from pipeline.read.pixels import page_ink, render
from pipeline.read.reader import read_file

# Pièces whose zones the rules read: on a scan every page of them is OCR'd whole.
ZONED = {"af3", "af4", "rapport_hierarchique", "attestations_presence"}
IDENTITY_ZONE = 0.6  # share of a pièce's first page read for its identity block (nom, NIR...)
TOP_ZONE = 0.25  # share of a page's height OCR'd to see whether another pièce starts there
TITLE_LINES = 6  # the title zone: the first lines of a page
# Weights of the cues (identification by weighed evidence).
W_TITLE_TOP, W_TITLE_ZONE, W_TITLE_BODY, W_CODE, W_HEADING, W_PHRASE, W_PAGES = 10, 7, 2, 6, 2, 1, 2
MAX_HEADINGS, MAX_PHRASES = 6, 4
MIN_SCORE, MARGIN, RATIO = 2, 4, 1.3



@dataclass
class Identified:
    path: Path
    piece: Optional[str] = None  # pièce id (validators/pieces.yaml), None when unknown
    confidence: float = 0.0
    method: Optional[str] = None  # qr | code | titre
    not_to_send: Optional[str] = None  # id of a document « à ne pas envoyer »
    separator: bool = False
    form: Optional[str] = None  # AF3 | AF4 for the CNRACL forms
    version: Optional[str] = None  # YYMM printed on the form, None when absent
    qr: list[Payload] = field(default_factory=list)
    nirs: list[str] = field(default_factory=list)  # normalised, valid or not
    nirs_reread: list[str] = field(default_factory=list)  # NIR lines OCR'd again, finer (scans only)
    names: dict = field(default_factory=dict)  # nom_naissance, nom_usage, prenoms
    birth_date: Optional[dt.date] = None
    problem: Optional[str] = None  # unreadable: why
    data: Optional[FileData] = None
    fields: dict = field(default_factory=dict)  # form fields read by the check
    first_page: int = 1  # 1-based, within the file
    last_page: int = 0  # 0: the file's last page
    candidates: list = field(default_factory=list)  # [(piece, score), (piece, score)] when undecided
    evidence: dict = field(default_factory=dict)  # field → {page, box, texte, etat} (read.form_layout)
    parts: list = field(default_factory=list)  # several pièces in one file: one Identified per part

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def pages(self) -> list:
        return [p for p in self.data.pages if not p.outside] if self.data else []

    @property
    def label(self) -> str:
        """The file's name, with the pages when the file holds several pièces."""
        if self.data and self.last_page and (self.first_page > 1 or self.last_page < len(self.data.pages)):
            return f"{self.file} (p. {self.first_page}–{self.last_page})"
        return self.file


def _catalogue() -> list[dict]:
    return resources.load_yaml_shared("validators", "forms", "documents.yaml")["documents"]


_CAT: list = []


def catalogue() -> list[dict]:
    if not _CAT:
        _CAT.extend(_catalogue())
    return _CAT


def read_qr(fd: FileData, index: int = 0) -> list[Payload]:
    """Our QR codes in the bottom-right corner of a page (cheap: only that corner is drawn)."""
    if not fd.pages or index >= len(fd.pages):
        return []
    p = fd.pages[index]
    try:
        if index == 0 and fd.corner is not None:
            found = decode_image(fd.corner)
            if found or p.has_text_layer:
                return found
        img = render(fd, index, dpi=150, crop=(p.width * 0.55, p.height * 0.70, p.width, p.height))
        found = decode_image(img)
        if not found and p.ocr is False and not p.has_text_layer:
            found = decode_image(render(fd, index, dpi=150))  # a shifted scan
        return found
    except Exception:
        return []


def ocr_plan(fd: FileData) -> dict:
    """Which pages of a scan to OCR, and which part: only what identification and rules need."""
    plan: dict = {}
    qr = read_qr(fd, 0)
    fd.metadata["_qr"] = qr
    piece = next((q.piece_id for q in qr if not q.is_separator), None)
    for p in fd.pages:
        if p.has_text_layer:
            continue
        if page_ink(fd, p.index) < 0.002:
            continue  # blank page: nothing to read
        if piece in ZONED:
            plan[p.index] = None
        elif piece is None:
            if not plan:  # unknown yet: the first page names the document (more if it is a form)
                plan[p.index] = None
            else:  # the other pages' top: where another pièce of the same file would start
                plan[p.index] = (0, 0, p.width, p.height * TOP_ZONE)
                fd.metadata.setdefault("_top_only", set()).add(p.index)
        elif p.index == 0:
            # A project document we know from its QR: only the identity block is needed.
            plan[p.index] = (0, 0, p.width, p.height * 0.5)
    return plan


def identify_document(path: Path, *, ocr: bool = True, keep_open: bool = False) -> Identified:
    """Read and identify one file. Never raises for a bad file (see `problem`).

    A file holding several pièces gives the first one, with every part in `parts`.
    `keep_open`: the PDF stays open for the fields read next (the caller closes it).
    """
    fd = read_file(Path(path), ocr=ocr, ocr_plan=ocr_plan)
    ident = identify_data(fd)
    if ocr and not fd.problem and ident.piece is None and not ident.separator and not ident.parts \
            and _upright(fd):
        ident = identify_data(fd)  # a scan read upside down named nothing: read upright again
    parts = ident.parts or [ident]
    if ocr and not fd.problem:
        for part in parts:
            first = fd.pages[part.first_page - 1]
            if (part.piece not in ZONED and len(parts) > 1 and first.index in fd.metadata.get("_top_only", ())
                    and not first.rotation):
                # A pièce starting inside a file: its identity block runs below the top zone read so far.
                ocr_pages(fd, {first.index: (0, 0, first.width, first.height * IDENTITY_ZONE)})
                q = part.data.pages[first.index]
                q.text, q.words, q.ocr = first.text, first.words, first.ocr
                _identity(part, part.data.folded)
            if part.piece not in ZONED:
                continue
            # A form: its other pages hold zones the rules read (OCR'd whole, not only their top).
            rest = {p.index: None for p in part.pages
                    if not p.has_text_layer and (not p.ocr or p.index in fd.metadata.get("_top_only", ()))
                    and page_ink(fd, p.index) >= 0.002}
            if rest:
                ocr_pages(fd, rest)
                fd.metadata["_top_only"] = set(fd.metadata.get("_top_only", ())) - set(rest)
                for q in part.pages:
                    src = fd.pages[q.index]
                    q.text, q.words, q.ocr = src.text, src.words, src.ocr
                _identity(part, part.data.folded)
                if part.version is None:  # the form's code may be printed below the top zone read first
                    _form_version(part, _codes(part.data.text))
    for p in fd.pages if not fd.problem else ():
        if not p.has_text_layer and not (p.text or "").strip():
            page_ink(fd, p.index)  # a fact for the blank-page rule
    if len(parts) > 1:
        for part in parts:
            for q in part.pages:
                q.ink = fd.pages[q.index].ink
    if not keep_open:
        fd.close_pdf()  # read; a later drawing (a form's checkbox) opens it again
    return ident


def _upright(fd: FileData) -> bool:
    """Turn upright the OCR'd pages Tesseract's orientation detection finds turned; True if any."""
    from pipeline.read.ocr import OSD_DPI, _read_turned, _turn, orientation
    from pipeline.read.pixels import render

    redo = {}
    for p in fd.pages:
        if p.ocr and not p.rotation and not p.has_text_layer:
            turn = orientation(render(fd, p.index, dpi=OSD_DPI))
            if not turn and not redo and p.words:
                # Orientation detection unsure: read the page upside down once, keep it if far surer.
                now = sum(w.conf for w in p.words) / len(p.words)
                words, conf = _read_turned(fd, p.index, 180)
                if conf > now + 15 and len(words) >= 0.5 * len(p.words):
                    turn = 180
            if turn:
                _turn(p, turn)
                redo[p.index] = None
                fd.metadata.get("_top_only", set()).discard(p.index)
    if redo:
        fd.ocr_pages -= len(redo)
        ocr_pages(fd, redo)
    return bool(redo)


def identify_files(paths, *, ocr: bool = True, jobs: int = 1, then=None, isolate=None,
                   memory=None, seconds=None) -> list[Identified]:
    """`identify_document` for each file, each in a worker process with a memory cap and a
    time limit (pipeline.read.sandbox): a file exceeding them comes back with its `problem`.
    `then(ident)` runs in the worker too (reading form fields is reading the file)."""
    from pipeline.read import sandbox

    if sandbox.enabled(isolate):
        preload()  # inherited by every worker (a worker's own caches die with it)
    return sandbox.run_isolated(partial(_identify_then, ocr=ocr, then=then), [Path(p) for p in paths],
                                _unreadable, jobs=jobs, isolate=isolate, memory=memory, seconds=seconds)


def preload() -> None:
    """What reading any file needs, loaded once: the catalogue, the form descriptions and their
    synonyms, the limits, the file-type database and the reading modules."""
    import magic

    from pipeline.read import limits

    catalogue()
    for name in ("identite", "af3", "af4", "rapport_hierarchique"):
        load_form(name)
    resources.load_yaml_shared("validators", "forms", "synonymes.yaml")
    limits.limit("lecture", "secondes")
    magic.from_buffer(b"%PDF-1.4\n", mime=True)  # loads the file-type database
    import pdfplumber  # noqa: F401 — imported once, not once per worker
    import pikepdf  # noqa: F401
    import pypdf  # noqa: F401 — fillable forms
    import pypdfium2  # noqa: F401
    from PIL import Image  # noqa: F401


def _identify_then(path: Path, *, ocr: bool, then) -> Identified:
    ident = identify_document(path, ocr=ocr, keep_open=then is not None)
    if then is not None:
        then(ident)
    for part in [ident] + ident.parts:
        if part.data is not None:
            part.data.close_pdf()
    if ident.data is not None:
        ident.data.corner = None  # an image: not worth sending back
    return ident


def _unreadable(path: Path, reason: str) -> Identified:
    return Identified(Path(path), problem=reason)


def identify_parts(path: Path, *, ocr: bool = True) -> list[Identified]:
    """Every pièce of one file, in page order (one element for most files)."""
    ident = identify_document(path, ocr=ocr)
    return ident.parts or [ident]


def identify_data(fd: FileData) -> Identified:
    ident = Identified(fd.path, data=fd, problem=fd.problem, last_page=len(fd.pages))
    if fd.problem:
        return ident
    qr = fd.metadata.pop("_qr", None)
    ident.qr = qr if qr is not None else read_qr(fd, 0)
    fd.corner = None  # decoded: free the image
    text = fd.folded
    codes = _codes(fd.text)
    page_qr = next((q for q in ident.qr if not q.is_separator), None)
    if any(q.is_separator for q in ident.qr) and page_qr is None:
        ident.separator, ident.method, ident.confidence = True, "qr", 1.0
    elif page_qr is not None:
        ident.piece, ident.method, ident.confidence = page_qr.piece_id, "qr", 1.0
        m = forms.CODE_RE.search(page_qr.form_code or "")
        if m:
            ident.form, ident.version = f"AF{m.group(1)}", m.group(2)
    else:
        parts = split_parts(fd)
        if len(parts) > 1:
            ident.parts = [_part(fd, a, b, codes) for a, b in parts]
            first = ident.parts[0]
            for k in ("piece", "method", "confidence", "candidates", "separator", "not_to_send", "form",
                      "version", "names", "birth_date", "nirs", "nirs_reread"):
                setattr(ident, k, getattr(first, k))
            return ident
        _decide(ident, _sum_scores([page_scores(p.folded) for p in fd.pages]), len(fd.pages))
    _form_version(ident, codes)
    _identity(ident, text)
    return ident


def _codes(text: str):
    """Form codes in a text, OCR noise in the year-month mended (« AF4-24O6 » → AF4-2406)."""
    fix = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
    return forms.find_codes(re.sub(r"(?<=AF[34][-–_])[0-9OoIl]{4}\b", lambda m: m.group(0).translate(fix), text))


def _form_version(ident: Identified, codes) -> None:
    if ident.piece in ("af3", "af4"):
        ident.form = ident.piece.upper()
        if ident.version is None:
            mine = [y for f, y in codes if f == ident.form]
            ident.version = mine[-1] if mine else None


def _part(fd: FileData, a: int, b: int, codes) -> Identified:
    """One pièce of a file: pages a..b (0-based, inclusive); the other pages are left out."""
    pages = [p if a <= p.index <= b else Page(p.index, p.width, p.height, "", outside=True, words=[])
             for p in fd.pages]
    where = fd.metadata.get("_field_pages", {})
    sub = FileData(fd.path, kind=fd.kind, mime=fd.mime, pages=pages, metadata=dict(fd.metadata),
                   form_fields={k: v for k, v in fd.form_fields.items() if a <= where.get(k, 0) <= b},
                   ocr_pages=fd.ocr_pages if a == 0 else 0, _pdf=fd.pdf() if fd.kind == "pdf" else None)
    ident = Identified(fd.path, data=sub, first_page=a + 1, last_page=b + 1)
    _decide(ident, _sum_scores([page_scores(p.folded) for p in pages if not p.outside]), b - a + 1)
    _form_version(ident, _codes(sub.text))
    _identity(ident, sub.folded)
    return ident


def piece_from_text(text: str) -> str | None:
    """The pièce (or document not to send) a page's text names best, None when undecided."""
    ident = Identified(Path("-"))
    _decide(ident, page_scores(fold_keep_lines(text)), 0)
    return ident.piece or ident.not_to_send


def _key(entry: dict) -> str:
    if entry.get("separateur"):
        return "separateur"
    if entry.get("a_ne_pas_envoyer"):
        return "nts:" + entry["a_ne_pas_envoyer"]
    return entry["piece"]


_MENTION: list = []


def _mention_re():
    if not _MENTION:
        cues = resources.load_yaml_shared("validators", "forms", "documents.yaml").get("mentions", [])
        _MENTION.append(re.compile("|".join(f"(?:{m})" for m in cues)) if cues else None)
    return _MENTION[0]


@dataclass(frozen=True)
class _Cues:
    """One catalogue entry's regexes, compiled once."""
    key: str
    titles: tuple
    codes: tuple
    headings: tuple
    phrases: tuple
    heads: tuple  # titles then codes: what opens a page
    packed_heads: tuple = ()  # the same without spaces, for a title the OCR cut or glued (_packed)


_CUES: list = [None, []]  # [the catalogue they were compiled from, cues]


def _cues() -> list[_Cues]:
    cat = catalogue()
    if _CUES[0] is not cat:
        cues = []
        for e in cat:
            rx = {k: tuple(re.compile(x) for x in e.get(k, [])) for k in ("titres", "codes", "rubriques", "phrases")}
            cues.append(_Cues(_key(e), rx["titres"], rx["codes"], rx["rubriques"], rx["phrases"],
                              rx["titres"] + rx["codes"],
                              tuple(re.compile(_packed(x)) for x in e.get("titres", []) + e.get("codes", []))))
        _CUES[:] = [cat, cues]
        _page_scores.cache_clear()
    return _CUES[1]


def page_scores(folded: str) -> dict[str, float]:
    """Weighed evidence for every pièce on one page (folded text, lines kept)."""
    _cues()  # compiled for the catalogue in use (a new one empties the scores kept)
    return dict(_page_scores(folded))


@lru_cache(maxsize=256)
def _page_scores(folded: str) -> tuple:
    # A page is scored several times (cutting a file into pièces, then each pièce): once is enough.
    folded = _elided(folded)
    mention = _mention_re()
    lines = [ln for ln in folded.split("\n") if ln.strip()]
    own = [ln for ln in lines if not (mention and mention.search(ln))]  # a citation never decides
    top = " ".join(own[:3])
    body = " ".join(own)
    out: dict[str, float] = {}
    head = _opens(own)  # only the first title of the page is its title
    for cue in _cues():
        score = 0.0
        if head == cue.key and any(rx.search(top) for rx in cue.titles):
            score += W_TITLE_TOP
        elif head == cue.key:  # its title or code heads the page, below the first lines
            score += W_TITLE_ZONE
        elif any(rx.search(body) for rx in cue.titles):
            score += W_TITLE_BODY
        if any(rx.search(body) for rx in cue.codes):
            score += W_CODE
        score += W_HEADING * min(MAX_HEADINGS // W_HEADING, sum(1 for rx in cue.headings if rx.search(body)))
        score += W_PHRASE * min(MAX_PHRASES, sum(1 for rx in cue.phrases if rx.search(body)))
        if score:
            out[cue.key] = score
    return tuple(out.items())


def opens_piece(folded: str) -> Optional[str]:
    """The pièce whose title (or printed code) heads this page: where a new pièce starts."""
    folded = _elided(folded)
    mention = _mention_re()
    return _opens([ln for ln in folded.split("\n") if ln.strip() and not (mention and mention.search(ln))])


_ELISION = re.compile(r"\b([cdjlmnst]|qu)' (?=\w)")


def _elided(folded: str) -> str:
    """« l' imputabilite » → « l'imputabilite »: the OCR sets a space after an elided article
    (a wide apostrophe in a monospaced font), which the cues do not expect."""
    return _ELISION.sub(r"\1'", folded) if "' " in folded else folded


def _opens(own: list[str]) -> Optional[str]:
    zone = " ".join(own[:TITLE_LINES])
    found = [(m.start(), cue.key) for cue in _cues() for rx in cue.heads if (m := rx.search(zone))]
    if not found:
        # The OCR cuts a word of a spaced-out title (« L'IMPUT ABILITÉ ») or glues two: the
        # title zone and the titles are compared without their spaces.
        zone = _SPACES.sub("", zone)
        found = [(m.start(), cue.key) for cue in _cues() for rx in cue.packed_heads if (m := rx.search(zone))]
    return min(found)[1] if found else None


_SPACES = re.compile(r"\s+")
_CLASS = re.compile(r"\[(?:\\.|[^\]\\])*\]")


def _packed(pattern: str) -> str:
    """A title's regex for text without spaces: « proces[- ]verbal » → « proces[-]?verbal »,
    « imprime\\s*af\\s?3 » → « imprimeaf3 »."""
    out, last = [], 0
    for m in _CLASS.finditer(pattern):
        out.append(_SPACES.sub("", re.sub(r"\\s[*+?]?", "", pattern[last:m.start()])))
        cls = m.group()
        if " " in cls or "\\s" in cls:
            cls = cls.replace(" ", "").replace("\\s", "")
            quantified = pattern[m.end():m.end() + 1] in ("?", "*", "+", "{")
            cls = "" if cls == "[]" else cls if quantified else cls + "?"
        out.append(cls)
        last = m.end()
    out.append(_SPACES.sub("", re.sub(r"\\s[*+?]?", "", pattern[last:])))
    return "".join(out)


def _sum_scores(per_page: list[dict]) -> dict[str, float]:
    """A part's evidence: its first page counts whole, the others half."""
    total: dict[str, float] = {}
    for n, sc in enumerate(per_page):
        for k, v in sc.items():
            total[k] = total.get(k, 0.0) + (v if n == 0 else v / 2)
    return total


def split_parts(fd: FileData) -> list[tuple[int, int]]:
    """Page ranges (0-based, inclusive) of the pièces of one file: a part ends where a page opens
    another pièce (its title or code at the top), or shows strong evidence for another one."""
    if len(fd.pages) < 2:
        return [(0, max(0, len(fd.pages) - 1))]
    starts, current = [0], None
    for p in fd.pages:
        folded = p.folded
        if not folded.strip():
            continue  # a blank page continues the part
        opened = opens_piece(folded)
        sc = page_scores(folded)
        if current is None:
            current = opened or (max(sc, key=sc.get) if sc else None)
            continue
        best = max(sc, key=sc.get) if sc else None
        if opened and opened != current:
            starts.append(p.index)
            current = opened
        elif best and best != current and sc[best] >= W_TITLE_ZONE + 1 and sc.get(current, 0) <= W_HEADING:
            starts.append(p.index)
            current = best
    ends = [s - 1 for s in starts[1:]] + [len(fd.pages) - 1]
    return list(zip(starts, ends))


def _method(ident: Identified, key: str) -> str:
    """code | titre | indices: the strongest kind of cue found for the winner (for the report)."""
    cue = next((c for c in _cues() if c.key == key), None)
    text = " ".join(p.folded for p in ident.pages) if ident.data else ""
    if cue is not None and any(rx.search(text) for rx in cue.codes):
        return "code"
    if cue is not None and any(rx.search(text) for rx in cue.titles):
        return "titre"
    return "indices"


def _decide(ident: Identified, scores: dict[str, float], n_pages: int) -> None:
    """The best candidate when it wins by a margin; else the two it hesitates between."""
    if n_pages:
        for e in catalogue():
            lo_hi = e.get("pages")
            k = _key(e)
            if lo_hi and k in scores and not lo_hi[0] <= n_pages <= lo_hi[1]:
                scores[k] -= W_PAGES
    ranked = sorted(((v, k) for k, v in scores.items() if v >= MIN_SCORE), reverse=True)
    if not ranked:
        return
    (best, key), second = ranked[0], (ranked[1] if len(ranked) > 1 else (0.0, None))
    ident.method = _method(ident, key)
    ident.confidence = round(min(0.99, 0.5 + best / 40), 2)
    if second[1] is not None and (best - second[0] < MARGIN or best < RATIO * second[0]):
        ident.candidates = [(key, best), (second[1], second[0])]
        ident.confidence = round(min(ident.confidence, 0.5), 2)
    if key == "separateur":
        ident.separator = True
    elif key.startswith("nts:"):
        ident.not_to_send = key[4:]
    else:
        ident.piece = key


_NAME_CHARS = re.compile(r"[a-z][a-z '.,()\n-]*")  # a folded name: letters, spaces, hyphens, apostrophes...


def _identity(ident: Identified, text: str) -> None:
    ident.data.metadata.pop("_evidence", None)
    f = read_fields(ident.data, load_form("identite"))
    where = ident.data.metadata.pop("_evidence", {}).get("nir")
    # Folded like the text (no accents, lower case): names are compared, never shown from here.
    ident.names = {k: n for k in ("nom_naissance", "nom_usage", "prenoms")
                   if (v := f.get(k)) and (n := fold_keep_lines(v).strip())}
    if any(p.ocr for p in ident.data.pages):
        # « l£ cal » for a handwritten « LE GALL »: what no name is made of is unreadable, not
        # another agent's name (IDENTITE-DISCORDANTE would accuse the pièce).
        ident.names = {k: n for k, n in ident.names.items() if _NAME_CHARS.fullmatch(n)}
    ident.birth_date = f.get("date_naissance")
    ident.nirs = list(dict.fromkeys(f.get("nir") or []))
    if not ident.nirs:
        ident.nirs = list(dict.fromkeys(nir_mod.find_all(ident.data.text)))
    if any(p.ocr for p in ident.data.pages) and any(nir_mod.problem(n) for n in ident.nirs):
        # An OCR'd NIR whose key looks wrong: read its line again, finer, before a rule accuses it.
        ident.nirs_reread = reread_line_after(ident.data, "nir")
        if where and not any(len(a) == 15 and nir_mod.is_valid(a) for a in ident.nirs_reread):
            # The label may say « N° de sécurité sociale », the number under it: read that zone again.
            ident.nirs_reread += reread_zone(ident.data, where["page"] - 1, where["box"])
        # A wrong key on a scan is most often a misread digit: the number read again when it is
        # valid, else nothing (unreadable) unless the second reading gave the same number.
        valid = [a for a in ident.nirs_reread if len(a) == 15 and nir_mod.is_valid(a)]
        ident.nirs = list(dict.fromkeys(
            n if not nir_mod.problem(n) else (valid[0] if valid else n)
            for n in ident.nirs if not nir_mod.problem(n) or valid or n in ident.nirs_reread))
