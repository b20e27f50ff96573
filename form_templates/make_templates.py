"""Generate the .docx templates of `pipeline build` (docxtpl / Jinja tags) with python-docx.

Run: `.venv/bin/python form_templates/make_templates.py` — rewrites form_templates/*.docx.
The templates are generated, not hand-edited, so that a change of wording (WORDING.md) is a
reviewed code change and the files are reproducible (fixed zip timestamps and properties).

Layout: A4 portrait, DejaVu Sans (it has the ☒ / ☐ glyphs), one bordered table per part,
a 2.8 cm bottom margin left free for the footer stamped after conversion (code, page n / N,
QR code: pipeline/stamp.py). Variables come from pipeline/documents.py.
"""
from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

FONT = "DejaVu Sans"
WIDTH_CM = 17.4  # 21 cm − 2 × 1.8 cm


class Builder:
    """A small layer over python-docx for the forms: titles, boxed parts, loops."""

    def __init__(self, title: str, subtitle: str = ""):
        self.doc = Document()
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
        sec.left_margin = sec.right_margin = Cm(1.8)
        sec.top_margin = Cm(1.3)
        sec.bottom_margin = Cm(2.8)  # footer + QR are stamped there after conversion
        sec.header_distance = sec.footer_distance = Cm(0.6)
        for style_name in ("Normal", "Table Grid"):
            style = self.doc.styles[style_name]
            style.font.name = FONT
            style.font.size = Pt(9)
            rpr = style.element.get_or_add_rPr()
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is None:
                fonts = OxmlElement("w:rFonts")
                rpr.append(fonts)
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                fonts.set(qn(attr), FONT)
        normal = self.doc.styles["Normal"].paragraph_format
        normal.space_after = Pt(1.5)
        normal.space_before = Pt(0)
        normal.line_spacing = 1.0
        self._page_break_next = False
        self.title(title, subtitle)

    # -- paragraphs ---------------------------------------------------------------------
    def _para(self, container, text="", bold=False, italic=False, size=None, align=None,
              color=None, space_before=None, space_after=None):
        if container is None:
            p = self.doc.add_paragraph()
        else:
            # A new cell holds one empty paragraph: use it first.
            ps = container.paragraphs
            if len(ps) == 1 and not ps[0].text and not getattr(container, "_used", False):
                p = ps[0]
                container._used = True
            else:
                p = container.add_paragraph()
        if self._page_break_next and container is None:
            p.paragraph_format.page_break_before = True
            self._page_break_next = False
        if text:
            run = p.add_run(text)
            run.bold = bold
            run.italic = italic
            if size:
                run.font.size = Pt(size)
            if color:
                run.font.color.rgb = RGBColor.from_string(color)
        if align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if space_before is not None:
            p.paragraph_format.space_before = Pt(space_before)
        if space_after is not None:
            p.paragraph_format.space_after = Pt(space_after)
        return p

    def p(self, text="", cell=None, **kw):
        return self._para(cell, text, **kw)

    def title(self, text: str, subtitle: str = ""):
        self.p(text, bold=True, size=13, align="center", space_after=2)
        if subtitle:
            self.p(subtitle, size=8, align="center", color="444444", space_after=6)

    def new_page(self, heading: str):
        self._page_break_next = True
        self.p(heading, bold=True, size=10, align="center", space_after=6)

    def lines(self, var: str, cell=None, expr: str = "{{ l }}", **kw):
        """One paragraph per item of a list (docxtpl paragraph loop)."""
        self.p(f"{{%p for l in {var} %}}", cell=cell)
        self.p(expr, cell=cell, **kw)
        self.p("{%p endfor %}", cell=cell)

    def blank(self, n: int, cell=None):
        for _ in range(n):
            self.p("", cell=cell)

    # -- boxes and tables ---------------------------------------------------------------
    def box(self, heading: str, note: str = ""):
        """A bordered one-column table: shaded heading row, body cell returned."""
        t = self.doc.add_table(rows=2, cols=1)
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        head, body = t.cell(0, 0), t.cell(1, 0)
        for c in (head, body):
            c.width = Cm(WIDTH_CM)
        _shade(head, "D9E2F3")
        hp = head.paragraphs[0]
        r = hp.add_run(heading)
        r.bold = True
        r.font.size = Pt(10)
        if note:
            r2 = hp.add_run("   " + note)
            r2.italic = True
            r2.font.size = Pt(7.5)
        _no_split(t)
        self.p("", space_after=3).runs  # gap between boxes
        return body

    def table(self, headers: list[str], widths: list[float], loop: str, cells: list[str],
              cell=None, empty_rows: int = 0):
        """A grid table with a header row and one row per item (docxtpl row loop)."""
        target = cell if cell is not None else self.doc
        t = target.add_table(rows=3 + empty_rows, cols=len(headers))
        t.style = self.doc.styles["Table Grid"]
        for i, h in enumerate(headers):
            c = t.cell(0, i)
            c.width = Cm(widths[i])
            _shade(c, "F2F2F2")
            run = c.paragraphs[0].add_run(h)
            run.bold = True
        # docxtpl: a row holding only {%tr for %} / {%tr endfor %} is replaced by the loop.
        t.cell(1, 0).paragraphs[0].add_run(f"{{%tr for r in {loop} %}}")
        for i, expr in enumerate(cells):
            t.cell(2, i).paragraphs[0].add_run(expr)
        end = t.add_row()
        end.cells[0].paragraphs[0].add_run("{%tr endfor %}")
        # Move the endfor row right after the item row (empty rows for handwriting follow).
        t._tbl.remove(end._tr)
        t.rows[2]._tr.addnext(end._tr)
        for row in t.rows:
            for i, c in enumerate(row.cells):
                c.width = Cm(widths[i])
        if cell is not None:
            self.p("", cell=cell)
        else:
            self.p("", space_after=2)
        return t

    def save(self, path: Path):
        cp = self.doc.core_properties
        fixed = dt.datetime(2024, 6, 1, 0, 0, 0)
        cp.author = "pipeline"
        cp.last_modified_by = "pipeline"
        cp.created = fixed
        cp.modified = fixed
        cp.revision = 1
        cp.title = path.stem
        buf = io.BytesIO()
        self.doc.save(buf)
        from pipeline.build.render import normalize_docx

        data = normalize_docx(buf.getvalue(), dt.date(2024, 6, 1))
        path.write_bytes(data)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _no_split(table) -> None:
    # Keep a part on one page: rows may not break, heading stays with its body.
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        trpr.append(cant)
    for p in table.cell(0, 0).paragraphs:
        p.paragraph_format.keep_with_next = True


