"""Stage load: dossier.yaml → Dossier, with French errors naming field, line and column."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.dossier.model import Dossier
from pipeline.dossier.yamlio import Loader, check_limits, check_size
from pipeline.errors import InputProblem, InvalidInput

Path_ = tuple  # a path into the YAML document: ("agent", "nir"), ("carriere", 0, "debut")


def _positions(node, path=(), out=None) -> dict[Path_, tuple[int, int]]:
    """Map every path of the document to the (line, column) of its value, 1-based."""
    if out is None:
        out = {}
    out.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            # The key's own line is the most useful place to point at.
            out[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _positions(value_node, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _positions(item, path + (i,), out)
            out[path + (i,)] = (item.start_mark.line + 1, item.start_mark.column + 1)
    return out


def field_label(path: Path_) -> str:
    parts = []
    for p in path:
        if isinstance(p, int):
            parts.append(f"[{p + 1}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts)


class Located:
    """Turns a path into an InputProblem pointing at the right line."""

    def __init__(self, filename: str, positions: dict[Path_, tuple[int, int]]):
        self.filename = filename
        self.positions = positions

    def problem(self, path: Path_, message: str, anchor: Path_ | None = None) -> InputProblem:
        """`anchor`: where to point when `path` is absent (the field that made it required)."""
        probe = tuple(path)
        if anchor is not None and probe not in self.positions:
            probe = tuple(anchor)
        while probe not in self.positions and probe:
            probe = probe[:-1]
        line, col = self.positions.get(probe, (None, None))
        return InputProblem(self.filename, field_label(path), message, line, col)


_MESSAGES = {
    "missing": "champ obligatoire absent : ajoutez-le",
    "extra_forbidden": "champ inconnu (faute de frappe ?) : corrigez ou supprimez-le",
    "string_type": "une chaîne de caractères est attendue",
    "bool_type": "oui/non attendu (true ou false)",
    "bool_parsing": "oui/non attendu (true ou false)",
    "date_type": "date attendue au format AAAA-MM-JJ",
    "date_parsing": "date invalide : écrivez-la au format AAAA-MM-JJ",
    "date_from_datetime_parsing": "date invalide : écrivez-la au format AAAA-MM-JJ",
    "date_from_datetime_inexact": "date attendue sans heure (AAAA-MM-JJ)",
    "decimal_parsing": "nombre attendu",
    "decimal_type": "nombre attendu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "list_type": "une liste est attendue (lignes commençant par « - »)",
    "model_type": "un bloc de champs est attendu",
    "dict_type": "un bloc de champs est attendu",
    "model_attributes_type": "un bloc de champs est attendu",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "int_from_float": "nombre entier attendu (sans décimale)",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "too_short": "liste trop courte",
    "too_long": "liste trop longue",
    "none_required": "aucune valeur attendue ici",
    "time_parsing": "heure attendue au format HH:MM",
    "url_parsing": "adresse web invalide",
    "decimal_max_places": "trop de décimales (deux au plus)",
    "decimal_max_digits": "nombre trop long",
    "union_tag_invalid": "valeur non reconnue",
    "path_type": "chemin de fichier attendu",
}


_PATTERN_HELP = {
    "code_postal": "code postal attendu : 5 chiffres entre guillemets, ex. \"50000\"",
    "siret": "SIRET attendu : 14 chiffres entre guillemets",
    "heure": "heure attendue au format HH:MM entre guillemets, ex. \"10:40\"",
    "id": "identifiant attendu : lettres, chiffres, tirets ou points, sans espace ni accent (ex. INV-2026-0042)",
}


def _translate(err: dict, field: str = "") -> str:
    t = err["type"]
    ctx = err.get("ctx") or {}
    if t in _MESSAGES:
        return _MESSAGES[t]
    if t in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", " ou ")
        return f"valeur non reconnue ; valeurs possibles : {expected}"
    if t == "string_pattern_mismatch":
        return _PATTERN_HELP.get(field, "format incorrect (voir la référence de dossier.yaml dans le README)")
    if t in ("date_type", "decimal_type") and err.get("input") is None:
        return "valeur absente : indiquez-la, ou supprimez la ligne si elle est facultative"
    if t in ("greater_than", "greater_than_equal"):
        return f"la valeur doit être {'>' if t == 'greater_than' else '≥'} {ctx.get('gt', ctx.get('ge'))}"
    if t in ("less_than", "less_than_equal"):
        return f"la valeur doit être {'<' if t == 'less_than' else '≤'} {ctx.get('lt', ctx.get('le'))}"
    if t == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    # pydantic's own sentence is English: the value alone is what the user can act on.
    return "valeur refusée : vérifiez-la (voir la référence de dossier.yaml dans le README)"


def french_error(err: dict) -> str:
    """A pydantic error in French (the command line uses it for option values too)."""
    return _translate(err)


def _clean_loc(loc: tuple, data: Any) -> tuple[Path_, bool]:
    """Keep only the parts of a pydantic location that index the YAML data.

    Returns the path and whether it reached an existing value.
    """
    path: list = []
    cur = data
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            path.append(part)
            cur = cur[part]
        elif isinstance(part, str) and (part[:1].isupper() or part.startswith(("literal[", "function-"))):
            continue  # union branch names: Medecin, literal['aucun']
        else:
            path.append(part)
            return tuple(path), False
    return tuple(path), True


def _validation_problems(exc: ValidationError, data: Any, loc: Located) -> list[InputProblem]:
    problems: dict[tuple, InputProblem] = {}
    for err in exc.errors():
        path, _ = _clean_loc(err["loc"], data)
        last = next((p for p in reversed(path) if isinstance(p, str)), "")
        msg = _translate(err, last)
        # Union errors repeat per branch: keep the first message for a path.
        key = (path,)
        if path == ("medecin_traitant",) and err["type"] == "literal_error":
            if isinstance(data.get("medecin_traitant"), dict):
                continue  # a doctor is described: the other branch's errors say what is wrong
            msg = "écrivez « aucun » ou décrivez le médecin (nom, prénom, adresse)"
        problems.setdefault(key, loc.problem(path, msg))
    return list(problems.values())


def _placeholders(data: Any, path: Path_ = ()) -> list[Path_]:
    """Paths of the values left to fill (« À COMPLÉTER », "", "()"), in document order."""
    from pipeline.text import is_placeholder

    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _placeholders(v, path + (k,))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _placeholders(v, path + (i,))]
    return [path] if is_placeholder(data) else []


def _placeholder_problem(loc: Located, path: Path_, value: str) -> InputProblem:
    if value.strip():
        shown = f"« {value.strip()} »"
        return loc.problem(path, f"{shown} est resté : remplacez-le par la valeur réelle "
                                 "(ou supprimez la ligne si le champ est facultatif)")
    return loc.problem(path, "valeur vide : écrivez la valeur réelle (ou supprimez la ligne si le champ est facultatif)")


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def parse_text(text: str, filename: str) -> tuple[Dossier, Located]:
    try:
        check_limits(text, filename)  # aliases, nodes, lengths: before anything is built
        node = yaml.compose(text, Loader=Loader)
        data = yaml.load(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        reason = getattr(e, "problem", None) or str(e)
        raise InvalidInput([InputProblem(filename, "", f"YAML illisible ({reason}) : vérifiez l'indentation et les deux-points", line, col)])
    if node is None or not isinstance(data, dict):
        raise InvalidInput([InputProblem(filename, "", "le fichier est vide ou n'est pas une description de dossier", 1, 1)])
    located = Located(filename, _positions(node))
    # A value left to fill is an error with its line, even where any text would pass the model:
    # otherwise « À COMPLÉTER » reaches the documents and the agent's notice.
    left = {p: _placeholder_problem(located, p, _get(data, p)) for p in _placeholders(data)}
    try:
        dossier = Dossier.model_validate(data)
    except ValidationError as exc:
        others = [p for p in _validation_problems(exc, data, located) if p.field not in
                  {field_label(path) for path in left}]
        raise InvalidInput(sorted([*left.values(), *others], key=lambda p: (p.line or 0, p.column or 0))) from None
    if left:
        raise InvalidInput(list(left.values()))
    return dossier, located


def load_dossier(path: Path, *, coherence: bool = True) -> Dossier:
    """Read and validate dossier.yaml; raise InvalidInput with every problem found."""
    path = Path(path)
    name = str(path)
    try:
        check_size(path.stat().st_size, name)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput([InputProblem(name, "", "fichier introuvable : vérifiez le chemin")]) from None
    except UnicodeDecodeError:
        raise InvalidInput([InputProblem(name, "", "le fichier n'est pas en UTF-8 : enregistrez-le en UTF-8")]) from None
    except OSError as e:
        raise InvalidInput([InputProblem(name, "", f"lecture impossible ({e.strerror})")]) from None
    dossier, located = parse_text(text, name)
    if coherence:
        from pipeline.dossier.coherence import check_coherence

        problems = check_coherence(dossier, located)
        if problems:
            raise InvalidInput(problems)
    return dossier
