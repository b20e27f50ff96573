"""The guided dossier form: steps by topic over the dossier model, the YAML as the source.

Each step lists paths into dossier.yaml; the kind of each input (date, yes/no, list of
choices, number, text) and its help text come from the pydantic model, so a new model field
needs one line here. What the user types goes into the YAML as typed values; the dossier
stage's own loader then judges it, and its messages are shown next to the field — the same
wording as `pipeline validate`.
"""
from __future__ import annotations

import datetime as dt
import enum
import re
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional

import yaml

from . import engine

# --- labels and help (French); the model's field descriptions take precedence -------------

LABELS = {
    "dossier.id": "Identifiant du dossier", "dossier.profil": "Profil de transmission",
    "dossier.date_etablissement": "Date portée sur les documents", "dossier.d_office": "Mise à la retraite d'office",
    "imputabilite": "Origine de l'invalidité", "imputabilite_reconnue_par": "Imputabilité reconnue par",
    "inaptitude": "Inaptitude", "tierce_personne": "Demande de majoration pour tierce personne",
    "civilite": "Civilité", "nom_naissance": "Nom de naissance", "nom_usage": "Nom d'usage", "prenoms": "Prénoms",
    "date_naissance": "Date de naissance", "lieu_naissance": "Lieu de naissance", "nir": "Numéro de sécurité sociale (NIR)",
    "grade": "Grade", "cadre_emplois": "Cadre d'emplois", "categorie": "Catégorie",
    "categorie_active": "Emploi de catégorie active", "statut": "Statut",
    "heures_hebdomadaires": "Heures par semaine", "affiliation_cnracl": "Affilié(e) à la CNRACL",
    "fonctions": "Dernières fonctions exercées", "service": "Service", "ligne1": "Adresse", "ligne2": "Complément d'adresse",
    "code_postal": "Code postal", "commune": "Commune", "telephone": "Téléphone", "email": "Courriel",
    "numero_cnas": "Numéro CNAS", "dernier_jour_travaille": "Dernier jour travaillé",
    "collectivite": "Collectivité", "siret": "SIRET", "nom": "Nom", "qualite": "Qualité", "cdg": "Centre de gestion",
    "debut": "Début", "fin": "Fin", "employeur": "Employeur", "position": "Position", "quotite": "Quotité (%)",
    "type": "Type de congé", "date": "Date", "heure": "Heure", "lieu": "Lieu", "circonstances": "Circonstances",
    "trajet": "Trajet (itinéraire habituel)", "tiers_en_cause": "Un tiers est en cause", "pv_police": "Procès-verbal de police ou de gendarmerie",
    "designation": "Désignation de la maladie", "tableau": "Tableau des maladies professionnelles",
    "date_premiere_constatation": "Date de première constatation", "risques": "Risques rencontrés dans le poste",
    "exposition_debut": "Début de l'exposition", "exposition_fin": "Fin de l'exposition",
    "adaptation_poste": "Adaptation du poste envisagée", "postes_examines": "Postes examinés",
    "invitation_date": "Date de l'invitation à demander un reclassement", "reponse_agent": "Réponse de l'agent",
    "motif_echec": "Motif de l'échec du reclassement", "prenom": "Prénom", "specialite": "Spécialité",
    "date_rapport": "Date du rapport (AF3)", "libelle": "Infirmité", "taux": "Taux (%)", "date_apparition": "Date d'apparition",
    "imputable": "Imputable au service", "groupe": "Groupe (infirmités liées)", "deja_indemnisee": "Déjà indemnisée",
    "invalidite_preexistante": "Invalidité préexistante (taux à l'affiliation)",
    "percue": "ATI perçue", "date_debut": "Date de début", "avis": "Avis", "departement": "Département",
    "seconde_convocation": "Séance sur seconde convocation", "role": "Rôle", "presence": "Présence", "signe": "A signé",
    "tib": "Traitement brut indiciaire mensuel (€)", "indice_majore": "Indice majoré",
    "trimestres_liquidables": "Trimestres liquidables", "trimestres_requis": "Trimestres requis",
    "demande": "Demande de l'agent", "envoi_peps": "Envoi sur PEP'S", "avis_cnracl": "Avis de la CNRACL",
    "radiation": "Radiation des cadres", "ppr.debut": "Début de la PPR", "ppr.fin": "Fin de la PPR",
}

