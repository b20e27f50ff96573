"""What views and tasks share: where a dossier's files are, and its stage refreshed."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional

from pipeline import fsutil
from pipeline.bundle import layout

from . import engine, stages, wizard
from .uploads import dossier_dir


def _legacy(dossier, old: str, new: str) -> None:
    """Folders of the desk's first version, renamed once into the command line's layout."""
    base = dossier_dir(dossier)
    if (base / old).is_dir() and not (base / new).exists():
        (base / old).rename(base / new)


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def build_dir(dossier) -> Optional[Path]:
    """DOSSIER/<dossier id>/, as `pipeline build DOSSIER/dossier.yaml -o DOSSIER` writes it."""
    # The identifier names a folder: only what the model accepts (no "/", no leading dot), even
    # while the description is still invalid.
    if not dossier.reference or not _SAFE_ID.fullmatch(dossier.reference):
        return None
    _legacy(dossier, f"construction/{dossier.reference}", dossier.reference)
    return layout.build_dir(dossier_dir(dossier), dossier.reference)


def final_dir(dossier) -> Path:
    """DOSSIER/envoi/, as `pipeline bundle DOSSIER` writes it."""
    _legacy(dossier, "lot_final", layout.ENVOI)
    return dossier_dir(dossier) / layout.ENVOI


def recus_dir(dossier) -> Path:
    return fsutil.ensure_dir(dossier_dir(dossier) / layout.RECUS)


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
    """The dossier.yaml at rest beside its files: the folder is a dossier of the command line
    (`pipeline status`, `pipeline bundle` give the desk's answers on it) and is what backups keep."""
    path = dossier_dir(dossier) / "dossier.yaml"
    try:
        if path.read_text(encoding="utf-8") == dossier.yaml:
            return path
    except OSError:
        pass
    return fsutil.write_text(path, dossier.yaml)


def final_files(dossier) -> list[Path]:
    """The files of the final set when one was written (a bundle that blocked writes nothing)."""
    d = final_dir(dossier)
    if layout.final_manifest(d) is None:
        return []
    return sorted(p for p in d.rglob("*") if p.is_file())


def final_manifest(dossier) -> Optional[dict]:
    return layout.final_manifest(final_dir(dossier))


def _seed_identification(dossier) -> None:
    """What the desk's check already recognised, in the folder's cache, so that the stage never
    reads a scan on a page view (a file not checked yet counts as unrecognised until its check)."""
    known = layout.read_ident_cache(dossier_dir(dossier))
    entries = {sha: (pid or None) for sha, pid in dossier.pieces.values_list("sha256", "piece_id")
               if sha not in known}
    if entries:
        layout.write_ident_cache(dossier_dir(dossier), entries)


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
    refresh(dossier, save=False)
    dossier.save()
    return problems


def status_of(dossier) -> stages.Stade:
    """The stage as `pipeline status` gives it on the dossier's folder, worded for the desk."""
    from pipeline.status import dossier_status

    if dossier.pk:
        write_source(dossier)  # the command line reads the same description, valid or not
    if not dossier.valide or not dossier.pk:
        return stages.Stade("description_invalide", stages.DESK_ACTIONS["description_invalide"], None,
                            "employeur (gestionnaire RH)", "la saisie n'est pas terminée")
    build_dir(dossier), final_dir(dossier)  # legacy folders renamed before the status reads the layout
    _seed_identification(dossier)
    return stages.of_status(dossier_status(dossier_dir(dossier)))


def refresh(dossier, save: bool = True) -> stages.Stade:
    st = status_of(dossier)
    new = (st.code, st.action[:300], st.echeance)
    changed = (dossier.stade, dossier.action, dossier.echeance) != new
    dossier.stade, dossier.action, dossier.echeance = new
    if save and changed:  # a page view writes nothing (nor moves the dossier up the list) when nothing moved
        dossier.save(update_fields=["stade", "action", "echeance", "modifie_le"])
    return st


def bundle(dossier, on_wait=None):
    """`pipeline bundle DOSSIER` on the dossier's folder: the check of the produced and received
    pièces together, and the final set in envoi/ when nothing blocks — the same findings as the
    command line, since it is the same function on the same layout. The result is kept on the
    dossier (pièce recognised for each file, findings without medical text); returns the
    pipeline.bundle BundleResult (its .report is the check's DossierReport)."""
    from django.utils import timezone

    from pipeline.bundle.run import bundle_dossier

    # One run at a time per dossier, result saved included: two drops checked at once would
    # otherwise race, and the older view of the pièces could be saved last.
    folder = dossier_dir(dossier)
    with fsutil.folder_lock(folder, on_wait):
        dossier.refresh_from_db()  # as the run before this one (or an edit meanwhile) left it
        write_source(dossier)
        build_dir(dossier), final_dir(dossier)  # legacy folders renamed first
        pieces = list(dossier.pieces.all())
        result = bundle_dossier(folder, jobs=1, lock=False)
        by_file: dict[str, list[dict]] = {}
        for f in result.report.files:  # one entry per pièce: a file holding several has several
            by_file.setdefault(f["file"], []).append(f)
        for piece in pieces:
            parts = by_file.get(piece.chemin)
            if parts is None:
                continue
            known = [p for p in parts if p.get("lisible", True) and p.get("piece")]
            piece.piece_id = known[0]["piece"] if known else ""
            piece.parties = [{"piece": p["piece"], "first_page": p.get("first_page"), "last_page": p.get("last_page")}
                             for p in known] if len(parts) > 1 else []
            # Medical if any of its parts is, or if a part is not recognised.
            piece.medicale = len(known) < len(parts) or any(is_medical(p["piece"]) for p in known)
            piece.save(update_fields=["piece_id", "parties", "medicale"])
        data = result.report.as_dict()
        keep_crops(dossier, result.report.findings, data["findings"])
        dossier.controle = {"statut": result.status_label, "pieces": [p.as_dict() for p in result.pieces],
                            "constats": data["findings"], "notes": result.notes, "le": timezone.now().isoformat()}
        dossier.bloquants = len(result.blocking)
        dossier.avertissements = result.report.count("avertissement")
        dossier.save(update_fields=["controle", "bloquants", "avertissements"])
        refresh(dossier)
    return result


_PNG = "data:image/png;base64,"


def crops_dir(dossier) -> Path:
    """Outside the dossier's folder: `pipeline bundle` reads every file there as a pièce."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "extraits" / str(dossier.uid)


def keep_crops(dossier, findings: list, constats: list[dict]) -> None:
    """The page zone of each field finding (the crop the check drew for its HTML report), kept
    owner-only so the dossier page shows the evidence next to the finding; `constats[i]["extrait"]`
    names it. The crops of an older check go first: a crop never outlives its finding."""
    import base64
    import shutil

    folder = crops_dir(dossier)
    shutil.rmtree(folder, ignore_errors=True)
    for i, (f, c) in enumerate(zip(findings, constats)):
        image = str((getattr(f, "evidence", None) or {}).get("image") or "")
        if image.startswith(_PNG):
            name = f"constat_{i}.png"
            fsutil.write_bytes(folder / name, base64.b64decode(image[len(_PNG):]))
            c["extrait"] = name


def is_medical(piece_id: str) -> bool:
    return not piece_id or piece_id in engine.medical_piece_ids()
