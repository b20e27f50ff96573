"""Exceptions mapped to exit codes (like OCRmyPDF's ExitCode).

A crash never shares a code with a result: 1 means "a dossier is incomplete", nothing else.
"""
from __future__ import annotations

import enum
import os
import sysconfig
from dataclasses import dataclass, field


class ExitCode(enum.IntEnum):
    OK = 0  # done; for check: every dossier complet
    INCOMPLET = 1  # check / bundle: at least one dossier incomplet
    USAGE = 2  # bad argument, unreadable or invalid input file, missing folder: nothing written
    COMPOSANT = 3  # a system component is missing or broken (LibreOffice, Tesseract, libmagic)
    INTERNE = 4  # a bug of the program: reported in French, never as a traceback
    INTERRUPTED = 130  # Ctrl-C


@dataclass
class InputProblem:
    """One thing wrong in a user's file: where, and what to do."""

    file: str
    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", ligne {self.line}"
            if self.column is not None:
                where += f", colonne {self.column}"
        champ = f" — champ « {self.field} »" if self.field else ""
        return f"{where}{champ} : {self.message}"


class PipelineError(Exception):
    exit_code = ExitCode.USAGE


@dataclass
class InvalidInput(PipelineError):
    problems: list[InputProblem] = field(default_factory=list)

    def __str__(self) -> str:
        n = len(self.problems)
        head = "1 erreur" if n == 1 else f"{n} erreurs"
        return f"{head} dans la description du dossier :\n" + "\n".join(f"  - {p}" for p in self.problems)


class MissingComponent(PipelineError):
    """A system component (LibreOffice, Tesseract...) is not installed or does not work."""

    exit_code = ExitCode.COMPOSANT


_STDLIB = tuple({os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")})


def raised_in(exc: BaseException) -> tuple[str, int]:
    """(module, line) of the innermost frame of `exc` outside the standard library (re, json…
    only relay what they are given): which code, ours or a library's, failed. ("", 0) if none."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    for frame, line in reversed(frames):
        path = os.path.realpath(frame.f_code.co_filename)
        if path.startswith(_STDLIB) and "-packages" not in path:
            continue
        return str(frame.f_globals.get("__name__", "")), line
    return "", 0