HELP = {
    "dossier.id": "Sans espace ni accent, par exemple INV-2026-0042 : il nomme les fichiers produits.",
    "dossier.profil": "Qui téléverse quoi sur PEP'S : la collectivité seule (cnracl), ou avec le CDG de la Manche (cdg50) ou de Seine-Maritime (cdg76).",
    "dossier.date_etablissement": "La date imprimée sur les documents : deux constructions donnent les mêmes fichiers.",
    "dossier.d_office": "Cochez si l'employeur met l'agent à la retraite d'office (sinon, à sa demande).",
    "imputabilite_reconnue_par": "Qui a reconnu l'imputabilité au service.",
    "agent.nir": "15 caractères, clé comprise ; les espaces sont permis.",
    "agent.heures_hebdomadaires": "28 heures au moins : en dessous, l'agent relève de l'IRCANTEC.",
    "agent.statut": "Seul un fonctionnaire titulaire peut être retraité pour invalidité par la CNRACL.",
    "agent.fonctions": "Les dernières fonctions exactes : elles sont reprises sur l'AF3 et l'AF4.",
    "employeur.contact_rh.nom": "Repris dans la notice remise à l'agent.",
    "medecin_traitant": "Cochez « pas de médecin traitant » si l'agent n'en a pas : l'AF3 l'indiquera.",
    "carriere": "Une ligne par période ; laissez la fin vide pour la période en cours.",
    "conges": "Les congés de maladie successifs : ils fixent la fin des droits statutaires.",
    "infirmites": "Les infirmités d'un même groupe sont liées (règle de Balthazard).",
}

TEXTAREAS = {"circonstances", "adaptation_poste", "postes_examines", "reponse_agent", "motif_echec", "risques", "avis"}


@dataclass
class Field:
    path: str            # "agent.adresse.code_postal", or for a list row "carriere.*.debut"
    kind: str            # text, textarea, date, bool, choice, decimal, int
    label: str
    help: str = ""
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    default: Any = None  # the model's default, shown when nothing is saved yet (a box ticked by default)


@dataclass
class ListBlock:
    path: str            # "carriere", "conseil_medical.pleniere.membres"
    label: str
    fields: list[Field]
    help: str = ""


@dataclass
class Step:
    slug: str
    titre: str
    intro: str
    items: list  # Field | ListBlock | "medecin_traitant"
    condition: Callable[[dict], bool] = lambda data: True


# --- the model, walked by path ---------------------------------------------------------