# -- shared blocks ------------------------------------------------------------------------
def identite_agent(b: Builder, cell, with_address=True):
    b.p("Civilité : {{ agent.civilite }}", cell=cell)
    b.p("Nom de naissance : {{ agent.nom_naissance }}", cell=cell)
    b.p("Nom d'usage : {{ agent.nom_usage }}", cell=cell)
    b.p("Prénoms : {{ agent.prenoms }}", cell=cell)
    b.p("Date de naissance : {{ agent.date_naissance }}", cell=cell)
    b.p("NIR : {{ agent.nir }}", cell=cell)
    b.p("Grade : {{ agent.grade }}", cell=cell)
    if with_address:
        b.p("Adresse : {{ agent.adresse }}", cell=cell)


def employeur_block(b: Builder, cell):
    b.p("Collectivité : {{ employeur.collectivite }}", cell=cell)
    b.p("SIRET : {{ employeur.siret }}", cell=cell)
    b.p("Adresse : {{ employeur.adresse }}", cell=cell)


def en_tete(b: Builder):
    b.p("{{ employeur.collectivite }} — dossier {{ dossier_id }} — {{ code }}", size=7.5,
        align="right", color="555555", space_after=4)


def signature_employeur(b: Builder):
    b.p("Fait à {{ employeur.commune }}, le {{ date_etablissement }}", space_before=8)
    b.p("{{ employeur.signataire_qualite }},", space_before=4)
    b.p("{{ employeur.signataire_nom }}")
    b.p("Signature et cachet :", space_before=4)
    b.blank(3)


