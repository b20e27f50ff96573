"""Exceptions mapped to exit codes (like OCRmyPDF's ExitCode).

0: every dossier complet; 1: at least one incomplet; 2: the command could not
run (bad arguments, unreadable dossier description, missing folder).
"""
from __future__ import annotations

from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_INCOMPLET = 1
EXIT_USAGE = 2


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
    exit_code = EXIT_USAGE


@dataclass
class InvalidInput(PipelineError):
    problems: list[InputProblem] = field(default_factory=list)

    def __str__(self) -> str:
        n = len(self.problems)
        head = "1 erreur" if n == 1 else f"{n} erreurs"
        return f"{head} dans la description du dossier :\n" + "\n".join(f"  - {p}" for p in self.problems)


class MissingComponent(PipelineError):
    """A system component (LibreOffice, Tesseract...) is not installed."""
