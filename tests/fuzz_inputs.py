"""Sound inputs and the damage done to them, for the reader fuzz tests and the reliability bench.

A mutation is data: a list of operations applied to the bytes of a sound file, so Hypothesis
(tests/test_fuzz_readers.py) and a seeded `random.Random` (bench/bench_reliability.py) drive
the same damage. Positions are taken modulo the length: any integer is a valid position.
"""
from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

# ---------------------------------------------------------------- sound inputs
PDF_TEXT = [
    "ARRÊTÉ portant placement en disponibilité d'office pour raison de santé",
    "Le maire de la commune, vu le code général de la fonction publique,",
    "Article 1 : l'agent est placé en disponibilité d'office à compter du 1er mars 2026.",
]


def sound_pdf(pages: int = 2) -> bytes:
    """A small PDF with a text layer and compressed streams (A6: a page that lost its text
    layer is OCR'd in well under a second)."""
    from fpdf import FPDF

    pdf = FPDF(format=(105, 148))  # A6, in mm
    pdf.set_font("helvetica", size=8)
    for n in range(pages):
        pdf.add_page()
        for line in PDF_TEXT:
            pdf.multi_cell(0, 4, f"{line} ({n + 1})", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def sound_image(fmt: str) -> bytes:
    """A small scan-like image with a few words (PNG, JPEG or TIFF)."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (320, 120), 255)
    draw = ImageDraw.Draw(img)
    draw.text((10, 20), "CERTIFICAT MEDICAL", fill=0)
    draw.text((10, 60), "Dr Martin, medecin agree", fill=0)
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def sound_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def sound_inputs() -> dict[str, bytes]:
    """File name → bytes of the sound files every family starts from."""
    return {"arrete.pdf": sound_pdf(), "certificat.png": sound_image("PNG"),
            "certificat.jpg": sound_image("JPEG"), "certificat.tif": sound_image("TIFF")}


# ---------------------------------------------------------------- damage
OPS = ("tronquer", "octet", "inserer", "dupliquer", "supprimer")


def mutate(data: bytes, ops: list[tuple]) -> bytes:
    """Apply ops in order: ("tronquer", pos), ("octet", pos, value), ("inserer", pos, bytes),
    ("dupliquer", pos, length), ("supprimer", pos, length)."""
    b = bytearray(data)
    for op in ops:
        if not b:
            break
        kind, pos = op[0], op[1] % len(b)
        if kind == "tronquer":
            del b[pos:]
        elif kind == "octet":
            b[pos] = op[2] & 0xFF
        elif kind == "inserer":
            b[pos:pos] = op[2]
        elif kind == "dupliquer":
            b[pos:pos] = b[pos:pos + op[2]]
        elif kind == "supprimer":
            del b[pos:pos + op[2]]
    return bytes(b)


def random_ops(rnd: random.Random, max_ops: int = 6) -> list[tuple]:
    """The same kinds of damage as the Hypothesis strategy, from a seeded generator."""
    ops = []
    for _ in range(rnd.randint(1, max_ops)):
        kind = rnd.choice(OPS)
        pos = rnd.randrange(1 << 20)
        if kind == "octet":
            ops.append((kind, pos, rnd.randrange(256)))
        elif kind == "inserer":
            ops.append((kind, pos, rnd.choice([b"\x00" * rnd.randint(1, 64), b"%%EOF", b"endobj",
                                               b"stream\n", b"\xff" * 8, rnd.randbytes(rnd.randint(1, 32))])))
        elif kind in ("dupliquer", "supprimer"):
            ops.append((kind, pos, rnd.randint(1, 512)))
        else:
            ops.append((kind, pos))
    return ops


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes: compared before and after a run."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
