"""Stage stamp: footer on every page (code, « Page n / N », QR code), fixed metadata.

The QR code (payload: pipeline/qr.py) lets a scanned page find its dossier and pièce again.
Metadata dates come from dossier.date_etablissement and the file /ID from the content
of the .docx, so a re-run on the same input gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from pipeline import qr

A4_W, A4_H = 595.28, 841.89
TOLERANCE = 3 * 72 / 25.4  # ±3 mm, as the check's PAGE-FORMAT rule
CM = 72 / 2.54
QR_SIZE = 2.0 * CM
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


@dataclass
class Stamped:
    pages: int
    data: bytes


def _font() -> str:
    """A TrueType font reportlab embeds (the 14 standard PDF fonts are not embedded)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "PipelineSans" in pdfmetrics.getRegisteredFontNames():
        return "PipelineSans"
    for f in FONT_FILES:
        if Path(f).exists():
            pdfmetrics.registerFont(TTFont("PipelineSans", f))
            return "PipelineSans"
    return "Helvetica"


def _draw_qr(c, text: str, x: float, y: float, size: float) -> None:
    import segno

    matrix = segno.make(text, error="m", micro=False).matrix
    n = len(matrix)
    quiet = 2
    module = size / (n + 2 * quiet)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        col = 0
        while col < n:  # one rectangle per run of dark modules: small and crisp
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                c.rect(x + (quiet + start) * module, y + size - (quiet + r + 1) * module,
                       (col - start) * module, module, stroke=0, fill=1)
            else:
                col += 1


def overlay(dossier_id: str, piece_id: str, code: str, pages: int, label: str = "") -> bytes:
    """One A4 overlay page per page: code left, « Page n / N » centred, QR bottom right."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    font = _font()
    # initialFontName: otherwise reportlab lists a non-embedded Helvetica on every page.
    c = canvas.Canvas(buf, pagesize=(A4_W, A4_H), invariant=1, pageCompression=1, initialFontName=font)
    for n in range(1, pages + 1):
        c.setStrokeColorRGB(0.6, 0.6, 0.6)
        c.setLineWidth(0.5)
        c.line(1.8 * CM, 2.45 * CM, A4_W - 3.4 * CM, 2.45 * CM)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(font, 9)
        c.drawString(1.8 * CM, 1.75 * CM, code)
        c.drawCentredString(A4_W / 2 - 0.8 * CM, 1.75 * CM, f"Page {n} / {pages}")
        c.setFont(font, 7)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawString(1.8 * CM, 1.25 * CM, f"Dossier {dossier_id}" + (f" · {label}" if label else ""))
        payload = qr.page_payload(dossier_id, piece_id, code, n, pages).encode()
        _draw_qr(c, payload, A4_W - 1.2 * CM - QR_SIZE, 0.6 * CM, QR_SIZE)
        c.showPage()
    c.save()
    return buf.getvalue()


def page_format_problems(reader) -> list[str]:
    out = []
    for i, page in enumerate(reader.pages, 1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        if (page.get("/Rotate") or 0) % 180:
            w, h = h, w
        if abs(w - A4_W) > TOLERANCE or abs(h - A4_H) > TOLERANCE:
            out.append(f"page {i} : {w * 25.4 / 72:.0f} × {h * 25.4 / 72:.0f} mm au lieu de A4 portrait")
    return out


def pdf_date(when: dt.date) -> str:
    return f"D:{when.strftime('%Y%m%d')}000000Z"


def stamp_pdf(pdf: bytes, *, dossier_id: str, piece_id: str, code: str, when: dt.date,
              title: str = "", id_seed: bytes = b"", label: str = "") -> Stamped:
    """Stamp every page of `pdf`; return the new bytes (deterministic) and the page count."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    from pipeline.build.convert import ConversionError

    reader = PdfReader(io.BytesIO(pdf))
    problems = page_format_problems(reader)
    if problems:
        raise ConversionError(f"{piece_id} : format de page incorrect ({'; '.join(problems)}) : "
                              "le modèle doit être en A4 portrait.")
    pages = len(reader.pages)
    over = PdfReader(io.BytesIO(overlay(dossier_id, piece_id, code, pages, label)))
    writer = PdfWriter()
    for page, extra in zip(reader.pages, over.pages):
        writer.add_page(page).merge_page(extra)
    stamp = pdf_date(when)
    writer.add_metadata({
        "/Title": title or piece_id,
        "/Author": "",
        "/Subject": f"{code} — dossier {dossier_id}",
        "/Creator": "pipeline build",
        "/Producer": "pipeline-invalidite (LibreOffice, pypdf, reportlab)",
        "/CreationDate": stamp,
        "/ModDate": stamp,
    })
    digest = hashlib.md5(b"|".join([dossier_id.encode(), piece_id.encode(), code.encode(), id_seed])).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    out = io.BytesIO()
    writer.write(out)
    return Stamped(pages, out.getvalue())
