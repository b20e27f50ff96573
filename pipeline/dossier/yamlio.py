"""YAML as the user wrote it: money exact (Decimal), postal codes and NIR kept as text."""
from __future__ import annotations

import yaml


class Loader(yaml.SafeLoader):
    """Safe loader that keeps money exact and postal codes / NIR as written."""


def _construct_float(loader, node):
    from decimal import Decimal

    return Decimal(loader.construct_scalar(node).replace("_", ""))


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    # 01000 is a postal code, not an octal number.
    if len(text) > 1 and text.startswith("0") and text.isdigit():
        return text
    return yaml.SafeLoader.construct_yaml_int(loader, node)


Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
