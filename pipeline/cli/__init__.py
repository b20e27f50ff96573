"""Command line. The French catalogue is bound before Typer is imported (see i18n)."""
from pipeline.cli import i18n as _i18n

_i18n.install()
