"""Split a scanned bundle into documents at separator sheets and at our page QR codes.

Like paperless-ngx's barcode splitting: a separator sheet (qr.separator_payload) starts a new
document for its dossier and pièce and is itself dropped; a page carrying our page QR starts a
new document when its dossier / pièce differs from the current one, or when it is page 1 of a
new copy. Pages without any code belong to the document before them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import qr

DECODE_DPI = 150


@dataclass
class Segment:
    pages: list[int] = field(default_factory=list)
    dossier_id: str | None = None
    piece_id: str | None = None
    via: str = ""  # "separateur" | "qr" | "" (no code: route by content)
    qr_pages: int = 0


def decode_pages(pdf_path: Path, dpi: int = DECODE_DPI) -> list[list[qr.Payload]]:
    """Our QR payloads on every page, rendering each page once."""
    import pypdfium2 as pdfium

    out = []
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        for i in range(len(doc)):
            page = doc[i]
            try:
                image = page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()
            found = qr.decode_image(image)
            if not found:
                # Our page code is 2 cm wide, bottom right (pipeline/stamp.py): on a poor scan,
                # one more try on that corner only, sharper (cheap: an eighth of the page).
                page = doc[i]
                try:
                    w, h = page.get_size()
                    image = page.render(scale=300 / 72, grayscale=True, crop=(w * 0.5, 0, 0, h * 0.75)).to_pil()
                finally:
                    page.close()
                found = qr.decode_image(image)
            out.append(found)
    finally:
        doc.close()
    return out


def segments(per_page: list[list[qr.Payload]]) -> list[Segment]:
    segs: list[Segment] = []
    cur: Segment | None = None
    for i, payloads in enumerate(per_page):
        sep = next((p for p in payloads if p.is_separator), None)
        own = next((p for p in payloads if not p.is_separator), None)
        if sep is not None:
            cur = Segment(dossier_id=sep.dossier_id, piece_id=sep.piece_id, via="separateur")
            segs.append(cur)
            continue
        if own is not None:
            key = (own.dossier_id, own.piece_id)
            same = cur is not None and (cur.dossier_id, cur.piece_id) == key and cur.via
            new_copy = same and own.page == 1 and cur.qr_pages > 0
            empty_sep = cur is not None and cur.via == "separateur" and not cur.pages
            if not same or new_copy:
                if empty_sep:
                    segs.pop()  # the page's own code is more precise than the sheet before it
                cur = Segment(dossier_id=own.dossier_id, piece_id=own.piece_id, via="qr")
                segs.append(cur)
            cur.pages.append(i)
            cur.qr_pages += 1
            continue
        if cur is None:
            cur = Segment()
            segs.append(cur)
        cur.pages.append(i)
    return [s for s in segs if s.pages]


def write_segment(src: Path, seg: Segment, dst: Path) -> None:
    import pikepdf

    with pikepdf.open(src) as pdf:
        out = pikepdf.new()
        for i in seg.pages:
            out.pages.append(pdf.pages[i])
        out.save(dst)


def pages_without_text(pdf_path: Path, min_chars: int = 20) -> list[int]:
    """Indices of pages whose text layer is (almost) empty: they need OCR."""
    from pipeline.read.reader import pdf_page_texts

    return [i for i, text in enumerate(pdf_page_texts(pdf_path)) if len("".join(text.split())) < min_chars]

