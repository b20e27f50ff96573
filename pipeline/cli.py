"""Command line: thin. It parses, calls a stage, prints. Messages in French."""
from __future__ import annotations

import sys

import typer
from rich.console import Console

from pipeline.errors import EXIT_USAGE, PipelineError
from pipeline.fsutil import private_umask

app = typer.Typer(
    name="pipeline",
    help="Préparation et contrôle des dossiers de retraite pour invalidité CNRACL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def _register_all() -> None:
    # Each area registers its own commands; the modules stay small and separate.
    from pipeline import cli_build, cli_check, cli_dossier, cli_estimate, cli_watch

    for module in (cli_dossier, cli_build, cli_check, cli_watch, cli_estimate):
        module.register(app)


def main(argv: list[str] | None = None) -> None:
    private_umask()  # every file we (and LibreOffice, Tesseract) create is owner-only
    _register_all()
    try:
        app(args=argv, standalone_mode=True)
    except PipelineError as e:
        err_console.print(f"[bold red]Erreur[/] : {e}", highlight=False)
        sys.exit(e.exit_code)


def fail(e: PipelineError) -> None:
    """For commands: print a PipelineError in French and exit with its code."""
    err_console.print(f"[bold red]Erreur[/] : {e}", highlight=False)
    raise typer.Exit(e.exit_code)


if __name__ == "__main__":
    main()
