"""The typer application and the way a command reports a PipelineError (French)."""
from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from pipeline.cli.french import FrenchCommand, FrenchGroup
from pipeline.errors import PipelineError

app = typer.Typer(
    name="pipeline",
    help="Préparation et contrôle des dossiers de retraite pour invalidité CNRACL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=FrenchGroup,
    suggest_commands=False,  # the suggestion is made in French by french.usage_message
)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)
COMMAND_CLASS = FrenchCommand  # main.py gives it to every registered command


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("pipeline-invalidite")
    except PackageNotFoundError:  # run from a checkout without installing
        from pipeline import __version__

        return __version__


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"pipeline {version()}")
        raise typer.Exit(0)


@app.callback()
def _root(show_version: Optional[bool] = typer.Option(
        None, "--version", callback=_show_version, is_eager=True, help="Affiche la version du programme.")):
    """Préparation et contrôle des dossiers de retraite pour invalidité CNRACL."""


def fail(e: PipelineError) -> None:
    """For commands: print a PipelineError in French and exit with its code."""
    err_console.print(f"[bold red]Erreur[/] : {e}", highlight=False)
    raise typer.Exit(e.exit_code)
