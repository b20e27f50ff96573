from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "pipeline.web.desk"
    label = "desk"
    verbose_name = "Bureau des dossiers"
    default_auto_field = "django.db.models.BigAutoField"
