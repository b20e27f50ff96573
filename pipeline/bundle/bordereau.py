"""The bordereau of the final set (reportlab): what is uploaded, what goes in the envelope, what
stays sealed, the career pièces to mail; « BROUILLON » across every page of a draft."""
from __future__ import annotations

import datetime as dt
import io

from pipeline.money import fmt_date

FOOTER = "pipeline bundle"


def bordereau_pdf(*, dossier_id: str, agent: str, employeur: str, destinataire: str, titre: str,
                  consigne: str, sections: list[tuple[str, list[tuple[str, str]]]], when: dt.date,
                  brouillon: bool) -> bytes:
    """`sections`: (heading, [(libellé, observation)]); empty sections are left out."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(f"Bordereau {dossier_id}")
    c.setAuthor("pipeline")
    w, h = A4
    left, right = 2 * cm, w - 2 * cm
    pages: list[int] = []

    def new_page():
        if brouillon:
            c.saveState()
            c.setFillGray(0.82)
            c.setFont("Helvetica-Bold", 96)
            c.translate(w / 2, h / 2)
            c.rotate(45)
            c.drawCentredString(0, -30, "BROUILLON")
            c.restoreState()
            c.setFont("Helvetica-Bold", 11)
            c.drawCentredString(w / 2, h - 1.2 * cm, "BROUILLON – dossier incomplet ou non vérifié : ne pas envoyer")
        pages.append(1)
        return h - 2.2 * cm

    def lines(text, font, size, width):
        return simpleSplit(text, font, size, width)

    y = new_page()
    c.setFont("Helvetica-Bold", 16)
    for ln in lines(titre, "Helvetica-Bold", 16, right - left):
        c.drawString(left, y, ln)
        y -= 0.7 * cm
    c.setFont("Helvetica", 10.5)
    for ln in (f"Dossier : {dossier_id} – agent : {agent}", f"Employeur : {employeur}",
               f"Destinataire : {destinataire}" if destinataire else "", f"Établi le {fmt_date(when)}"):
        if ln:
            c.drawString(left, y, ln)
            y -= 0.5 * cm
    y -= 0.3 * cm
    c.setFont("Helvetica-Oblique", 10)
    for ln in lines(consigne, "Helvetica-Oblique", 10, right - left):
        c.drawString(left, y, ln)
        y -= 0.45 * cm
    for heading, rows in sections:
        if not rows:
            continue
        if y < 5 * cm:
            _footer(c, w, len(pages))
            c.showPage()
            y = new_page()
        y -= 0.4 * cm
        c.setFont("Helvetica-Bold", 12)
        c.drawString(left, y, heading)
        y -= 0.6 * cm
        for libelle, obs in rows:
            c.setFont("Helvetica", 10)
            text = lines(f"– {libelle}", "Helvetica", 10, right - left - 6 * cm)
            obs_lines = lines(obs, "Helvetica-Oblique", 9, 5.8 * cm) if obs else []
            need = max(len(text), len(obs_lines)) * 0.45 * cm + 0.15 * cm
            if y - need < 2.5 * cm:
                _footer(c, w, len(pages))
                c.showPage()
                y = new_page()
                c.setFont("Helvetica", 10)
            yy = y
            for ln in text:
                c.drawString(left, yy, ln)
                yy -= 0.45 * cm
            c.setFont("Helvetica-Oblique", 9)
            yo = y
            for ln in obs_lines:
                c.drawString(right - 5.8 * cm, yo, ln)
                yo -= 0.45 * cm
            y = min(yy, yo) - 0.15 * cm
    y -= 0.6 * cm
    if y > 4 * cm:
        c.setFont("Helvetica", 10)
        c.drawString(left, y, "Date d'envoi : ____ / ____ / ________        Signature et cachet de l'employeur :")
    _footer(c, w, len(pages))
    c.showPage()
    c.save()
    return buf.getvalue()


def _footer(c, w, n):
    from reportlab.lib.units import cm

    c.setFont("Helvetica", 8)
    c.drawString(2 * cm, 1.2 * cm, FOOTER)
    c.drawRightString(w - 2 * cm, 1.2 * cm, f"Page {n}")
