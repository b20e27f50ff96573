"""What the watcher may touch: data folders apart from the code, no symlink, no special file.

Like OCRmyPDF's watcher security module, the data folders (INBOX, ROOT) must never be the
code's folders or the virtual environment's, nor contain them: a file dropped in INBOX must
never be able to replace a module, and the watcher must never read outside INBOX.
"""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pipeline
from pipeline.errors import InputProblem, InvalidInput


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def code_dirs() -> list[Path]:
    # The package, the repository beside it (templates, config, validators) and the Python environment.
    dirs = {Path(pipeline.__file__).resolve().parent, Path(pipeline.__file__).resolve().parent.parent, Path(sys.prefix).resolve(),
            Path(sys.base_prefix).resolve()}
    return sorted(dirs)


def check_folders(inbox: Path, root: Path) -> tuple[Path, Path]:
    """Resolved (inbox, root), or InvalidInput in French saying what to change."""
    problems = []
    for label, p in (("INBOX", inbox), ("--dossiers", root)):
        if not Path(p).is_dir():
            problems.append(InputProblem(str(p), label, "ce dossier n'existe pas : créez-le ou corrigez le chemin"))
    if problems:
        raise InvalidInput(problems)
    inbox_r, root_r = Path(inbox).resolve(), Path(root).resolve()
    if _inside(inbox_r, root_r) or _inside(root_r, inbox_r):
        problems.append(InputProblem(str(inbox), "INBOX", "le dossier de dépôt et le dossier des dossiers doivent être "
                                     "séparés (aucun des deux ne doit contenir l'autre) : choisissez deux dossiers distincts"))
    for p, label in ((inbox_r, "INBOX"), (root_r, "--dossiers")):
        for code in code_dirs():
            if _inside(p, code) or _inside(code, p):
                problems.append(InputProblem(str(p), label, f"ce dossier de données touche au programme ou à son "
                                             f"environnement ({code}) : les données et le code ne se mélangent pas, "
                                             "choisissez un dossier ailleurs"))
    if problems:
        raise InvalidInput(problems)
    return inbox_r, root_r


def refuse_reason(inbox: Path, path: Path) -> str | None:
    """French reason not to take `path` (a candidate found in INBOX), or None when it is safe.

    Never follows a link: only lstat is used, and the resolved parent must stay inside INBOX.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "le fichier a disparu avant d'être pris"
    if stat.S_ISLNK(st.st_mode):
        return "lien symbolique refusé : déposez le fichier lui-même, pas un lien"
    if not stat.S_ISREG(st.st_mode):
        return "fichier spécial refusé (tube, périphérique ou socket) : déposez un fichier ordinaire"
    if st.st_nlink > 1:
        return "fichier à liens multiples (lien physique) refusé : déposez une copie du fichier"
    parent = Path(path).parent.resolve()
    if not _inside(parent, Path(inbox).resolve()):
        return "le fichier se trouve hors du dossier de dépôt : refusé"
    return None


def open_nofollow(path: Path, flags: int = os.O_RDONLY) -> int:
    """Open without following a final symlink (raises OSError on a link)."""
    return os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))


def is_hidden_or_temporary(name: str) -> bool:
    """Files a scanner or a copy program is still writing under a temporary name."""
    base = os.path.basename(name)
    low = base.lower()
    return (base.startswith(".") or base.startswith("~") or low.endswith((".tmp", ".part", ".crdownload", "~"))
            or low in ("thumbs.db", "desktop.ini"))