# -- the documents ------------------------------------------------------------------------
def af3() -> Builder:
    b = Builder("IMPRIMÉ AF3 – RAPPORT MÉDICAL",
                "Retraite pour invalidité – CNRACL · {{ code }} · Pages 1 à 3 : employeur ; page 4 : médecin agréé")
    en_tete(b)
    c = b.box("Partie B – Employeur", "employeur principal")
    employeur_block(b, c)
    c = b.box("Partie C – Agent")
    identite_agent(b, c)
    c = b.box("Partie D – Situation administrative")
    b.p("Statut : {{ agent.statut }} — affiliation CNRACL : {{ agent.affiliation }}", cell=c)
    b.p("Durée hebdomadaire de service : {{ agent.heures }}", cell=c)
    b.p("Fonctions exactes : {{ agent.fonctions }}", cell=c)
    b.p("Service : {{ agent.service }}", cell=c)
    b.p("Position actuelle : {{ position }}", cell=c)
    b.p("Congés :", cell=c)
    b.lines("conges", cell=c, expr="    {{ l }}")
    c = b.box("Médecin désigné par l'agent", "à remplir obligatoirement ; différent du médecin agréé")
    b.p("Médecin traitant :", cell=c, bold=True)
    b.lines("medecin_traitant_lignes", cell=c)
    b.p("La fiche de poste est obligatoire : joindre la fiche descriptive des dernières fonctions exercées.",
        bold=True, italic=True, space_after=4)
    c = b.box("Accident de service ou de trajet",
              "à remplir seulement si un accident est à l'origine de l'invalidité (rente d'invalidité)")
    b.p("Date de l'accident : {{ accident.date }}", cell=c)
    b.p("Heure : {{ accident.heure }}", cell=c)
    b.p("Lieu : {{ accident.lieu }}", cell=c)
    b.p("Circonstances : {{ accident.circonstances }}", cell=c)

    b.new_page("IMPRIMÉ AF3 – RAPPORT MÉDICAL (suite)")
    c = b.box("Partie G – Employeur")
    b.p("Nature de la demande : {{ cb.sur_demande }} Sur demande de l'agent    {{ cb.d_office }} D'office", cell=c)
    b.p("Date de la demande : {{ date_demande }}", cell=c)
    b.p("Dernier jour travaillé : {{ dernier_jour_travaille }}", cell=c)
    b.p("Conseil médical en formation restreinte, séance du : {{ date_restreint }}", cell=c)
    c = b.box("Parties H et I – Médecin agréé", "à remplir par le médecin agréé")
    b.p("Infirmités constatées et leur évolution :", cell=c)
    b.blank(18, cell=c)
    b.p("L'agent est-il inapte à toutes fonctions ? {{ cb.inapte_oui }} Oui {{ cb.inapte_non }} Non", cell=c, bold=True)
    b.p("Si « Non » : l'attestation relative au reclassement est obligatoire.", cell=c, italic=True, size=8)
    b.p("Ne pas fournir de justificatifs pour les pathologies déjà indemnisées.", cell=c, italic=True, size=8)
    b.blank(10, cell=c)

    b.new_page("IMPRIMÉ AF3 – RAPPORT MÉDICAL (suite)")
    c = b.box("Partie K – Allocation temporaire d'invalidité")
    b.p("L'agent perçoit-il une allocation temporaire d'invalidité (ATI) ? {{ cb.ati_oui }} Oui {{ cb.ati_non }} Non", cell=c)
    b.p("{{ ati_detail }}", cell=c)
    b.p("Renseignement utile à l'étude de la transformation éventuelle de l'ATI en rente.", cell=c, italic=True, size=8)
    c = b.box("Partie L – Infirmité déjà indemnisée")
    b.p("Une infirmité est-elle déjà indemnisée par un autre régime ? {{ cb.indemnisee_oui }} Oui {{ cb.indemnisee_non }} Non", cell=c)
    b.p("Une même pathologie ne peut être indemnisée par deux régimes ; cocher « Oui » même sans précision.",
        cell=c, italic=True, size=8)
    c = b.box("Partie M – Imputabilité au service")
    b.p("L'invalidité est-elle imputable au service ? {{ cb.imputable_oui }} Oui {{ cb.imputable_non }} Non", cell=c)
    b.p("{{ cb.accident_service }} Accident de service {{ cb.accident_trajet }} Accident de trajet "
        "{{ cb.maladie_pro }} Maladie professionnelle", cell=c)
    b.p("Si l'invalidité est imputable au service, le rapport hiérarchique est indispensable.",
        cell=c, italic=True, size=8)
    c = b.box("Cadre F – Cachet et signature de l'employeur")
    b.p("Nom et qualité du signataire : {{ employeur.signataire_nom }}, {{ employeur.signataire_qualite }}", cell=c)
    b.p("Date : {{ date_employeur }}", cell=c)
    b.p("Signature : {{ signature_employeur }}", cell=c)
    b.p("Cachet de la collectivité :", cell=c)
    b.blank(6, cell=c)

    b.new_page("IMPRIMÉ AF3 – RAPPORT MÉDICAL (suite)")
    c = b.box("Partie réservée au médecin agréé", "seul le médecin agréé remplit cette page")
    b.p("Médecin agréé : Docteur {{ medecin_agree.nom_complet }}", cell=c, bold=True)
    b.p("Spécialité : {{ medecin_agree.specialite }} — {{ medecin_agree.adresse }}", cell=c, size=8)
    b.p("Conclusions :", cell=c, bold=True, space_before=4)
    b.lines("conclusions", cell=c)
    b.blank(16, cell=c)
    b.p("Taux d'invalidité :", cell=c, bold=True)
    b.table(["Infirmité", "Taux"], [13.0, 4.0], "taux", ["{{ r.infirmite }}", "{{ r.taux }}"],
            cell=c, empty_rows=4)
    b.blank(4, cell=c)
    b.p("Date : {{ date_medecin }}", cell=c)
    b.p("Signature du médecin agréé : {{ signature_medecin }}", cell=c)
    b.blank(4, cell=c)
    return b


