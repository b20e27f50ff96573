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
    ligne1: str = Field(description="Numéro et voie (première ligne de l'adresse).")
    ligne2: Optional[str] = Field(None, description="Complément d'adresse (bâtiment, lieu-dit), facultatif.")
    code_postal: Annotated[str, Field(pattern=r"^\d{5}$")] = Field(
        description='Code postal à 5 chiffres, entre guillemets (ex. "50000").')
    commune: str = Field(description='Commune.')

    def lignes(self) -> list[str]:
        out = [self.ligne1]
        if self.ligne2:
            out.append(self.ligne2)
        out.append(f"{self.code_postal} {self.commune}")
        return out

    def une_ligne(self) -> str:
        return ", ".join(self.lignes())


class Agent(Strict):
    civilite: Literal["Madame", "Monsieur"] = Field(description="Civilité de l'agent : Madame ou Monsieur.")
    nom_naissance: str = Field(description="Nom de naissance de l'agent.")
    nom_usage: Optional[str] = Field(None, description="Nom d'usage, s'il diffère du nom de naissance.")
    prenoms: str = Field(description="Prénoms de l'agent, dans l'ordre de l'état civil.")
    date_naissance: dt.date = Field(
        description="Date de naissance (AAAA-MM-JJ) : elle fixe la limite d'âge et les trimestres requis.")
    lieu_naissance: Optional[str] = Field(None, description='Lieu de naissance, ex. « Saint-Lô (50) ».')
    nir: str = Field(description='Numéro de sécurité sociale (NIR) : 15 caractères, clé comprise ; espaces permis.')
    grade: str = Field(description='Grade détenu à la date de la demande.')
    cadre_emplois: str = Field(description="Cadre d'emplois du grade (ex. Adjoints techniques territoriaux).")
    categorie: Optional[Literal["A", "B", "C"]] = Field(None, description='Catégorie hiérarchique : A, B ou C.')
    categorie_active: bool = Field(
        False, description="true si l'agent occupe un emploi de catégorie active (limite d'âge plus basse).")
    statut: Statut = Field(
        description='Statut : seul un fonctionnaire titulaire est éligible à la retraite pour invalidité CNRACL.')
    heures_hebdomadaires: Annotated[Decimal, Field(gt=0, le=48)] = Field(
        description='Durée hebdomadaire de service en heures : 28 h au moins pour relever de la CNRACL.')
    affiliation_cnracl: bool = Field(description="true si l'agent est affilié à la CNRACL.")
    fonctions: str = Field(
        description="Dernières fonctions exactement exercées (reprises sur l'AF3, l'AF4 et la fiche de poste).")
    service: Optional[str] = Field(None, description="Service d'affectation.")
    adresse: Adresse = Field(description="Adresse personnelle de l'agent (courriers, notice).")
    telephone: Optional[str] = Field(None, description="Téléphone de l'agent.")
    email: Optional[str] = Field(None, description="Adresse électronique de l'agent.")
    numero_cnas: Optional[str] = Field(
        None, description="Numéro d'adhérent au CNAS, s'il y a lieu (repris dans la notice).")
    dernier_jour_travaille: Optional[dt.date] = Field(
        None, description='Dernier jour effectivement travaillé (AAAA-MM-JJ).')

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
    nom: str = Field(description="Nom de l'autorité territoriale qui signe (prénom et nom).")
    qualite: str = Field(description='Qualité du signataire, ex. « Le Maire », « Le Président ».')


class Contact(Strict):
    nom: str = Field(description='Nom du gestionnaire à contacter.')
    telephone: Optional[str] = Field(None, description='Téléphone du gestionnaire.')
    email: Optional[str] = Field(None, description='Adresse électronique du gestionnaire.')


