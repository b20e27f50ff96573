"""Limits on what a received file may cost, checked before the work (validators/limites.yaml).

Cheap checks only: sizes from headers, an object walk of the PDF (pikepdf, no rendering) and,
when the streams' lengths alone do not already keep it within the limits, a bounded
decompression of its Flate streams. What slips through is caught by the worker
process's memory cap and time limit (pipeline/read/sandbox.py).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline import resources


@dataclass(frozen=True)
class Limit:
    valeur: int
    raison: str


def limit(section: str, name: str) -> Limit:
    entry = resources.load_yaml_shared("validators", "limites.yaml")[section][name]
    return Limit(int(entry["valeur"]), str(entry["raison"]))


def human(n: int) -> str:
    """A size as a person reads it (1,5 Go, 20 Mo, 512 ko)."""
    for unit, size in (("Go", 1 << 30), ("Mo", 1 << 20), ("ko", 1 << 10)):
        if n >= size:
            v = n / size
            return (f"{v:.1f}".rstrip("0").rstrip(".").replace(".", ",")) + f" {unit}"
    return f"{n} octets"


def exceeded(what: str, value, lim: Limit, *, size: bool = False) -> str:
    """« trop de pages (3000, limite 100) : une pièce … » — what, how much, the limit, why."""
    v = human(value) if size and isinstance(value, int) else f"{value}"
    m = human(lim.valeur) if size else f"{lim.valeur}"
    return f"{what} ({v}, limite {m}) : {lim.raison}"


MEMORY_REASON = ("la lecture de ce fichier demande plus de mémoire que permis : fichier piégé ou "
                 "anormalement complexe ; enregistrez-le à nouveau (impression en PDF) ou numérisez-le")
TIME_REASON = ("la lecture de ce fichier dépasse le temps permis : fichier piégé ou anormalement "
               "complexe ; enregistrez-le à nouveau (impression en PDF) ou numérisez-le")
CRASH_REASON = ("la lecture de ce fichier a échoué (le lecteur s'est arrêté) : fichier endommagé "
                "ou piégé ; enregistrez-le à nouveau (impression en PDF) ou numérisez-le")


def configure_pillow() -> None:
    """Pillow's decompression-bomb guard at our limit (it warns at 1×, refuses at 2×)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = limit("image", "pixels").valeur


# ---------------------------------------------------------------- files
def check_size(path: Path, size: int) -> Optional[str]:
    lim = limit("pdf", "octets")
    if size > lim.valeur:
        return exceeded("fichier trop volumineux", size, lim, size=True)
    return None


def check_image(path: Path) -> Optional[str]:
    """Pixels and frames from the header only (nothing decoded)."""
    from PIL import Image

    configure_pillow()
    px = limit("image", "pixels")
    frames = limit("image", "images_par_fichier")
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we say it in French
            im = Image.open(path)
        with im:
            w, h = im.size
            if w * h > px.valeur:
                return exceeded("image trop grande", f"{w} × {h} pixels", px)
            n = getattr(im, "n_frames", 1)
            if n > frames.valeur:
                return exceeded("trop de pages", n, frames)
    except Image.DecompressionBombError:
        return exceeded("image trop grande", "plus de 2 fois la limite", px)
    except Exception:
        return None  # unreadable: the reader says so in its own words
    return None


_ASCII_FILTERS = ("/ASCIIHexDecode", "/ASCII85Decode", "/AHx", "/A85")


def _filters(stream) -> list[str]:
    f = stream.get("/Filter")
    if f is None:
        return []
    import pikepdf

    return [str(x) for x in f] if isinstance(f, pikepdf.Array) else [str(f)]


def inflated_size(data: bytes, cap: int) -> int:
    """Bytes a Flate stream inflates to, counting at most `cap` + 1 MB (never more in memory
    than 1 MB at a time)."""
    d = zlib.decompressobj()
    total = 0
    try:
        while data and total <= cap:
            out = d.decompress(data, 1 << 20)
            total += len(out)
            data = d.unconsumed_tail
            if d.eof:
                break
    except zlib.error:
        pass  # a damaged stream: the reader will say so
    return total


def _decoded_estimate(stream, cap: int) -> int:
    """Size of a stream once decoded: exact (bounded) for Flate, the raw size otherwise."""
    raw = stream.read_raw_bytes()
    filters = _filters(stream)
    if filters and filters[0] in _ASCII_FILTERS and len(filters) > 1:
        try:
            import base64

            raw = (bytes.fromhex(raw.decode("latin-1").split(">")[0].replace(" ", "").replace("\n", ""))
                   if filters[0] in ("/ASCIIHexDecode", "/AHx") else base64.a85decode(raw, adobe=raw.startswith(b"<~")))
            filters = filters[1:]
        except Exception:
            return len(raw)
    if filters and filters[0] in ("/FlateDecode", "/Fl"):
        return inflated_size(raw, cap)
    return len(raw)


