"""What a read file is: its pages, their text and words (positions in PDF points)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.text import strip_accents

MIN_TEXT_CHARS = 8  # fewer characters than this: the page has no usable text layer

A4_PT = (595.28, 841.89)

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
    conf: float = 100.0  # OCR confidence 0–100 (a text layer's word is sure)

def wordy(word: Word) -> bool:
    """Two letters or digits or more: a word, not a speck, a rule or a box the OCR read."""
    return len(_NOT_WORDY.sub("", word.text)) >= 2


_NOT_WORDY = re.compile(r"[^0-9A-Za-zÀ-ÿ]")

@dataclass
class Page:
    index: int  # 0-based
    width: float  # points
    height: float
    text: str = ""
    ocr: bool = False  # text comes from OCR
    has_text_layer: bool = True
    size_known: bool = True  # False for an image without resolution: its paper size is unknown
    words: Optional[list[Word]] = None  # from the text layer (read with the page) or by OCR
    ink: Optional[float] = None  # share of dark pixels, computed when needed
    outside: bool = False  # a page of the same file that belongs to another pièce (see identify_parts)
    rotation: int = 0  # degrees the scan was turned to read it upright (OCR orientation detection)
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
    _pdf: Optional["PdfHandle"] = field(default=None, repr=False, compare=False)

    def pdf(self) -> "PdfHandle":
        """The file's pypdfium2 document, opened once for the life of the read (see close_pdf)."""
        if self._pdf is None:
            self._pdf = PdfHandle(self.path)
        return self._pdf

    def pdf_page(self, index: int):
        """Page `index` of the PDF; a page with a text layer stays loaded for the next drawing,
        a scanned one is let go as soon as it is drawn (pdfium keeps the images it decoded)."""
        keep = index < len(self.pages) and self.pages[index].has_text_layer
        return self.pdf().page(index, keep=keep)

    def close_pdf(self) -> None:
        if self._pdf is not None:
            self._pdf.close()

    def __getstate__(self) -> dict:
        # pypdfium2 objects live in this process only (a sandbox worker sends its FileData back).
        state = dict(self.__dict__)
        state["_pdf"] = None
        return state

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    @property
    def folded(self) -> str:
        return "\n".join(p.folded for p in self.pages)  # each page caches its own



class PdfHandle:
    """One open pypdfium2 document and its last pages loaded: drawing a page for a checkbox,
    a signature or the OCR costs neither a new opening of the file nor, on the same page, a new
    load. A few pages only: a loaded page keeps the images it has decoded."""

    KEEP = 4  # an AF3 of four pages read whole, then its boxes drawn, without loading a page twice

    def __init__(self, path: Path):
        self.path = path
        self.doc = None
        self.pages: dict = {}  # index → page, oldest first

    def document(self):
        if self.doc is None:
            import pypdfium2 as pdfium

            self.doc = pdfium.PdfDocument(str(self.path))
        return self.doc

    def page(self, index: int, keep: bool = True):
        """The page, kept loaded (`keep`) or closed once the caller lets it go."""
        p = self.pages.pop(index, None)
        if p is None:
            p = self.document()[index]
        if keep:
            self.hold(index, p)
        return p

    def hold(self, index: int, page) -> None:
        while len(self.pages) >= self.KEEP:
            self.pages.pop(next(iter(self.pages))).close()
        self.pages[index] = page

    def close(self) -> None:
        for p in self.pages.values():
            p.close()
        self.pages.clear()
        if self.doc is not None:
            self.doc.close()
            self.doc = None
