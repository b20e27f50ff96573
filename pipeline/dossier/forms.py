"""Form versions as data (form_templates/forms.yaml)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline import resources

# Tolerant of OCR noise: "AF3 - 2406", "AF4–1401", "AF3_2406".
CODE_RE = re.compile(r"\bAF\s?([34])\s?[-–_ ]\s?(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class FormVersions:
    minimum: str
    source: str
    current: dict[str, str]
    known: dict[str, tuple[str, ...]]

    def code(self, form: str) -> str:
        return f"{form}-{self.current[form]}"

    def is_obsolete(self, yymm: str) -> bool:
        return yymm < self.minimum


@functools.lru_cache(maxsize=1)
def versions() -> FormVersions:
    data = resources.load_yaml("form_templates", "forms.yaml")
    forms = data["formulaires"]
    return FormVersions(
        minimum=str(data["version_minimale"]),
        source=data["source"],
        current={k: str(v["courant"]) for k, v in forms.items()},
        known={k: tuple(str(c) for c in v["codes_connus"]) for k, v in forms.items()},
    )


def find_codes(text: str) -> list[tuple[str, str]]:
    """Every form code in `text` as (form, yymm), e.g. ("AF3", "2406")."""
    return [(f"AF{m.group(1)}", m.group(2)) for m in CODE_RE.finditer(text or "")]
