"""Received files: typed by content, limited in size and pages, stored whole or not at all."""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from pipeline import fsutil

from .models import PieceRecue

ACCEPTED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}


class Refused(Exception):
    """A file the desk will not keep; the message says why, in French, naming the file."""


@dataclass
class Accepted:
    nom: str
    data: bytes
    mime: str
    pages: int
    sha256: str


def safe_name(name: str) -> str:
    name = Path(name or "fichier").name
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "fichier"
    return name[:120]


def _pdf_pages(data: bytes, nom: str) -> int:
    from pipeline.pdfium import LOCK

    with LOCK:  # uploads run on several of the server's threads
        return _pdf_pages_locked(data, nom)


def _pdf_pages_locked(data: bytes, nom: str) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise Refused(f"« {nom} » est protégé par un mot de passe : enregistrez-le sans protection puis déposez-le à nouveau.")
        raise Refused(f"« {nom} » est un PDF abîmé ou incomplet : il ne peut pas être lu. "
                      "Numérisez ou exportez-le à nouveau.") from None
    try:
        n = len(pdf)
        if n == 0:
            raise Refused(f"« {nom} » ne contient aucune page.")
        pdf[0].get_textpage()  # the first page must really open
        return n
    finally:
        pdf.close()


def _image_pages(data: bytes, nom: str) -> int:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return getattr(im, "n_frames", 1)
    except Exception:  # Pillow raises many kinds for a broken image
        raise Refused(f"« {nom} » est une image abîmée : elle ne peut pas être lue. Numérisez-la à nouveau.") from None


def examine(upload) -> Accepted:
    """Check one uploaded file (Django UploadedFile); raise Refused with the reason."""
    import magic

    nom = safe_name(upload.name)
    if upload.size > settings.UPLOAD_MAX_BYTES:
        mo = f"{upload.size / 1048576:.1f}".replace(".", ",")
        raise Refused(f"« {nom} » pèse {mo} Mo : la limite est de "
                      f"{settings.UPLOAD_MAX_BYTES // 1048576} Mo par fichier. Numérisez en 200 dpi, en niveaux de gris.")
    data = upload.read()
    if not data:
        raise Refused(f"« {nom} » est vide (0 octet).")
    mime = magic.from_buffer(data[:65536], mime=True)
    if mime not in ACCEPTED:
        raise Refused(f"« {nom} » n'est ni un PDF ni une image (JPEG, PNG, TIFF) d'après son contenu "
                      f"(type reconnu : {mime}). Enregistrez-le en PDF.")
    pages = _pdf_pages(data, nom) if mime == "application/pdf" else _image_pages(data, nom)
    if pages > settings.UPLOAD_MAX_PAGES:
        raise Refused(f"« {nom} » compte {pages} pages : la limite est de {settings.UPLOAD_MAX_PAGES} pages par fichier. "
                      "Déposez chaque pièce séparément.")
    if not nom.lower().endswith(ACCEPTED[mime]) and not (mime == "image/jpeg" and nom.lower().endswith(".jpeg")) \
            and not (mime == "image/tiff" and nom.lower().endswith(".tiff")):
        nom = Path(nom).stem + ACCEPTED[mime]  # named by what it is, not by what it claims
    return Accepted(nom, data, mime, pages, hashlib.sha256(data).hexdigest())


def dossier_dir(dossier) -> Path:
    return fsutil.ensure_dir(Path(settings.FILES_DIR) / str(dossier.uid))


def store(dossier, accepted: Accepted) -> str:
    """Write the file atomically under recus/; returns its path relative to the dossier folder."""
    rel = f"recus/{accepted.sha256[:12]}_{accepted.nom}"
    fsutil.write_bytes(dossier_dir(dossier) / rel, accepted.data)
    return rel


def file_pieces(dossier, accepted: list[Accepted], user) -> tuple[list, list[Accepted]]:
    """File accepted uploads as received pièces of the dossier, all or none.

    Returns (the new PieceRecue rows, the uploads already received — same sha256 — left out).
    On a database or disk failure the files written are removed and the error goes up: nothing
    half-saved (the drop zone and the secretariat's AF4 drop both rely on it)."""
    new, known, written = [], [], []
    try:
        with transaction.atomic():
            for a in accepted:
                if dossier.pieces.filter(sha256=a.sha256).exists():
                    known.append(a)
                    continue
                rel = store(dossier, a)
                written.append(dossier_dir(dossier) / rel)
                new.append(PieceRecue.objects.create(
                    dossier=dossier, nom=a.nom, chemin=rel, sha256=a.sha256, taille=len(a.data),
                    pages=a.pages, type_mime=a.mime, recue_par=user))
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    return new, known
