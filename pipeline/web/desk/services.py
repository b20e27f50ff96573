"""What views and tasks share: where a dossier's files are, and its stage refreshed."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from pipeline import fsutil

from . import engine, stages, wizard
from .uploads import dossier_dir


def build_dir(dossier) -> Optional[Path]:
    if not dossier.reference:
        return None
    return dossier_dir(dossier) / "construction" / dossier.reference


def final_dir(dossier) -> Path:
    return dossier_dir(dossier) / "lot_final"


def recus_dir(dossier) -> Path:
    return fsutil.ensure_dir(dossier_dir(dossier) / "recus")


def manifest(dossier) -> Optional[dict]:
    d = build_dir(dossier)
    if d is None or not (d / "manifest.json").is_file():
        return None
    return json.loads((d / "manifest.json").read_text(encoding="utf-8"))


def model_of(dossier):
    if not dossier.valide:
        return None
    m, _ = wizard.validate(dossier.yaml)
    return m


def write_source(dossier) -> Path:
    """The dossier.yaml at rest beside its files (for the check's cross-reading and for backups)."""
    return fsutil.write_text(dossier_dir(dossier) / "dossier.yaml", dossier.yaml)


def final_files(dossier) -> list[Path]:
    d = final_dir(dossier)
    return sorted(p for p in d.rglob("*") if p.is_file()) if d.is_dir() else []


def save_yaml(dossier, data: dict) -> list[wizard.Problem]:
    """Store the answers as dossier.yaml, judge them with the dossier stage, refresh the stage."""
    dossier.yaml = wizard.dump_yaml(data)
    model, problems = wizard.validate(dossier.yaml)
    dossier.valide = model is not None
    ref = wizard.get(data, "dossier.id")
    if isinstance(ref, str) and ref and not dossier.construit_le:
        dossier.reference = ref[:64]
    agent = " ".join(str(x) for x in (wizard.get(data, "agent.prenoms"), wizard.get(data, "agent.nom_usage")
                                       or wizard.get(data, "agent.nom_naissance")) if x)
    dossier.agent = agent[:200]
    profil = wizard.get(data, "dossier.profil")
    dossier.profil = str(getattr(profil, "value", profil) or "cnracl")[:10]
    refresh(dossier, model, save=False)
    dossier.save()
    return problems


def refresh(dossier, model=None, save: bool = True) -> stages.Stade:
    if model is None and dossier.valide:
        model = model_of(dossier)
    bd = build_dir(dossier)
    built = bool(dossier.construit_le) and bd is not None and bd.is_dir()
    st = stages.compute(dossier, model, built=built, received=dossier.pieces.count() if dossier.pk else 0,
                        final=bool(final_files(dossier)))
    dossier.stade, dossier.action, dossier.echeance = st.code, st.action[:300], st.echeance
    if save:
        dossier.save(update_fields=["stade", "action", "echeance", "modifie_le"])
    return st


def is_medical(piece_id: str) -> bool:
    return not piece_id or piece_id in engine.medical_piece_ids()
