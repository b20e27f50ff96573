"""Typed model of one invalidity-retirement case (the content of dossier.yaml).

Field names follow the domain, in French, as the gestionnaire writes them.
Pydantic checks types and shapes; cross-field checks (dates in order,
eligibility, médecin traitant ≠ médecin agréé, facts a case needs) live in
`pipeline.coherence` so that each finding can name its YAML field.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline import nir as nir_mod


class Strict(BaseModel):
    # Unknown keys are typos in a hand-written YAML: refuse them with their line.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class Imputabilite(str, Enum):
    non_imputable = "non_imputable"
    accident_service = "accident_service"
    accident_trajet = "accident_trajet"
    maladie_professionnelle = "maladie_professionnelle"


class Inaptitude(str, Enum):
    toutes_fonctions = "toutes_fonctions"
    ses_fonctions = "ses_fonctions"


class Statut(str, Enum):
    titulaire = "titulaire"
    stagiaire = "stagiaire"
    contractuel = "contractuel"


class ProfilCDG(str, Enum):
    cnracl = "cnracl"
    cdg50 = "cdg50"
    cdg76 = "cdg76"


class TypeConge(str, Enum):
    CMO = "CMO"
    CLM = "CLM"
    CLD = "CLD"
    CITIS = "CITIS"
    disponibilite_office = "disponibilite_office"


class Presence(str, Enum):
    present = "present"
    visio = "visio"
    absent = "absent"


class RoleMembre(str, Enum):
    president = "president"
    medecin = "medecin"
    medecin_specialiste = "medecin_specialiste"
    representant_administration = "representant_administration"
    representant_personnel = "representant_personnel"


class Adresse(Strict):
    ligne1: str
    ligne2: Optional[str] = None
    code_postal: Annotated[str, Field(pattern=r"^\d{5}$")]
    commune: str

    def lignes(self) -> list[str]:
        out = [self.ligne1]
        if self.ligne2:
            out.append(self.ligne2)
        out.append(f"{self.code_postal} {self.commune}")
        return out

    def une_ligne(self) -> str:
        return ", ".join(self.lignes())


class Agent(Strict):
    civilite: Literal["Madame", "Monsieur"]
    nom_naissance: str
    nom_usage: Optional[str] = None
    prenoms: str
    date_naissance: dt.date
    lieu_naissance: Optional[str] = None
    nir: str
    grade: str
    cadre_emplois: str
    categorie: Optional[Literal["A", "B", "C"]] = None
    categorie_active: bool = False  # emplois de catégorie active: limite d'âge plus basse
    statut: Statut
    heures_hebdomadaires: Annotated[Decimal, Field(gt=0, le=48)]
    affiliation_cnracl: bool
    fonctions: str  # dernières fonctions exactes
    service: Optional[str] = None
    adresse: Adresse
    telephone: Optional[str] = None
    email: Optional[str] = None
    numero_cnas: Optional[str] = None
    dernier_jour_travaille: Optional[dt.date] = None

    @field_validator("nir")
    @classmethod
    def _nir(cls, v: str) -> str:
        problem = nir_mod.problem(v)
        if problem:
            raise ValueError(problem)
        return nir_mod.normalize(v)

    @property
    def nom_affiche(self) -> str:
        return self.nom_usage or self.nom_naissance

    @property
    def identite(self) -> str:
        return f"{self.civilite} {self.prenoms} {self.nom_affiche.upper()}"


class Signataire(Strict):
    nom: str
    qualite: str  # ex. "Le Maire", "Le Président"


class Contact(Strict):
    nom: str
    telephone: Optional[str] = None
    email: Optional[str] = None


class Employeur(Strict):
    collectivite: str
    siret: Annotated[str, Field(pattern=r"^\d{14}$")]
    adresse: Adresse
    signataire: Signataire
    contact_rh: Optional[Contact] = None
    cdg: Optional[str] = None  # ex. "CDG50"


class PeriodeCarriere(Strict):
    debut: dt.date
    fin: Optional[dt.date] = None  # None: en cours
    employeur: Optional[str] = None
    grade: Optional[str] = None
    position: str = "activite"  # activite, disponibilite, detachement, conge_parental...
    quotite: Annotated[Decimal, Field(gt=0, le=100)] = Decimal(100)


class Conge(Strict):
    type: TypeConge
    debut: dt.date
    fin: Optional[dt.date] = None


class Accident(Strict):
    date: dt.date
    heure: Annotated[str, Field(pattern=r"^([01]\d|2[0-3])[:h][0-5]\d$")]
    lieu: str
    circonstances: str
    trajet: Optional[str] = None  # accident de trajet: itinéraire habituel domicile-travail
    tiers_en_cause: bool = False
    pv_police: bool = False


class MaladieProfessionnelle(Strict):
    designation: str
    tableau: Optional[str] = None  # tableau des maladies professionnelles, s'il y a lieu
    date_premiere_constatation: dt.date
    risques: str  # risques rencontrés dans le poste
    exposition_debut: dt.date
    exposition_fin: Optional[dt.date] = None


class PPR(Strict):
    debut: dt.date
    fin: dt.date


class Reclassement(Strict):
    adaptation_poste: str
    postes_examines: str
    invitation_date: Optional[dt.date] = None  # invitation à présenter une demande de reclassement
    ppr: Optional[PPR] = None
    reponse_agent: str
    motif_echec: str


class Medecin(Strict):
    civilite: Optional[str] = "Docteur"
    nom: str
    prenom: Optional[str] = None
    specialite: Optional[str] = None
    adresse: Optional[Adresse] = None

    @property
    def nom_complet(self) -> str:
        parts = [self.prenom or "", self.nom.upper()]
        return " ".join(p for p in parts if p)


class MedecinAgree(Medecin):
    adresse: Adresse
    date_rapport: Optional[dt.date] = None  # date de l'AF3 rempli par le médecin agréé


class Infirmite(Strict):
    libelle: str
    taux: Annotated[Decimal, Field(ge=0, le=100)]
    date_apparition: Optional[dt.date] = None
    imputable: bool = False  # imputable au service (rente d'invalidité)
    groupe: Optional[str] = None  # infirmités liées (règle de Balthazard) partagent un groupe
    deja_indemnisee: bool = False  # déjà indemnisée par un autre régime


class ATI(Strict):
    percue: bool = False
    taux: Optional[Annotated[Decimal, Field(ge=0, le=100)]] = None
    date_debut: Optional[dt.date] = None


class Membre(Strict):
    role: RoleMembre
    nom: str
    presence: Presence = Presence.present
    signe: bool = True


class Seance(Strict):
    date: dt.date
    avis: Optional[str] = None


class SeancePleniere(Strict):
    date: dt.date
    departement: Optional[str] = None
    lieu: Optional[str] = None
    membres: list[Membre] = []
    seconde_convocation: bool = False


class ConseilMedical(Strict):
    restreint: Optional[Seance] = None
    pleniere: Optional[SeancePleniere] = None


class Pension(Strict):
    tib: Optional[Annotated[Decimal, Field(gt=0)]] = None  # traitement brut indiciaire mensuel
    indice_majore: Optional[int] = None
    trimestres_liquidables: Optional[Annotated[Decimal, Field(ge=0)]] = None
    trimestres_requis: Optional[int] = None  # s'il est connu, il prime sur le tableau


class Dates(Strict):
    demande: Optional[dt.date] = None  # demande de l'agent, ou mise à la retraite d'office
    envoi_peps: Optional[dt.date] = None
    avis_cnracl: Optional[dt.date] = None
    radiation: Optional[dt.date] = None


class DossierInfo(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    profil: ProfilCDG = ProfilCDG.cnracl
    date_etablissement: dt.date  # date portée sur les documents (reproductible)
    d_office: bool = False  # mise à la retraite d'office (sinon sur demande)


class Dossier(Strict):
    dossier: DossierInfo
    agent: Agent
    employeur: Employeur
    carriere: list[PeriodeCarriere] = []
    conges: list[Conge] = []
    imputabilite: Imputabilite
    imputabilite_reconnue_par: Optional[Literal["conseil_medical", "decision_employeur"]] = None
    accident: Optional[Accident] = None
    maladie_professionnelle: Optional[MaladieProfessionnelle] = None
    inaptitude: Inaptitude
    reclassement: Optional[Reclassement] = None
    medecin_agree: MedecinAgree
    # Un médecin, ou la chaîne "aucun" (l'AF3 portera « Pas de médecin traitant »).
    medecin_traitant: Union[Literal["aucun"], Medecin]
    infirmites: list[Infirmite] = []
    invalidite_preexistante: Optional[Annotated[Decimal, Field(ge=0, lt=100)]] = None
    ati: ATI = ATI()
    tierce_personne: bool = False
    conseil_medical: ConseilMedical = ConseilMedical()
    pension: Pension = Pension()
    dates: Dates = Dates()

    @property
    def sans_medecin_traitant(self) -> bool:
        return self.medecin_traitant == "aucun"

    @property
    def tiers_en_cause(self) -> bool:
        return bool(self.accident and self.accident.tiers_en_cause)

    @property
    def pv_police(self) -> bool:
        return bool(self.accident and self.accident.pv_police)
