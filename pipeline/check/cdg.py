"""The CDG's identity (letterhead, signatory, city) as data the CDG edits: config/cdg.yaml.

The installed file is an example; a CDG gives its own copy with `--cdg FICHIER`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from pipeline import resources
from pipeline.errors import InputProblem, InvalidInput


class Signataire(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nom: str
    qualite: str


class Cdg(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nom: str
    service: str = ""
    adresse: list[str]
    telephone: str = ""
    email: str = ""
    logo: Optional[str] = None
    signataire: Signataire
    ville: str
    # Where the file was read from: a relative logo path starts there.
    source: str = ""

    @field_validator("adresse", mode="before")
    @classmethod
    def _lines(cls, v):
        return [v] if isinstance(v, str) else v

    def logo_path(self) -> Optional[Path]:
        if not self.logo:
            return None
        p = Path(self.logo)
        return p if p.is_absolute() else Path(self.source).parent / p


def _line_of(node, key: str) -> Optional[int]:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if getattr(k, "value", None) == key:
                return k.start_mark.line + 1
    return None


def load_cdg(path: Optional[Path] = None) -> Cdg:
    """The CDG's identity: `path` if given, else the installed config/cdg.yaml.

    Raises InvalidInput (exit 2) naming the file, the field and the line.
    """
    src = Path(path) if path is not None else resources.path("config", "cdg.yaml")
    name = str(src)
    try:
        text = src.read_text(encoding="utf-8")
    except OSError:
        raise InvalidInput([InputProblem(name, "", "fichier d'identité du CDG introuvable ou illisible")]) from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InvalidInput([InputProblem(name, "", "syntaxe YAML incorrecte (vérifiez l'indentation et les guillemets)",
                                         mark.line + 1 if mark else None)]) from None
    if not isinstance(data, dict):
        raise InvalidInput([InputProblem(name, "", "le fichier doit contenir les champs nom, adresse, signataire, ville")])
    try:
        cdg = Cdg(**{k: v for k, v in data.items() if k != "source"}, source=str(src))
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"])
            msg = {"missing": "champ obligatoire manquant", "extra_forbidden": "champ inconnu"}.get(
                err["type"], "valeur incorrecte (texte attendu)")
            problems.append(InputProblem(name, loc, msg, _line_of(node, str(err["loc"][0]))))
        raise InvalidInput(problems) from None
    logo = cdg.logo_path()
    if logo is not None and not logo.is_file():
        raise InvalidInput([InputProblem(name, "logo", f"image du logo introuvable : {logo}", _line_of(node, "logo"))])
    return cdg
