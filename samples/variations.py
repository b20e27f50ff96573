"""Random layouts of a complete dossier's pièces, drawn from a seed (test tooling, not the product).

    python samples/variations.py OUT_DIR --seeds 0-9 [--mode text|scan|mixed]

The content of every pièce comes from samples/standins.py (same facts as the check samples);
this module only changes how it looks, as documents filled by others do:
- fonts: serif, sans, monospace, and a handwriting-like font (Breip, Debian package
  fonts-breip) for values filled by hand; sizes 8.5–12 pt;
- label synonyms (« Né(e) le » for « Date de naissance »...), upper / mixed case, with or
  without a colon, values right of or under their label, one or two columns of fields;
- titles reworded and placed differently, the form code in a corner or under the title;
- section order shuffled where the form allows it, a page-1 mention of another document
  (« fiche de poste jointe »);
- checkboxes in every style: ☒ ☑ ✓ ✔ X [X] (X) versus ☐ [ ] ( ) or nothing, drawn boxes with a
  cross, a tick or filled; options on one line or one per line;
- AF4 members as a ruled table with shuffled columns or one line per member;
- text PDFs, fillable PDFs (AcroForm fields carrying the values), scans at 150–300 dpi with
  skew, blur, noise, black-and-white thresholding and pages turned 90/180/270°;
- several pièces in one file.

Ground truth: `truth/<file>.json` beside `dossier/<file>.pdf` (pièce of every page, every
field of every pièce) and `truth.json` for the whole dossier.

Seeds: DEV_SEEDS for developing the readers, HELDOUT_SEEDS never used while tuning them
(bench/bench_reading.py measures on those).
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import io
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import standins as st  # noqa: E402

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.utils import simpleSplit  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

DEV_SEEDS = range(0, 100)  # 50–99 added on 2026-12-04: their typed scans showed failures 0–49 did not
HELDOUT_SEEDS = range(1000, 1050)

FD = "/usr/share/fonts/truetype"
FAMILIES = {
    # name: (regular, bold)
    "serif": (f"{FD}/liberation2/LiberationSerif-Regular.ttf", f"{FD}/liberation2/LiberationSerif-Bold.ttf"),
    "serif2": (f"{FD}/dejavu/DejaVuSerif.ttf", f"{FD}/dejavu/DejaVuSerif-Bold.ttf"),
    "sans": (f"{FD}/liberation2/LiberationSans-Regular.ttf", f"{FD}/liberation2/LiberationSans-Bold.ttf"),
    "sans2": (f"{FD}/dejavu/DejaVuSans.ttf", f"{FD}/dejavu/DejaVuSans-Bold.ttf"),
    "mono": (f"{FD}/liberation2/LiberationMono-Regular.ttf", f"{FD}/liberation2/LiberationMono-Bold.ttf"),
    "mono2": (f"{FD}/dejavu/DejaVuSansMono.ttf", f"{FD}/dejavu/DejaVuSansMono-Bold.ttf"),
}
HAND = f"{FD}/breip/Breip.ttf"  # Debian: fonts-breip (scripts/install.sh)
GLYPH_FONT = "V_glyph"  # DejaVu Sans: has ☐ ☒ ☑ ✓ ✔
_registered: set = set()


def _font(name: str, path: str) -> str:
    if name not in _registered:
        pdfmetrics.registerFont(TTFont(name, path))
        _registered.add(name)
    return name


def _fonts(family: str) -> tuple[str, str]:
    reg, bold = FAMILIES[family]
    _font(GLYPH_FONT, f"{FD}/dejavu/DejaVuSans.ttf")
    return _font(f"V_{family}", reg), _font(f"V_{family}_b", bold)


def hand_available() -> bool:
    return Path(HAND).exists()


# ---------------------------------------------------------------------------------------------
# Wording variants
# ---------------------------------------------------------------------------------------------

# Label → synonyms a form made elsewhere may print (the first is the standin's own wording).
SYNONYMS = {
    "Nom de naissance": ["Nom de naissance", "Nom patronymique", "Nom de famille (naissance)"],
    "Nom d'usage": ["Nom d'usage", "Nom marital / d'usage", "Nom d'usage (le cas échéant)"],
    "Prénoms": ["Prénoms", "Prénom(s)", "Prénoms de l'agent"],
    "Date de naissance": ["Date de naissance", "Né(e) le", "Date de naiss."],
    "NIR": ["NIR", "N° de sécurité sociale", "Numéro de sécurité sociale", "N° INSEE (NIR)"],
    "Grade": ["Grade", "Grade détenu", "Grade de l'agent"],
    "Statut": ["Statut", "Situation statutaire"],
    "Durée hebdomadaire de service": ["Durée hebdomadaire de service", "Temps de travail hebdomadaire",
                                      "Durée hebdomadaire"],
    "Médecin traitant": ["Médecin traitant", "Nom et adresse du médecin traitant", "Médecin traitant de l'agent"],
    "Fonctions exactes": ["Fonctions exactes", "Fonctions exercées", "Emploi occupé"],
    "Date de l'accident": ["Date de l'accident", "Accident survenu le"],
    "Conclusions": ["Conclusions", "Conclusions du médecin agréé", "Conclusion"],
    "Médecin agréé": ["Médecin agréé", "Nom du médecin agréé", "Médecin agréé (nom)"],
    "Nom et qualité du signataire": ["Nom et qualité du signataire", "Signataire (nom, qualité)",
                                     "Nom et fonction du signataire"],
    "Date de la séance": ["Date de la séance", "Séance du", "Date de séance"],
    "Date de l'AF3": ["Date de l'AF3", "AF3 établi le", "Date du rapport AF3"],
    "Collectivité": ["Collectivité", "Employeur (collectivité)", "Collectivité employeur"],
}
QUESTIONS = {
    "L'agent est-il inapte à toutes fonctions ?": [
        "L'agent est-il inapte à toutes fonctions ?", "Inaptitude absolue et définitive à toutes fonctions :",
        "L'intéressé(e) est-il (elle) inapte à toutes fonctions ?"],
    "L'agent perçoit-il une allocation temporaire d'invalidité (ATI) ?": [
        "L'agent perçoit-il une allocation temporaire d'invalidité (ATI) ?",
        "Allocation temporaire d'invalidité (ATI) perçue :", "Bénéficie d'une allocation temporaire d'invalidité ?"],
    "Une infirmité est-elle déjà indemnisée par un autre régime ?": [
        "Une infirmité est-elle déjà indemnisée par un autre régime ?", "Infirmité déjà indemnisée (autre régime) :"],
    "L'invalidité est-elle imputable au service ?": [
        "L'invalidité est-elle imputable au service ?", "Invalidité imputable au service :",
        "Imputable au service ?"],
}
TITLES = {
    "af3": ["IMPRIMÉ AF3 – RAPPORT MÉDICAL", "Rapport médical du médecin agréé (imprimé AF3)",
            "AF3 – RAPPORT MÉDICAL", "CNRACL – Imprimé AF3 – Rapport médical"],
    "af4": ["IMPRIMÉ AF4 – PROCÈS-VERBAL DU CONSEIL MÉDICAL EN FORMATION PLÉNIÈRE",
            "Procès-verbal du conseil médical (formation plénière) – AF4",
            "CONSEIL MÉDICAL EN FORMATION PLÉNIÈRE – PROCÈS-VERBAL (IMPRIMÉ AF4)"],
    "fiche_de_poste": ["FICHE DE POSTE – DERNIÈRES FONCTIONS EXERCÉES", "Fiche de poste",
                       "FICHE DESCRIPTIVE DES DERNIÈRES FONCTIONS EXERCÉES"],
    "attestation_reclassement": ["ATTESTATION RELATIVE AU RECLASSEMENT", "Attestation de reclassement"],
    "rapport_hierarchique": ["RAPPORT HIÉRARCHIQUE", "Rapport hiérarchique circonstancié"],
    "expertise_medicale": ["RAPPORT D'EXPERTISE MÉDICALE", "Expertise médicale – rapport"],
    "certificat_medical_initial": ["CERTIFICAT MÉDICAL INITIAL", "Certificat médical initial"],
    "plan_trajet": ["PLAN DU TRAJET", "Plan du trajet domicile – travail"],
    "pv_police": ["PROCÈS-VERBAL DE GENDARMERIE", "Procès-verbal de police"],
    "questionnaire_tp": ["QUESTIONNAIRE TIERCE PERSONNE", "Questionnaire pour la majoration pour tierce personne"],
    "rapport_medecin_travail": ["RAPPORT DU MÉDECIN DU TRAVAIL", "Rapport du médecin de prévention"],
    "attestations_presence": ["ATTESTATION DE PRÉSENCE", "Attestation de présence (visioconférence)"],
}
# A page-1 sentence naming another pièce: must never decide the identification.
MENTIONS = {
    "af3": ["Pièce jointe : fiche de poste (dernières fonctions exercées).",
            "La fiche de poste est jointe au présent rapport.", "Joindre la fiche de poste et le rapport d'expertise."],
    "af4": ["Vu le rapport médical AF3 et la fiche de poste joints.", "Pièces examinées : AF3, expertise médicale."],
    "expertise_medicale": ["Vu l'imprimé AF3 et la fiche de poste transmis par l'employeur."],
    "fiche_de_poste": ["Document à joindre à l'imprimé AF3."],
    "rapport_hierarchique": ["Joint : certificat médical initial."],
}
# Checkbox styles: (ticked, empty). "d:x" / "d:v" / "d:fill" / "d:" are drawn boxes.
BOX_STYLES = [("☒", "☐"), ("☑", "☐"), ("✓", "☐"), ("✔", "☐"), ("X", "☐"), ("[X]", "[ ]"), ("(X)", "( )"),
              ("[x]", "[ ]"), ("d:x", "d:"), ("d:v", "d:"), ("d:fill", "d:"), ("☒", "d:"), ("✓", "")]
MEMBER_COLUMNS = {"role": ["Qualité", "Rôle", "Fonction"], "college": ["Collège"],
                  "nom": ["Nom", "Nom et prénom", "Membre"], "presence": ["Présence", "Participation", "Mode"],
                  "signe": ["Signature", "Émargement"]}
COLLEGES = {"president": "présidence", "medecin": "médecins", "medecin_specialiste": "médecins",
            "representant_administration": "administration", "representant_personnel": "personnel"}
# The official form's field names in its fillable version (what the CNRACL's PDF would carry):
# the readers map them through data (validators/forms/*.yaml), the generator uses them as is.
ACRO_NAMES = {
    "Nom de naissance": "nom_naiss", "Nom d'usage": "nom_usage", "Prénoms": "prenoms",
    "Date de naissance": "date_naiss", "NIR": "nir", "Statut": "statut",
    "Durée hebdomadaire de service": "duree_hebdo", "Médecin traitant": "medecin_traitant",
    "Date de l'accident": "date_accident", "Nom et qualité du signataire": "signataire_employeur",
    "Médecin agréé": "medecin_agree", "Conclusions": "conclusions", "Date de la séance": "date_seance",
    "Date de l'AF3": "date_af3", "Grade": "grade", "Fonctions exactes": "fonctions",
}


ACRO_BOXES = {"L'agent est-il inapte à toutes fonctions ?": "inapte_toutes_fonctions",
              "L'agent perçoit-il une allocation temporaire d'invalidité (ATI) ?": "ati",
              "Une infirmité est-elle déjà indemnisée par un autre régime ?": "deja_indemnisee",
              "L'invalidité est-elle imputable au service ?": "imputable"}


def _ascii_hand(s: str) -> str:
    # Breip lacks a few glyphs: write them as a hand would.
    return s.replace("œ", "oe").replace("Œ", "OE").replace("’", "'").replace("–", "-").replace("—", "-")


# ---------------------------------------------------------------------------------------------
# Style drawn from the seed
# ---------------------------------------------------------------------------------------------

@dataclass
class Style:
    body: str
    bold: str
    value_font: str
    size: float
    label_case: str  # as_is | upper
    colon: bool
    below: bool  # value under its label
    two_columns: bool
    box: tuple[str, str]
    inline_options: bool
    title_align: str  # left | centre | framed
    code_place: str  # top_right | bottom_left | under_title
    members: str  # table | lines | pipes
    member_cols: list[str]
    mention: bool
    shuffle_sections: bool
    margin: float
    synonyms: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)
    title: str = ""
    hand: bool = False


def draw_style(rng: random.Random, piece: str) -> Style:
    family = rng.choice(list(FAMILIES))
    body, bold = _fonts(family)
    hand = hand_available() and rng.random() < 0.3
    value_font = _font("V_hand", HAND) if hand else (rng.choice([body, _fonts(rng.choice(["mono", "mono2"]))[0]]))
    cols = ["role", "nom", "presence", "signe"] + (["college"] if rng.random() < 0.5 else [])
    rng.shuffle(cols)
    return Style(
        body=body, bold=bold, value_font=value_font, size=rng.choice([8.5, 9, 9.5, 10, 10.5, 11, 12]),
        label_case=rng.choice(["as_is", "as_is", "upper"]), colon=rng.random() < 0.6,
        below=rng.random() < 0.4, two_columns=rng.random() < 0.3, box=rng.choice(BOX_STYLES),
        inline_options=rng.random() < 0.6, title_align=rng.choice(["left", "centre", "framed"]),
        code_place=rng.choice(["top_right", "bottom_left", "under_title"]),
        members=rng.choice(["table", "lines", "pipes"]), member_cols=cols,
        mention=rng.random() < 0.5, shuffle_sections=rng.random() < 0.5, margin=rng.uniform(14, 24) * 2.8346,
        synonyms={k: rng.choice(v) for k, v in SYNONYMS.items()},
        questions={k: rng.choice(v) for k, v in QUESTIONS.items()},
        title=rng.choice(TITLES.get(piece, [""])), hand=hand,
    )


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------

class VarWriter:
    """Draws a standins.Doc in a Style; records AcroForm fields when `acro`."""

    def __init__(self, doc: st.Doc, s: Style, rng: random.Random, acro: bool = False):
        self.doc, self.s, self.rng, self.acro = doc, s, rng, acro
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, pageCompression=1, invariant=1)
        self.c.setTitle(s.title or doc.title)
        self.c.setAuthor("samples/variations.py")
        self.w, self.h = A4
        self.m = s.margin
        self.page_no = 0
        self.lead = s.size * 1.4
        self.acro_n = 0
        self.col = None  # (x0, x1) while drawing a two-column pair

    # -- primitives -------------------------------------------------------------------
    def new_page(self):
        self.page_no += 1
        self.y = self.h - self.m
        if self.doc.code and self.s.code_place == "top_right":
            self.c.setFont(self.s.body, 8)
            self.c.drawRightString(self.w - self.m, self.h - 0.45 * self.m, self.doc.code)

    def ensure(self, height):
        if self.y - height < self.m + 20:
            self.footer()
            self.c.showPage()
            self.new_page()

    def label(self, s: str) -> str:
        s = self.s.synonyms.get(s, s)
        return s.upper() if self.s.label_case == "upper" else s

    def put(self, x, s, font, size):
        if font == "V_hand":
            s = _ascii_hand(s)
        self.c.setFont(font, size)
        self.c.drawString(x, self.y, s)

    def wrap(self, s, font, size, width):
        if font == "V_hand":
            s = _ascii_hand(s)
        return simpleSplit(s, font, size, max(20, width)) or [""]

    def para(self, s, x=None, font=None, size=None):
        font, size = font or self.s.body, size or self.s.size
        x = self.m if x is None else x
        for line in self.wrap(s, font, size, self.w - x - self.m):
            self.ensure(self.lead)
            self.y -= self.lead
            self.put(x, line, font, size)

    # -- blocks -------------------------------------------------------------------------
    def title(self, _s):
        s = self.s.title or _s
        size = self.s.size + self.rng.choice([2, 3, 4])
        lines = self.wrap(s, self.s.bold, size, self.w - 2 * self.m - 20)
        top = self.y
        self.y -= 6
        for line in lines:
            self.y -= size * 1.3
            self.c.setFont(self.s.bold, size)
            if self.s.title_align == "left":
                self.c.drawString(self.m, self.y, line)
            else:
                self.c.drawCentredString(self.w / 2, self.y, line)
        self.y -= 8
        if self.s.title_align == "framed":
            self.c.setLineWidth(1.2)
            self.c.rect(self.m, self.y, self.w - 2 * self.m, top - self.y)
        if self.doc.code and self.s.code_place == "under_title":
            self.y -= 11
            self.c.setFont(self.s.body, 8)
            self.c.drawCentredString(self.w / 2, self.y, f"Imprimé {self.doc.code}")
        self.y -= 6

    def heading(self, s):
        self.ensure(3 * self.lead)
        self.y -= self.lead * 1.3
        self.put(self.m, s.upper() if self.s.label_case == "upper" else s, self.s.bold, self.s.size + 0.5)
        self.y -= 2

    def field(self, label, value, x0=None, x1=None):
        x0 = self.m if x0 is None else x0
        x1 = self.w - self.m if x1 is None else x1
        values = value if isinstance(value, list) else ([value] if value else [])
        lab = self.label(label) + (" :" if self.s.colon else "")
        lw = pdfmetrics.stringWidth(lab + " ", self.s.bold, self.s.size)
        self.ensure(2 * self.lead)
        self.y -= self.lead
        self.put(x0, lab, self.s.bold, self.s.size)
        if self.acro and label in ACRO_NAMES:
            # Fillable form: the value lives in a text field, not in the page's text.
            text = " ; ".join(values)
            if self.s.below:
                self.y -= self.lead
            fx = x0 + (12 if self.s.below else lw)
            self.c.acroForm.textfield(name=ACRO_NAMES[label], value=text, x=fx, y=self.y - 3,
                                      width=max(60, x1 - fx), height=self.s.size + 5, fontSize=self.s.size,
                                      borderWidth=0.5, fontName="Helvetica")
            return
        if not values:
            return
        vsize = self.s.size + (1.5 if self.s.value_font == "V_hand" else 0)
        if self.s.below:
            x = x0 + 12
            for v in values:
                for line in self.wrap(v, self.s.value_font, vsize, x1 - x):
                    self.ensure(self.lead)
                    self.y -= self.lead
                    self.put(x, line, self.s.value_font, vsize)
        else:
            x = x0 + lw
            first = True
            for v in values:
                for line in self.wrap(v, self.s.value_font, vsize, x1 - x):
                    if not first:
                        self.ensure(self.lead)
                        self.y -= self.lead
                    self.put(x, line, self.s.value_font, vsize)
                    first = False

    def pair(self, f1, f2):
        """Two fields side by side (two-column layout)."""
        y0 = self.y
        mid = self.w / 2
        self.field(*f1[1:], x0=self.m, x1=mid - 8)
        y1 = self.y
        self.y = y0
        self.field(*f2[1:], x0=mid + 4, x1=self.w - self.m)
        self.y = min(y1, self.y)

    def box(self, x, ticked) -> float:
        """One checkbox at x on the current line; returns the width used."""
        mark = self.s.box[0] if ticked else self.s.box[1]
        size = self.s.size + 1
        if mark.startswith("d:"):
            side = size * 0.9
            self.c.setLineWidth(0.8)
            self.c.rect(x, self.y - 1.5, side, side)
            kind = mark[2:]
            if kind == "x":
                self.c.setLineWidth(1.2)
                self.c.line(x + 1.5, self.y, x + side - 1.5, self.y - 1.5 + side - 1.5)
                self.c.line(x + 1.5, self.y - 1.5 + side - 1.5, x + side - 1.5, self.y)
            elif kind == "v":
                self.c.setLineWidth(1.4)
                p = self.c.beginPath()
                p.moveTo(x + 1.5, self.y + side * 0.35)
                p.lineTo(x + side * 0.42, self.y - 0.5)
                p.lineTo(x + side + 1.5, self.y + side + 1)
                self.c.drawPath(p, stroke=1, fill=0)
            elif kind == "fill":
                self.c.rect(x + 1.8, self.y + 0.3, side - 3.6, side - 3.6, stroke=0, fill=1)
            return side + 5
        if not mark:
            return pdfmetrics.stringWidth("☐ ", GLYPH_FONT, size)
        font = GLYPH_FONT if any(ord(ch) > 0x2000 for ch in mark) else self.s.body
        self.put(x, mark, font, size)
        return pdfmetrics.stringWidth(mark + " ", font, size)

    def acro_box(self, x, ticked, name="") -> float:
        self.acro_n += 1
        side = self.s.size + 1
        self.c.acroForm.checkbox(name=name or f"case_{self.acro_n}", checked=bool(ticked), x=x, y=self.y - 2,
                                 size=side, buttonStyle="cross", borderWidth=0.8)
        return side + 5

    def boxes(self, question, options):
        if question:
            q = self.s.questions.get(question, question)
            self.ensure(3 * self.lead)
            for line in self.wrap(q, self.s.bold, self.s.size, self.w - 2 * self.m):
                self.y -= self.lead
                self.put(self.m, line, self.s.bold, self.s.size)
        qname = ACRO_BOXES.get(question)
        if self.s.inline_options:
            self.ensure(self.lead * 1.3)
            self.y -= self.lead * 1.3
            x = self.m + 10
            for label, ticked in options:
                if x + pdfmetrics.stringWidth(label, self.s.body, self.s.size) + 30 > self.w - self.m:
                    self.y -= self.lead * 1.3
                    x = self.m + 10
                x += (self.acro_box(x, ticked, f"{qname}_{label.lower()}") if self.acro and qname else self.box(x, ticked))
                self.put(x, label, self.s.body, self.s.size)
                x += pdfmetrics.stringWidth(label, self.s.body, self.s.size) + 18
        else:
            for label, ticked in options:
                self.ensure(self.lead * 1.3)
                self.y -= self.lead * 1.3
                x = self.m + 12
                x += (self.acro_box(x, ticked, f"{qname}_{label.lower()}") if self.acro and qname else self.box(x, ticked))
                self.put(x, label, self.s.body, self.s.size)

    def signature(self, label, signed):
        self.ensure(3 * self.lead)
        self.y -= self.lead
        self.put(self.m, self.label(label) + (" :" if self.s.colon else ""), self.s.bold, self.s.size)
        if signed:
            self.c.setLineWidth(1.2)
            p = self.c.beginPath()
            x0 = self.m + pdfmetrics.stringWidth(label + " : ", self.s.bold, self.s.size) + 10
            y0 = self.y + 2
            p.moveTo(x0, y0)
            p.curveTo(x0 + 20, y0 + 16, x0 + 35, y0 - 10, x0 + 60, y0 + 7)
            p.curveTo(x0 + 75, y0 + 16, x0 + 85, y0 - 4, x0 + 110, y0 + 4)
            self.c.drawPath(p, stroke=1, fill=0)
        self.y -= self.lead * 0.8

    def table(self, caption, headers, rows, ruled=True):
        if caption:
            self.ensure(3 * self.lead)
            self.y -= self.lead
            self.put(self.m, self.label(caption), self.s.bold, self.s.size)
        n = len(headers)
        width = self.w - 2 * self.m
        cols = [width / n] * n
        size = self.s.size - 0.5
        for r_i, row in enumerate([headers] + rows):
            font = self.s.bold if r_i == 0 else self.s.body
            cells = [self.wrap(str(v), font, size, cw - 6) for v, cw in zip(row, cols)]
            hgt = size * 1.35 * max(len(cl) for cl in cells) + 5
            self.ensure(hgt)
            top = self.y - 2
            x = self.m
            for lines, cw in zip(cells, cols):
                yy = top - size - 2
                for line in lines:
                    self.c.setFont(font, size)
                    self.c.drawString(x + 3, yy, line)
                    yy -= size * 1.35
                if ruled:
                    self.c.setLineWidth(0.6)
                    self.c.rect(x, top - hgt, cw, hgt)
                x += cw
            self.y = top - hgt

    def members(self, label, rows):
        # rows: (role label, name, presence label, signed label) from standins.content_af4
        self.ensure(3 * self.lead)
        self.y -= self.lead
        self.put(self.m, self.rng.choice(["Membres présents ou représentés", "Membres", "Composition du conseil"]),
                 self.s.bold, self.s.size)
        role_ids = {v: k.value for k, v in st.ROLE_LABELS.items()}
        data = []
        for role, name, presence, signed in rows:
            data.append({"role": role, "nom": name, "college": COLLEGES.get(role_ids.get(role, ""), ""),
                         "presence": "par visioconférence" if presence == "visioconférence" and self.rng.random() < 0.5
                         else presence, "signe": signed})
        cols = self.s.member_cols
        if self.s.members == "table":
            headers = [self.rng.choice(MEMBER_COLUMNS[c]) for c in cols]
            self.table("", headers, [[r[c] for c in cols] for r in data], ruled=self.rng.random() < 0.8)
            return
        sep = " | " if self.s.members == "pipes" else self.rng.choice([" – ", ", ", " ; "])
        for r in data:
            self.para(sep.join(r[c] for c in cols), x=self.m + 10)

    def map(self, *labels):
        self.ensure(200)
        top = self.y - 10
        self.c.setLineWidth(0.8)
        self.c.rect(self.m, top - 180, self.w - 2 * self.m, 180)
        pts = [(self.m + 60, top - 150), (self.w / 2, top - 80), (self.w - self.m - 60, top - 40)]
        self.c.setLineWidth(2)
        self.c.line(*pts[0], *pts[1])
        self.c.line(*pts[1], *pts[2])
        for (x, y), lab in zip(pts, labels):
            self.c.circle(x, y, 4, fill=1)
            self.c.setFont(self.s.body, 9)
            self.c.drawString(x + 6, y + 6, lab)
        self.y = top - 180

    def footer(self):
        self.c.setFont(self.s.body, 8)
        if self.doc.code and self.s.code_place == "bottom_left":
            self.c.drawString(self.m, 0.45 * self.m, self.doc.code)
        self.c.drawRightString(self.w - self.m, 0.45 * self.m, f"{self.page_no}")

    # -- layout of a page ---------------------------------------------------------------
    def arrange(self, blocks: list[tuple], first: bool) -> list:
        """Blocks → drawing steps: sections maybe shuffled, fields maybe paired."""
        head, sections = [], []
        for b in blocks:
            if b[0] == "heading":
                sections.append([b])
            elif sections:
                sections[-1].append(b)
            else:
                head.append(b)
        if first and self.s.mention and self.doc.piece in MENTIONS:
            at = 1 if head and head[0][0] == "title" else 0
            head.insert(at, ("line", self.rng.choice(MENTIONS[self.doc.piece])))
        # Sections move only where order carries no meaning (no « after this heading » anchor).
        if self.s.shuffle_sections and self.doc.piece not in ("af3",) and len(sections) > 1:
            self.rng.shuffle(sections)
        out = list(head)
        for sec in sections:
            out += sec
        steps, i = [], 0
        while i < len(out):
            b = out[i]
            nxt = out[i + 1] if i + 1 < len(out) else None
            if (self.s.two_columns and b[0] == "field" and nxt is not None and nxt[0] == "field"
                    and not isinstance(b[2], list) and not isinstance(nxt[2], list)
                    and len(str(b[2])) < 28 and len(str(nxt[2])) < 28 and not self.acro):
                steps.append(("pair", b, nxt))
                i += 2
                continue
            steps.append(b)
            i += 1
        return steps

    def run(self) -> bytes:
        for n, page in enumerate(self.doc.pages):
            self.new_page()
            for block in self.arrange(page, n == 0):
                kind, *args = block
                if kind == "note":
                    kind = "line"
                {"title": self.title, "heading": self.heading, "field": self.field, "boxes": self.boxes,
                 "signature": self.signature, "table": self.table, "members": self.members, "map": self.map,
                 "line": self.para, "pair": self.pair}[kind](*args)
            self.footer()
            self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Scans
# ---------------------------------------------------------------------------------------------

@dataclass
class ScanLook:
    dpi: int
    skew: float
    blur: float
    noise: int
    bw: bool
    turn: int  # 0 | 90 | 180 | 270 (counter-clockwise, as the page lay on the glass)


def draw_scan(rng: random.Random, dpi: Optional[int] = None) -> ScanLook:
    return ScanLook(dpi=dpi or rng.choice([150, 200, 200, 250, 300]), skew=rng.uniform(-2.0, 2.0),
                    blur=rng.choice([0, 0.4, 0.7, 1.0]), noise=rng.randint(0, 120), bw=rng.random() < 0.35,
                    turn=rng.choice([0, 0, 0, 0, 0, 90, 180, 270]))


def scan_pdf(pdf: bytes, looks: list[ScanLook], rng: random.Random) -> bytes:
    """Image-only PDF: each page rendered, skewed, blurred, speckled, maybe thresholded, turned."""
    import img2pdf
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFilter

    doc = pdfium.PdfDocument(pdf)
    images = []
    try:
        for i in range(len(doc)):
            lk = looks[i % len(looks)]
            img = doc[i].render(scale=lk.dpi / 72, grayscale=True, may_draw_forms=True).to_pil().convert("L")
            img = img.rotate(lk.skew, resample=Image.BICUBIC, expand=False, fillcolor=255)
            draw = ImageDraw.Draw(img)
            w, h = img.size
            for _ in range(lk.noise):
                x, y, r = rng.randrange(w), rng.randrange(h), rng.choice((1, 1, 2))
                draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(150, 210))
            if lk.blur:
                img = img.filter(ImageFilter.GaussianBlur(lk.blur * lk.dpi / 200))
            if lk.turn:
                img = img.rotate(lk.turn, expand=True)
            buf = io.BytesIO()
            if lk.bw:
                thr = rng.randint(150, 190)
                img.point(lambda v, t=thr: 255 if v > t else 0).convert("1").save(buf, format="PNG", dpi=(lk.dpi, lk.dpi))
            else:
                img.save(buf, format="JPEG", quality=rng.choice([55, 70, 85]), dpi=(lk.dpi, lk.dpi))
            images.append((buf.getvalue(), lk.dpi))
    finally:
        doc.close()
    out = io.BytesIO()
    img2pdf.convert([b for b, _ in images], outputstream=out, nodate=True, engine=img2pdf.Engine.internal,
                    layout_fun=img2pdf.get_fixed_dpi_layout_fun((images[0][1], images[0][1])))
    return out.getvalue()


def merge(pdfs: list[bytes]) -> bytes:
    from pypdf import PdfWriter, PdfReader

    w = PdfWriter()
    for data in pdfs:
        for p in PdfReader(io.BytesIO(data)).pages:
            w.add_page(p)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------------

def _iso(d: Optional[dt.date]) -> Optional[str]:
    return d.isoformat() if d else None


def identity_truth(d) -> dict:
    from pipeline import nir as nir_mod

    a = d.agent
    return {"nom_naissance": a.nom_naissance.upper(), "nom_usage": (a.nom_usage or "").upper() or None,
            "prenoms": a.prenoms, "date_naissance": _iso(a.date_naissance), "nir": nir_mod.normalize(a.nir)}


def af3_truth(d, c: dict) -> dict:
    acc = d.accident if d.imputabilite.value in ("accident_service", "accident_trajet") else None
    imp = d.imputabilite.value
    e = d.employeur
    return {
        **identity_truth(d),
        "statut": d.agent.statut.value,
        "heures": f"{st.fnum(d.agent.heures_hebdomadaires)} heures",
        "medecin_traitant": " ".join(st.medecin_traitant_lines(d)),
        "date_accident": st.fdate(acc.date) if acc else None,
        "inapte_toutes_fonctions": c["inapte_toutes_fonctions"],
        "ati": c["ati"], "deja_indemnisee": c["deja_indemnisee"],
        "imputable": imp != "non_imputable",
        "type_imputabilite": None if imp == "non_imputable" else imp,
        "signataire": f"{e.signataire.nom}, {e.signataire.qualite}",
        "date_signature": _iso(st._cadre_f_date(d)),
        "signature": True,
        "medecin_agree": f"Docteur {st.medecin_nom(d.medecin_agree)}",
        "conclusions": c["conclusions"],
        "taux": " ".join(f"{t['infirmite']} {st.fnum(t['taux'])} %" for t in c["taux"]),
        "date_medecin": _iso(c["date"]),
    }


def af4_truth(d, c: dict) -> dict:
    p = d.conseil_medical.pleniere
    return {
        "date_seance": _iso(p.date) if p else None,
        "seconde_convocation": c["seconde_convocation"],
        "membres": [{"role": m["role"], "presence": m["presence"], "signe": m["signe"]} for m in c["membres"]],
        "date_af3": _iso(c["date_af3"]),
        "medecin_af3": c["medecin_af3"],
        **identity_truth(d),
        "inapte_toutes_fonctions": c["inapte_toutes_fonctions"],
    }


# Pièces whose stand-in prints the identity block (nom, prénoms, date de naissance, NIR).
WITH_IDENTITY = {"fiche_de_poste", "attestation_reclassement", "rapport_hierarchique", "expertise_medicale",
                 "certificat_medical_initial", "plan_trajet", "questionnaire_tp", "rapport_medecin_travail",
                 "decision_imputabilite", "arrete_radiation"}


# ---------------------------------------------------------------------------------------------
# A dossier from a seed
# ---------------------------------------------------------------------------------------------

def case_dirs() -> list[Path]:
    return sorted(p.parent for p in HERE.glob("[0-9][0-9]_*/dossier.yaml"))


@dataclass
class Part:
    piece: str
    pdf: bytes
    fields: dict
    style: dict
    acro: bool = False


def _rng(seed: int, *salt: Any) -> random.Random:
    h = hashlib.sha256("|".join(map(str, (seed, *salt))).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def dossier_parts(seed: int, *, acro_share: float = 0.25) -> tuple[Any, list[Part]]:
    """The complete dossier of a seed, one Part (text PDF) per pièce, each in its own layout."""
    from pipeline.dossier.load import load_dossier
    from pipeline.dossier.pieces import case_from_dossier, required_ids

    rng = _rng(seed, "dossier")
    case = rng.choice(case_dirs())
    d = load_dossier(case / "dossier.yaml")
    pieces = [p for p in required_ids(case_from_dossier(d)) if p != "arrete_radiation"]
    parts = []
    for piece in pieces:
        r = _rng(seed, piece)
        c3, c4 = st.af3_completion(d), st.af4_completion(d)
        if piece == "attestations_presence":
            docs = [(st.content_attestations_presence(d, m), {}) for m in st.membres_visio_sans_signature(d)]
        elif piece == "af3":
            docs = [(st.content_af3(d, c3), af3_truth(d, c3))]
        elif piece == "af4":
            docs = [(st.content_af4(d, c4), af4_truth(d, c4))]
        else:
            docs = [(st.content(piece, d), identity_truth(d) if piece in WITH_IDENTITY else {})]
        for doc, truth in docs:
            s = draw_style(r, piece)
            acro = piece in ("af3", "af4") and r.random() < acro_share
            pdf = VarWriter(doc, s, r, acro=acro).run()
            parts.append(Part(piece, pdf, truth, _style_summary(s), acro))
    return d, parts


def _style_summary(s: Style) -> dict:
    return {"font": s.body, "value_font": s.value_font, "size": s.size, "below": s.below, "colon": s.colon,
            "two_columns": s.two_columns, "box": list(s.box), "members": s.members,
            "member_cols": s.member_cols, "mention": s.mention, "title": s.title}


def _pages(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def generate(seed: int, out: Path, *, mode: str = "text", dpi: Optional[int] = None) -> dict:
    """Write the complete dossier of `seed` under `out/`: dossier/*.pdf, truth/*.json, truth.json.

    mode: text (text PDFs, some fillable) | scan (every file scanned) | mixed (some scanned).
    Some seeds put several pièces in one file (AF3 + AF4, or the whole dossier).
    """
    d, parts = dossier_parts(seed, acro_share=0.0 if mode == "scan" else 0.25)
    rng = _rng(seed, "files", mode)
    groups: list[list[Part]] = [[p] for p in parts]
    combine = rng.random()
    if combine < 0.15:
        groups = [parts]  # the whole dossier in one file
    elif combine < 0.4:
        a = [p for p in parts if p.piece in ("af3", "af4")]
        groups = [a] + [[p] for p in parts if p not in a]
    rng.shuffle(groups)
    (out / "dossier").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    files = []
    for i, group in enumerate(groups, 1):
        name = f"document_{i:02d}.pdf"
        pdf = merge([p.pdf for p in group]) if len(group) > 1 else group[0].pdf
        scanned = mode == "scan" or (mode == "mixed" and rng.random() < 0.4)
        looks = []
        if scanned:
            base = draw_scan(rng, dpi)
            looks = [base]
            for _ in range(_pages(pdf) - 1):  # one page of a file may be turned, not all
                lk = copy.copy(base)
                lk.turn = rng.choice([0, 0, 0, 90, 180, 270]) if base.turn else 0
                lk.skew = rng.uniform(-2.0, 2.0)
                looks.append(lk)
            pdf = scan_pdf(pdf, looks, rng)
        pages, parts_info, start = [], [], 1
        for p in group:
            n = _pages(p.pdf)
            pages += [p.piece] * n
            parts_info.append({"piece": p.piece, "first_page": start, "last_page": start + n - 1,
                               "fields": p.fields, "acroform": p.acro, "style": p.style})
            start += n
        truth = {"file": name, "seed": seed, "scan": scanned, "pages": pages, "parts": parts_info,
                 "scan_looks": [vars(lk) for lk in looks]}
        (out / "dossier" / name).write_bytes(pdf)
        (out / "truth" / f"{name[:-4]}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
        files.append(truth)
    summary = {"seed": seed, "mode": mode, "dossier_id": d.dossier.id, "case": d.imputabilite.value,
               "pieces": [p.piece for p in parts], "files": files}
    (out / "truth.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


def parse_seeds(s: str) -> list[int]:
    out = []
    for part in s.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return out


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seeds", default="0-4")
    ap.add_argument("--mode", choices=["text", "scan", "mixed"], default="text")
    ap.add_argument("--dpi", type=int, default=None)
    a = ap.parse_args(argv)
    for seed in parse_seeds(a.seeds):
        s = generate(seed, a.out / f"seed_{seed:04d}", mode=a.mode, dpi=a.dpi)
        print(f"seed {seed}: {len(s['files'])} fichiers, {s['case']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
