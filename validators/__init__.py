"""Rules of `pipeline check` (rules_*.py, registered in registry.py) and their data (forms/, pieces.yaml)."""