def af4() -> Builder:
    b = Builder("IMPRIMÉ AF4 – PROCÈS-VERBAL DU CONSEIL MÉDICAL EN FORMATION PLÉNIÈRE",
                "Retraite pour invalidité – CNRACL · {{ code }} · à remplir par les membres du conseil médical")
    en_tete(b)
    c = b.box("Partie A – Séance")
    b.p("Date de la séance : {{ seance.date }}", cell=c)
    b.p("Département : {{ seance.departement }}", cell=c)
    b.p("Lieu : {{ seance.lieu }}", cell=c)
    b.p("{{ cb.seconde_convocation }} Seconde convocation (le quorum n'était pas atteint à la première)", cell=c)
    b.p("Membres :", cell=c, bold=True)
    b.lines("membres", cell=c)
    b.p("Quorum : au moins 4 membres présents, dont 2 médecins et 1 représentant du personnel.",
        cell=c, italic=True, size=8)
    c = b.box("Partie B – AF3 examiné")
    b.p("Date de l'AF3 : {{ date_af3 }}", cell=c)
    b.p("Établi par le Docteur {{ medecin_af3 }}", cell=c)
    c = b.box("Partie C – Agent")
    identite_agent(b, c, with_address=False)
    b.p("Fonctions exactes : {{ agent.fonctions }}", cell=c)
    b.p("Employeur : {{ employeur.collectivite }}", cell=c)
    c = b.box("Partie D – Information de l'agent")
    b.p("{{ cb.invite }} Invité à consulter son dossier", cell=c)
    b.p("{{ cb.comparu }} A comparu", cell=c)

    b.new_page("IMPRIMÉ AF4 – PROCÈS-VERBAL DU CONSEIL MÉDICAL (suite)")
    c = b.box("Partie E – Infirmités", "dans l'ordre d'apparition, même déjà indemnisées")
    b.table(["Infirmité", "Date d'apparition", "Taux"], [10.0, 4.0, 3.0], "infirmites",
            ["{{ r.libelle }}", "{{ r.date }}", "{{ r.taux }}"], cell=c, empty_rows=2)
    c = b.box("Avis du conseil médical")
    b.p("L'agent est-il inapte à toutes fonctions ? {{ cb.inapte_oui }} Oui {{ cb.inapte_non }} Non", cell=c, bold=True)
    b.p("Si « Non » : l'attestation relative au reclassement est obligatoire.", cell=c, italic=True, size=8)
    b.p("Avis :", cell=c, bold=True, space_before=4)
    b.lines("avis", cell=c)
    b.blank(14, cell=c)
    c = b.box("Signatures des membres présents")
    b.blank(8, cell=c)
    return b