class Employeur(Strict):
    collectivite: str = Field(description="Nom de la collectivité ou de l'établissement employeur.")
    siret: Annotated[str, Field(pattern=r"^\d{14}$")] = Field(
        description="SIRET de l'employeur : 14 chiffres entre guillemets.")
    adresse: Adresse = Field(description="Adresse de l'employeur.")
    signataire: Signataire = Field(description="Autorité territoriale qui signe les documents de l'employeur.")
    contact_rh: Optional[Contact] = Field(
        None, description="Gestionnaire RH à contacter, repris dans la notice à l'agent.")
    cdg: Optional[str] = Field(None, description='Centre de gestion qui accompagne le dossier, ex. CDG50.')


class PeriodeCarriere(Strict):
    debut: dt.date = Field(description='Premier jour de la période (AAAA-MM-JJ).')
    fin: Optional[dt.date] = Field(None, description='Dernier jour de la période ; absent si elle est en cours.')
    employeur: Optional[str] = Field(
        None, description="Employeur pendant la période, s'il diffère de l'employeur actuel.")
    grade: Optional[str] = Field(None, description='Grade pendant la période.')
    position: str = Field(
        "activite", description='Position statutaire : activite, disponibilite, detachement, conge_parental…')
    quotite: Annotated[Decimal, Field(gt=0, le=100)] = Field(
        Decimal(100), description='Quotité de travail en pourcentage (100 : temps plein).')


class Conge(Strict):
    type: TypeConge = Field(description='Type de congé : CMO, CLM, CLD, CITIS ou disponibilite_office.')
    debut: dt.date = Field(description='Premier jour du congé (AAAA-MM-JJ).')
    fin: Optional[dt.date] = Field(None, description="Dernier jour du congé ; absent s'il est en cours.")


class Accident(Strict):
    date: dt.date = Field(description="Date de l'accident (AAAA-MM-JJ).")
    heure: Annotated[str, Field(pattern=r"^([01]\d|2[0-3])[:h][0-5]\d$")] = Field(
        description='Heure de l\'accident au format HH:MM, entre guillemets (ex. "10:40").')
    lieu: str = Field(description="Lieu précis de l'accident.")
    circonstances: str = Field(description="Circonstances de l'accident, décrites de façon factuelle.")
    trajet: Optional[str] = Field(
        None, description="Accident de trajet : itinéraire habituel domicile – travail et lieu de l'accident.")
    tiers_en_cause: bool = Field(False, description='true si un tiers est en cause (recours possible contre lui).')
    pv_police: bool = Field(False, description='true si un procès-verbal de police ou de gendarmerie a été établi.')


class MaladieProfessionnelle(Strict):
    designation: str = Field(description='Désignation de la maladie professionnelle.')
    tableau: Optional[str] = Field(
        None, description="Tableau des maladies professionnelles, s'il y a lieu (ex. 57 A).")
    date_premiere_constatation: dt.date = Field(description='Date de la première constatation médicale (AAAA-MM-JJ).')
    risques: str = Field(description="Risques rencontrés dans le poste, à l'origine de la maladie.")
    exposition_debut: dt.date = Field(description="Début de l'exposition au risque (AAAA-MM-JJ).")
    exposition_fin: Optional[dt.date] = Field(
        None, description="Fin de l'exposition au risque ; absente si elle continue.")


class PPR(Strict):
    debut: dt.date = Field(description='Début de la période de préparation au reclassement (AAAA-MM-JJ).')
    fin: dt.date = Field(description='Fin de la période de préparation au reclassement (AAAA-MM-JJ).')


class Reclassement(Strict):
    adaptation_poste: str = Field(description='Aménagements ou adaptations du poste envisagés, et leur résultat.')
    postes_examines: str = Field(description='Postes de reclassement examinés.')
    invitation_date: Optional[dt.date] = Field(
        None, description="Date de l'invitation faite à l'agent de présenter une demande de reclassement.")
    ppr: Optional[PPR] = Field(
        None, description="Période de préparation au reclassement (début et fin), s'il y en a eu une.")
    reponse_agent: str = Field(description="Réponse de l'agent aux propositions de reclassement.")
    motif_echec: str = Field(description="Pourquoi le reclassement n'a pas été possible.")


