"""Safe extraction of a received zip (a dossier sent as one archive: web desk, `check x.zip`).

Refused before anything is written: too many entries, too many bytes once decompressed,
a compression ratio only a zip bomb has, paths leaving the folder (`..`, absolute, drive
letters), links. The declared sizes are not trusted: bytes are counted while extracting.
Files are written owner-only; on refusal nothing extracted is left behind.
"""
from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from pipeline.errors import InputProblem, InvalidInput
from pipeline.read.limits import exceeded, limit

CHUNK = 1 << 20


def _refuse(zip_path: Path, entry: str, message: str) -> InvalidInput:
    return InvalidInput([InputProblem(str(zip_path), entry, f"archive refusée : {message}")])


def _safe_name(name: str) -> str | None:
    """The entry's relative path, or None when it would leave the destination."""
    if "\x00" in name:
        return None
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(norm).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def check_zip(zip_path: Path) -> list[zipfile.ZipInfo]:
    """The entries to extract (directories left out); raises InvalidInput when refused."""
    count_l, total_l, ratio_l = limit("zip", "fichiers"), limit("zip", "octets_total"), limit("zip", "rapport_compression")
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise _refuse(zip_path, "", f"fichier zip endommagé ou illisible ({type(e).__name__})") from None
    with zf:
        infos = zf.infolist()
    if len(infos) > count_l.valeur:
        raise _refuse(zip_path, "", exceeded("trop de fichiers", len(infos), count_l))
    total = 0
    out = []
    for info in infos:
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse(zip_path, info.filename, "lien symbolique : une archive de dossier ne contient que des fichiers")
        if _safe_name(info.filename) is None:
            raise _refuse(zip_path, info.filename, "chemin qui sort du dossier (« .. » ou chemin absolu)")
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise _refuse(zip_path, info.filename, "fichier chiffré : envoyez une archive sans mot de passe")
        total += info.file_size
        if total > total_l.valeur:
            raise _refuse(zip_path, "", exceeded("contenu décompressé trop volumineux", total, total_l, size=True))
        if info.file_size > 1 << 20 and info.file_size > ratio_l.valeur * max(1, info.compress_size):
            raise _refuse(zip_path, info.filename,
                          exceeded("taux de compression anormal", f"{info.file_size // max(1, info.compress_size)} pour 1", ratio_l))
        out.append(info)
    return out


def extract(zip_path: Path, dest: Path) -> list[Path]:
    """Extract `zip_path` into `dest` (created 0700); returns the files written, in archive order."""
    zip_path, dest = Path(zip_path), Path(dest)
    infos = check_zip(zip_path)
    total_l = limit("zip", "octets_total")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: list[Path] = []
    total = 0
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for info in infos:
                rel = _safe_name(info.filename)
                target = dest / rel
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if target.resolve().parent != target.parent.resolve() or not target.resolve().is_relative_to(dest.resolve()):
                    raise _refuse(zip_path, info.filename, "chemin qui sort du dossier")
                if target.exists():
                    raise _refuse(zip_path, info.filename, "deux fichiers du même nom dans l'archive")
                n = 0
                written.append(target)  # from now on: removed if anything goes wrong
                with zf.open(info) as src, open(target, "xb") as out:
                    target.chmod(0o600)
                    while chunk := src.read(CHUNK):
                        n += len(chunk)
                        total += len(chunk)
                        # The header may lie: count what really comes out.
                        if n > info.file_size or total > total_l.valeur:
                            raise _refuse(zip_path, info.filename, exceeded(
                                "contenu décompressé plus grand que annoncé ou que la limite", total, total_l, size=True))
                        out.write(chunk)
    except InvalidInput:
        _cleanup(written, dest)
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as e:
        _cleanup(written, dest)
        raise _refuse(zip_path, "", f"fichier zip endommagé ou illisible ({type(e).__name__})") from None
    return written


def _cleanup(written: list[Path], dest: Path) -> None:
    for p in written:
        p.unlink(missing_ok=True)
    for p in sorted(dest.rglob("*"), reverse=True):
        if p.is_dir():
            try:
                p.rmdir()
            except OSError:
                pass
