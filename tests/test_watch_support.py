"""Builders shared by the watcher's tests: dossiers under ROOT, PDFs and images to drop, a
real watcher process. (No test here.)"""
from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.paths import REPO
from pipeline import nir as nir_mod
from pipeline import qr

SAMPLE = REPO / "samples" / "01_non_imputable_toutes_fonctions" / "dossier.yaml"
PYTHON = sys.executable
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# Three invented agents (valid NIR keys).
AGENTS = {
    "A": dict(id="INV-T-0001", nir13="2670950116042", nom="Durand", naissance="Lefèvre", prenoms="Sophie Marie",
              date="1967-09-14"),
    "B": dict(id="INV-T-0002", nir13="1720376116055", nom="Martin", naissance="Martin", prenoms="Paul",
              date="1972-03-21"),
    "C": dict(id="INV-T-0003", nir13="2801114118021", nom="Bernard", naissance="Petit", prenoms="Claire",
              date="1980-11-02"),
}


def nir_of(key: str) -> str:
    return nir_mod.with_key(AGENTS[key]["nir13"])


def make_dossier(root: Path, key: str) -> Path:
    a = AGENTS[key]
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    data["dossier"]["id"] = a["id"]
    data["agent"]["nir"] = nir_mod.fmt(nir_of(key))
    data["agent"]["nom_usage"] = a["nom"]
    data["agent"]["nom_naissance"] = a["naissance"]
    data["agent"]["prenoms"] = a["prenoms"]
    import datetime as dt

    data["agent"]["date_naissance"] = dt.date.fromisoformat(a["date"])
    folder = root / f"dossier_{key.lower()}"
    folder.mkdir(parents=True, mode=0o700)
    (folder / "dossier.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def identity_lines(key: str) -> list[str]:
    a = AGENTS[key]
    y, m, d = a["date"].split("-")
    return [f"Nom de naissance : {a['naissance']}", f"Nom d'usage : {a['nom']}", f"Prénoms : {a['prenoms']}",
            f"Date de naissance : {d}/{m}/{y}", f"NIR : {nir_mod.fmt(nir_of(key))}"]


def text_pdf(title: str, lines: list[str] = (), *, pages: int = 1, qr_payloads: list | None = None,
             separator: tuple | None = None) -> bytes:
    """A text PDF (reportlab). qr_payloads: one payload (or None) per page, drawn bottom-right."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    for i in range(pages):
        c.setFont("Helvetica-Bold", 16)
        c.drawString(60, h - 80, title)
        c.setFont("Helvetica", 11)
        y = h - 120
        for line in list(lines) + [f"Page {i + 1} / {pages}"]:
            c.drawString(60, y, line)
            y -= 18
        p = qr_payloads[i] if qr_payloads else None
        if p is not None:
            c.drawImage(ImageReader(io.BytesIO(qr.png_bytes(p.encode(), scale=4))), w - 140, 40, 90, 90)
        c.showPage()
    c.save()
    return buf.getvalue()


def separator_page(dossier_id: str, piece_id: str) -> bytes:
    from pipeline.dossier.load import load_dossier  # noqa: F401  (the real sheets come from pipeline.sheets)
    from pipeline.build.sheets import FOOTER_CODE

    return text_pdf("FEUILLE DE SÉPARATION", [f"Pièce : {piece_id}", FOOTER_CODE],
                    qr_payloads=[qr.separator_payload(dossier_id, piece_id)])


def concat_pdfs(parts: list[bytes]) -> bytes:
    import pikepdf

    out = pikepdf.new()
    srcs = []
    for b in parts:
        src = pikepdf.open(io.BytesIO(b))
        srcs.append(src)
        out.pages.extend(src.pages)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def page_image(title: str, lines: list[str], *, qr_payload=None, dpi: int = 150):
    """A white A4 page image with large text (for OCR) and an optional QR code."""
    from PIL import Image, ImageDraw, ImageFont

    w, h = int(8.27 * dpi), int(11.69 * dpi)
    im = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(im)
    big = ImageFont.truetype(FONT, int(dpi / 5))
    font = ImageFont.truetype(FONT, int(dpi / 7))
    d.text((dpi, dpi), title, font=big, fill=0)
    y = int(dpi * 1.6)
    for line in lines:
        d.text((dpi, y), line, font=font, fill=0)
        y += int(dpi / 4)
    if qr_payload is not None:
        from PIL import Image as I

        code = I.open(io.BytesIO(qr.png_bytes(qr_payload.encode(), scale=6))).convert("L")
        im.paste(code, (w - code.width - dpi // 2, h - code.height - dpi // 2))
    return im


def image_bytes(im, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def scan_pdf(images: list) -> bytes:
    import img2pdf

    return img2pdf.convert([image_bytes(im, "PNG") for im in images])


def encrypted_pdf() -> bytes:
    import pypdf

    r = pypdf.PdfReader(io.BytesIO(text_pdf("SECRET", ["contenu"])))
    wr = pypdf.PdfWriter()
    for p in r.pages:
        wr.add_page(p)
    wr.encrypt("motdepasse")
    buf = io.BytesIO()
    wr.write(buf)
    return buf.getvalue()


def drop(inbox: Path, name: str, data: bytes) -> Path:
    """Drop a file the way a copy program does: write under a hidden name, then rename."""
    p = inbox / name
    tmp = inbox / f".{name}.part"
    tmp.write_bytes(data)
    os.replace(tmp, p)
    return p


def watch_cmd(inbox: Path, root: Path, *extra: str) -> list[str]:
    return [PYTHON, "-m", "pipeline.cli", "watch", str(inbox), "--dossiers", str(root), *extra]


def run_once(inbox: Path, root: Path, *extra: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_THREAD_LIMIT="1", **(env or {}))
    return subprocess.run(watch_cmd(inbox, root, "--once", "--settle", "0.3", *extra), capture_output=True,
                          text=True, timeout=timeout, env=env)


def start_watcher(inbox: Path, root: Path, *extra: str, log: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen(watch_cmd(inbox, root, "--settle", "0.3", "--poll-interval", "0.5", "-v", *extra),
                            stdout=out, stderr=out, env=env)


def journal_rows(root: Path) -> list[tuple]:
    db = sqlite3.connect(str(root / "_watch" / "journal.sqlite"))
    try:
        return list(db.execute("SELECT id, name, state, outcome, reason, sha256 FROM files ORDER BY id"))
    except sqlite3.OperationalError as e:
        # The watcher creates the file, then its tables: a poll can fall in between.
        if "no such table" in str(e):
            return []
        raise
    finally:
        db.close()


def parts_rows(root: Path) -> list[tuple]:
    db = sqlite3.connect(str(root / "_watch" / "journal.sqlite"))
    try:
        return list(db.execute("SELECT file_id, idx, dossier_id, piece_id, kind, dest, state FROM parts ORDER BY 1, 2"))
    finally:
        db.close()


def wait_until(pred, timeout: float, step: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def stop(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 60) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout)


def pdf_text(path: Path) -> str:
    from pipeline.read.reader import pdf_page_texts as page_texts

    return "\n".join(page_texts(path))