class Medecin(Strict):
    civilite: Optional[str] = Field("Docteur", description='Titre du médecin (par défaut « Docteur »).')
    nom: str = Field(description='Nom du médecin.')
    prenom: Optional[str] = Field(None, description='Prénom du médecin.')
    specialite: Optional[str] = Field(None, description='Spécialité du médecin.')
    adresse: Optional[Adresse] = Field(None, description='Adresse du cabinet.')

    @property
    def nom_complet(self) -> str:
        parts = [self.prenom or "", self.nom.upper()]
        return " ".join(p for p in parts if p)


class MedecinAgree(Medecin):
    adresse: Adresse = Field(description='Adresse du cabinet du médecin agréé.')
    date_rapport: Optional[dt.date] = Field(
        None, description="Date de l'AF3 rempli par le médecin agréé (AAAA-MM-JJ).")


class Infirmite(Strict):
    libelle: str = Field(description="Nature de l'infirmité, telle que le médecin agréé l'a décrite.")
    taux: Annotated[Decimal, Field(ge=0, le=100)] = Field(
        description="Taux d'invalidité retenu par le médecin agréé, en pourcentage.")
    date_apparition: Optional[dt.date] = Field(None, description="Date d'apparition de l'infirmité (AAAA-MM-JJ).")
    imputable: bool = Field(False, description="true si l'infirmité est imputable au service (rente d'invalidité).")
    groupe: Optional[str] = Field(
        None, description='Infirmités liées : même groupe pour appliquer la règle de Balthazard entre elles.')
    deja_indemnisee: bool = Field(False, description="true si l'infirmité est déjà indemnisée par un autre régime.")


class ATI(Strict):
    percue: bool = Field(False, description="true si l'agent perçoit une allocation temporaire d'invalidité (ATI).")
    taux: Optional[Annotated[Decimal, Field(ge=0, le=100)]] = Field(None, description="Taux de l'ATI en pourcentage.")
    date_debut: Optional[dt.date] = Field(None, description="Date de début de l'ATI (AAAA-MM-JJ).")


class Membre(Strict):
    role: RoleMembre = Field(
        description='Rôle au conseil médical : president, medecin, medecin_specialiste, representant_administration ou representant_personnel.')
    nom: str = Field(description='Prénom et nom du membre.')
    presence: Presence = Field(Presence.present, description='Présence à la séance : present, visio ou absent.')
    signe: bool = Field(True, description="true si le membre a signé l'AF4.")


class Seance(Strict):
    date: dt.date = Field(description='Date de la séance (AAAA-MM-JJ).')
    avis: Optional[str] = Field(None, description='Avis rendu par le conseil médical.')


class SeancePleniere(Strict):
    date: dt.date = Field(description='Date de la séance plénière (AAAA-MM-JJ).')
    departement: Optional[str] = Field(None, description='Département du conseil médical, ex. Manche.')
    lieu: Optional[str] = Field(None, description='Lieu de la séance.')
    membres: list[Membre] = Field(
        [], description='Membres convoqués : rôle, nom, présence, signature (le quorum en dépend).')
    seconde_convocation: bool = Field(
        False, description='true si la séance se tient sur seconde convocation (quorum non exigé).')


class ConseilMedical(Strict):
    restreint: Optional[Seance] = Field(None, description='Séance du conseil médical en formation restreinte.')
    pleniere: Optional[SeancePleniere] = Field(
        None, description='Séance du conseil médical en formation plénière (imprimé AF4).')


class Pension(Strict):
    tib: Optional[Annotated[Decimal, Field(gt=0)]] = Field(
        None, description="Traitement brut indiciaire mensuel, pour l'estimation (ex. 2200.00).")
    indice_majore: Optional[int] = Field(None, description='Indice majoré détenu.')
    trimestres_liquidables: Optional[Annotated[Decimal, Field(ge=0)]] = Field(
        None, description='Nombre de trimestres liquidables (services et bonifications).')
    trimestres_requis: Optional[int] = Field(
        None,
        description="Trimestres requis pour le taux plein ; s'il est connu, il prime sur le tableau par date de naissance.")


