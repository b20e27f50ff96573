"""Typing by content and conversion to PDF, within limits (runs in a worker process).

PDF, JPEG, PNG and (multi-page) TIFF are accepted, whatever their name says. Images become
PDF losslessly with img2pdf. Anything else, corrupt, encrypted, or over the size, page or
pixel limits raises `Refused` with a French reason: the file goes to quarantine.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.read.filetype import ACCEPTED_FR, sniff

MAX_PAGE_POINTS = 3500  # a little over A0 (3370 pt): larger pages are not scans of paper


class Refused(Exception):
    """The file cannot be taken in; str(e) is the French reason for the quarantine file."""


def to_pdf(src: Path, dst: Path, *, max_bytes: int, max_pages: int, max_pixels: int) -> dict:
    """Write a PDF version of `src` to `dst`; returns {"type", "pages"}. Raises Refused."""
    size = Path(src).stat().st_size
    if size == 0:
        raise Refused("fichier vide (0 octet) : numérisez à nouveau le document")
    if size > max_bytes:
        raise Refused(f"fichier trop volumineux ({size // (1024 * 1024)} Mo, limite {max_bytes // (1024 * 1024)} Mo) : "
                      "numérisez en 200 ou 300 dpi, ou découpez le lot")
    kind, mime = sniff(src)
    if kind is None:
        raise Refused(f"type de fichier non pris en charge ({mime}) : déposez {ACCEPTED_FR}")
    if kind == "pdf":
        pages = _check_pdf(src, max_pages=max_pages)
        shutil.copyfile(src, dst)
    else:
        pages = _image_to_pdf(src, dst, max_pages=max_pages, max_pixels=max_pixels)
    return {"type": kind, "pages": pages}


def _check_pdf(src: Path, *, max_pages: int) -> int:
    import pikepdf
    import pypdfium2 as pdfium

    try:
        with pikepdf.open(src) as pdf:
            if pdf.is_encrypted:
                raise Refused("PDF chiffré ou protégé : demandez à l'expéditeur une version sans protection")
            n = len(pdf.pages)
            if n == 0:
                raise Refused("PDF sans aucune page : numérisez à nouveau le document")
            if n > max_pages:
                raise Refused(f"trop de pages ({n}, limite {max_pages}) : découpez le lot en plusieurs fichiers")
            for page in pdf.pages:
                box = [float(x) for x in page.mediabox]
                w, h = abs(box[2] - box[0]), abs(box[3] - box[1])
                if w > MAX_PAGE_POINTS or h > MAX_PAGE_POINTS or w < 10 or h < 10:
                    raise Refused("format de page aberrant (ni A4 ni format papier) : numérisez à nouveau le document")
    except pikepdf.PasswordError:
        raise Refused("PDF chiffré ou protégé par mot de passe : demandez à l'expéditeur une version sans protection")
    except Refused:
        raise
    except Exception:
        raise Refused("PDF illisible ou abîmé : numérisez ou exportez à nouveau le document")
    # A second, independent reader: a truncated file that qpdf "repairs" often fails here.
    try:
        doc = pdfium.PdfDocument(str(src))
        try:
            if len(doc) != n:
                raise Refused("PDF abîmé (pages manquantes ou tronqué) : numérisez ou exportez à nouveau le document")
            for i in range(n):
                doc[i].close()
        finally:
            doc.close()
    except Refused:
        raise
    except Exception:
        raise Refused("PDF illisible ou abîmé : numérisez ou exportez à nouveau le document")
    if _truncated(src):
        raise Refused("PDF tronqué (fichier incomplet) : numérisez ou exportez à nouveau le document")
    return n


def _truncated(src: Path) -> bool:
    """A PDF whose last 1 KiB has no %%EOF was cut while being written or copied."""
    with open(src, "rb") as fh:
        fh.seek(0, 2)
        end = fh.tell()
        fh.seek(max(0, end - 1024))
        return b"%%EOF" not in fh.read()


def _image_to_pdf(src: Path, dst: Path, *, max_pages: int, max_pixels: int) -> int:
    import io

    import img2pdf
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels  # PIL refuses images over twice this (bombs)
    frames = 0
    needs_rgb = False
    try:
        with Image.open(src) as im:
            while True:
                frames += 1
                if frames > max_pages:
                    raise Refused(f"trop de pages ({frames}+, limite {max_pages}) : découpez le lot")
                w, h = im.size
                if w * h > max_pixels:
                    raise Refused(f"image démesurée ({w}×{h} pixels) : numérisez en 200 ou 300 dpi")
                im.load()  # decodes: a truncated or corrupt image fails here
                if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                    needs_rgb = True
                try:
                    im.seek(im.tell() + 1)
                except EOFError:
                    break
    except Refused:
        raise
    except Image.DecompressionBombError:
        raise Refused("image démesurée (bombe de décompression) : numérisez en 200 ou 300 dpi")
    except Exception:
        raise Refused("image illisible ou abîmée : numérisez à nouveau le document")
    try:
        if needs_rgb:
            # img2pdf refuses transparency; flattening to RGB PNG stays lossless for the pixels.
            pages = []
            with Image.open(src) as im:
                for i in range(frames):
                    im.seek(i)
                    buf = io.BytesIO()
                    im.convert("RGB").save(buf, format="PNG")
                    pages.append(buf.getvalue())
            data = img2pdf.convert(pages)
        else:
            data = img2pdf.convert(str(src))
    except Exception:
        raise Refused("image impossible à convertir en PDF : numérisez à nouveau en JPEG, PNG ou PDF")
    Path(dst).write_bytes(data)
    return frames
