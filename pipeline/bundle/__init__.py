"""Received pièces → the final set to send (issue 10). See run.py and layout.py (folder convention)."""
from pipeline.bundle.run import BundleResult, PieceOut, bundle_dossier

__all__ = ["BundleResult", "PieceOut", "bundle_dossier"]
