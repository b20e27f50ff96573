"""Simulated scans: a text PDF → an image-only PDF, as a scanning desk would produce it.

Each page is rendered with pypdfium2 at 200 dpi in grayscale, rotated by 0.5–1.5°, given a
light paper grain and a few grey speckles, saved as JPEG (quality 60) and wrapped back into
a PDF with img2pdf (no text layer, A4 kept). Randomness comes from a fixed seed mixed with
the file name and page number: the same input always gives the same bytes.
"""
from __future__ import annotations

import hashlib
import io
import random

DPI = 200
JPEG_QUALITY = 60
SEED = 20261122


def _rng(name: str, page: int) -> random.Random:
    h = hashlib.sha256(f"{SEED}|{name}|{page}".encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def degrade(img, rng: random.Random):
    """Grayscale page image → the same page as it comes out of a cheap scanner."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    img = img.convert("L")
    angle = rng.uniform(0.5, 1.5) * rng.choice((-1, 1))
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    w, h = img.size
    # Paper mottling: a coarse random field, smoothly upscaled (cheap without numpy, and light
    # for JPEG: fine-grained noise would triple the file size), subtracted from the page.
    gw, gh = w // 40, h // 40
    small = Image.frombytes("L", (gw, gh), rng.randbytes(gw * gh))
    grain = small.resize((w, h), Image.BILINEAR).point(lambda v: v * 18 // 255)
    img = ImageChops.subtract(img, grain)
    # Grey speckles (dust) and a slightly soft focus. Light grey and tiny: noise for the OCR,
    # never dark enough to pass for a tick or a signature stroke in an empty field.
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(40, 90)):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.choice((1, 1, 2))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(150, 200))
    return img.filter(ImageFilter.GaussianBlur(0.6))


def scan_pdf(pdf_bytes: bytes, name: str = "", pages: list[int] | None = None) -> bytes:
    """Image-only PDF of `pdf_bytes` (every page, or only the 0-based `pages`)."""
    import img2pdf
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    jpegs, sizes = [], []
    try:
        for i in range(len(doc)):
            if pages is not None and i not in pages:
                continue
            page = doc[i]
            w_pt, h_pt = page.get_size()
            img = page.render(scale=DPI / 72, grayscale=True).to_pil()
            page.close()
            img = degrade(img, _rng(name, i))
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=JPEG_QUALITY, dpi=(DPI, DPI))
            jpegs.append(buf.getvalue())
            sizes.append((w_pt, h_pt))
    finally:
        doc.close()
    # Keep each page's physical size (A4 stays A4, a US-letter page stays letter).
    out = io.BytesIO()
    layouts = [img2pdf.get_fixed_dpi_layout_fun((DPI, DPI))]
    # img2pdf's pikepdf engine writes a random /ID; the internal engine is reproducible.
    img2pdf.convert(jpegs, outputstream=out, layout_fun=layouts[0], nodate=True, engine=img2pdf.Engine.internal)
    return out.getvalue()


def jpeg_of_page(pdf_bytes: bytes, page: int = 0, name: str = "") -> bytes:
    """One scanned page as a JPEG file (for the « image named .pdf » sample)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        img = doc[page].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    buf = io.BytesIO()
    degrade(img, _rng(name, page)).save(buf, format="JPEG", quality=JPEG_QUALITY, dpi=(DPI, DPI))
    return buf.getvalue()