def attestation_reclassement() -> Builder:
    b = Builder("ATTESTATION RELATIVE AU RECLASSEMENT",
                "Retraite pour invalidité – CNRACL · pièce obligatoire si l'agent n'est pas inapte à toutes fonctions")
    en_tete(b)
    b.p("{{ employeur.signataire_nom }}, {{ employeur.signataire_qualite }} de la collectivité "
        "{{ employeur.collectivite }}, atteste des démarches de reclassement engagées pour l'agent ci-dessous.",
        space_after=6)
    c = b.box("Employeur")
    employeur_block(b, c)
    c = b.box("Agent")
    identite_agent(b, c, with_address=False)
    b.p("Fonctions exactes : {{ agent.fonctions }}", cell=c)
    c = b.box("Démarches de reclassement")
    b.p("Adaptation du poste : {{ reclassement.adaptation_poste }}", cell=c, space_after=4)
    b.p("Postes examinés : {{ reclassement.postes_examines }}", cell=c, space_after=4)
    b.p("Invitation à présenter une demande de reclassement : {{ reclassement.invitation }}", cell=c, space_after=4)
    b.p("Période de préparation au reclassement : {{ reclassement.ppr }}", cell=c, space_after=4)
    b.p("Réponse de l'agent : {{ reclassement.reponse_agent }}", cell=c, space_after=4)
    b.p("Motif de l'échec : {{ reclassement.motif_echec }}", cell=c, space_after=4)
    signature_employeur(b)
    return b


def rapport_hierarchique() -> Builder:
    b = Builder("RAPPORT HIÉRARCHIQUE", "Retraite pour invalidité – CNRACL · imputabilité au service")
    en_tete(b)
    b.p("{{ variante }}", bold=True, size=11, align="center", space_after=6)
    c = b.box("Employeur")
    employeur_block(b, c)
    b.p("Service : {{ agent.service }}", cell=c)
    c = b.box("Agent")
    identite_agent(b, c, with_address=False)
    b.p("Fonctions exactes : {{ agent.fonctions }}", cell=c)
    b.p("Durée hebdomadaire de service : {{ agent.heures }}", cell=c)
    b.p("{%p if variante_id != 'maladie_professionnelle' %}")
    c = b.box("Accident")
    b.p("Date de l'accident : {{ accident.date }}", cell=c)
    b.p("Heure : {{ accident.heure }}", cell=c)
    b.p("Lieu : {{ accident.lieu }}", cell=c)
    b.p("Circonstances : {{ accident.circonstances }}", cell=c)
    b.p("{%p if variante_id == 'accident_trajet' %}", cell=c)
    b.p("Trajet : {{ accident.trajet }}", cell=c)
    b.p("Tiers en cause : {{ accident.tiers }} — procès-verbal de police ou de gendarmerie : {{ accident.pv }}", cell=c)
    b.p("{%p endif %}", cell=c)
    b.p("{%p else %}")
    c = b.box("Maladie professionnelle")
    b.p("Maladie : {{ mp.designation }}", cell=c)
    b.p("Tableau des maladies professionnelles : {{ mp.tableau }}", cell=c)
    b.p("Date de première constatation : {{ mp.date_premiere_constatation }}", cell=c)
    b.p("Risques rencontrés : {{ mp.risques }}", cell=c)
    b.p("Période d'exposition : {{ mp.exposition }}", cell=c)
    b.p("{%p endif %}")
    b.p("Le présent rapport est établi par la hiérarchie de l'agent ; il est complet et circonstancié.",
        italic=True, size=8, space_before=4)
    signature_employeur(b)
    return b


