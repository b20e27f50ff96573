"""In-memory facts for the rule unit tests: what the read stage hands to the rules.

No file is opened, no OCR runs: a rule judges `Context` (check/run.py), made of `Identified`
documents (read/identify.py) whose pages are `Page` objects (read/document.py), and of the
dossier model parsed from YAML text.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline import nir
from pipeline.check.run import Context
from pipeline.dossier.load import parse_text
from pipeline.read.document import FileData, Page
from pipeline.read.identify import Identified
from pipeline.validators.registry import REGISTRY

A4 = (595.28, 841.89)
NIR = "2 67 09 50 116 042 37"  # the agent's (valid)
OTHER_NIR = nir.with_key("1850578006084")  # another agent's, valid

DOSSIER_YAML = """
dossier: {{id: INV-TEST-0001, profil: cnracl, date_etablissement: 2026-10-05}}
agent:
  civilite: Madame
  nom_naissance: Lefèvre
  nom_usage: Durand
  prenoms: Sophie Marie
  date_naissance: 1967-09-14
  lieu_naissance: Saint-Lô (50)
  nir: "2 67 09 50 116 042 37"
  grade: Adjoint technique principal de 2e classe
  categorie: C
  cadre_emplois: Adjoints techniques territoriaux
  statut: {statut}
  heures_hebdomadaires: {heures}
  affiliation_cnracl: true
  fonctions: Agent d'entretien
  adresse: {{ligne1: 12 rue des Tilleuls, code_postal: "50000", commune: Saint-Lô}}
employeur:
  collectivite: Commune de Saint-Lô
  siret: "21500502700019"
  adresse: {{ligne1: Place Général de Gaulle, code_postal: "50000", commune: Saint-Lô}}
  signataire: {{nom: Jean Lemarchand, qualite: Le Maire}}
imputabilite: {imputabilite}
inaptitude: toutes_fonctions
medecin_agree:
  nom: Morel
  prenom: Antoine
  adresse: {{ligne1: 4 avenue de Paris, code_postal: "50000", commune: Saint-Lô}}
  date_rapport: 2026-06-18
medecin_traitant:
  nom: Giraud
  prenom: Hélène
  adresse: {{ligne1: 8 place de la Mairie, code_postal: "50180", commune: Hébécrevon}}
infirmites:
  - {{libelle: Polyarthrite rhumatoïde, taux: 45, date_apparition: 2021-02-01}}
conseil_medical:
  pleniere: {{date: 2026-09-22, departement: Manche}}
ati: {{percue: {ati}}}
pension: {{tib: 2200.00, indice_majore: 469, trimestres_liquidables: 124}}
dates: {{demande: 2026-04-02}}
"""


def dossier(statut="titulaire", heures=35, imputabilite="non_imputable", ati="false"):
    d, _ = parse_text(DOSSIER_YAML.format(statut=statut, heures=heures, imputabilite=imputabilite, ati=ati),
                      "dossier.yaml")
    return d


def page(index=0, text="texte", size=A4, *, ocr=False, text_layer=True, ink=None) -> Page:
    return Page(index, size[0], size[1], text=text, ocr=ocr, has_text_layer=text_layer, ink=ink)


def doc(file: str, piece: str | None = None, *, pages=None, fields=None, **facts) -> Identified:
    """A document as the read stage leaves it: pièce, NIRs, names, fields, pages."""
    d = Identified(Path(file), piece=piece, **facts)
    d.data = FileData(Path(file), kind="pdf", pages=pages if pages is not None else [page()])
    d.fields = dict(fields or {})
    return d


def context(*docs, dossier=None, **kw) -> Context:
    return Context("test", list(docs), dossier, **kw)


def ids(rule_id: str, ctx: Context) -> list[str]:
    """The ids of the findings of one rule on these facts (each finding carries its rule's id)."""
    return [f.rule for f in REGISTRY[rule_id].run(ctx)]


def messages(rule_id: str, ctx: Context) -> list[str]:
    return [f.message for f in REGISTRY[rule_id].run(ctx)]


def date(s: str) -> dt.date:
    return dt.date.fromisoformat(s)
