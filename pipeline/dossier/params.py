"""Dated parameters (data in config/parametres.yaml): value in force at a date, with its source."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from pipeline import resources
from pipeline.dossier.yamlio import Loader  # keeps floats as Decimal
from pipeline.errors import InputProblem, InvalidInput


@dataclass(frozen=True)
class Param:
    name: str
    valeur: Any
    depuis: dt.date
    source: str
    derive: bool = False  # computed or deduced from an example: to confirm
    non_source: bool = False  # no official source found (secondary source, or none)


def _decimalize(v):
    if isinstance(v, float):
        return Decimal(str(v))
    if isinstance(v, dict):
        return {k: _decimalize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decimalize(x) for x in v]
    return v


@functools.lru_cache(maxsize=4)
def _table(path: str) -> dict[str, list[Param]]:
    p = Path(path)
    data = yaml.load(p.read_text(encoding="utf-8"), Loader=Loader) or {}
    table: dict[str, list[Param]] = {}
    for name, entries in data.items():
        rows = []
        for i, e in enumerate(entries):
            try:
                rows.append(Param(name, _decimalize(e["valeur"]), e["depuis"], e["source"],
                                  bool(e.get("derive", False)), bool(e.get("non_source", False))))
            except (KeyError, TypeError):
                raise InvalidInput([InputProblem(str(p), f"{name}[{i + 1}]", "chaque valeur doit avoir « depuis », « valeur » et « source »")]) from None
        table[name] = sorted(rows, key=lambda r: r.depuis, reverse=True)
    return table


def get(name: str, at: dt.date, path: Path | None = None) -> Param:
    """The value of parameter `name` in force at date `at` (the latest row whose `depuis` <= `at`).

    A row with `valeur: null` marks a period whose value was not sourced: KeyError, so a
    computation says the value is missing instead of using an older one.
    """
    rows = _table(str(path or resources.path("config", "parametres.yaml"))).get(name)
    if not rows:
        raise KeyError(f"paramètre inconnu : {name}")
    for row in rows:
        if row.depuis <= at:
            if row.valeur is None:
                raise KeyError(f"paramètre {name} : valeur non sourcée au {at:%d/%m/%Y} ({row.source})")
            return row
    raise KeyError(f"paramètre {name} : aucune valeur en vigueur au {at:%d/%m/%Y}")

