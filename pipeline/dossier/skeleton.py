"""`pipeline init`: a commented dossier.yaml skeleton for a chosen case.

The skeleton only holds the blocks the case needs; every value to fill reads
« À COMPLÉTER », which `pipeline validate` then reports field by field.
"""
from __future__ import annotations

from pipeline.dossier.model import Imputabilite, Inaptitude

TODO = '"À COMPLÉTER"'

SCHEMA_FILE = "dossier.schema.json"

_HEAD = """\
# yaml-language-server: $schema=./{schema_file}
# dossier.yaml — retraite pour invalidité CNRACL ({case_label})
# Remplacez chaque « À COMPLÉTER », puis vérifiez :  pipeline validate dossier.yaml
# Dates au format AAAA-MM-JJ. Montants avec un point décimal (2200.00).
# Aide et complétion dans l'éditeur (VS Code + extension YAML) : écrivez le schéma à côté
# de ce fichier avec  pipeline schema -o {schema_file}

dossier:
  id: {todo}                 # identifiant du dossier, sans espace (ex. INV-2026-0042)
  profil: cnracl             # cnracl, cdg50 ou cdg76 : qui téléverse quoi sur PEP'S
  date_etablissement: {todo} # date portée sur les documents produits
  d_office: false            # true : mise à la retraite d'office (sinon à la demande de l'agent)

agent:
  civilite: {todo}           # Madame ou Monsieur
  nom_naissance: {todo}
  nom_usage: null            # nom d'usage s'il diffère
  prenoms: {todo}
  date_naissance: {todo}
  nir: {todo}                # 15 caractères, clé comprise ; espaces permis
  grade: {todo}
  cadre_emplois: {todo}
  statut: titulaire          # seul un fonctionnaire titulaire est éligible
  heures_hebdomadaires: 35   # 28 h au moins (sinon IRCANTEC : non éligible)
  affiliation_cnracl: true
  fonctions: {todo}          # dernières fonctions exactes (reprises sur l'AF3 et l'AF4)
  adresse:
    ligne1: {todo}
    code_postal: {todo}      # entre guillemets : "50000"
    commune: {todo}
  dernier_jour_travaille: null

employeur:
  collectivite: {todo}
  siret: {todo}              # 14 chiffres, entre guillemets
  adresse:
    ligne1: {todo}
    code_postal: {todo}
    commune: {todo}
  signataire:
    nom: {todo}
    qualite: {todo}          # ex. Le Maire
  contact_rh:                # repris dans la notice à l'agent
    nom: {todo}
    telephone: null
    email: null
  cdg: null                  # ex. CDG50

carriere:                    # une ligne par période ; fin absente = en cours
  - debut: {todo}
    grade: {todo}

conges:                      # CMO, CLM, CLD, CITIS, disponibilite_office
  - type: {todo}
    debut: {todo}
    fin: null

imputabilite: {imputabilite}
{imputabilite_block}inaptitude: {inaptitude}
{reclassement_block}
medecin_agree:
  nom: {todo}
  prenom: {todo}
  adresse:
    ligne1: {todo}
    code_postal: {todo}
    commune: {todo}
  date_rapport: null         # date de l'AF3 rempli par le médecin agréé

# Le médecin traitant de l'agent (jamais le médecin agréé), ou « aucun » :
medecin_traitant:
  nom: {todo}
  prenom: {todo}
  adresse:
    ligne1: {todo}
    code_postal: {todo}
    commune: {todo}

infirmites:                  # taux du médecin agréé ; même « groupe » = infirmités liées
  - libelle: {todo}
    taux: {todo}
    imputable: {imputable}

ati:
  percue: false              # allocation temporaire d'invalidité en paiement
tierce_personne: false       # demande de majoration pour tierce personne

# Séances du conseil médical : décommentez chaque bloc quand la date est connue.
conseil_medical: {{}}
#  restreint:
#    date: AAAA-MM-JJ
#  pleniere:
#    date: AAAA-MM-JJ
#    departement: Manche
#    seconde_convocation: false
#    membres:                 # rôles : president, medecin, medecin_specialiste,
#                             # representant_administration, representant_personnel
#      - role: president
#        nom: Prénom Nom
#        presence: present    # present, visio ou absent
#        signe: true

pension:
  tib: null                  # traitement brut indiciaire mensuel (estimation)
  trimestres_liquidables: null

dates:
  demande: null
"""

_ACCIDENT = """\
imputabilite_reconnue_par: {todo}  # conseil_medical ou decision_employeur
accident:
  date: {todo}
  heure: {todo}              # HH:MM, entre guillemets
  lieu: {todo}
  circonstances: {todo}
{trajet}  tiers_en_cause: false
  pv_police: false
"""

_MALADIE = """\
imputabilite_reconnue_par: {todo}  # conseil_medical ou decision_employeur
maladie_professionnelle:
  designation: {todo}
  tableau: null
  date_premiere_constatation: {todo}
  risques: {todo}            # risques rencontrés dans le poste
  exposition_debut: {todo}
  exposition_fin: null
"""

_RECLASSEMENT = """\
reclassement:                # démarches de reclassement (attestation de reclassement)
  adaptation_poste: {todo}
  postes_examines: {todo}
  invitation_date: null
  ppr: null                  # ou  debut: AAAA-MM-JJ / fin: AAAA-MM-JJ
  reponse_agent: {todo}
  motif_echec: {todo}
"""

_LABELS = {
    "non_imputable": "maladie non imputable au service",
    "accident_service": "accident de service",
    "accident_trajet": "accident de trajet",
    "maladie_professionnelle": "maladie professionnelle",
}


def skeleton(case: str, inaptitude: str) -> str:
    try:
        imp = Imputabilite(case)
    except ValueError:
        raise ValueError(f"cas inconnu « {case} » ; choisissez parmi : {', '.join(i.value for i in Imputabilite)}") from None
    try:
        ina = Inaptitude(inaptitude)
    except ValueError:
        raise ValueError(f"inaptitude inconnue « {inaptitude} » ; choisissez parmi : {', '.join(i.value for i in Inaptitude)}") from None
    block = ""
    if imp in (Imputabilite.accident_service, Imputabilite.accident_trajet):
        trajet = f"  trajet: {TODO}             # itinéraire domicile – travail, lieu de l'accident\n" if imp == Imputabilite.accident_trajet else ""
        block = _ACCIDENT.format(todo=TODO, trajet=trajet)
    elif imp == Imputabilite.maladie_professionnelle:
        block = _MALADIE.format(todo=TODO)
    recl = _RECLASSEMENT.format(todo=TODO) if ina == Inaptitude.ses_fonctions else ""
    label = _LABELS[imp.value] + (", inaptitude à toutes fonctions" if ina == Inaptitude.toutes_fonctions else ", inaptitude aux seules fonctions")
    return _HEAD.format(
        todo=TODO, schema_file=SCHEMA_FILE, case_label=label, imputabilite=imp.value, imputabilite_block=block,
        inaptitude=ina.value, reclassement_block=recl,
        imputable="true" if imp != Imputabilite.non_imputable else "false",
    )
