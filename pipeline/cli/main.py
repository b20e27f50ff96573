"""Command line: thin. It parses, calls a stage, prints. Messages in French."""
from __future__ import annotations

import sys

import typer

from pipeline.cli.app import app, err_console
from pipeline.cli.french import usage_message
from pipeline.errors import ExitCode, PipelineError
from pipeline.fsutil import private_umask


_registered = False


def _register_all() -> None:
    # Each area registers its own commands; the modules stay small and separate. Once per
    # process: main() called again (tests, the bench) must not stack duplicate commands.
    global _registered
    if _registered:
        return
    _registered = True
    from pipeline.cli import build as cli_build
    from pipeline.cli import bundle as cli_bundle
    from pipeline.cli import check as cli_check
    from pipeline.cli import dossier as cli_dossier
    from pipeline.cli import estimate as cli_estimate
    from pipeline.cli import forms as cli_forms
    from pipeline.cli import status as cli_status
    from pipeline.cli import watch as cli_watch
    from pipeline.cli import serve as cli_serve
    from typer.core import TyperCommand

    from pipeline.cli.app import COMMAND_CLASS

    for module in (cli_dossier, cli_build, cli_check, cli_bundle, cli_watch, cli_status, cli_estimate, cli_forms, cli_serve):
        module.register(app)
    for info in app.registered_commands:  # French usage line and value types (cli/french.py)
        if info.cls in (None, TyperCommand):
            info.cls = COMMAND_CLASS


def main(argv: list[str] | None = None) -> None:
    private_umask()  # every file we (and LibreOffice, Tesseract) create is owner-only
    _register_all()
    try:
        from typer._click.exceptions import UsageError
    except ImportError:  # pragma: no cover
        UsageError = ()  # type: ignore[assignment]
    try:
        code = app(args=argv, prog_name="pipeline", standalone_mode=False)
    except PipelineError as e:
        err_console.print(f"[bold red]Erreur[/] : {e}", highlight=False)
        sys.exit(e.exit_code)
    except UsageError as e:  # type: ignore[misc]
        cmd = e.ctx.command_path if getattr(e, "ctx", None) else "pipeline"
        message = usage_message(e)
        if message:  # empty: no command given, the help has just been printed
            err_console.print(f"[bold red]Erreur[/] : {message}", highlight=False)
            err_console.print(f"Aide : {cmd} --help")
        sys.exit(ExitCode.USAGE)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("Interrompu.")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as e:  # a bug: say so in French, with a code no result uses, never a traceback
        err_console.print(f"[bold red]Erreur interne[/] ({type(e).__name__}) : le programme a rencontré un "
                          "problème imprévu. Rien n'a été écrit à moitié. Signalez-le aux mainteneurs avec la "
                          "commande lancée (sans joindre de données médicales).", highlight=False)
        sys.exit(ExitCode.INTERNE)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
