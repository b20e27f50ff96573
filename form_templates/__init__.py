"""Gabarits des documents et versions des imprimés (données installées comme pipeline.form_templates)."""
