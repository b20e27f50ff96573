"""Préparation et contrôle des dossiers de retraite pour invalidité CNRACL."""
from pathlib import Path

__version__ = "0.1.0"

# The repository root: form_templates/, config/ and samples/ live beside the package.
ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "form_templates"
CONFIG_DIR = ROOT / "config"
