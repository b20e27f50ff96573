"""JSON Schema of dossier.yaml, for editors (YAML language server)."""
from __future__ import annotations

from pipeline.dossier.model import Dossier


def json_schema() -> dict:
    schema = Dossier.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dossier.yaml – retraite pour invalidité CNRACL"
    schema["description"] = "Description d'un dossier de retraite pour invalidité (pipeline build)."
    return schema
