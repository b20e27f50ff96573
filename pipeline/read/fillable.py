"""Fillable PDFs (AcroForm): the fields a PDF carries, and what each one means for our forms.

The meaning comes from the field maps kept as data per form version (`champs_pdf` in
validators/forms/af3.yaml and af4.yaml): a new official version is mapped by editing data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline import resources
from pipeline.errors import PipelineError

FORMS = ("af3", "af4")


@dataclass
class PdfField:
    name: str
    kind: str  # texte | case | liste | signature | autre
    value: str  # "" when empty; a box: its state name (« Yes », « Off »)
    page: Optional[int]  # 1-based, None when the field has no widget on a page
    meaning: list[str]  # « af3 (2406) : nom_naissance »… from the field maps

    def as_dict(self) -> dict:
        return {"nom": self.name, "type": self.kind, "valeur": self.value, "page": self.page,
                "correspond_a": self.meaning}


_KINDS = {"/Tx": "texte", "/Btn": "case", "/Ch": "liste", "/Sig": "signature"}


def field_maps() -> dict[str, dict[str, dict[str, str]]]:
    """form → version → {PDF field name: field read}."""
    return {f: resources.load_yaml_shared("validators", "forms", f"{f}.yaml").get("champs_pdf") or {}
            for f in FORMS}


def meanings(name: str) -> list[str]:
    out = []
    for form, versions in field_maps().items():
        for version, mapping in versions.items():
            if name in mapping:
                out.append(f"{form} ({version}) : {mapping[name]}")
    return out


def list_fields(path: Path) -> list[PdfField]:
    """Every form field of a PDF, in page order, with its value (even a field left empty)."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"fichier introuvable : {path} (indiquez un PDF)")
    try:
        from pypdf import PdfReader

        from pipeline.read.reader import field_values

        pages_of: dict[str, int] = {}
        for index, name, _ in field_values(str(path)):
            pages_of.setdefault(name, index + 1)
        fields = PdfReader(str(path)).get_fields() or {}
    except Exception as e:
        raise PipelineError(f"{path.name} : PDF illisible ({type(e).__name__}), vérifiez qu'il s'agit "
                            "d'un PDF non protégé") from None
    out = []
    for name, f in fields.items():
        value = f.get("/V")
        value = "" if value is None else str(value).lstrip("/")
        out.append(PdfField(name, _KINDS.get(f.get("/FT"), "autre"), value, pages_of.get(name), meanings(name)))
    out.sort(key=lambda x: (x.page or 10_000, x.name))
    return out