def fiche_de_poste() -> Builder:
    b = Builder("FICHE DE POSTE – DERNIÈRES FONCTIONS EXERCÉES",
                "Retraite pour invalidité – CNRACL · pour le médecin agréé et la CNRACL")
    en_tete(b)
    c = b.box("Employeur")
    employeur_block(b, c)
    b.p("Service : {{ agent.service }}", cell=c)
    c = b.box("Agent")
    identite_agent(b, c, with_address=False)
    b.p("Cadre d'emplois : {{ agent.cadre_emplois }} — catégorie {{ agent.categorie }}", cell=c)
    c = b.box("Poste occupé")
    b.p("Intitulé et missions (dernières fonctions exactes) : {{ agent.fonctions }}", cell=c)
    b.p("Durée hebdomadaire de service : {{ agent.heures }}", cell=c)
    b.p("Emploi de catégorie active : {{ agent.categorie_active }}", cell=c)
    b.p("Dernier jour travaillé : {{ dernier_jour_travaille }}", cell=c)
    c = b.box("Carrière", "une ligne par période, pour comparaison avec le compte individuel retraite")
    b.table(["Du", "Au", "Grade", "Position", "Quotité"], [2.3, 2.3, 7.3, 3.0, 2.0], "carriere",
            ["{{ r.debut }}", "{{ r.fin }}", "{{ r.grade }}", "{{ r.position }}", "{{ r.quotite }}"], cell=c)
    signature_employeur(b)
    return b


def arrete_radiation() -> Builder:
    b = Builder("PROJET", "document de travail à compléter et signer après l'avis favorable de la CNRACL")
    en_tete(b)
    b.p("ARRÊTÉ PORTANT RADIATION DES CADRES", bold=True, size=12, align="center")
    b.p("pour mise à la retraite pour invalidité", align="center", space_after=8)
    b.p("{{ employeur.signataire_qualite }} de la collectivité {{ employeur.collectivite }},", space_after=6)
    b.p("Vu le code général de la fonction publique ;")
    b.p("Vu le décret n° 2003-1306 du 26 décembre 2003 relatif au régime de retraite des fonctionnaires "
        "affiliés à la Caisse nationale de retraites des agents des collectivités locales, notamment ses articles 30 à 39 ;")
    b.p("Vu le décret n° 86-442 du 14 mars 1986 relatif aux conseils médicaux ;")
    b.p("Vu l'avis du conseil médical en formation plénière du {{ date_pleniere }} ;")
    b.p("Vu l'avis favorable de la CNRACL du {{ date_avis_cnracl }} ;")
    b.p("Vu la situation administrative de {{ agent.identite }}, {{ agent.grade }} ;", space_after=8)
    b.p("ARRÊTE", bold=True, align="center", space_after=6)
    b.p("Article 1 : {{ agent.identite }}, né{{ agent.e }} le {{ agent.date_naissance }}, NIR : {{ agent.nir }}, "
        "{{ agent.grade }}, est radié{{ agent.e }} des cadres et admis{{ agent.e }} à la retraite pour invalidité "
        "à compter du {{ date_radiation }}.", space_after=4)
    b.p("Règle : {{ regle_radiation }}", italic=True, size=8, space_after=4)
    b.p("Article 2 : Le présent arrêté sera transmis à la CNRACL et notifié à l'intéressé{{ agent.e }}.", space_after=4)
    b.p("Article 3 : Il peut faire l'objet d'un recours devant le tribunal administratif dans un délai de "
        "deux mois à compter de sa notification.", space_after=4)
    signature_employeur(b)
    return b


