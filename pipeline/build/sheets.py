"""Separator sheets: one A4 page per expected pièce, a large QR code (dossier id + pièce id)
and the pièce's name in words, to put in front of each document of a paper bundle before
scanning. The watcher cuts the scan at these sheets and drops them (pipeline/watch/split.py).
"""
from __future__ import annotations

import io
from pathlib import Path

from pipeline import qr
from pipeline.dossier.model import Dossier

FOOTER_CODE = "SEP-PIN1"  # WORDING.md: project code of the separator sheet


def expected_pieces(d: Dossier, every: bool = False) -> list:
    from pipeline.dossier.pieces import case_from_dossier, load_catalogue, requirements

    if every:
        return list(load_catalogue().pieces)
    return [r.piece for r in requirements(case_from_dossier(d)) if r.required]


def sheets_pdf(d: Dossier, every: bool = False) -> bytes:
    """The separator sheets of dossier `d` as PDF bytes (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.lib.utils import ImageReader, simpleSplit
    from reportlab.pdfgen import canvas

    pieces = expected_pieces(d, every)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"Feuilles de séparation {d.dossier.id}")
    c.setAuthor("pipeline")
    w, h = A4
    agent = d.agent.identite
    n = len(pieces)
    for i, piece in enumerate(pieces, start=1):
        payload = qr.separator_payload(d.dossier.id, piece.id).encode()
        c.setFont("Helvetica-Bold", 26)
        c.drawCentredString(w / 2, h - 2.6 * cm, "FEUILLE DE SÉPARATION")
        c.setFont("Helvetica", 13)
        c.drawCentredString(w / 2, h - 3.6 * cm, "À placer devant le document, face imprimée vers le scanner.")
        c.drawCentredString(w / 2, h - 4.3 * cm, "Cette feuille n'est pas conservée : elle sert au classement.")
        size = 9 * cm
        img = ImageReader(io.BytesIO(qr.png_bytes(payload, scale=10, border=4)))
        c.drawImage(img, (w - size) / 2, h - 5.2 * cm - size, size, size)
        y = h - 6.2 * cm - size
        c.setFont("Helvetica-Bold", 20)
        for line in simpleSplit(piece.libelle, "Helvetica-Bold", 20, w - 4 * cm):
            c.drawCentredString(w / 2, y, line)
            y -= 0.9 * cm
        c.setFont("Helvetica", 14)
        y -= 0.4 * cm
        c.drawCentredString(w / 2, y, f"Pièce : {piece.id}")
        y -= 0.8 * cm
        c.drawCentredString(w / 2, y, f"Dossier : {d.dossier.id}")
        y -= 0.8 * cm
        c.drawCentredString(w / 2, y, f"Agent : {agent}")
        if piece.medicale:
            y -= 1.2 * cm
            c.setFont("Helvetica-Bold", 14)
            c.drawCentredString(w / 2, y, "Pièce médicale : secret médical, à manipuler sous pli confidentiel.")
        c.setFont("Helvetica", 9)
        c.drawString(2 * cm, 1.2 * cm, FOOTER_CODE)
        c.drawRightString(w - 2 * cm, 1.2 * cm, f"Page {i} / {n}")
        c.showPage()
    c.save()
    return buf.getvalue()


def write_sheets(dossier_yaml: Path, output: Path, every: bool = False) -> tuple[Path, int]:
    from pipeline.dossier.load import load_dossier
    from pipeline.fsutil import write_bytes

    d = load_dossier(dossier_yaml)
    data = sheets_pdf(d, every)
    write_bytes(output, data)
    return Path(output), len(expected_pieces(d, every))
