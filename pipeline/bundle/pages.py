"""PDF pages of the final set: A4 portrait, blank versos out, one file per pièce, same bytes on a re-run.

pypdf places each page on an A4 portrait sheet (landscape pages turned a quarter, other sizes
scaled to fit and centred); images are wrapped first with img2pdf; pikepdf writes the result
with fixed metadata and a deterministic /ID. A file over the size limit has its images
re-encoded as JPEG at the stated quality, then reduced to the stated resolution.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

A4 = (595.28, 841.89)
TOLERANCE = 3 / 25.4 * 72  # 3 mm
PRODUCER = "pipeline bundle"


@dataclass
class Assembled:
    data: bytes
    pages: int
    notes: list[str] = field(default_factory=list)  # French: what was changed and why
    compression: dict | None = None


def _is_a4_portrait(w: float, h: float) -> bool:
    return abs(w - A4[0]) <= TOLERANCE and abs(h - A4[1]) <= TOLERANCE


def to_pdf_bytes(path: Path) -> bytes:
    """A PDF of the file: PDFs as they are, images (JPEG, PNG, TIFF) wrapped losslessly."""
    from pipeline.read.filetype import sniff

    data = Path(path).read_bytes()
    kind, _mime = sniff(path)
    if kind == "pdf":
        return data
    import img2pdf

    if kind in ("png", "tiff"):
        # img2pdf refuses alpha channels: flatten them first (lossless PNG re-encode)
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            frames = []
            try:
                while True:
                    fr = im.convert("RGB") if im.mode in ("RGBA", "LA", "P") else im.copy()
                    buf = io.BytesIO()
                    fr.save(buf, format="PNG")
                    frames.append(buf.getvalue())
                    im.seek(im.tell() + 1)
            except EOFError:
                pass
        return img2pdf.convert(frames, dpi=200, nodate=True)
    return img2pdf.convert(data, nodate=True)


def assemble(sources: list[tuple[str, bytes]], drop: dict[str, set[int]]) -> Assembled:
    """Pages of `sources` (label, PDF bytes) in order, each on A4 portrait; `drop`: label → 0-based
    pages to leave out (blank versos)."""
    import pypdf
    from pypdf import Transformation

    writer = pypdf.PdfWriter()
    notes: list[str] = []
    for label, data in sources:
        # a writer of its own: pypdf moves /Rotate into the content only for pages it writes
        reader = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
        turned, scaled = [], []
        for i, page in enumerate(reader.pages):
            if i in drop.get(label, set()):
                continue
            rotate = (page.rotation or 0) % 360
            box = page.mediabox
            w, h = float(box.width), float(box.height)
            if rotate in (90, 270):
                w, h = h, w
            if rotate == 0 and _is_a4_portrait(w, h) and float(box.left) == 0 and float(box.bottom) == 0:
                writer.add_page(page)
                continue
            page.transfer_rotation_to_content()
            box = page.mediabox
            x0, y0 = float(box.left), float(box.bottom)
            w, h = float(box.width), float(box.height)
            t = Transformation().translate(-x0, -y0)
            if w > h * 1.02:  # landscape: a quarter turn, top to the left
                t = t.rotate(90).translate(h, 0)
                w, h = h, w
                turned.append(i + 1)
            s = min(A4[0] / w, A4[1] / h)
            if abs(s - 1) > 0.01:
                scaled.append(i + 1)
            t = t.scale(s, s).translate((A4[0] - w * s) / 2, (A4[1] - h * s) / 2)
            new = writer.add_blank_page(*A4)
            new.merge_transformed_page(page, t)
        if turned:
            notes.append(f"« {label} » : page(s) {_pages(turned)} en paysage, tournée(s) en portrait.")
        if scaled:
            notes.append(f"« {label} » : page(s) {_pages(scaled)} mise(s) au format A4.")
        if drop.get(label):
            notes.append(f"« {label} » : page(s) blanche(s) {_pages(sorted(p + 1 for p in drop[label]))} "
                         "retirée(s) (verso numérisé).")
    buf = io.BytesIO()
    writer.write(buf)
    n = len(writer.pages)
    return Assembled(finalize(buf.getvalue()), n, notes)


def _pages(nums: list[int]) -> str:
    return ", ".join(str(n) for n in nums)


def finalize(data: bytes) -> bytes:
    """Same input, same bytes: no dates, fixed producer, deterministic /ID, unused objects out."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            for k in list(meta.keys()):
                del meta[k]
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(Producer=pikepdf.String(PRODUCER)))
        pdf.remove_unreferenced_resources()
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def shrink(data: bytes, limit: int, quality: int, dpi: int) -> tuple[bytes, dict | None]:
    """Under `limit` bytes if the images allow it: JPEG at `quality`, then at most `dpi`."""
    if len(data) <= limit:
        return data, None
    out = _recompress(data, quality, None)
    used = {"qualite_jpeg": quality}
    if len(out) > limit:
        out = _recompress(data, quality, dpi)
        used["resolution_dpi"] = dpi
    return out, used


def _recompress(data: bytes, quality: int, dpi: int | None) -> bytes:
    import pikepdf
    from PIL import Image

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            width_pt = float(page.mediabox[2]) - float(page.mediabox[0])
            images = page.get_images() if hasattr(page, "get_images") else page.images
            for _name, raw in images.items():
                try:
                    img = pikepdf.PdfImage(raw).as_pil_image()
                except Exception:
                    continue  # an image kind Pillow cannot decode stays as it is
                if img.mode not in ("L", "RGB"):
                    img = img.convert("RGB")
                if dpi:
                    max_w = int(width_pt / 72 * dpi)
                    if img.width > max_w:
                        img = img.resize((max_w, max(1, round(img.height * max_w / img.width))), Image.LANCZOS)
                buf = io.BytesIO()
                img.save(buf, format="JPEG", quality=quality, optimize=True)
                raw.write(buf.getvalue(), filter=pikepdf.Name.DCTDecode)
                raw.Width, raw.Height = img.width, img.height
                raw.ColorSpace = pikepdf.Name.DeviceGray if img.mode == "L" else pikepdf.Name.DeviceRGB
                raw.BitsPerComponent = 8
                for k in ("/DecodeParms", "/SMask", "/Mask", "/Decode"):
                    if k in raw:
                        del raw[k]
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    import pypdf

    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in pypdf.PdfReader(io.BytesIO(data)).pages]
