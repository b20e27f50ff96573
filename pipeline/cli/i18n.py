"""French for Typer: its messages go through gettext (domain « messages »), so a catalogue
shipped in the package (pipeline/locale/fr/LC_MESSAGES/messages.mo, from messages.po)
translates them. Typer reads some of them when it is imported: `install()` runs first.

Typer's bundled Click does not mark its own messages; the few that reach a user (usage
errors, the usage line, the help option) are rendered in French from the exception's and
the parameter's attributes by `FrenchCommand`, `FrenchGroup` and `usage_message`.
"""
from __future__ import annotations

import gettext
import os
from importlib import resources
from pathlib import Path

DOMAIN = "messages"  # the default gettext domain, the one Typer's `_()` looks up


def locale_dir() -> Path:
    return Path(str(resources.files("pipeline").joinpath("locale")))


def install() -> None:
    # The users read French whatever the machine's locale (often C.UTF-8 on servers).
    os.environ["LANGUAGE"] = "fr"
    gettext.bindtextdomain(DOMAIN, str(locale_dir()))
    gettext.textdomain(DOMAIN)
