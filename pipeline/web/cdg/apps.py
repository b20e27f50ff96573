from django.apps import AppConfig


class CdgConfig(AppConfig):
    # No models: it reads and writes the desk's (Dossier, Tache); its tasks.py is found by Huey.
    name = "pipeline.web.cdg"
    label = "cdg"
    verbose_name = "Centre de gestion"
