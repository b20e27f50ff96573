"""The dossier folder convention shared by bundle, status and the watcher.

    DOSSIER/                    one agent's dossier (a sub-folder of the watcher's --dossiers root)
      dossier.yaml              the description
      <dossier id>/             the build output: `pipeline build DOSSIER/dossier.yaml -o DOSSIER`
      af3.pdf, af4_2.pdf …      pièces filed by the watcher (`pipeline watch`), named by pièce id
      recus/                    pièces received and put there by hand (any name, PDF or image)
      envoi/                    the final set written by `pipeline bundle`
      suivi.yaml                dates recorded by the user: `pipeline status DOSSIER --sent DATE`

Received pièces = the files at the top of DOSSIER (what the watcher files) + recus/ + --received.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Optional

import yaml

from pipeline import fsutil
from pipeline.fsutil import sha256_file  # noqa: F401  (pipeline.bundle.layout.sha256_file)

RECUS = "recus"
ENVOI = "envoi"
SUIVI = "suivi.yaml"
IDENT_CACHE = ".pieces_reconnues.json"  # sha256 of a received file → pièce id (no content, no name)
MANIFEST = "manifest.json"
SCHEMA = "pipeline-bundle/1"


def build_dir(dossier_dir: Path, dossier_id: str) -> Path:
    return Path(dossier_dir) / dossier_id


def build_manifest(dossier_dir: Path, dossier_id: str) -> Optional[dict]:
    """The build's manifest.json, None when the dossier was never built (or it is unreadable)."""
    path = build_dir(dossier_dir, dossier_id) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == "pipeline-build/1" else None


def received_files(dossier_dir: Path, extra: Optional[Path] = None) -> list[Path]:
    """Received files, in a stable order: top of the dossier, then recus/, then --received."""
    from pipeline.check.run import list_files

    out: list[Path] = []
    for folder in (Path(dossier_dir), Path(dossier_dir) / RECUS, Path(extra) if extra else None):
        if folder is None or not folder.is_dir():
            continue
        for p in list_files(folder):
            if p.is_symlink() or p.name == SUIVI:
                continue  # a link could point anywhere: only real files are pièces
            if p not in out:
                out.append(p)
    return out



def file_date(path: Path) -> dt.date:
    """Date a received file arrived: its modification date (kept by the watcher's hard link)."""
    return dt.date.fromtimestamp(Path(path).stat().st_mtime)


def fingerprint(dossier_dir: Path, inputs: list[Path]) -> str:
    """One digest of everything a final set is made of: a changed input makes the set stale."""
    h = hashlib.sha256()
    base = Path(dossier_dir).resolve()
    for p in sorted(inputs, key=lambda x: str(x)):
        try:
            rel = str(Path(p).resolve().relative_to(base))
        except ValueError:
            rel = str(Path(p).resolve())
        h.update(f"{rel}\0{sha256_file(p)}\n".encode())
    return h.hexdigest()


def final_manifest(out_dir: Path) -> Optional[dict]:
    try:
        data = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None


# ------------------------------------------------------------------ suivi.yaml (dates the user records)
SUIVI_KEYS = ("envoi_peps", "avis_cnracl", "radiation")


def read_suivi(dossier_dir: Path) -> dict[str, dt.date]:
    try:
        data = yaml.safe_load((Path(dossier_dir) / SUIVI).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    out = {}
    for k in SUIVI_KEYS:
        v = data.get(k) if isinstance(data, dict) else None
        if isinstance(v, dt.date):
            out[k] = v
        elif isinstance(v, str):
            try:
                out[k] = dt.date.fromisoformat(v)
            except ValueError:
                pass
    return out


def write_suivi(dossier_dir: Path, **dates: Optional[dt.date]) -> Path:
    current = read_suivi(dossier_dir)
    current.update({k: v for k, v in dates.items() if v is not None})
    lines = ["# Dates enregistrées par « pipeline status DOSSIER --sent / --avis / --radiation »."]
    lines += [f"{k}: {current[k].isoformat()}" for k in SUIVI_KEYS if k in current]
    return fsutil.write_text(Path(dossier_dir) / SUIVI, "\n".join(lines) + "\n")


# ------------------------------------------------------------------ pièce of each received file, by sha256
def read_ident_cache(dossier_dir: Path) -> dict[str, Optional[str]]:
    """What earlier runs recognised (a scan is OCR'd once, not at every `pipeline status`)."""
    try:
        data = json.loads((Path(dossier_dir) / IDENT_CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_ident_cache(dossier_dir: Path, entries: dict[str, Optional[str]]) -> None:
    current = read_ident_cache(dossier_dir)
    if all(current.get(k, "?") == v for k, v in entries.items()):
        return
    current.update(entries)
    try:
        fsutil.write_text(Path(dossier_dir) / IDENT_CACHE, json.dumps(current, sort_keys=True, indent=0) + "\n")
    except OSError:
        pass  # a read-only dossier: recognised again next time
