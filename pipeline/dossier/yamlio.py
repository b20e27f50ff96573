"""YAML as the user wrote it: money exact (Decimal), postal codes and NIR kept as text."""
from __future__ import annotations

import yaml


class Loader(yaml.SafeLoader):
    """Safe loader that keeps money exact and postal codes / NIR as written."""


def _construct_float(loader, node):
    from decimal import Decimal, InvalidOperation

    text = loader.construct_scalar(node)
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:  # .inf, .NaN: YAML floats that are no amount; the model refuses the text
        return text
    return value if value.is_finite() else text


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    # 01000 is a postal code, not an octal number.
    if len(text) > 1 and text.startswith("0") and text.isdigit():
        return text
    return yaml.SafeLoader.construct_yaml_int(loader, node)


Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _limits() -> dict:
    from pipeline import resources

    return resources.load_yaml_shared("validators", "limites.yaml")["dossier_yaml"]


def check_size(size: int, filename: str) -> None:
    """A dossier.yaml bigger than the limit is refused before it is read."""
    from pipeline.errors import InputProblem, InvalidInput

    lim = _limits()["octets"]
    if size > lim["valeur"]:
        raise InvalidInput([InputProblem(filename, "", f"fichier trop volumineux ({size} octets, limite "
                                          f"{lim['valeur']}) : {lim['raison']}", 1, 1)])


def check_limits(text: str, filename: str) -> None:
    """Refuse, before building anything, what no dossier needs and what would cost memory:
    anchors and aliases (« billion laughs »), too many nodes, overlong strings.

    Reads the event stream once (constant memory); raises InvalidInput naming the line.
    """
    from pipeline.errors import InputProblem, InvalidInput

    lim = _limits()
    check_size(len(text.encode("utf-8", "surrogatepass")), filename)
    nodes = 0

    def refuse(event, message):
        m = event.start_mark
        raise InvalidInput([InputProblem(filename, "", message, m.line + 1, m.column + 1)])

    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent):
            refuse(event, f"alias YAML « *{event.anchor} » refusé : {lim['alias']['raison']}")
        if not isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            continue
        if event.anchor is not None:
            refuse(event, f"ancre YAML « &{event.anchor} » refusée : {lim['alias']['raison']}")
        nodes += 1
        if nodes > lim["noeuds"]["valeur"]:
            refuse(event, f"trop d'éléments (plus de {lim['noeuds']['valeur']}) : {lim['noeuds']['raison']}")
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > lim["longueur_texte"]["valeur"]:
            refuse(event, f"texte trop long ({len(event.value)} caractères, limite "
                          f"{lim['longueur_texte']['valeur']}) : {lim['longueur_texte']['raison']}")
