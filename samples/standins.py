"""Stand-in documents for the check samples, drawn with reportlab.

Two looks, one content:
- ``projet``: the project's layout as WORDING.md describes it (DejaVu Sans, « Libellé : valeur »
  on one line, ☒ / ☐ boxes, footer with the form code, « Page n / N » and a QR code on the
  project's own documents). Used for the pièces our build does not produce (expertise,
  certificat médical initial, plan...) and as a fallback for the ones it does.
- ``autre``: documents made elsewhere that only follow the wording of rules.md (official
  forms, other software): serif / monospace fonts, the label on one line and the value on the
  next, boxes written ``[X]`` / ``[ ]`` or drawn as squares with an X typed inside, member
  lines without separators, no QR code.

Every function ``content_<piece>(d, ...)`` returns a `Doc` (title, pages of blocks); `render`
draws it in either look. Identities are invented (they come from samples/*/dossier.yaml).
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pipeline import nir as nir_mod
from pipeline import qr
from pipeline.dossier.model import Dossier, Presence, RoleMembre

FONT_DIR = "/usr/share/fonts/truetype"
_FONTS = {
    # projet: a sans font with the ballot-box glyphs ☒ ☐
    "P": f"{FONT_DIR}/dejavu/DejaVuSans.ttf",
    "PB": f"{FONT_DIR}/dejavu/DejaVuSans-Bold.ttf",
    # autre: serif body, bold serif labels, monospace values (typed-in look)
    "A": f"{FONT_DIR}/liberation2/LiberationSerif-Regular.ttf",
    "AB": f"{FONT_DIR}/liberation2/LiberationSerif-Bold.ttf",
    "AM": f"{FONT_DIR}/liberation2/LiberationMono-Regular.ttf",
}
_registered = False


def _register_fonts() -> None:
    # TrueType fonts are embedded (pieces.md: fonts embedded), unlike reportlab's standard 14.
    global _registered
    if _registered:
        return
    for name, path in _FONTS.items():
        pdfmetrics.registerFont(TTFont(name, path))
    _registered = True


# ---------------------------------------------------------------------------------------------
# Content model
# ---------------------------------------------------------------------------------------------

@dataclass
class Doc:
    piece: str  # pièce id (or a not-to-send id, or "inconnu")
    title: str
    pages: list[list[tuple]]  # blocks, see render()
    code: str = ""  # form / project code printed in the footer (AF3-2406, FP-PIN1) or ""
    project_doc: bool = False  # a document `pipeline build` produces: QR code in our layout
    dossier_id: str = ""
    pagesize: tuple[float, float] = A4


def fdate(day: Optional[dt.date]) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def fnum(x: Decimal | int | float) -> str:
    s = f"{Decimal(str(x)).normalize():f}"
    return s.replace(".", ",")


ROLE_LABELS = {
    RoleMembre.president: "Président",
    RoleMembre.medecin: "Médecin",
    RoleMembre.medecin_specialiste: "Médecin spécialiste",
    RoleMembre.representant_administration: "Représentant de l'administration",
    RoleMembre.representant_personnel: "Représentant du personnel",
}
PRESENCE_LABELS = {Presence.present: "présent", Presence.visio: "visioconférence", Presence.absent: "absent"}


def medecin_nom(m) -> str:
    return f"{m.prenom or ''} {m.nom.upper()}".strip()


def medecin_traitant_lines(d: Dossier) -> list[str]:
    if d.sans_medecin_traitant:
        return ["Pas de médecin traitant"]
    mt = d.medecin_traitant
    lines = [f"Docteur {medecin_nom(mt)}"]
    if mt.adresse:
        lines.append(mt.adresse.une_ligne())
    return lines


def identity_fields(d: Dossier) -> list[tuple]:
    a = d.agent
    return [
        ("field", "Nom de naissance", a.nom_naissance.upper()),
        ("field", "Nom d'usage", (a.nom_usage or "").upper()),
        ("field", "Prénoms", a.prenoms),
        ("field", "Date de naissance", fdate(a.date_naissance)),
        ("field", "NIR", nir_mod.fmt(a.nir) if len(nir_mod.normalize(a.nir)) == 15 else a.nir),
    ]


def _employeur_lines(d: Dossier) -> list[tuple]:
    e = d.employeur
    return [
        ("field", "Collectivité", e.collectivite),
        ("field", "SIRET", e.siret),
        ("field", "Adresse", e.adresse.une_ligne()),
    ]


def af3_completion(d: Dossier) -> dict:
    """The AF3 as the médecin agréé and the employer really filled it, for a complete dossier.

    Same keys as `pipeline.documents.render_context_af3` (the build's layout), so one completion
    feeds both looks. « medecin_traitant » is absent here: present means an override.
    """
    toutes = d.inaptitude.value == "toutes_fonctions"
    return {
        "inapte_toutes_fonctions": toutes,
        "conclusions": (
            "Inaptitude absolue et définitive à toutes fonctions. Mise à la retraite pour invalidité justifiée."
            if toutes else
            "Inaptitude absolue et définitive aux fonctions du grade ; l'agent n'est pas inapte à toutes fonctions."
        ),
        "taux": [{"infirmite": i.libelle, "taux": i.taux} for i in d.infirmites],
        "date": d.medecin_agree.date_rapport,
        "signe": True,
        "employeur_signe": True,
        "ati": d.ati.percue,
        "deja_indemnisee": any(i.deja_indemnisee for i in d.infirmites),
        "version": "2406",
    }


def af4_completion(d: Dossier) -> dict:
    """The AF4 as the council filled it (keys of `render_context_af4`)."""
    p = d.conseil_medical.pleniere
    toutes = d.inaptitude.value == "toutes_fonctions"
    return {
        "membres": [{"role": m.role.value, "nom": m.nom, "presence": m.presence.value, "signe": m.signe}
                    for m in (p.membres if p else [])],
        "seconde_convocation": bool(p and p.seconde_convocation),
        "inapte_toutes_fonctions": toutes,
        "avis": ("Avis favorable à la mise à la retraite pour invalidité (inaptitude absolue et "
                 "définitive à toutes fonctions)." if toutes else
                 "Avis favorable à la mise à la retraite pour invalidité ; reclassement impossible."),
        "date_af3": d.medecin_agree.date_rapport,
        "medecin_af3": medecin_nom(d.medecin_agree),  # printed after « Établi par le Docteur »
        "invite": True,
        "comparu": False,
        "version": "2406",
    }


def _cadre_f_date(d: Dossier) -> dt.date:
    # The employer signs before sending the form to the médecin agréé.
    ref = d.medecin_agree.date_rapport or d.dossier.date_etablissement
    return ref - dt.timedelta(days=21)


# ---------------------------------------------------------------------------------------------
# Contents of each pièce
# ---------------------------------------------------------------------------------------------

def content_af3(d: Dossier, c: dict | None = None) -> Doc:
    c = {**af3_completion(d), **(c or {})}
    a, e = d.agent, d.employeur
    acc = d.accident if d.imputabilite.value in ("accident_service", "accident_trajet") else None
    mt_lines = ([l for l in c["medecin_traitant"].splitlines() if l.strip()]
                if "medecin_traitant" in c else medecin_traitant_lines(d))
    ito = c["inapte_toutes_fonctions"]
    imp = d.imputabilite.value
    p1 = [
        ("title", "IMPRIMÉ AF3 – RAPPORT MÉDICAL"),
        ("heading", "Partie B – Employeur"), *_employeur_lines(d),
        ("heading", "Partie C – Agent"), *identity_fields(d),
        ("field", "Grade", a.grade),
        ("field", "Adresse", a.adresse.une_ligne()),
        ("heading", "Partie D – Situation administrative"),
        ("field", "Statut", a.statut.value),
        ("field", "Durée hebdomadaire de service", f"{fnum(a.heures_hebdomadaires)} heures"),
        ("field", "Affiliation CNRACL", "oui" if a.affiliation_cnracl else "non"),
        ("field", "Fonctions exactes", a.fonctions),
        ("field", "Congés", "; ".join(f"{cg.type.value} du {fdate(cg.debut)}" + (f" au {fdate(cg.fin)}" if cg.fin else "")
                                       for cg in d.conges)),
        ("field", "Médecin traitant", mt_lines),
        ("note", "La fiche de poste est obligatoire."),
        ("heading", "Accident de service ou de trajet"),
        ("field", "Date de l'accident", fdate(acc.date) if acc else ""),
        ("field", "Heure", acc.heure if acc else ""),
        ("field", "Lieu", acc.lieu if acc else ""),
        ("field", "Circonstances", acc.circonstances if acc else ""),
    ]
    p2 = [
        ("heading", "Partie G – Employeur"),
        ("boxes", "Nature de la demande", [("Sur demande de l'agent", not d.dossier.d_office), ("D'office", d.dossier.d_office)]),
        ("field", "Date de la demande", fdate(d.dates.demande)),
        ("field", "Dernier jour travaillé", fdate(a.dernier_jour_travaille)),
        ("heading", "Parties H et I – Médecin agréé"),
        ("boxes", "L'agent est-il inapte à toutes fonctions ?", [("Oui", ito is True), ("Non", ito is False)]),
    ]
    signataire = f"{e.signataire.nom}, {e.signataire.qualite}"
    p3 = [
        ("heading", "Partie K – Allocation temporaire d'invalidité"),
        ("boxes", "L'agent perçoit-il une allocation temporaire d'invalidité (ATI) ?", [("Oui", c["ati"]), ("Non", not c["ati"])]),
        ("heading", "Partie L – Infirmité déjà indemnisée"),
        ("boxes", "Une infirmité est-elle déjà indemnisée par un autre régime ?",
         [("Oui", c["deja_indemnisee"]), ("Non", not c["deja_indemnisee"])]),
        ("heading", "Partie M – Imputabilité au service"),
        ("boxes", "L'invalidité est-elle imputable au service ?", [("Oui", imp != "non_imputable"), ("Non", imp == "non_imputable")]),
        ("boxes", "", [("Accident de service", imp == "accident_service"), ("Accident de trajet", imp == "accident_trajet"),
                       ("Maladie professionnelle", imp == "maladie_professionnelle")]),
        ("heading", "Cadre F – Cachet et signature de l'employeur"),
        ("field", "Nom et qualité du signataire", signataire if c["employeur_signe"] else ""),
        ("field", "Date", fdate(_cadre_f_date(d)) if c["employeur_signe"] else ""),
        ("signature", "Signature", c["employeur_signe"]),
    ]
    rows = [[t["infirmite"], f"{fnum(t['taux'])} %"] for t in c["taux"] or []]
    p4 = [
        ("heading", "Partie réservée au médecin agréé"),
        ("field", "Médecin agréé", f"Docteur {medecin_nom(d.medecin_agree)}"),
        ("field", "Conclusions", c["conclusions"] or ""),
        ("table", "Taux d'invalidité", ["Infirmité", "Taux"], rows),
        ("field", "Date", fdate(c["date"])),
        ("signature", "Signature du médecin agréé", c["signe"]),
    ]
    return Doc("af3", "IMPRIMÉ AF3 – RAPPORT MÉDICAL", [p1, p2, p3, p4], code=f"AF3-{c['version']}",
               project_doc=True, dossier_id=d.dossier.id)


def content_af4(d: Dossier, c: dict | None = None) -> Doc:
    c = {**af4_completion(d), **(c or {})}
    p = d.conseil_medical.pleniere
    a = d.agent
    ito = c["inapte_toutes_fonctions"]
    membres = [(ROLE_LABELS[RoleMembre(m["role"])], m["nom"], PRESENCE_LABELS[Presence(m["presence"])],
                "signé" if m["signe"] else "non signé") for m in c["membres"]]
    p1 = [
        ("title", "IMPRIMÉ AF4 – PROCÈS-VERBAL DU CONSEIL MÉDICAL EN FORMATION PLÉNIÈRE"),
        ("heading", "Partie A – Séance"),
        ("field", "Date de la séance", fdate(p.date) if p else ""),
        ("field", "Département", (p.departement or "") if p else ""),
        ("boxes", "", [("Seconde convocation (le quorum n'était pas atteint à la première)", c["seconde_convocation"])]),
        ("members", "Membres", membres),
        ("heading", "Partie B – AF3 examiné"),
        ("field", "Date de l'AF3", fdate(c["date_af3"])),
        ("line", f"Établi par le Docteur {c['medecin_af3']}"),
        ("heading", "Partie C – Agent"), *identity_fields(d),
        ("field", "Grade", a.grade),
        ("field", "Fonctions exactes", a.fonctions),
        ("field", "Employeur", d.employeur.collectivite),
    ]
    rows = [[i.libelle, fdate(i.date_apparition), f"{fnum(i.taux)} %"] for i in d.infirmites]
    p2 = [
        ("heading", "Partie D – Information de l'agent"),
        ("boxes", "", [("Invité à consulter son dossier", c["invite"]), ("A comparu", c["comparu"])]),
        ("heading", "Partie E – Infirmités"),
        ("table", "", ["Infirmité", "Date d'apparition", "Taux"], rows),
        ("heading", "Avis du conseil médical"),
        ("boxes", "L'agent est-il inapte à toutes fonctions ?", [("Oui", ito is True), ("Non", ito is False)]),
        ("field", "Avis", c["avis"] or ""),
    ]
    return Doc("af4", "IMPRIMÉ AF4 – PROCÈS-VERBAL DU CONSEIL MÉDICAL EN FORMATION PLÉNIÈRE", [p1, p2],
               code=f"AF4-{c['version']}", project_doc=True, dossier_id=d.dossier.id)


def _agent_block(d: Dossier) -> list[tuple]:
    a = d.agent
    return [("heading", "Agent"), *identity_fields(d), ("field", "Grade", a.grade)]


def content_fiche_de_poste(d: Dossier) -> Doc:
    a = d.agent
    page = [
        ("title", "FICHE DE POSTE – DERNIÈRES FONCTIONS EXERCÉES"),
        ("heading", "Employeur"), *_employeur_lines(d),
        *_agent_block(d),
        ("field", "Service", a.service or ""),
        ("field", "Fonctions exactes", a.fonctions),
        ("field", "Durée hebdomadaire de service", f"{fnum(a.heures_hebdomadaires)} heures"),
        ("field", "Missions principales", "Les missions décrites ci-dessus, exercées jusqu'au dernier jour travaillé."),
        ("field", "Contraintes physiques du poste", "Station debout prolongée, port de charges, gestes répétitifs."),
        ("field", "Date", fdate(d.dossier.date_etablissement)),
    ]
    return Doc("fiche_de_poste", "FICHE DE POSTE – DERNIÈRES FONCTIONS EXERCÉES", [page], code="FP-PIN1",
               project_doc=True, dossier_id=d.dossier.id)


def content_attestation_reclassement(d: Dossier) -> Doc:
    r = d.reclassement
    ppr = f"du {fdate(r.ppr.debut)} au {fdate(r.ppr.fin)}" if r and r.ppr else "sans objet"
    page = [
        ("title", "ATTESTATION RELATIVE AU RECLASSEMENT"),
        ("heading", "Employeur"), *_employeur_lines(d),
        *_agent_block(d),
        ("field", "Adaptation du poste", r.adaptation_poste if r else "Aucune adaptation possible."),
        ("field", "Postes examinés", r.postes_examines if r else "Aucun poste compatible."),
        ("field", "Invitation à présenter une demande de reclassement", fdate(r.invitation_date) if r and r.invitation_date else "sans objet"),
        ("field", "Période de préparation au reclassement", ppr),
        ("field", "Réponse de l'agent", r.reponse_agent if r else "Néant."),
        ("field", "Motif de l'échec", r.motif_echec if r else "Aucun poste compatible avec l'état de santé."),
        ("field", "Date", fdate(d.dossier.date_etablissement)),
        ("field", "Nom et qualité du signataire", f"{d.employeur.signataire.nom}, {d.employeur.signataire.qualite}"),
    ]
    return Doc("attestation_reclassement", "ATTESTATION RELATIVE AU RECLASSEMENT", [page], code="ARC-PIN1",
               project_doc=True, dossier_id=d.dossier.id)


def content_rapport_hierarchique(d: Dossier, omit: tuple[str, ...] = ()) -> Doc:
    """`omit`: labels left blank (a defective report), e.g. ("Heure", "Circonstances")."""
    imp = d.imputabilite.value
    variant = {"accident_service": "Accident de service", "accident_trajet": "Accident de trajet",
               "maladie_professionnelle": "Maladie professionnelle"}.get(imp, "Accident de service")
    a = d.agent
    blocks: list[tuple] = [
        ("title", "RAPPORT HIÉRARCHIQUE"), ("line", variant),
        ("heading", "Employeur"), *_employeur_lines(d),
        *_agent_block(d),
        ("field", "Fonctions exactes", a.fonctions),
        ("field", "Horaires de travail", f"{fnum(a.heures_hebdomadaires)} heures par semaine"),
    ]
    if imp == "maladie_professionnelle" and d.maladie_professionnelle:
        mp = d.maladie_professionnelle
        expo = f"du {fdate(mp.exposition_debut)}" + (f" au {fdate(mp.exposition_fin)}" if mp.exposition_fin else " à ce jour")
        fields_ = [("Maladie", mp.designation), ("Risques rencontrés", mp.risques), ("Période d'exposition", expo)]
    else:
        acc = d.accident
        fields_ = [("Date de l'accident", fdate(acc.date)), ("Heure", acc.heure), ("Lieu", acc.lieu),
                   ("Circonstances", acc.circonstances)]
        if imp == "accident_trajet":
            fields_.append(("Trajet", acc.trajet or ""))
    for label, value in fields_:
        blocks.append(("field", label, "" if label in omit else value))
    blocks += [("field", "Date", fdate(d.dossier.date_etablissement)),
               ("field", "Nom et qualité du signataire", f"{d.employeur.signataire.nom}, {d.employeur.signataire.qualite}")]
    return Doc("rapport_hierarchique", "RAPPORT HIÉRARCHIQUE", [blocks], code="RH-PIN1", project_doc=True,
               dossier_id=d.dossier.id)


def content_expertise_medicale(d: Dossier, date: Optional[dt.date] = None) -> Doc:
    ma = d.medecin_agree
    toutes = d.inaptitude.value == "toutes_fonctions"
    p1 = [
        ("title", "RAPPORT D'EXPERTISE MÉDICALE"),
        ("line", f"Établi par le Docteur {medecin_nom(ma)}, médecin agréé" + (f" ({ma.specialite})" if ma.specialite else "")),
        ("field", "Adresse du médecin agréé", ma.adresse.une_ligne()),
        *_agent_block(d),
        ("field", "Mission", "Examen en vue de la mise à la retraite pour invalidité (lettre de mission de l'employeur)."),
        ("field", "Antécédents", "Voir le dossier médical ; antécédents sans lien avec la présente expertise."),
        ("field", "Examen clinique", "L'examen retrouve les limitations fonctionnelles décrites dans les pièces médicales."),
    ]
    p2 = [
        ("heading", "Discussion et conclusions"),
        ("field", "Infirmités retenues", [f"{i.libelle} : {fnum(i.taux)} %" for i in d.infirmites]),
        ("field", "Conclusions", "Inaptitude absolue et définitive à toutes fonctions." if toutes else
         "Inaptitude absolue et définitive aux fonctions du grade."),
        ("field", "Date", fdate(date or ma.date_rapport)),
        ("signature", "Signature du médecin agréé", True),
    ]
    return Doc("expertise_medicale", "RAPPORT D'EXPERTISE MÉDICALE", [p1, p2], dossier_id=d.dossier.id)


def content_certificat_medical_initial(d: Dossier) -> Doc:
    if d.maladie_professionnelle:
        quand, objet = d.maladie_professionnelle.date_premiere_constatation, "Maladie professionnelle (première constatation)"
    else:
        quand, objet = d.accident.date, "Accident"
    mt = d.medecin_traitant
    medecin = "Médecin des urgences" if d.sans_medecin_traitant else f"Docteur {medecin_nom(mt)}"
    page = [
        ("title", "CERTIFICAT MÉDICAL INITIAL"),
        ("field", "Médecin", medecin),
        *_agent_block(d),
        ("field", "Objet", objet),
        ("field", "Date de l'examen", fdate(quand)),
        ("field", "Constatations", "Lésions décrites au dossier médical, arrêt de travail prescrit."),
        ("signature", "Signature", True),
    ]
    return Doc("certificat_medical_initial", "CERTIFICAT MÉDICAL INITIAL", [page], dossier_id=d.dossier.id)


def content_plan_trajet(d: Dossier) -> Doc:
    acc = d.accident
    page = [
        ("title", "PLAN DU TRAJET"),
        *_agent_block(d),
        ("field", "Domicile", d.agent.adresse.une_ligne()),
        ("field", "Lieu de travail", d.employeur.adresse.une_ligne()),
        ("field", "Lieu de l'accident", acc.lieu),
        ("field", "Trajet", acc.trajet or ""),
        ("map", "Domicile", "Lieu de l'accident", "Lieu de travail"),
    ]
    return Doc("plan_trajet", "PLAN DU TRAJET", [page], dossier_id=d.dossier.id)


def content_pv_police(d: Dossier) -> Doc:
    acc = d.accident
    page = [
        ("title", "PROCÈS-VERBAL DE GENDARMERIE"),
        ("field", "Unité", "Brigade territoriale autonome"),
        ("field", "Date des faits", fdate(acc.date)),
        ("field", "Heure", acc.heure),
        ("field", "Lieu", acc.lieu),
        ("heading", "Personne concernée"),
        ("field", "Nom", f"{d.agent.nom_affiche.upper()} {d.agent.prenoms}"),
        ("field", "Date de naissance", fdate(d.agent.date_naissance)),
        ("field", "Exposé des faits", acc.circonstances),
    ]
    return Doc("pv_police", "PROCÈS-VERBAL DE GENDARMERIE", [page], dossier_id=d.dossier.id)


def content_questionnaire_tp(d: Dossier) -> Doc:
    page = [
        ("title", "QUESTIONNAIRE TIERCE PERSONNE"),
        ("line", "Majoration pour tierce personne"),
        *_agent_block(d),
        ("boxes", "L'agent a-t-il besoin de l'assistance constante d'une tierce personne pour les actes ordinaires de la vie ?",
         [("Oui", True), ("Non", False)]),
        ("field", "Actes concernés", "Toilette, habillage, préparation des repas."),
        ("field", "Médecin agréé", f"Docteur {medecin_nom(d.medecin_agree)}"),
        ("field", "Date", fdate(d.medecin_agree.date_rapport)),
        ("signature", "Signature du médecin agréé", True),
    ]
    return Doc("questionnaire_tp", "QUESTIONNAIRE TIERCE PERSONNE", [page], dossier_id=d.dossier.id)


def content_rapport_medecin_travail(d: Dossier) -> Doc:
    mp = d.maladie_professionnelle
    page = [
        ("title", "RAPPORT DU MÉDECIN DU TRAVAIL"),
        ("field", "Médecin du travail", "Docteur Camille VIGNERON, service de médecine préventive"),
        *_agent_block(d),
        ("field", "Fonctions exactes", d.agent.fonctions),
        ("field", "Maladie", mp.designation if mp else ""),
        ("field", "Risques rencontrés", mp.risques if mp else ""),
        ("field", "Lien entre les fonctions et l'infirmité", "Le lien entre les fonctions exercées et la maladie est établi."),
        ("field", "Date", fdate(d.dossier.date_etablissement - dt.timedelta(days=200))),
        ("signature", "Signature", True),
    ]
    return Doc("rapport_medecin_travail", "RAPPORT DU MÉDECIN DU TRAVAIL", [page], dossier_id=d.dossier.id)


def content_decision_imputabilite(d: Dossier) -> Doc:
    par_cm = d.imputabilite_reconnue_par == "conseil_medical"
    title = "DÉCISION RECONNAISSANT L'IMPUTABILITÉ" if par_cm else "ARRÊTÉ RECONNAISSANT L'IMPUTABILITÉ AU SERVICE"
    objet = {"accident_service": "l'accident de service", "accident_trajet": "l'accident de trajet",
             "maladie_professionnelle": "la maladie professionnelle"}[d.imputabilite.value]
    when = d.accident.date if d.accident else d.maladie_professionnelle.date_premiere_constatation
    page = [
        ("title", title),
        ("field", "Autorité", "Conseil médical" if par_cm else d.employeur.collectivite),
        *_agent_block(d),
        ("line", f"Est reconnue imputable au service l'invalidité résultant de {objet} du {fdate(when)}."),
        ("field", "Date", fdate(when + dt.timedelta(days=120))),
        ("signature", "Signature", True),
    ]
    return Doc("decision_imputabilite", title, [page], dossier_id=d.dossier.id)


def content_attestations_presence(d: Dossier, membre: str) -> Doc:
    p = d.conseil_medical.pleniere
    page = [
        ("title", "ATTESTATION DE PRÉSENCE"),
        ("line", f"Je soussigné(e) {membre}, membre du conseil médical en formation plénière, atteste avoir "
                 f"siégé par visioconférence à la séance du {fdate(p.date)}."),
        ("field", "Agent", f"{d.agent.nom_affiche.upper()} {d.agent.prenoms}"),
        ("field", "Date", fdate(p.date)),
        ("signature", "Signature", True),
    ]
    return Doc("attestations_presence", "ATTESTATION DE PRÉSENCE", [page], dossier_id=d.dossier.id)


def content_arrete_radiation(d: Dossier) -> Doc:
    page = [
        ("title", "ARRÊTÉ PORTANT RADIATION DES CADRES"),
        *_agent_block(d),
        ("field", "Date de radiation", fdate(d.dates.radiation)),
    ]
    return Doc("arrete_radiation", "ARRÊTÉ PORTANT RADIATION DES CADRES", [page], code="ARR-PIN1",
               project_doc=True, dossier_id=d.dossier.id)


def content_bulletin_salaire(d: Dossier) -> Doc:
    tib = d.pension.tib or Decimal("2000.00")
    page = [
        ("title", "BULLETIN DE SALAIRE"),
        ("field", "Période", "Août 2026"),
        ("field", "Employeur", d.employeur.collectivite),
        ("field", "Salarié", f"{d.agent.nom_affiche.upper()} {d.agent.prenoms}"),
        ("field", "Grade", d.agent.grade),
        ("table", "", ["Rubrique", "Montant"], [["Traitement brut indiciaire", f"{fnum(tib)} €"],
                                                ["Demi-traitement", f"{fnum(tib / 2)} €"]]),
        ("field", "Net à payer", f"{fnum((tib / 2 * Decimal('0.8')).quantize(Decimal('0.01')))} €"),
    ]
    return Doc("bulletin_salaire", "BULLETIN DE SALAIRE", [page], dossier_id=d.dossier.id)


def content_decompte_pension(d: Dossier) -> Doc:
    page = [
        ("title", "DÉCOMPTE DE PENSION"),
        ("line", "Décompte provisoire établi par la CNRACL."),
        ("field", "Bénéficiaire", f"{d.agent.nom_affiche.upper()} {d.agent.prenoms}"),
        ("field", "Montant mensuel brut", "1 012,40 €"),
    ]
    return Doc("decompte_pension", "DÉCOMPTE DE PENSION", [page], dossier_id=d.dossier.id)


def content_courrier_inconnu(d: Dossier) -> Doc:
    """An unrelated letter: must be reported DOCUMENT-INCONNU and nothing else."""
    page = [
        ("title", "COMITÉ DES ŒUVRES SOCIALES"),
        ("field", "Objet", "Sortie annuelle au Mont-Saint-Michel"),
        ("line", "Madame, Monsieur, la sortie annuelle aura lieu le samedi 6 juin. Les inscriptions sont "
                 "ouvertes jusqu'à la fin du mois auprès du secrétariat. Le repas est offert aux adhérents."),
        ("line", "Veuillez agréer nos salutations les meilleures."),
        ("line", "Le bureau du comité"),
    ]
    return Doc("inconnu", "COMITÉ DES ŒUVRES SOCIALES", [page])


def membres_visio_sans_signature(d: Dossier) -> list[str]:
    p = d.conseil_medical.pleniere
    return [m.nom for m in (p.membres if p else []) if m.presence == Presence.visio and not m.signe]


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------

MARGIN = {"projet": 18 * mm, "autre": 19 * mm}


class _Writer:
    def __init__(self, doc: Doc, look: str):
        _register_fonts()
        self.doc, self.look = doc, look
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=doc.pagesize, pageCompression=1, invariant=1)
        self.c.setTitle(doc.title)
        self.c.setAuthor("samples/standins.py" if look == "autre" else "pipeline")
        self.w, self.h = doc.pagesize
        self.m = MARGIN[look]
        self.total = len(doc.pages)
        self.page_no = 0
        self.box_style = "drawn" if doc.piece in ("af3", "questionnaire_tp") else "bracket"

    # -- primitives ------------------------------------------------------------
    @property
    def body(self):
        return ("P", 9.5) if self.look == "projet" else ("A", 10)

    def new_page(self):
        self.page_no += 1
        self.y = self.h - self.m
        if self.look == "autre" and self.page_no == 1:
            pass

    def ensure(self, height):
        if self.y - height < (32 * mm if self.look == "projet" else 17 * mm):
            self.footer()
            self.c.showPage()
            self.total += 1  # overflow: one more physical page
            self.new_page()

    def text(self, x, s, font=None, size=None):
        font, size = font or self.body[0], size or self.body[1]
        self.c.setFont(font, size)
        self.c.drawString(x, self.y, s)

    def wrap(self, s, font, size, width):
        return simpleSplit(s, font, size, width) or [""]

    def para(self, s, x=None, font=None, size=None, lead=None):
        font, size = font or self.body[0], size or self.body[1]
        x = self.m if x is None else x
        lead = lead or size * 1.35
        for line in self.wrap(s, font, size, self.w - x - self.m):
            self.ensure(lead)
            self.y -= lead
            self.text(x, line, font, size)

    # -- blocks --------------------------------------------------------------------
    def title(self, s):
        if self.look == "projet":
            for line in self.wrap(s, "PB", 13, self.w - 2 * self.m):
                self.y -= 17
                self.text(self.m, line, "PB", 13)
            self.y -= 8
            self.c.setLineWidth(1)
            self.c.line(self.m, self.y, self.w - self.m, self.y)
            self.y -= 4
        else:
            # Framed, centred, mixed case split on the dash: « Imprimé AF3 » / « Rapport médical »
            parts = [p.strip() for p in s.replace(" – ", "\n").split("\n")]
            lines = []
            for p in parts:
                lines += self.wrap(p, "AB", 14, self.w - 2 * self.m - 20)
            top = self.y
            self.y -= 8
            for line in lines:
                self.y -= 18
                self.c.setFont("AB", 14)
                self.c.drawCentredString(self.w / 2, self.y, line)
            self.y -= 10
            self.c.setLineWidth(1.5)
            self.c.rect(self.m, self.y, self.w - 2 * self.m, top - self.y)
            self.y -= 10

    def heading(self, s):
        self.ensure(30)
        if self.look == "projet":
            self.y -= 16
            self.text(self.m, s, "PB", 10.5)
            self.y -= 2
        else:
            self.y -= 18
            self.c.setFillGray(0.88)
            self.c.rect(self.m, self.y - 4, self.w - 2 * self.m, 15, stroke=0, fill=1)
            self.c.setFillGray(0)
            self.text(self.m + 4, s.upper(), "AB", 10)
            self.y -= 3

    def field(self, label, value):
        values = value if isinstance(value, list) else ([value] if value else [])
        if self.look == "projet":
            head = f"{label} : "
            if not values:
                self.para(head.rstrip())
                return
            first, *rest = values
            lw = pdfmetrics.stringWidth(head, "P", 9.5)
            lines = self.wrap(first, "P", 9.5, self.w - 2 * self.m - lw)
            self.ensure(13)
            self.y -= 13
            self.text(self.m, head, "P", 9.5)
            self.text(self.m + lw, lines[0], "P", 9.5)
            for line in lines[1:]:
                self.ensure(13)
                self.y -= 13
                self.text(self.m + lw, line, "P", 9.5)
            for v in rest:
                self.para(v, x=self.m + lw)
        else:
            # Label alone on its line (no colon), value typed on the next line(s), indented.
            self.ensure(24)
            self.y -= 11.5
            self.text(self.m, label, "AB", 9.5)
            if not values:
                self.y -= 12  # an empty answer line
                self.c.setDash(1, 2)
                self.c.line(self.m + 12, self.y, self.w - self.m, self.y)
                self.c.setDash()
                return
            for v in values:
                self.para(v, x=self.m + 12, font="AM", size=8.5, lead=10.5)

    def box_mark(self, x, ticked) -> float:
        """Draw one box at x on the current line; return the width used."""
        if self.look == "projet":
            self.text(x, "☒" if ticked else "☐", "P", 10.5)
            return pdfmetrics.stringWidth("☒ ", "P", 10.5)
        if self.box_style == "bracket":
            s = "[X]" if ticked else "[ ]"
            self.text(x, s, "AM", 10)
            return pdfmetrics.stringWidth(s + " ", "AM", 10)
        # A drawn square; a ticked one has an X typed inside it.
        side = 9
        self.c.setLineWidth(0.8)
        self.c.rect(x, self.y - 1.5, side, side)
        if ticked:
            self.c.setFont("AM", 10)
            self.c.drawCentredString(x + side / 2, self.y, "X")
        return side + 5

    def boxes(self, question, options):
        if question:
            if self.look == "projet":
                self.para(question)
            else:
                self.ensure(20)
                self.y -= 15
                for line in self.wrap(question, "AB", 10.5, self.w - 2 * self.m):
                    self.text(self.m, line, "AB", 10.5)
                    self.y -= 13
                self.y += 13
        if self.look == "projet":
            self.ensure(14)
            self.y -= 14
            x = self.m
            for label, ticked in options:
                x += self.box_mark(x, ticked)
                self.text(x, label, "P", 9.5)
                x += pdfmetrics.stringWidth(label, "P", 9.5) + 12
        else:
            # One option per line in the other layout.
            for label, ticked in options:
                self.ensure(15)
                self.y -= 15
                x = self.m + 12
                x += self.box_mark(x, ticked)
                self.text(x, label, "A", 10.5)

    def signature(self, label, signed):
        if self.look == "projet":
            self.field(label, "Signé" if signed else "")
            return
        self.field(label, "Signé" if signed else "")
        if signed:  # a handwritten-like stroke beside the word
            self.c.setLineWidth(1.2)
            p = self.c.beginPath()
            x0, y0 = self.m + 60, self.y + 2
            p.moveTo(x0, y0)
            p.curveTo(x0 + 20, y0 + 18, x0 + 35, y0 - 12, x0 + 60, y0 + 8)
            p.curveTo(x0 + 75, y0 + 18, x0 + 85, y0 - 4, x0 + 110, y0 + 4)
            self.c.drawPath(p, stroke=1, fill=0)

    def table(self, caption, headers, rows, ratios=None):
        if caption:
            if self.look == "projet":
                self.para(f"{caption} :")
            else:
                self.ensure(20)
                self.y -= 16
                self.text(self.m, caption, "AB", 10.5)
        n = len(headers)
        width = self.w - 2 * self.m
        first = width * (0.6 if n == 2 else 0.5)
        cols = [first] + [(width - first) / (n - 1)] * (n - 1)
        if ratios:
            cols = [width * r for r in ratios]
        font, bold, size = ("P", "PB", 9) if self.look == "projet" else ("A", "AB", 9.5)
        for r_i, row in enumerate([headers] + rows):
            cells = [self.wrap(str(v), bold if r_i == 0 else font, size, cw - 6) for v, cw in zip(row, cols)]
            hgt = 13 * max(len(cl) for cl in cells) + 4
            self.ensure(hgt)
            top = self.y - 2
            x = self.m
            for lines, cw in zip(cells, cols):
                yy = top - 11
                for line in lines:
                    self.c.setFont(bold if r_i == 0 else font, size)
                    self.c.drawString(x + 3, yy, line)
                    yy -= 13
                if self.look == "autre":
                    self.c.setLineWidth(0.6)
                    self.c.rect(x, top - hgt, cw, hgt)
                x += cw
            if self.look == "projet":
                self.c.setLineWidth(0.4)
                self.c.line(self.m, top - hgt, self.m + width, top - hgt)
            self.y = top - hgt
        if not rows:  # an empty answer row
            self.ensure(18)
            top = self.y
            if self.look == "autre":
                self.c.rect(self.m, top - 16, width, 16)
            self.y = top - 16

    def members(self, label, rows):
        if self.look == "projet":
            self.para(f"{label} :")
            for r in rows:
                self.para(" | ".join(r), x=self.m + 10)
            return
        # Other layout: a grid without separators in the text flow.
        self.ensure(20)
        self.y -= 13
        self.text(self.m, "Membres présents ou représentés", "AB", 9.5)
        self.table("", ["Qualité", "Nom", "Participation", "Signature"],
                   [[a, b, "par visioconférence" if c == "visioconférence" else c, s] for a, b, c, s in rows],
                   ratios=[0.37, 0.26, 0.22, 0.15])

    def map(self, *labels):
        self.ensure(80 * mm)
        top = self.y - 10
        box_h = 70 * mm
        self.c.setLineWidth(0.8)
        self.c.rect(self.m, top - box_h, self.w - 2 * self.m, box_h)
        pts = [(self.m + 25 * mm, top - 55 * mm), (self.w / 2, top - 30 * mm), (self.w - self.m - 25 * mm, top - 15 * mm)]
        self.c.setLineWidth(2)
        self.c.line(*pts[0], *pts[1])
        self.c.line(*pts[1], *pts[2])
        for (x, y), lab in zip(pts, labels):
            self.c.circle(x, y, 4, fill=1)
            self.c.setFont(self.body[0], 9)
            self.c.drawString(x + 6, y + 6, lab)
        self.y = top - box_h

    def footer(self):
        d = self.doc
        if self.look == "projet":
            self.c.setFont("P", 8)
            left = f"{d.code}    " if d.code else ""
            self.c.drawString(self.m, 12 * mm, f"{left}Page {self.page_no} / {self.total}")
            if d.project_doc and d.dossier_id:
                payload = qr.page_payload(d.dossier_id, d.piece, d.code or "DOC", self.page_no, self.total).encode()
                img = ImageReader(io.BytesIO(qr.png_bytes(payload)))
                size = 22 * mm
                self.c.drawImage(img, self.w - self.m - size, 6 * mm, size, size)
        else:
            self.c.setFont("A", 9)
            if d.code:  # the reference in the top-right corner, as on the official forms
                self.c.drawRightString(self.w - self.m, self.h - 12 * mm, f"Réf. {d.code}")
            self.c.drawCentredString(self.w / 2, 12 * mm, f"- {self.page_no} -")

    def run(self) -> bytes:
        for page in self.doc.pages:
            self.new_page()
            for block in page:
                kind, *args = block
                getattr(self, {"title": "title", "heading": "heading", "field": "field", "boxes": "boxes",
                               "signature": "signature", "table": "table", "members": "members",
                               "map": "map", "line": "para", "note": "para"}[kind])(*args)
            self.footer()
            self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def render(doc: Doc, look: str = "autre") -> bytes:
    """The PDF bytes of `doc` in the given look ("projet" or "autre"). Deterministic."""
    if look not in MARGIN:
        raise ValueError(f"look inconnu : {look}")
    return _Writer(doc, look).run()


def content(piece: str, d: Dossier, **kw: Any) -> Doc:
    """Content of any pièce / not-to-send document by id."""
    fn = globals().get(f"content_{piece}")
    if fn is None:
        raise KeyError(piece)
    return fn(d, **kw)
