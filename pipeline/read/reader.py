"""Stage read, entry point: one file → FileData (pages, text, words; OCR where there is no text).

Cheap first, expensive only where needed: pypdfium2 text and word boxes for every page, each
page loaded once, OCR only for pages without a text layer.
"""
from __future__ import annotations

import re
from pathlib import Path

from pipeline.read import limits
from pipeline.read.document import MIN_TEXT_CHARS, FileData, Page, Word
from pipeline.read.filetype import ACCEPTED_FR, sniff
from pipeline.read.layout import pdf_words
from pipeline.read.ocr import ocr_pages


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
    fd.problem = limits.check_size(path, size)
    if fd.problem:
        return fd
    fd.kind, fd.mime = sniff(path)
    if fd.kind is None:
        fd.problem = f"type de fichier non accepté ({fd.mime}) : joignez {ACCEPTED_FR}"
        return fd
    # Before any rendering: pages, objects, page size, pixels, decompressed bytes.
    fd.problem = limits.check_file(path, fd.kind)
    if fd.problem:
        return fd
    try:
        if fd.kind == "pdf":
            _read_pdf(fd)
        else:
            _read_image(fd)
    except MemoryError:
        fd.problem, fd.pages = limits.MEMORY_REASON, []
        return fd
    except Exception as e:  # a corrupt file is a finding, never a crash
        from PIL import Image

        if isinstance(e, Image.DecompressionBombError):
            fd.problem = limits.exceeded("image trop grande", "bombe de décompression", limits.limit("image", "pixels"))
        else:
            fd.problem = fd.problem or f"fichier illisible ou endommagé ({type(e).__name__})"
        fd.pages = []
        return fd
    if fd.problem:
        return fd
    max_pages = limits.limit("pdf", "pages")
    if len(fd.pages) > max_pages.valeur:
        fd.problem = limits.exceeded("trop de pages", len(fd.pages), max_pages)
        return fd
    if ocr:
        todo = {p.index: None for p in fd.pages if not p.has_text_layer}
        if ocr_plan is not None and todo:
            todo = ocr_plan(fd)
        if todo:
            ocr_pages(fd, todo)
    return fd

def page_text(page) -> str:
    """The text layer of one pypdfium2 page, line ends normalised: the one way the project reads PDF text."""
    tp = page.get_textpage()
    try:
        text = tp.get_text_range() or ""
    finally:
        tp.close()
    return _clean(text)


_SPACE = re.compile(r"\s")


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def pdf_page_texts(path: Path, limit: int | None = None) -> list[str]:
    """Text layer of each page of a PDF (the first `limit` pages), without OCR."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i in range(len(doc) if limit is None else min(limit, len(doc))):
            page = doc[i]
            out.append(page_text(page))
            page.close()
        return out
    finally:
        doc.close()


def _read_pdf(fd: FileData) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        doc = fd.pdf().document()  # kept open for the drawings that follow (FileData.close_pdf)
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
        max_pages = limits.limit("pdf", "pages")
        if len(doc) > max_pages.valeur:
            fd.problem = limits.exceeded("trop de pages", len(doc), max_pages)
            return
        widgets = False  # form fields, even when a merge lost the form's catalogue entry
        for i in range(len(doc)):
            page = fd.pdf().page(i, keep=False)
            w, h = page.get_size()
            tp = page.get_textpage()
            try:
                raw_text = tp.get_text_range() or ""
                text = _clean(raw_text)
                has = len(_SPACE.sub("", text)) >= MIN_TEXT_CHARS
                # The words' boxes from the same text page, while it is loaded (layout reading
                # needs them on every page with text: a second load of the page costs more).
                words = pdf_words(tp, h, raw_text) if has else None
            finally:
                tp.close()
            if i == 0:
                # The QR corner, drawn now while the page is loaded (a second load costs more).
                dpi = 100 if has else 150
                crop = (w * 0.55, 0, 0, h * 0.70)
                fd.corner = page.render(scale=dpi / 72, crop=crop, grayscale=True).to_pil()
            for k in range(raw.FPDFPage_GetAnnotCount(page.raw)):
                annot = raw.FPDFPage_GetAnnot(page.raw, k)
                if raw.FPDFAnnot_GetSubtype(annot) == raw.FPDF_ANNOT_WIDGET:
                    widgets = True
                raw.FPDFPage_CloseAnnot(annot)
            if has:
                fd.pdf().hold(i, page)  # the last pages with text stay loaded for the drawings that follow
            else:
                page.close()  # a scan: its decoded image is let go now
            fd.pages.append(Page(i, w, h, text if has else "", has_text_layer=has, words=words))
        has_form = raw.FPDF_GetFormType(doc.raw) != 0 or widgets
    except BaseException:
        fd.close_pdf()
        raise
    if fd.problem:
        fd.close_pdf()  # nothing will be drawn from it
        return
    if has_form:
        _pdf_fields(fd)

def field_values(path):
    """(page index, field name, value or None) of each form-field widget, page by page (pikepdf);
    a widget without its own name or value takes its parent field's."""
    import pikepdf

    from pipeline.pdfform import pike_widgets

    with pikepdf.open(path) as pdf:
        for index, a, parent in pike_widgets(pdf):
            name = a.get("/T", None) or parent.get("/T", None)
            if name is None:
                continue
            value = a.get("/V", None)
            if value is None:
                value = parent.get("/V", None)
            yield index, str(name), None if value is None else str(value)


def _pdf_fields(fd: FileData) -> None:
    """AcroForm values (pikepdf): forms filled on screen keep their values out of the page text.

    Read from each page's widgets, so a field's page is known (a file holding several forms)
    and a form merged into another file without its catalogue entry is still read.
    """
    where: dict = {}
    try:
        for index, name, value in field_values(str(fd.path)):
            if value in (None, "", "/Off"):
                continue
            fd.form_fields[name] = str(value)
            where[name] = index
    except Exception:
        pass  # the text is what counts
    fd.metadata["_field_pages"] = where
    for index in sorted(set(where.values())):
        # Values typed into fields are part of what a person reads on the form.
        extra = "\n".join(f"{k} : {v}" for k, v in fd.form_fields.items() if where.get(k) == index)
        fd.pages[index].text += "\n" + extra

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

def page_words(fd: FileData, index: int) -> list[Word]:
    """Words with positions: from the text layer (read with the page) or OCR; pdfplumber for a
    page that has neither (a few characters below MIN_TEXT_CHARS, not OCR'd)."""
    page = fd.pages[index]
    if page.words is None:
        import pdfplumber

        with pdfplumber.open(str(fd.path), pages=[index + 1]) as pdf:
            p = pdf.pages[0]
            ws = p.extract_words(keep_blank_chars=False, use_text_flow=True)
        page.words = [Word(w["text"], w["x0"], w["top"], w["x1"], w["bottom"]) for w in ws]
    return page.words
