"""NIR (numéro de sécurité sociale): normalisation and control key.

Key = 97 − (13-digit number mod 97); for Corsica, 2A → 19 and 2B → 18 are
substituted before computing (INSEE convention, rules.md).
"""
from __future__ import annotations

import re

_NIR_RE = re.compile(r"^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{3}\d{3}\d{2}$")
# In running text: 15 characters with optional spaces between the usual groups.
NIR_IN_TEXT = re.compile(
    r"(?<![\dA-Z])([12378])\s?(\d{2})\s?(\d{2})\s?(\d{2}|2A|2B)\s?(\d{3})\s?(\d{3})\s?(\d{2})(?![\dA-Z])",
    re.IGNORECASE,
)


def normalize(value: str) -> str:
    return re.sub(r"[\s.\-]", "", str(value)).upper()


def control_key(first13: str) -> int:
    dept = first13[5:7].upper()
    digits = first13[:5] + {"2A": "19", "2B": "18"}.get(dept, dept) + first13[7:]
    return 97 - (int(digits) % 97)


def problem(value: str) -> str | None:
    """French reason why `value` is not a valid NIR, or None."""
    n = normalize(value)
    if len(n) != 15:
        return f"le NIR doit compter 15 caractères (13 chiffres et la clé), il en a {len(n)}"
    if not _NIR_RE.match(n):
        return "le NIR est mal formé (sexe, année, mois, département, commune, ordre, clé)"
    expected = control_key(n[:13])
    if int(n[13:]) != expected:
        return f"la clé du NIR est fausse : {n[13:]} au lieu de {expected:02d}"
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None


def fmt(value: str) -> str:
    """Printed form: 1 85 03 75 116 042 57."""
    n = normalize(value)
    return f"{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:10]} {n[10:13]} {n[13:15]}"


def find_all(text: str) -> list[str]:
    """Every NIR-shaped string in `text`, normalised (valid or not)."""
    return ["".join(m.groups()).upper() for m in NIR_IN_TEXT.finditer(text)]


def with_key(first13: str) -> str:
    return first13 + f"{control_key(first13):02d}"
