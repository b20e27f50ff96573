"""`pipeline schema` gives editors a French help text on every field; `init` points editors at it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from tests.paths import REPO


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


def _properties(node, path=""):
    """Every (path, property schema) of the JSON schema, definitions included."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield f"{path}.{name}", prop
        for key, value in node.items():
            yield from _properties(value, f"{path}/{key}" if key != "properties" else path)
    elif isinstance(node, list):
        for item in node:
            yield from _properties(item, path)


def test_every_property_has_a_french_description():
    r = run("schema")
    assert r.returncode == 0, r.stderr
    schema = json.loads(r.stdout)
    props = list(_properties(schema))
    assert len(props) > 100
    missing = [p for p, prop in props if not prop.get("description")]
    assert missing == []
    english = [p for p, prop in props if any(w in prop["description"].split() for w in ("the", "of", "and", "date of"))]
    assert english == []
    nir = schema["$defs"]["Agent"]["properties"]["nir"]["description"]
    assert "15 caractères" in nir


def test_every_field_of_the_model_is_described():
    from pipeline.dossier import model

    for cls in vars(model).values():
        if isinstance(cls, type) and issubclass(cls, model.BaseModel) and cls.__module__ == model.__name__:
            for name, field in cls.model_fields.items():
                assert field.description, f"{cls.__name__}.{name}"


def test_init_skeleton_starts_with_the_yaml_language_server_header(tmp_path):
    r = run("init", "dossier.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "dossier.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./dossier.schema.json"
    schema = json.loads((tmp_path / "dossier.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["agent"]["description"]
    assert oct((tmp_path / "dossier.schema.json").stat().st_mode & 0o777) == "0o600"
    # every top-level key of the skeleton is a property of the schema
    data = yaml.safe_load(text)
    assert set(data) <= set(schema["properties"])