# Deflate writes at most 258 bytes for 2 bits: no Flate stream inflates more than 1032 times its size.
DEFLATE_MAX_RATIO = 1032


def _decoded_bound(raw: bytes, filters: list[str]) -> int:
    """An upper bound of `_decoded_estimate`, from the stream's length alone (nothing decoded)."""
    n = len(raw)
    inner = n
    if filters and filters[0] in _ASCII_FILTERS and len(filters) > 1:
        # Hex: two characters a byte; ASCII85: five characters four bytes, « z » four zero bytes.
        inner = (n // 2 + 1 if filters[0] in ("/ASCIIHexDecode", "/AHx")
                 else (4 * n) // 5 + 4 * raw.count(b"z") + 4)
        filters = filters[1:]
    if filters and filters[0] in ("/FlateDecode", "/Fl"):
        inner = DEFLATE_MAX_RATIO * inner + 1024
    return max(n, inner)


def _streams_over(objects, size_of, px_l: Limit, stream_l: Limit, file_l: Limit) -> Optional[str]:
    """The first image or stream over its limit, by `size_of(stream)` for the decoded size;
    None when all are within."""
    import pikepdf

    total = 0
    for obj in objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        if obj.get("/Subtype") == "/Image":
            # An image decodes to its pixels (the reader stops there): counted by pixels,
            # not inflated, so a scan of 100 pages costs nothing here.
            try:
                pixels = int(obj.get("/Width", 0)) * int(obj.get("/Height", 0))
            except Exception:
                pixels = 0
            if pixels > px_l.valeur:
                return exceeded("image trop grande dans le PDF", f"{pixels // 1_000_000} mégapixels", px_l)
            continue
        size = size_of(obj)
        if size > stream_l.valeur:
            return exceeded("flux PDF trop volumineux une fois décompressé", f"plus de {human(stream_l.valeur)}",
                            stream_l, size=True)
        total += size
        if total > file_l.valeur:
            return exceeded("contenu PDF décompressé trop volumineux", total, file_l, size=True)
    return None


def check_pdf(path: Path) -> Optional[str]:
    """Pages, objects, page sizes, image pixels and decompressed bytes of a PDF, before any
    rendering. None when within the limits (or when pikepdf cannot open it: the reader says why)."""
    import pikepdf

    pages_l, objects_l = limit("pdf", "pages"), limit("pdf", "objets")
    side_l, px_l = limit("pdf", "cote_page_points"), limit("pdf", "pixels_image")
    stream_l, file_l = limit("pdf", "octets_decompresses_par_flux"), limit("pdf", "octets_decompresses_par_fichier")
    try:
        pdf = pikepdf.open(path)
    except Exception:
        return None  # encrypted or damaged: the reader reports it in its own words
    try:
        if pdf.is_encrypted:
            return None
        n = len(pdf.pages)
        if n > pages_l.valeur:
            return exceeded("trop de pages", n, pages_l)
        objects = pdf.objects
        if len(objects) > objects_l.valeur:
            return exceeded("trop d'objets PDF", len(objects), objects_l)
        for i, page in enumerate(pdf.pages):
            try:
                box = [float(x) for x in page.mediabox]
                unit = float(page.obj.get("/UserUnit", 1) or 1)
            except Exception:
                continue
            w, h = abs(box[2] - box[0]) * unit, abs(box[3] - box[1]) * unit
            if max(w, h) > side_l.valeur:
                return exceeded(f"page {i + 1} trop grande", f"{w:.0f} × {h:.0f} points", side_l)
        # The streams' upper bounds (nothing inflated) settle most files; only when they do
        # not is every Flate stream inflated for its exact size.
        if _streams_over(objects, lambda o: _decoded_bound(o.read_raw_bytes(), _filters(o)),
                         px_l, stream_l, file_l) is None:
            return None
        return _streams_over(objects, lambda o: _decoded_estimate(o, stream_l.valeur), px_l, stream_l, file_l)
    except Exception:
        return None  # a damaged structure: the reader decides
    finally:
        pdf.close()
    return None


def check_file(path: Path, kind: str) -> Optional[str]:
    return check_pdf(path) if kind == "pdf" else check_image(path)


# ---------------------------------------------------------------- folders
def check_folder(files: list[Path]) -> Optional[str]:
    """Number of files and their total size in a dossier."""
    count, total = limit("dossier", "fichiers"), limit("dossier", "octets_total")
    if len(files) > count.valeur:
        return exceeded("trop de fichiers dans le dossier", len(files), count)
    size = 0
    for f in files:
        try:
            size += f.stat().st_size
        except OSError:
            continue
    if size > total.valeur:
        return exceeded("dossier trop volumineux", size, total, size=True)
    return None
