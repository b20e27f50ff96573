"""QR payloads printed on the project's pages and separator sheets, and their decoding.

Payload (ASCII, short enough for a small QR at 200 dpi):
    page:      CNRINV1|P|<dossier id>|<pièce id>|<form code, e.g. AF3-2406 or DOC>|<page>/<pages>
    separator: CNRINV1|S|<dossier id>|<pièce id>
The prefix makes our codes recognisable among other barcodes on a scan.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Optional

PREFIX = "CNRINV1"


@dataclass(frozen=True)
class Payload:
    kind: str  # "P" page, "S" separator sheet
    dossier_id: str
    piece_id: str
    form_code: str = ""
    page: int = 0
    pages: int = 0

    @property
    def is_separator(self) -> bool:
        return self.kind == "S"

    def encode(self) -> str:
        if self.is_separator:
            return f"{PREFIX}|S|{self.dossier_id}|{self.piece_id}"
        return f"{PREFIX}|P|{self.dossier_id}|{self.piece_id}|{self.form_code}|{self.page}/{self.pages}"


def page_payload(dossier_id: str, piece_id: str, form_code: str, page: int, pages: int) -> Payload:
    return Payload("P", dossier_id, piece_id, form_code, page, pages)


def separator_payload(dossier_id: str, piece_id: str) -> Payload:
    return Payload("S", dossier_id, piece_id)


def parse(text: str) -> Optional[Payload]:
    """Payload from a decoded QR text, or None when it is not one of ours."""
    parts = (text or "").strip().split("|")
    if len(parts) < 4 or parts[0] != PREFIX:
        return None
    if parts[1] == "S" and len(parts) == 4:
        return Payload("S", parts[2], parts[3])
    if parts[1] == "P" and len(parts) == 6:
        try:
            page, pages = (int(x) for x in parts[5].split("/"))
        except ValueError:
            return None
        return Payload("P", parts[2], parts[3], parts[4], page, pages)
    return None


def png_bytes(text: str, scale: int = 4, border: int = 2) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


def decode_image(image) -> list[Payload]:
    """Our payloads found in a PIL image (several on a page are possible)."""
    import zxingcpp

    found = []
    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        p = parse(result.text)
        if p is not None:
            found.append(p)
    return found


def decode_pdf_page(pdf_path, page_index: int, dpi: int = 100) -> list[Payload]:
    """Render one PDF page (pypdfium2) and decode our QR codes on it."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        page = doc[page_index]
        image = page.render(scale=dpi / 72).to_pil()
        page.close()
    finally:
        doc.close()
    return decode_image(image)