def notice_agent() -> Builder:
    b = Builder("NOTICE À L'AGENT", "Votre retraite pour invalidité : où en est votre dossier et ce que vous avez à faire")
    en_tete(b)
    b.p("{{ agent.identite }}", bold=True)
    b.p("{{ agent.adresse }}", space_after=6)
    c = b.box("Où en est votre dossier")
    b.table(["Étape", "Date", "Statut"], [9.4, 3.5, 4.0], "etapes",
            ["{{ r.libelle }}", "{{ r.date }}", "{{ r.statut }}"], cell=c)
    b.p("La CNRACL traite le dossier en 6 à 8 mois ; réponse attendue {{ fenetre_reponse }}.", cell=c)
    b.p("Date de radiation des cadres envisagée : {{ date_radiation_potentielle }}.", cell=c)
    b.p("{{ regle_radiation }}", cell=c, italic=True, size=8)
    c = b.box("Prestation « retraite » du CNAS")
    b.p("Dès réception du décompte définitif et de l'attestation CNAS, demandez la prestation dans votre espace "
        "personnel du CNAS (identifiant : votre numéro d'adhérent {{ agent.numero_cnas }}) : recherchez « retraite », "
        "ouvrez « Départ à la retraite ou licenciement pour inaptitude physique », cliquez sur « Demander la prestation ».",
        cell=c)
    b.p("À fournir : votre dernier jour travaillé ({{ dernier_jour_travaille }}) et une copie de l'arrêté de radiation des cadres.", cell=c)
    b.p("Première connexion : l'identifiant vous est donné par le correspondant CNAS de votre employeur (sous 48 heures). "
        "Mot de passe : au moins 12 caractères et au moins 3 types parmi majuscules, minuscules, chiffres, caractères spéciaux.", cell=c)
    b.lines("contacts_cnas", cell=c, size=8)
    c = b.box("Votre relevé de carrière tous régimes (RIS)")
    b.p("Si vous avez travaillé dans le secteur privé, vérifiez votre carrière : créez votre espace personnel "
        "Assurance retraite (NIR, état civil, adresse, courriel), puis Services → « Mon relevé de carrière tous régimes » "
        "pour télécharger le relevé individuel de situation (RIS).", cell=c)
    b.p("Mot de passe : 8 à 20 caractères, au moins une majuscule, une minuscule et un chiffre, sans caractère spécial "
        "ni nom, prénom, date de naissance ou partie du NIR.", cell=c)
    b.lines("contacts_assurance_retraite", cell=c, size=8)
    c = b.box("Vos contacts")
    b.p("Service des ressources humaines : {{ contact_rh }}", cell=c)
    b.lines("contacts_cnracl", cell=c, size=8)
    b.p("Fait à {{ employeur.commune }}, le {{ date_etablissement }}", space_before=6)
    return b


def estimation() -> Builder:
    b = Builder("ESTIMATION INDICATIVE", "Document de travail pour le gestionnaire – ne pas joindre au dossier CNRACL")
    en_tete(b)
    b.p("{{ agent.identite }} — {{ agent.grade }}", bold=True, space_after=4)
    b.table(["Élément", "Valeur"], [9.0, 8.4], "lignes", ["{{ r.libelle }}", "{{ r.valeur }}"])
    return b


def bordereau() -> Builder:
    b = Builder("BORDEREAU D'ENVOI", "Pièces envoyées par courrier – retraite pour invalidité CNRACL")
    en_tete(b)
    c = b.box("Expéditeur")
    employeur_block(b, c)
    b.p("Contact : {{ contact_rh }}", cell=c)
    c = b.box("Destinataire")
    b.p("{{ destinataire }}", cell=c)
    c = b.box("Dossier")
    b.p("Dossier : {{ dossier_id }} — profil {{ profil }}", cell=c)
    b.p("Agent : {{ agent.identite }}", cell=c)
    c = b.box("Pièces jointes")
    b.table(["Pièce", "Nombre", "Observations"], [9.0, 2.0, 6.0], "pieces",
            ["{{ r.libelle }}", "{{ r.nombre }}", "{{ r.observation }}"], cell=c)
    b.p("{{ consigne }}", cell=c, italic=True, size=8)
    signature_employeur(b)
    return b


TEMPLATES = {
    "af3": af3,
    "af4": af4,
    "attestation_reclassement": attestation_reclassement,
    "rapport_hierarchique": rapport_hierarchique,
    "fiche_de_poste": fiche_de_poste,
    "arrete_radiation": arrete_radiation,
    "notice_agent": notice_agent,
    "estimation": estimation,
    "bordereau": bordereau,
}


def main() -> None:
    for name, make in TEMPLATES.items():
        out = HERE / f"{name}.docx"
        make().save(out)
        print(f"{out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