def _unwrap(tp):
    """Optional[Annotated[X, ...]] → X."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin is typing.Union:
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _model_field(path: str):
    """FieldInfo of a dotted path ('*' for a list item) in the Dossier model."""
    cls = engine.model().Dossier
    info = None
    for part in path.split("."):
        if part == "*":
            continue
        info = cls.model_fields[part]
        tp = _unwrap(info.annotation)
        if typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        cls = tp
    return info, cls


_CHOICE_LABELS = {
    "cnracl": "cnracl — la collectivité téléverse tout sur PEP'S", "cdg50": "cdg50 — avec le CDG de la Manche",
    "cdg76": "cdg76 — avec le CDG de Seine-Maritime", "non_imputable": "Maladie non imputable au service",
    "accident_service": "Accident de service", "accident_trajet": "Accident de trajet",
    "maladie_professionnelle": "Maladie professionnelle", "toutes_fonctions": "Inapte à toutes fonctions",
    "ses_fonctions": "Inapte à ses seules fonctions (reclassement impossible)", "conseil_medical": "Le conseil médical",
    "decision_employeur": "Une décision de l'employeur", "titulaire": "Titulaire", "stagiaire": "Stagiaire",
    "contractuel": "Contractuel", "disponibilite_office": "Disponibilité d'office",
    "CMO": "Congé de maladie ordinaire (CMO)", "CLM": "Congé de longue maladie (CLM)", "CLD": "Congé de longue durée (CLD)",
    "CITIS": "Congé pour invalidité temporaire imputable au service (CITIS)", "present": "Présent(e)",
    "visio": "En visioconférence", "absent": "Absent(e)", "president": "Président(e)", "medecin": "Médecin",
    "medecin_specialiste": "Médecin spécialiste", "representant_administration": "Représentant(e) de l'administration",
    "representant_personnel": "Représentant(e) du personnel",
}


def make_field(path: str, label: str | None = None) -> Field:
    info, cls = _model_field(path)
    tp = _unwrap(info.annotation)
    last = path.rsplit(".", 1)[-1]
    choices: list[tuple[str, str]] = []
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        kind, choices = "choice", [(m.value, _CHOICE_LABELS.get(m.value, m.value)) for m in tp]
    elif typing.get_origin(tp) is typing.Literal:
        kind, choices = "choice", [(str(v), _CHOICE_LABELS.get(str(v), str(v))) for v in typing.get_args(tp)]
    elif tp is bool:
        kind = "bool"
    elif tp is dt.date:
        kind = "date"
    elif tp is Decimal:
        kind = "decimal"
    elif tp is int:
        kind = "int"
    else:
        kind = "textarea" if last in TEXTAREAS else "text"
    generic = path.replace(".*", "")
    two = ".".join(generic.split(".")[-2:])
    # HELP is written for the page; the model's descriptions speak to dossier.yaml.
    help_text = web_help(HELP.get(generic) or HELP.get(two) or info.description or "", kind)
    default = None if info.is_required() or info.default_factory is not None else info.default
    return Field(path, kind, label or LABELS.get(generic) or LABELS.get(two) or LABELS.get(last) or last,
                 help_text, info.is_required(), choices, default if kind == "bool" else None)


_YAML_HINTS = [
    # « entre guillemets (ex. "50000") »: how to keep a leading zero in YAML, not on a page.
    (re.compile(r',?\s*entre guillemets(?:\s*\(ex\.\s*"([^"]*)"\))?'), lambda m: f" (ex. {m[1]})" if m[1] else ""),
    (re.compile(r'"([^"]*)"'), lambda m: f"« {m[1]} »"),
]


def web_help(text: str, kind: str = "text") -> str:
    """A help text as the page shows it: no YAML quoting, no true/false (a box is ticked)."""
    for pattern, repl in _YAML_HINTS:
        text = pattern.sub(repl, text)
    if kind == "bool":
        text = re.sub(r"^true si ", "Cochez si ", text)
        m = re.fullmatch(r"true\s*:\s*(.+?)\s*;\s*false\s*:\s*(.+?)\.?", text)
        if m:
            text = f"Cochez pour : {m[1]} (sinon : {m[2]})."
    return text


def _fields(prefix: str, names: str) -> list[Field]:
    return [make_field(f"{prefix}.{n}" if prefix else n) for n in names.split()]


def _list(path: str, label: str, names: str) -> ListBlock:
    return ListBlock(path, label, _fields(path + ".*", names), HELP.get(path, ""))


def _imputable(data: dict) -> bool:
    return data.get("imputabilite") not in (None, "non_imputable")


ADRESSE = "ligne1 ligne2 code_postal commune"

STEPS: list[Step] = [
    Step("cas", "Le cas", "Ces réponses décident des questions suivantes et des pièces exigées.",
         _fields("", "imputabilite inaptitude") + _fields("dossier", "id profil date_etablissement d_office")
         + _fields("", "tierce_personne")),
    Step("agent", "L'agent", "L'identité et la situation de l'agent, telles qu'elles figurent sur l'AF3.",
         _fields("agent", "civilite nom_naissance nom_usage prenoms date_naissance lieu_naissance nir statut "
                          "grade cadre_emplois categorie categorie_active heures_hebdomadaires affiliation_cnracl "
                          "fonctions service")
         + _fields("agent.adresse", ADRESSE) + _fields("agent", "telephone email numero_cnas dernier_jour_travaille")),
    Step("employeur", "L'employeur", "La collectivité qui emploie l'agent et la personne qui signe.",
         _fields("employeur", "collectivite siret") + _fields("employeur.adresse", ADRESSE)
         + _fields("employeur.signataire", "nom qualite") + _fields("employeur.contact_rh", "nom telephone email")
         + _fields("employeur", "cdg")),
    Step("carriere", "La carrière", "Les périodes de carrière, découpées ensuite par année civile.",
         [_list("carriere", "Périodes", "debut fin employeur grade position quotite")]),
    Step("conges", "Les congés de maladie", "Les congés successifs depuis l'arrêt de travail.",
         [_list("conges", "Congés", "type debut fin")]),
    Step("faits", "Les faits", "Ce qui s'est passé : l'accident ou la maladie professionnelle, et l'ATI.",
         [make_field("imputabilite_reconnue_par")]
         + _fields("accident", "date heure lieu circonstances trajet tiers_en_cause pv_police")
         + _fields("maladie_professionnelle", "designation tableau date_premiere_constatation risques "
                                              "exposition_debut exposition_fin")
         + _fields("ati", "percue taux date_debut"),
         condition=_imputable),
    Step("reclassement", "Le reclassement", "Les démarches de reclassement, reprises dans l'attestation.",
         _fields("reclassement", "adaptation_poste postes_examines invitation_date")
         + _fields("reclassement.ppr", "debut fin") + _fields("reclassement", "reponse_agent motif_echec"),
         condition=lambda d: d.get("inaptitude") == "ses_fonctions"),
    Step("medecins", "Les médecins", "Le médecin agréé remplit l'AF3 ; le médecin traitant y est nommé.",
         _fields("medecin_agree", "nom prenom specialite") + _fields("medecin_agree.adresse", ADRESSE)
         + _fields("medecin_agree", "date_rapport") + ["medecin_traitant"]),
    Step("infirmites", "Les infirmités", "Elles ne figurent jamais sur la notice remise à l'agent.",
         [_list("infirmites", "Infirmités", "libelle taux date_apparition imputable groupe deja_indemnisee"),
          make_field("invalidite_preexistante")]),
    Step("conseil", "Le conseil médical", "Les séances en formation restreinte et plénière.",
         _fields("conseil_medical.restreint", "date avis")
         + _fields("conseil_medical.pleniere", "date departement lieu seconde_convocation")
         + [_list("conseil_medical.pleniere.membres", "Membres de la séance plénière", "role nom presence signe")]),
    Step("pension", "Pension et dates", "Pour l'estimation indicative et le calendrier.",
         _fields("pension", "tib indice_majore trimestres_liquidables trimestres_requis")
         + _fields("dates", "demande envoi_peps avis_cnracl radiation")),
]
# Fields of the "faits" step shown only for the matching case.
_FACT_CONDITIONS = {
    "accident.": lambda d: d.get("imputabilite") in ("accident_service", "accident_trajet"),
    "accident.trajet": lambda d: d.get("imputabilite") == "accident_trajet",
    "maladie_professionnelle.": lambda d: d.get("imputabilite") == "maladie_professionnelle",
}


def medecin_traitant_fields() -> list[Field]:
    out = []
    for name, label in (("nom", "Nom du médecin traitant"), ("prenom", "Prénom du médecin traitant")):
        out.append(Field(f"medecin_traitant.{name}", "text", label))
    for name in ADRESSE.split():
        f = make_field(f"medecin_agree.adresse.{name}")
        out.append(Field(f"medecin_traitant.adresse.{name}", f.kind, f.label + " du médecin traitant"))
    return out


def applicable_steps(data: dict) -> list[Step]:
    return [s for s in STEPS if s.condition(data)]


def step_fields(step: Step, data: dict) -> list:
    out = []
    for item in step.items:
        if isinstance(item, Field):
            cond = next((c for prefix, c in sorted(_FACT_CONDITIONS.items(), key=lambda kv: -len(kv[0]))
                         if item.path.startswith(prefix)), None)
            if cond is not None and not cond(data):
                continue
        out.append(item)
    return out


def step_by_slug(slug: str) -> Optional[Step]:
    return next((s for s in STEPS if s.slug == slug), None)


# --- nested data <-> YAML ----------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper, value: Decimal):
    if value == value.to_integral_value() and "." not in str(value):
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_multi_representer(enum.Enum, lambda d, v: d.represent_str(v.value))


def load_yaml(text: str) -> dict:
    if not text.strip():
        return {}
    data = yaml.load(text, Loader=engine.yaml_loader())
    return data if isinstance(data, dict) else {}


def _order(data: dict) -> dict:
    order = list(engine.model().Dossier.model_fields)
    return {k: data[k] for k in sorted(data, key=lambda k: order.index(k) if k in order else len(order))}


def _prune(value):
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [x for x in (_prune(v) for v in value) if x not in (None, {}, [])]
    return value


def dump_yaml(data: dict) -> str:
    head = "# dossier.yaml — retraite pour invalidité CNRACL (saisi dans le bureau web)\n"
    return head + yaml.dump(_order(_prune(data)), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                            default_flow_style=False, width=100)


def get(data: Any, path: str):
    cur = data
    for part in path.split("."):
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur


def put(data: dict, path: str, value) -> None:
    parts = path.split(".")
    cur = data
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    if value is None:
        cur.pop(parts[-1], None)
    else:
        cur[parts[-1]] = value


def shown(data: dict, f: Field, path: str | None = None) -> str:
    """What an input shows: the saved answer, else the model's default for a yes/no box."""
    value = get(data, path or f.path)
    return display(f.default if value is None else value, f.kind)


