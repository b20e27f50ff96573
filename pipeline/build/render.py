"""Stage render: a docxtpl template + a context → .docx bytes, byte-for-byte reproducible.

A .docx is a zip: python-docx stamps the current time on every entry and in the core
properties. We rewrite both from the dossier's date so that a re-run gives the same hash.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from pipeline import resources


def template_path(name: str) -> Path:
    return resources.path("form_templates", f"{name}.docx")


def _fixed_core(xml: str, when: dt.date) -> str:
    stamp = f"{when.isoformat()}T00:00:00Z"
    xml = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", xml)
    xml = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", xml)
    xml = re.sub(r"<cp:lastPrinted>[^<]*</cp:lastPrinted>", "", xml)
    return xml


def normalize_docx(data: bytes, when: dt.date) -> bytes:
    """Same entries, same order, fixed timestamps (zip and core properties)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    date_time = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _fixed_core(content.decode("utf-8"), when).encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def render_docx(template: str | Path, context: dict, when: dt.date) -> bytes:
    """Render template (a name in form_templates/ or a path) with `context`."""
    from docxtpl import DocxTemplate

    path = Path(template) if isinstance(template, Path) or str(template).endswith(".docx") else template_path(template)
    tpl = DocxTemplate(str(path))
    # autoescape: names such as « Dupont & fils » must not break the XML.
    tpl.render(context, autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return normalize_docx(buf.getvalue(), when)
