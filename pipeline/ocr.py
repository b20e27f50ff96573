"""OCR through OCRmyPDF / Tesseract (French), one Tesseract thread per process.

Measured on this project's 2-core machines: a full page takes ~2 s with one
thread and ~14 s with Tesseract's default threads, so parallelism comes from
spreading pages over processes, never from Tesseract's own threads.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline.errors import MissingComponent

# Must be set before Tesseract starts; OCRmyPDF's workers inherit it.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def require_tesseract() -> None:
    if not shutil.which("tesseract"):
        raise MissingComponent("Tesseract n'est pas installé : lancez « make install » (paquets tesseract-ocr et tesseract-ocr-fra).")


def ocr_pdf(src: Path, dst: Path, *, jobs: int = 1, pages: str | None = None,
            deskew: bool = True, rotate: bool = True, language: str = "fra") -> Path:
    """Write to `dst` a copy of `src` with a text layer on the pages that have none."""
    require_tesseract()
    import ocrmypdf

    kwargs = dict(
        language=[language],
        skip_text=True,  # pages that already have text are left alone
        deskew=deskew,
        rotate_pages=rotate,
        rotate_pages_threshold=2.0,
        jobs=jobs,
        progress_bar=False,
        optimize=0,
        output_type="pdf",
        tesseract_timeout=120,
    )
    if pages:
        kwargs["pages"] = pages
    result = ocrmypdf.ocr(str(src), str(dst), **kwargs)
    if int(result) not in (0, 6):  # 6: already had text everywhere
        raise RuntimeError(f"OCR en échec (code {int(result)})")
    if int(result) == 6:
        shutil.copyfile(src, dst)
    return Path(dst)