def display(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def typed(raw: str, kind: str):
    """A typed value for the YAML; what cannot be read stays text, for the loader to name it."""
    raw = (raw or "").strip()
    if kind == "bool":
        return raw in ("on", "true", "1", "oui")
    if not raw:
        return None
    if kind == "date":
        m = _DATE_FR.match(raw)
        if m:
            raw = f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return raw
    if kind in ("decimal", "int"):
        try:
            d = Decimal(raw.replace(",", ".").replace(" ", ""))
            return int(d) if kind == "int" and d == d.to_integral_value() else d
        except InvalidOperation:
            return raw
    return raw


def apply_post(data: dict, step: Step, post) -> dict:
    """Write the answers of one step into the nested data (a copy)."""
    import copy

    data = copy.deepcopy(data)
    for item in step_fields(step, data):
        if isinstance(item, Field):
            put(data, item.path, typed(post.get(item.path, ""), item.kind))
        elif isinstance(item, ListBlock):
            rows = []
            indexes = sorted({int(k.split(".")[len(item.path.split("."))]) for k in post.keys()
                              if k.startswith(item.path + ".") and k.split(".")[len(item.path.split("."))].isdigit()})
            old = get(data, item.path) or []
            for i in indexes:
                row = dict(old[i]) if i < len(old) and isinstance(old[i], dict) else {}
                filled = False
                for f in item.fields:
                    name = f.path.replace("*", str(i))
                    raw = post.get(name, "")
                    if f.kind != "bool" and raw.strip():
                        filled = True
                    value = typed(raw, f.kind)
                    last = f.path.rsplit(".", 1)[-1]
                    if value is None:
                        row.pop(last, None)
                    else:
                        row[last] = value
                if filled:
                    rows.append(row)
            put(data, item.path, rows or None)
        elif item == "medecin_traitant":
            if post.get("medecin_traitant_aucun"):
                data["medecin_traitant"] = "aucun"
            else:
                mt = data.get("medecin_traitant") if isinstance(data.get("medecin_traitant"), dict) else {}
                data["medecin_traitant"] = mt
                for f in medecin_traitant_fields():
                    put(data, f.path, typed(post.get(f.path, ""), f.kind))
                if not _prune(data["medecin_traitant"]):
                    data.pop("medecin_traitant")
    return data


# --- validation: the dossier stage's loader, its messages ------------------------------

@dataclass
class Problem:
    name: str       # form input name ("carriere.0.debut")
    message: str    # the loader's message
    full: str       # as `pipeline validate` prints it (file and line: for an imported file only)

    @property
    def texte(self) -> str:
        """The loader's wording, named by the field's label: the person never saw a YAML file."""
        if not self.name:
            return self.message
        generic = re.sub(r"\.\d+(?=\.|$)", "", self.name)
        parts = self.name.split(".")
        row = next((int(x) + 1 for x in parts if x.isdigit()), None)
        last = generic.rsplit(".", 1)[-1]
        label = LABELS.get(generic) or LABELS.get(".".join(generic.split(".")[-2:])) or LABELS.get(last) or last
        return f"{label}{f' (ligne {row} de la liste)' if row else ''} : {self.message}"


def validate(yaml_text: str) -> tuple[Optional[object], list[Problem]]:
    from pipeline.errors import InvalidInput

    try:
        dossier, located = engine.parse_text(yaml_text, "dossier.yaml")
        problems = engine.check_coherence(dossier, located)
    except InvalidInput as e:
        return None, [_problem(p) for p in e.problems]
    return (dossier if not problems else None), [_problem(p) for p in problems]


def _problem(p) -> Problem:
    name = re.sub(r"\[(\d+)\]", lambda m: f".{int(m[1]) - 1}", p.field or "")
    return Problem(name, p.message, str(p))


def belongs(problem: Problem, step: Step, data: dict) -> bool:
    if not problem.name:
        return step.slug == "cas"
    for item in step_fields(step, data):
        base = item.path if isinstance(item, (Field, ListBlock)) else item
        if isinstance(item, Field) and "*" not in base:
            if problem.name == base:
                return True
        elif problem.name == base or problem.name.startswith(base + "."):
            return True
    # A whole block reported missing (e.g. "accident") belongs to the step of its fields.
    return any(isinstance(i, Field) and i.path.startswith(problem.name + ".") for i in step_fields(step, data))
