"""The stages the desk calls: one place, so views and tasks stay thin."""
from __future__ import annotations

from typing import Any

from pipeline.check.run import check_dossier as _check_dossier
from pipeline.compute.ics import to_ics
from pipeline.compute.timeline import timeline
from pipeline.dossier import model as _model
from pipeline.dossier.coherence import check_coherence
from pipeline.dossier.load import parse_text as _parse_text
from pipeline.dossier.pieces import load_catalogue
from pipeline.dossier.yamlio import Loader


def parse_text(text: str, filename: str = "dossier.yaml"):
    return _parse_text(text, filename)


def yaml_loader():
    return Loader


def model():
    return _model


def build_steps():
    """(plan, convert_plans, finish) of the build stage."""
    from pipeline.build.run import convert_plans, finish, plan

    return plan, convert_plans, finish


def converter():
    """The process's resident LibreOffice (started at the first conversion, restarted if it dies):
    a click on « Construire » does not pay LibreOffice's cold start each time."""
    from pipeline.build.convert import get_converter

    return get_converter()


def check_dossier(folder, dossier_yaml=None, profile=None, jobs=1):
    return _check_dossier(folder, dossier_yaml, profile, jobs=jobs)


def catalogue():
    return load_catalogue()


def medical_piece_ids() -> set[str]:
    return {p.id for p in catalogue().pieces if p.medicale}


def piece_label(piece_id: str) -> str:
    try:
        return catalogue().get(piece_id).libelle
    except KeyError:
        return piece_id or "pièce non reconnue"


def letters() -> Any:
    """The per-collectivité report stage (issue 12) when installed; None until then."""
    try:
        from pipeline.check import letters as mod
    except ImportError:
        return None
    return mod


__all__ = ["to_ics", "timeline", "check_coherence"]
