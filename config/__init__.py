"""Paramètres datés et contacts (données installées comme pipeline.config)."""
