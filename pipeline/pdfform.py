"""The form-field widgets of a PDF, page by page: the same walk over a pypdf document (the build
stage, filling the official fillable AF3 / AF4) and over a pikepdf one (the reading stage:
values filled on screen, `pipeline forms inspect`)."""
from __future__ import annotations

from typing import Iterator


def widgets(reader) -> Iterator[tuple[int, dict, dict]]:
    """(page index, widget, its parent field or {}) for each form-field widget of a pypdf
    reader or writer. A damaged /Annots entry (not a dictionary) is skipped, not fatal."""
    from pypdf.generic import ArrayObject, DictionaryObject

    for index, page in enumerate(reader.pages):
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if not isinstance(annots, ArrayObject):
            continue
        for ref in annots:
            a = ref.get_object()
            if not isinstance(a, DictionaryObject) or a.get("/Subtype") != "/Widget":
                continue
            parent = a.get("/Parent")
            parent = parent.get_object() if parent is not None else None
            yield index, a, parent if isinstance(parent, DictionaryObject) else {}


def pike_widgets(pdf) -> Iterator[tuple[int, object, object]]:
    """`widgets` over a pikepdf document: the reading stage's (qpdf opens a file several times
    faster than pypdf, which mattered on every fillable PDF of a batch)."""
    import pikepdf

    for index, page in enumerate(pdf.pages):
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for a in annots:
            if not isinstance(a, pikepdf.Dictionary) or a.get("/Subtype") != pikepdf.Name.Widget:
                continue
            parent = a.get("/Parent")
            yield index, a, parent if isinstance(parent, pikepdf.Dictionary) else {}
