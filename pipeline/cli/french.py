"""The French face of the command line where Typer's bundled Click has no catalogue.

`FrenchGroup` / `FrenchCommand` (given to Typer through its `cls` parameter) print the
usage line in French, name arguments in capitals without Typer's « {…} », describe value
types in French and give the help option a French help text. `usage_message` renders a
usage error from the exception's attributes (which option, which parameter, the pydantic
error behind a bad value), never by rewriting the English text.
"""
from __future__ import annotations

import difflib

from typer import core as typer_core
from typer._click import exceptions as click_exc

USAGE_PREFIX = "Utilisation : "
HELP_TEXT = "Affiche cette aide."
# Typer's type labels (`<path>`, `<int>`…) in French; flags show none.
TYPE_LABELS = {"<path>": "<chemin>", "<int>": "<entier>", "<str>": "<texte>", "<float>": "<nombre>",
               "<bool>": "", "<date>": "<date>", "<datetime>": "<date>"}


def _usage_pieces(command, ctx) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, typer_core.TyperArgument):
            name = param.metavar or (param.name or "").upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
    return pieces


class _FrenchParams:
    """Commands and groups alike: each parameter gets its French type label once."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if not getattr(param, "_fr", False):
                _frenchify_params_one(param, ctx)
        return params


class FrenchCommand(_FrenchParams, typer_core.TyperCommand):
    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(_usage_pieces(self, ctx)), prefix=USAGE_PREFIX)


class FrenchGroup(_FrenchParams, typer_core.TyperGroup):
    def __init__(self, *args, **kwargs):
        kwargs["subcommand_metavar"] = kwargs.get("subcommand_metavar") or "COMMANDE [ARGUMENTS]..."
        super().__init__(*args, **kwargs)

    def format_usage(self, ctx, formatter) -> None:
        pieces = _usage_pieces(self, ctx) + [self.subcommand_metavar]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE_PREFIX)


class FrenchArgument(typer_core.TyperArgument):
    """An argument whose value type reads in French in the help (`<chemin>`)."""

    def display_type_rich(self, ctx):
        shown = super().display_type_rich(ctx)
        return TYPE_LABELS.get(shown, shown)


def _frenchify_params_one(param, ctx) -> None:
    param._fr = True
    if type(param) is typer_core.TyperArgument:
        param.__class__ = FrenchArgument  # same object, French type label
    if param.metavar is None:
        if isinstance(param, typer_core.TyperArgument):
            param.metavar = (param.name or "").upper()
        elif getattr(param, "is_flag", False):
            param.metavar = ""
        else:
            shown = param.display_type(ctx)
            param.metavar = TYPE_LABELS.get(shown, shown)
    if getattr(param, "is_flag", False) and param.help == "Show this message and exit.":
        param.help = HELP_TEXT


def _param_name(param) -> str:
    if param is None:
        return "?"
    if isinstance(param, typer_core.TyperArgument):
        return param.metavar or (param.name or "").upper()
    longs = [o for o in param.opts if o.startswith("--")]
    return (longs or param.opts or [param.name])[0]


def _pydantic_reason(exc) -> str | None:
    from pydantic import ValidationError

    from pipeline.dossier.load import french_error

    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        return french_error(cause.errors()[0])
    return None


def _find_option(ctx, option_name: str):
    command = getattr(ctx, "command", None)
    for param in (command.get_params(ctx) if command is not None else []):
        if option_name in getattr(param, "opts", ()) or option_name in getattr(param, "secondary_opts", ()):
            return param
    return None


def usage_message(e: click_exc.UsageError) -> str:
    """A usage error in French, from what the exception knows."""
    ctx = getattr(e, "ctx", None)
    if isinstance(e, click_exc.NoArgsIsHelpError):
        return ""  # the help is already on screen
    if isinstance(e, click_exc.NoSuchOption):
        close = difflib.get_close_matches(e.option_name, sorted(e.possibilities or []), n=1) or sorted(e.possibilities or [])[:1]
        hint = f" (vouliez-vous dire {close[0]} ?)" if close else ""
        return f"option inconnue : {e.option_name}{hint}"
    if isinstance(e, click_exc.MissingParameter):
        what = "argument obligatoire absent" if isinstance(e.param, typer_core.TyperArgument) else "option obligatoire absente"
        return f"{what} : {_param_name(e.param)}"
    if isinstance(e, click_exc.BadParameter):
        reason = _pydantic_reason(e) or e.message
        return f"valeur invalide pour {_param_name(e.param)} : {reason}"
    if isinstance(e, click_exc.BadOptionUsage):
        param = _find_option(ctx, e.option_name) if ctx else None
        # Click raises it without a context: its two sentences are « requires » / « does not take ».
        if (param is not None and getattr(param, "is_flag", False)) or "does not take" in e.message:
            return f"l'option {e.option_name} n'attend pas de valeur"
        return f"l'option {e.option_name} attend une valeur"
    reason = _pydantic_reason(e)
    if reason:
        return f"valeur invalide : {reason}"
    message = e.format_message()
    if message.startswith("Got unexpected extra argument"):  # Click's only plain usage error
        extra = message[message.rfind(" (") + 2:message.rfind(")")]
        return f"argument(s) en trop : {extra}"
    if message.startswith("Commande inconnue") and ctx is not None:  # from the catalogue
        names = list(getattr(ctx.command, "commands", {}) or {})
        typo = message.split("«")[-1].split("»")[0].strip() if "«" in message else ""
        close = difflib.get_close_matches(typo, names, n=3)
        if close:
            message = message.rstrip(".") + f" ; vouliez-vous dire {', '.join(close)} ?"
    return message