class Dates(Strict):
    demande: Optional[dt.date] = Field(
        None, description="Date de la demande de l'agent, ou de la décision de mise à la retraite d'office.")
    envoi_peps: Optional[dt.date] = Field(None, description="Date d'envoi du dossier complet à la CNRACL sur PEP'S.")
    avis_cnracl: Optional[dt.date] = Field(None, description="Date de l'avis de la CNRACL.")
    radiation: Optional[dt.date] = Field(None, description='Date de radiation des cadres.')


class DossierInfo(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")] = Field(
        description='Identifiant du dossier : lettres, chiffres, tirets ou points, sans espace (ex. INV-2026-0042).')
    profil: ProfilCDG = Field(
        ProfilCDG.cnracl,
        description="Qui téléverse quoi sur PEP'S : cnracl (l'employeur), cdg50 ou cdg76 (avec le centre de gestion).")
    date_etablissement: dt.date = Field(description='Date portée sur les documents produits (AAAA-MM-JJ).')
    d_office: bool = Field(False, description="true : mise à la retraite d'office ; false : à la demande de l'agent.")


class Dossier(Strict):
    dossier: DossierInfo = Field(description='Identification du dossier.')
    agent: Agent = Field(description="L'agent mis à la retraite pour invalidité.")
    employeur: Employeur = Field(description="L'employeur (collectivité ou établissement).")
    carriere: list[PeriodeCarriere] = Field([], description='Périodes de carrière, une ligne par période.')
    conges: list[Conge] = Field([], description="Congés pour raison de santé et disponibilité d'office.")
    imputabilite: Imputabilite = Field(
        description="Origine de l'invalidité : non_imputable, accident_service, accident_trajet ou maladie_professionnelle.")
    imputabilite_reconnue_par: Optional[Literal["conseil_medical", "decision_employeur"]] = Field(
        None, description="Qui a reconnu l'imputabilité au service : conseil_medical ou decision_employeur.")
    accident: Optional[Accident] = Field(
        None, description="L'accident de service ou de trajet, si l'invalidité en résulte.")
    maladie_professionnelle: Optional[MaladieProfessionnelle] = Field(
        None, description="La maladie professionnelle, si l'invalidité en résulte.")
    inaptitude: Inaptitude = Field(
        description="Inaptitude reconnue : toutes_fonctions, ou ses_fonctions (après l'échec du reclassement).")
    reclassement: Optional[Reclassement] = Field(
        None, description='Démarches de reclassement (inaptitude aux seules fonctions).')
    medecin_agree: MedecinAgree = Field(description="Le médecin agréé qui a examiné l'agent et rempli l'AF3.")
    # Un médecin, ou la chaîne "aucun" (l'AF3 portera « Pas de médecin traitant »).
    medecin_traitant: Union[Literal["aucun"], Medecin] = Field(
        description="Le médecin traitant de l'agent (jamais le médecin agréé), ou « aucun ».")
    infirmites: list[Infirmite] = Field([], description='Infirmités et taux retenus par le médecin agréé.')
    invalidite_preexistante: Optional[Annotated[Decimal, Field(ge=0, lt=100)]] = Field(
        None, description="Taux d'invalidité préexistante à l'entrée en fonctions, en pourcentage.")
    ati: ATI = Field(ATI(), description="Allocation temporaire d'invalidité.")
    tierce_personne: bool = Field(False, description="true si l'agent demande la majoration pour tierce personne.")
    conseil_medical: ConseilMedical = Field(ConseilMedical(), description='Séances du conseil médical.')
    pension: Pension = Field(Pension(), description="Données de l'estimation indicative de la pension.")
    dates: Dates = Field(Dates(), description='Dates de la procédure.')

    @property
    def sans_medecin_traitant(self) -> bool:
        return self.medecin_traitant == "aucun"

    @property
    def tiers_en_cause(self) -> bool:
        return bool(self.accident and self.accident.tiers_en_cause)

    @property
    def pv_police(self) -> bool:
        return bool(self.accident and self.accident.pv_police)
