"""Stage identify: one file → which pièce it is, with a confidence, and who it is about.

The project's own pages carry a QR code (pipeline/qr.py): read it first. Otherwise the
printed form code and the title (validators/forms/documents.yaml, matched on folded text,
the highest title on the first page wins). Also used by the drop-folder watcher.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Optional

from pipeline import nir as nir_mod
from pipeline import resources
from pipeline.dossier import forms
from pipeline.qr import Payload, decode_image
from pipeline.read.document import FileData, Page
from pipeline.read.fields import load_form, read_fields, reread_line_after
from pipeline.read.ocr import ocr_pages
from pipeline.read.pixels import page_ink, render
from pipeline.read.reader import read_file

# Pièces whose zones the rules read: on a scan every page of them is OCR'd whole.
ZONED = {"af3", "af4", "rapport_hierarchique", "attestations_presence"}


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

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def pages(self) -> list:
        return self.data.pages if self.data else []


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
        elif p.index == 0:
            # A project document we know from its QR: only the identity block is needed.
            plan[p.index] = (0, 0, p.width, p.height * 0.5)
    return plan


def identify_document(path: Path, *, ocr: bool = True) -> Identified:
    """Read and identify one file. Never raises for a bad file (see `problem`)."""
    fd = read_file(Path(path), ocr=ocr, ocr_plan=ocr_plan)
    ident = identify_data(fd)
    if ocr and ident.piece in ZONED and not fd.problem:
        # A form recognised from its first page: its other pages hold zones the rules read.
        rest = {p.index: None for p in fd.pages
                if not p.has_text_layer and not p.ocr and page_ink(fd, p.index) >= 0.002}
        if rest:
            ocr_pages(fd, rest)
            _identity(ident, fd.folded)
    for p in fd.pages if not fd.problem else ():
        if not p.has_text_layer and not (p.text or "").strip():
            page_ink(fd, p.index)  # a fact for the blank-page rule
    return ident


def identify_files(paths, *, ocr: bool = True, jobs: int = 1, then=None, isolate=None,
                   memory=None, seconds=None) -> list[Identified]:
    """`identify_document` for each file, each in a worker process with a memory cap and a
    time limit (pipeline.read.sandbox): a file exceeding them comes back with its `problem`.
    `then(ident)` runs in the worker too (reading form fields is reading the file)."""
    from pipeline.read import limits, sandbox

    if sandbox.enabled(isolate):
        # Parsed once here, inherited by every worker (a worker's own caches die with it).
        catalogue()
        for name in ("identite", "af3", "af4", "rapport_hierarchique"):
            load_form(name)
        limits.limit("lecture", "secondes")
        import pdfplumber  # noqa: F401 — imported once, not once per worker
        import pikepdf  # noqa: F401
        import pypdfium2  # noqa: F401
        from PIL import Image  # noqa: F401
    return sandbox.run_isolated(partial(_identify_then, ocr=ocr, then=then), [Path(p) for p in paths],
                                _unreadable, jobs=jobs, isolate=isolate, memory=memory, seconds=seconds)


def _identify_then(path: Path, *, ocr: bool, then) -> Identified:
    ident = identify_document(path, ocr=ocr)
    if then is not None:
        then(ident)
    if ident.data is not None:
        ident.data.corner = None  # an image: not worth sending back
    return ident


def _unreadable(path: Path, reason: str) -> Identified:
    return Identified(Path(path), problem=reason)


def identify_data(fd: FileData) -> Identified:
    ident = Identified(fd.path, data=fd, problem=fd.problem)
    if fd.problem:
        return ident
    qr = fd.metadata.pop("_qr", None)
    ident.qr = qr if qr is not None else read_qr(fd, 0)
    fd.corner = None  # decoded: free the image
    text = fd.folded
    codes = forms.find_codes(fd.text)
    page_qr = next((q for q in ident.qr if not q.is_separator), None)
    if any(q.is_separator for q in ident.qr) and page_qr is None:
        ident.separator, ident.method, ident.confidence = True, "qr", 1.0
    elif page_qr is not None:
        ident.piece, ident.method, ident.confidence = page_qr.piece_id, "qr", 1.0
        m = forms.CODE_RE.search(page_qr.form_code or "")
        if m:
            ident.form, ident.version = f"AF{m.group(1)}", m.group(2)
    else:
        _by_text(ident, fd, text)
    if ident.piece in ("af3", "af4"):
        ident.form = ident.piece.upper()
        if ident.version is None:
            mine = [y for f, y in codes if f == ident.form]
            ident.version = mine[-1] if mine else None
    _identity(ident, text)
    return ident


def piece_from_text(text: str) -> str | None:
    """The pièce whose printed title comes first in `text` (a page read without a FileData)."""
    fd = FileData(Path("-"), pages=[Page(0, 0, 0, text)])
    ident = Identified(fd.path, data=fd)
    _by_text(ident, fd, fd.folded)
    return ident.piece or ident.not_to_send


def _by_text(ident: Identified, fd: FileData, text: str) -> None:
    first = fd.pages[0].folded if fd.pages else ""
    best = None  # (page-1 position or big, -has code, entry)
    for entry in catalogue():
        pos = None
        for rx in entry.get("titres", []):
            m = re.search(rx, first)
            if m and (pos is None or m.start() < pos):
                pos = m.start()
        where = "p1"
        if pos is None:
            for rx in entry.get("titres", []):
                m = re.search(rx, text)
                if m:
                    pos, where = 100000 + m.start(), "doc"
                    break
        code = any(re.search(rx, text) for rx in entry.get("codes", []))
        if pos is None and not code:
            continue
        key = (pos if pos is not None else 200000, 0 if code else 1)
        if best is None or key < best[0]:
            best = (key, entry, where, code)
    if best is None:
        return
    (pos, _), entry, where, code = best
    ident.method = "code" if code else "titre"
    ident.confidence = 0.95 if code and pos < 2000 else 0.9 if pos < 600 else 0.7 if pos < 100000 else 0.5
    if entry.get("separateur"):
        ident.separator = True
    elif entry.get("a_ne_pas_envoyer"):
        ident.not_to_send = entry["a_ne_pas_envoyer"]
    else:
        ident.piece = entry["piece"]


def _identity(ident: Identified, text: str) -> None:
    f = read_fields(ident.data, load_form("identite"))
    ident.names = {k: v for k in ("nom_naissance", "nom_usage", "prenoms") if (v := f.get(k))}
    ident.birth_date = f.get("date_naissance")
    ident.nirs = list(dict.fromkeys(f.get("nir") or []))
    if not ident.nirs:
        ident.nirs = list(dict.fromkeys(nir_mod.find_all(ident.data.text)))
    if any(p.ocr for p in ident.data.pages) and any(nir_mod.problem(n) for n in ident.nirs):
        # An OCR'd NIR whose key looks wrong: read its line again, finer, before a rule accuses it.
        ident.nirs_reread = reread_line_after(ident.data, "nir")
