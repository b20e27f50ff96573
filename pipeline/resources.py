"""The package's data files (validators/, form_templates/, config/), read in one place.

They are installed as the sub-packages `pipeline.validators`, `pipeline.form_templates`
and `pipeline.config` (see pyproject.toml), so a wheel install finds them as well as a
checkout does.
"""
from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from pipeline.errors import MissingComponent

AREAS = ("validators", "form_templates", "config")


def path(area: str, *parts: str) -> Path:
    """A real path to a data file (LibreOffice and docxtpl need one)."""
    if area not in AREAS:
        raise ValueError(area)
    p = Path(str(resources.files(f"pipeline.{area}").joinpath(*parts)))
    if not p.exists():
        raise MissingComponent(
            f"fichier de données du programme introuvable : {area}/{'/'.join(parts)} — "
            "l'installation est incomplète : réinstallez le programme (pip install .)")
    return p


@cache
def text(area: str, *parts: str) -> str:
    return path(area, *parts).read_text(encoding="utf-8")


@cache
def _yaml(area: str, *parts: str):
    return yaml.safe_load(text(area, *parts))


def load_yaml_shared(area: str, *parts: str):
    """Parsed once per process and shared: callers must not change it."""
    return _yaml(area, *parts)


def load_yaml(area: str, *parts: str):
    """Parsed once per process; each caller gets its own copy to change freely."""
    return copy.deepcopy(_yaml(area, *parts))
