"""Contexts of the printed documents: Dossier → dict of strings for the docxtpl templates.

One builder per document (`render_context_<doc>`); values are already formatted in French
(dates JJ/MM/AAAA, NIR `1 85 03 75 116 042 57`, checkboxes ☒ / ☐). Every context carries
`code`, the code printed in the header and stamped in the footer of each page.

Completed forms (used by the sample generator to render an AF3 / AF4 as the doctor or the
council fill it, in the same layout). Every key is optional; absent = as in the build.

`render_context_af3(d, completion)`:
    inapte_toutes_fonctions  True / False / None — parties H et I (None: nothing ticked)
    conclusions              str — page 4 « Conclusions : » (lines kept)
    taux                     list of {"infirmite": str, "taux": number | str} — page 4 table
    date                     datetime.date — page 4 « Date : »
    signe                    bool — page 4 « Signature du médecin agréé : Signé »
    medecin_traitant         str — replaces the médecin traitant block ("" = empty block)
    employeur_signe          bool — cadre F « Signature : Signé »
    ati                      bool — partie K, instead of dossier ati.percue
    deja_indemnisee          bool — partie L, instead of the dossier's infirmités
    version                  str, e.g. "1401" — printed code AF3-<version> (obsolete forms)

`render_context_af4(d, completion)`:
    membres                  list of {"role", "nom", "presence", "signe"}; role as in the
                             model (president, medecin, ...) or printed; presence present /
                             visio / absent; default with a completion: the dossier's members
    seconde_convocation      bool (default: the dossier's séance)
    inapte_toutes_fonctions  True / False / None
    avis                     str — « Avis : » text
    date_af3                 datetime.date — partie B (default médecin_agree.date_rapport)
    medecin_af3              str — partie B « Établi par le Docteur … » (default: médecin agréé)
    invite, comparu          bool — partie D (default False)
    version                  str, e.g. "1401"
With a completion, partie E shows the rates of the dossier's infirmités; without one (the
build's pre-fill for the secretariat) the rates, the opinion and the presence are blank.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from pipeline import nir as nir_mod
from pipeline.dossier.model import Dossier, Imputabilite, Presence, RoleMembre

OUI, NON = "☒", "☐"

# Footer codes of the project's own documents (WORDING.md); AF3 / AF4 carry the CNRACL code.
PROJECT_CODES = {
    "attestation_reclassement": "ARC-PIN1",
    "rapport_hierarchique": "RH-PIN1",
    "fiche_de_poste": "FP-PIN1",
    "arrete_radiation": "ARR-PIN1",
    "notice_agent": "NOT-PIN1",
    "estimation": "EST-PIN1",
    "bordereau": "BOR-PIN1",
    "separation": "SEP-PIN1",
}

ROLE_LABELS = {
    RoleMembre.president.value: "Président",
    RoleMembre.medecin.value: "Médecin",
    RoleMembre.medecin_specialiste.value: "Médecin spécialiste",
    RoleMembre.representant_administration.value: "Représentant de l'administration",
    RoleMembre.representant_personnel.value: "Représentant du personnel",
}
PRESENCE_LABELS = {
    Presence.present.value: "présent",
    Presence.visio.value: "visioconférence",
    Presence.absent.value: "absent",
}
CONGE_LABELS = {
    "CMO": "Congé de maladie ordinaire (CMO)",
    "CLM": "Congé de longue maladie (CLM)",
    "CLD": "Congé de longue durée (CLD)",
    "CITIS": "Congé pour invalidité temporaire imputable au service (CITIS)",
    "disponibilite_office": "Disponibilité d'office",
}
VARIANTES = {
    Imputabilite.accident_service: "Accident de service",
    Imputabilite.accident_trajet: "Accident de trajet",
    Imputabilite.maladie_professionnelle: "Maladie professionnelle",
}


# -- formatting ---------------------------------------------------------------------------
def date_fr(d: Optional[dt.date]) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def nombre_fr(x: Any) -> str:
    if x is None or x == "":
        return ""
    if isinstance(x, (int, float, Decimal)):
        q = Decimal(str(x)).normalize()
        text = format(q, "f")
        return text.replace(".", ",")
    return str(x)


def taux_fr(x: Any) -> str:
    text = nombre_fr(x)
    return f"{text} %" if text and not text.endswith("%") else text


def cb(value: bool) -> str:
    return OUI if value else NON


def oui_non(value: Optional[bool]) -> tuple[str, str]:
    """Checkboxes (Oui, Non) for a yes/no answer; None = nothing ticked."""
    return (cb(value is True), cb(value is False))


def form_code(form: str, version: Optional[str] = None) -> str:
    from pipeline.dossier.forms import versions

    return f"{form}-{version}" if version else versions().code(form)


# -- shared parts -------------------------------------------------------------------------
def _agent(d: Dossier) -> dict:
    a = d.agent
    return {
        "civilite": a.civilite,
        "nom_naissance": a.nom_naissance.upper(),
        "nom_usage": (a.nom_usage or "").upper(),
        "prenoms": a.prenoms,
        "date_naissance": date_fr(a.date_naissance),
        "lieu_naissance": a.lieu_naissance or "",
        "nir": nir_mod.fmt(a.nir),
        "grade": a.grade,
        "cadre_emplois": a.cadre_emplois,
        "categorie": a.categorie or "",
        "categorie_active": "oui" if a.categorie_active else "non",
        "statut": f"fonctionnaire {a.statut.value}" if a.statut.value != "contractuel" else "contractuel",
        "affiliation": "oui" if a.affiliation_cnracl else "non",
        "heures": f"{nombre_fr(a.heures_hebdomadaires)} heures",
        "fonctions": a.fonctions,
        "service": a.service or "",
        "adresse": a.adresse.une_ligne(),
        "identite": a.identite,
        "numero_cnas": a.numero_cnas or "",
        "e": "e" if a.civilite == "Madame" else "",
    }


def _employeur(d: Dossier) -> dict:
    e = d.employeur
    return {
        "collectivite": e.collectivite,
        "siret": e.siret,
        "adresse": e.adresse.une_ligne(),
        "adresse_lignes": e.adresse.lignes(),
        "commune": e.adresse.commune,
        "signataire_nom": e.signataire.nom,
        "signataire_qualite": e.signataire.qualite,
    }


def _contact_rh(d: Dossier) -> str:
    c = d.employeur.contact_rh
    if not c:
        return d.employeur.collectivite
    return " — ".join(x for x in (c.nom, c.telephone, c.email) if x)


def base_context(d: Dossier, code: str) -> dict:
    return {
        "dossier_id": d.dossier.id,
        "code": code,
        "date_etablissement": date_fr(d.dossier.date_etablissement),
        "agent": _agent(d),
        "employeur": _employeur(d),
        "contact_rh": _contact_rh(d),
        "dernier_jour_travaille": date_fr(d.agent.dernier_jour_travaille),
    }


def _conges(d: Dossier) -> list[str]:
    out = []
    for c in d.conges:
        label = CONGE_LABELS.get(c.type.value, c.type.value)
        out.append(f"{label} du {date_fr(c.debut)}" + (f" au {date_fr(c.fin)}" if c.fin else " (en cours)"))
    return out


def _position(d: Dossier) -> str:
    at = d.dossier.date_etablissement
    current = [c for c in d.conges if c.debut <= at and (c.fin is None or c.fin >= at)]
    if current:
        return CONGE_LABELS.get(current[-1].type.value, current[-1].type.value)
    return "en activité"


def _accident(a) -> dict:
    if not a:
        return {"date": "", "heure": "", "lieu": "", "circonstances": "", "trajet": "", "tiers": "", "pv": ""}
    return {
        "date": date_fr(a.date),
        "heure": a.heure.replace(":", "h"),
        "lieu": a.lieu,
        "circonstances": a.circonstances,
        "trajet": a.trajet or "",
        "tiers": "oui" if a.tiers_en_cause else "non",
        "pv": "oui" if a.pv_police else "non",
    }


def _medecin_lignes(m) -> list[str]:
    civ = m.civilite or "Docteur"
    lines = [f"{civ} {m.nom_complet}"]
    if m.specialite:
        lines[0] += f" ({m.specialite})"
    if m.adresse:
        lines += m.adresse.lignes()
    return lines


def _lines(text: Optional[str]) -> list[str]:
    return [l for l in (text or "").splitlines() if l.strip()]


# -- AF3 ----------------------------------------------------------------------------------
def render_context_af3(d: Dossier, completion: dict | None = None) -> dict:
    c = dict(completion or {})
    ctx = base_context(d, form_code("AF3", c.get("version")))
    accident = d.imputabilite in (Imputabilite.accident_service, Imputabilite.accident_trajet)

    if "medecin_traitant" in c:
        mt = _lines(c["medecin_traitant"])
    elif d.sans_medecin_traitant:
        mt = ["Pas de médecin traitant"]
    else:
        mt = _medecin_lignes(d.medecin_traitant)

    ati = c.get("ati", d.ati.percue)
    indemnisee = c.get("deja_indemnisee", any(i.deja_indemnisee for i in d.infirmites))
    imputable = d.imputabilite != Imputabilite.non_imputable
    inapte_oui, inapte_non = oui_non(c.get("inapte_toutes_fonctions"))
    ati_detail = ""
    if ati and d.ati.percue:
        parts = []
        if d.ati.taux is not None:
            parts.append(f"taux {taux_fr(d.ati.taux)}")
        if d.ati.date_debut:
            parts.append(f"versée depuis le {date_fr(d.ati.date_debut)}")
        ati_detail = "ATI : " + ", ".join(parts) if parts else ""
    ma = d.medecin_agree
    restreint = d.conseil_medical.restreint

    ctx.update({
        "position": _position(d),
        "conges": _conges(d),
        "medecin_traitant_lignes": mt,
        "accident": _accident(d.accident if accident else None),
        "date_demande": date_fr(d.dates.demande),
        "date_restreint": date_fr(restreint.date) if restreint else "",
        "ati_detail": ati_detail,
        "date_employeur": date_fr(d.dossier.date_etablissement),
        "signature_employeur": "Signé" if c.get("employeur_signe") else "",
        "medecin_agree": {
            "nom_complet": ma.nom_complet,
            "specialite": ma.specialite or "",
            "adresse": ma.adresse.une_ligne(),
        },
        "conclusions": _lines(c.get("conclusions")),
        "taux": [{"infirmite": t["infirmite"], "taux": taux_fr(t["taux"])} for t in c.get("taux") or []],
        "date_medecin": date_fr(c.get("date")),
        "signature_medecin": "Signé" if c.get("signe") else "",
        "cb": {
            "sur_demande": cb(not d.dossier.d_office),
            "d_office": cb(d.dossier.d_office),
            "inapte_oui": inapte_oui,
            "inapte_non": inapte_non,
            "ati_oui": cb(bool(ati)),
            "ati_non": cb(not ati),
            "indemnisee_oui": cb(bool(indemnisee)),
            "indemnisee_non": cb(not indemnisee),
            "imputable_oui": cb(imputable),
            "imputable_non": cb(not imputable),
            "accident_service": cb(d.imputabilite == Imputabilite.accident_service),
            "accident_trajet": cb(d.imputabilite == Imputabilite.accident_trajet),
            "maladie_pro": cb(d.imputabilite == Imputabilite.maladie_professionnelle),
        },
    })
    return ctx


# -- AF4 ----------------------------------------------------------------------------------
def _membre_line(m: dict) -> str:
    role = ROLE_LABELS.get(str(m.get("role", "")), str(m.get("role", "")))
    presence = str(m.get("presence", "present"))
    presence = PRESENCE_LABELS.get(presence, presence)
    signe = "signé" if m.get("signe", True) else "non signé"
    return f"{role} | {m.get('nom', '')} | {presence} | {signe}"


def render_context_af4(d: Dossier, completion: dict | None = None) -> dict:
    completed = completion is not None
    c = dict(completion or {})
    ctx = base_context(d, form_code("AF4", c.get("version")))
    pl = d.conseil_medical.pleniere
    dossier_membres = [
        {"role": m.role.value, "nom": m.nom, "presence": m.presence.value, "signe": m.signe}
        for m in (pl.membres if pl else [])
    ]
    if completed:
        membres = [_membre_line(m) for m in (c.get("membres") if c.get("membres") is not None else dossier_membres)]
    else:
        # Pre-fill for the secretariat: expected members, presence and signature left to fill.
        membres = [
            f"{ROLE_LABELS[m['role']]} | {m['nom']} | ☐ présent ☐ visioconférence ☐ absent | signature :"
            for m in dossier_membres
        ]
    inapte_oui, inapte_non = oui_non(c.get("inapte_toutes_fonctions"))
    ma = d.medecin_agree
    ctx.update({
        "seance": {
            "date": date_fr(pl.date) if pl else "",
            "departement": (pl.departement or "") if pl else "",
            "lieu": (pl.lieu or "") if pl else "",
        },
        "membres": membres,
        "date_af3": date_fr(c.get("date_af3", ma.date_rapport)),
        "medecin_af3": c.get("medecin_af3") or ma.nom_complet,
        "infirmites": [
            {
                "libelle": i.libelle,
                "date": date_fr(i.date_apparition),
                "taux": taux_fr(i.taux) if completed else "",
            }
            for i in sorted(d.infirmites, key=lambda i: i.date_apparition or dt.date.max)
        ],
        "avis": _lines(c.get("avis")),
        "cb": {
            "seconde_convocation": cb(c.get("seconde_convocation", bool(pl and pl.seconde_convocation))),
            "invite": cb(bool(c.get("invite"))),
            "comparu": cb(bool(c.get("comparu"))),
            "inapte_oui": inapte_oui,
            "inapte_non": inapte_non,
        },
    })
    return ctx


# -- the employer's other documents --------------------------------------------------------
def render_context_attestation_reclassement(d: Dossier) -> Optional[dict]:
    """None when dossier.yaml has no `reclassement` block (the pièce cannot be drawn up)."""
    r = d.reclassement
    if r is None:
        return None
    ctx = base_context(d, PROJECT_CODES["attestation_reclassement"])
    ppr = f"du {date_fr(r.ppr.debut)} au {date_fr(r.ppr.fin)}" if r.ppr else "aucune"
    ctx["reclassement"] = {
        "adaptation_poste": r.adaptation_poste,
        "postes_examines": r.postes_examines,
        "invitation": f"le {date_fr(r.invitation_date)}" if r.invitation_date else "non",
        "ppr": ppr,
        "reponse_agent": r.reponse_agent,
        "motif_echec": r.motif_echec,
    }
    return ctx


def render_context_rapport_hierarchique(d: Dossier) -> Optional[dict]:
    """None for a non-imputable invalidity (no rapport hiérarchique)."""
    if d.imputabilite == Imputabilite.non_imputable:
        return None
    ctx = base_context(d, PROJECT_CODES["rapport_hierarchique"])
    mp = d.maladie_professionnelle
    ctx.update({
        "variante": VARIANTES[d.imputabilite],
        "variante_id": d.imputabilite.value,
        "accident": _accident(d.accident),
        "mp": {
            "designation": mp.designation if mp else "",
            "tableau": (mp.tableau or "sans objet") if mp else "",
            "date_premiere_constatation": date_fr(mp.date_premiere_constatation) if mp else "",
            "exposition": (
                f"du {date_fr(mp.exposition_debut)} au {date_fr(mp.exposition_fin)}" if mp.exposition_fin
                else f"depuis le {date_fr(mp.exposition_debut)}"
            ) if mp else "",
            "risques": mp.risques if mp else "",
        },
    })
    return ctx


def render_context_fiche_de_poste(d: Dossier) -> dict:
    ctx = base_context(d, PROJECT_CODES["fiche_de_poste"])
    ctx["carriere"] = [
        {
            "debut": date_fr(p.debut),
            "fin": date_fr(p.fin) if p.fin else "en cours",
            "grade": p.grade or "",
            "position": p.position.replace("_", " "),
            "quotite": taux_fr(p.quotite),
        }
        for p in d.carriere
    ]
    return ctx


def render_context_arrete_radiation(d: Dossier) -> dict:
    from pipeline.compute import timeline  # computations helper

    ctx = base_context(d, PROJECT_CODES["arrete_radiation"])
    date = timeline.radiation_date(d)
    pl = d.conseil_medical.pleniere
    ctx.update({
        "date_radiation": date_fr(date) if date else "……/……/…… (à fixer après l'avis favorable de la CNRACL)",
        "date_pleniere": date_fr(pl.date) if pl else "……/……/……",
        "date_avis_cnracl": date_fr(d.dates.avis_cnracl) if d.dates.avis_cnracl else "……/……/……",
        "regle_radiation": timeline.REGLE_RADIATION,
    })
    return ctx


def _contact_lines(name: str, info: Any) -> list[str]:
    if not info:
        return []
    if isinstance(info, dict):
        values = [str(v) for v in info.values() if v]
        return [f"{name} : " + " — ".join(values)] if values else []
    return [f"{name} : {info}"]


def render_context_notice_agent(d: Dossier) -> dict:
    """No medical detail here: the notice goes to the agent and may be read by others."""
    from pipeline.compute import timeline  # computations helper

    n = timeline.notice_context(d)
    contacts = n.get("contacts") or {}
    ctx = base_context(d, PROJECT_CODES["notice_agent"])
    ctx.update({
        "etapes": [
            {"libelle": e.get("libelle", ""), "date": e.get("date", ""), "statut": e.get("statut", "")}
            for e in n.get("etapes", [])
        ],
        "fenetre_reponse": n.get("fenetre_reponse", ""),
        "date_radiation_potentielle": n.get("date_radiation_potentielle", ""),
        "regle_radiation": n.get("regle_radiation", timeline.REGLE_RADIATION),
        "contacts_cnas": _contact_lines("CNAS", contacts.get("cnas")),
        "contacts_assurance_retraite": _contact_lines("Assurance retraite", contacts.get("assurance_retraite")),
        "contacts_cnracl": _contact_lines("CNRACL", contacts.get("cnracl")),
    })
    return ctx


def render_context_estimation(d: Dossier) -> dict:
    from pipeline.compute import estimate  # computations helper

    ctx = base_context(d, PROJECT_CODES["estimation"])
    ctx["lignes"] = [{"libelle": label, "valeur": value} for label, value in estimate.as_rows(d)]
    return ctx


def render_context_bordereau(d: Dossier, pieces: list[dict], destinataire: str, consigne: str) -> dict:
    """`pieces`: list of {libelle, nombre, observation}."""
    ctx = base_context(d, PROJECT_CODES["bordereau"])
    ctx.update({
        "profil": d.dossier.profil.value.upper(),
        "pieces": pieces,
        "destinataire": destinataire,
        "consigne": consigne,
    })
    return ctx


@dataclass(frozen=True)
class DocSpec:
    """One document of the build: template name = file stem; pièce id when it is one."""

    doc_id: str
    piece_id: Optional[str]
    titre: str
    # Complete as produced (goes into the upload set) or a pre-fill others complete.
    complete: bool


DOCUMENTS = {
    "af3": DocSpec("af3", "af3", "Imprimé AF3 pré-rempli (parties employeur)", False),
    "af4": DocSpec("af4", "af4", "Imprimé AF4 pré-rempli (secrétariat du conseil médical)", False),
    "fiche_de_poste": DocSpec("fiche_de_poste", "fiche_de_poste", "Fiche de poste", True),
    "attestation_reclassement": DocSpec("attestation_reclassement", "attestation_reclassement", "Attestation relative au reclassement", True),
    "rapport_hierarchique": DocSpec("rapport_hierarchique", "rapport_hierarchique", "Rapport hiérarchique", True),
    "arrete_radiation": DocSpec("arrete_radiation", "arrete_radiation", "Projet d'arrêté portant radiation des cadres", False),
    "notice_agent": DocSpec("notice_agent", None, "Notice à l'agent", True),
    "estimation": DocSpec("estimation", None, "Estimation indicative (gestionnaire)", True),
    "bordereau": DocSpec("bordereau", None, "Bordereau d'envoi", True),
}
