"""The typer application and the way a command reports a PipelineError (French)."""
from __future__ import annotations

import typer
from rich.console import Console

from pipeline.errors import PipelineError

app = typer.Typer(
    name="pipeline",
    help="Préparation et contrôle des dossiers de retraite pour invalidité CNRACL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def fail(e: PipelineError) -> None:
    """For commands: print a PipelineError in French and exit with its code."""
    err_console.print(f"[bold red]Erreur[/] : {e}", highlight=False)
    raise typer.Exit(e.exit_code)
