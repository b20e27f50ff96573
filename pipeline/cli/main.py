"""Command line: thin. It parses, calls a stage, prints. Messages in French."""
from __future__ import annotations

import re
import sys

import typer

from pipeline.cli.app import app, err_console
from pipeline.errors import ExitCode, PipelineError
from pipeline.fsutil import private_umask


def _register_all() -> None:
    # Each area registers its own commands; the modules stay small and separate.
    from pipeline.cli import build as cli_build
    from pipeline.cli import check as cli_check
    from pipeline.cli import dossier as cli_dossier
    from pipeline.cli import estimate as cli_estimate
    from pipeline.cli import watch as cli_watch
    from pipeline.cli import serve as cli_serve

    for module in (cli_dossier, cli_build, cli_check, cli_watch, cli_estimate, cli_serve):
        module.register(app)


# Usage errors come from Typer's bundled Click in English: the users read French.
_USAGE_FR = [
    (re.compile(r"^No such option: (.+?)(?: Did you mean (.+)\?)?$"),
     lambda m: f"option inconnue : {m[1]}" + (f" (vouliez-vous dire {m[2]} ?)" if m[2] else "")),
    (re.compile(r"^Missing argument '(.+)'\.?$"), lambda m: f"argument obligatoire absent : {m[1]}"),
    (re.compile(r"^Missing option '(.+)'\.?$"), lambda m: f"option obligatoire absente : {m[1]}"),
    (re.compile(r"^Option '(.+)' requires an argument\.?$"), lambda m: f"l'option {m[1]} attend une valeur"),
    (re.compile(r"^Invalid value for (.+?): (.+)$"), lambda m: f"valeur invalide pour {m[1]} : {m[2]}"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$"), lambda m: f"argument(s) en trop : {m[1]}"),
    (re.compile(r"^No such command '(.+)'\.?$"), lambda m: f"commande inconnue : {m[1]}"),
]


def _french_usage(message: str) -> str:
    for pattern, render in _USAGE_FR:
        m = pattern.match(message.strip())
        if m:
            return render(m)
    return message


def _french_help_labels() -> None:
    try:
        import typer.rich_utils as ru
    except ImportError:  # pragma: no cover - other Typer versions keep English labels
        return
    for name, value in {
        "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
        "COMMANDS_PANEL_TITLE": "Commandes", "ERRORS_PANEL_TITLE": "Erreur",
        "ABORTED_TEXT": "Interrompu.", "REQUIRED_LONG_STRING": "[obligatoire]",
        "DEFAULT_STRING": "[défaut : {}]",
    }.items():
        if hasattr(ru, name):
            setattr(ru, name, value)
    try:
        from typer._click import core as click_core
    except ImportError:  # pragma: no cover
        return
    original = getattr(click_core.Command, "get_help_option", None)
    if original is None or getattr(original, "_fr", False):
        return

    def get_help_option(self, ctx):
        opt = original(self, ctx)
        if opt is not None:
            opt.help = "Affiche cette aide."
        return opt

    get_help_option._fr = True
    click_core.Command.get_help_option = get_help_option


def main(argv: list[str] | None = None) -> None:
    private_umask()  # every file we (and LibreOffice, Tesseract) create is owner-only
    _french_help_labels()
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
        err_console.print(f"[bold red]Erreur[/] : {_french_usage(e.format_message())}")
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
