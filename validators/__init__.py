"""Zones, libellés et règles du contrôle (données et règles, installées comme pipeline.validators)."""
