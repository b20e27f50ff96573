"""Limits before the work (validators/limites.yaml): hostile dossier.yaml, PDF, images, zips.

The hostile files are generated here, small on disk; the commands run as a user runs them,
in a child process whose memory is capped, so a missing guard fails the test instead of
taking the machine down.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from pipeline.errors import InvalidInput
from pipeline.read import archive, limits
from pipeline.read.reader import read_file
from tests.paths import REPO

CAP = 1 << 30  # a command never needs 1 Gio of address space for these files

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def run_capped(*args, cwd=None, timeout=120):
    """`pipeline ARGS` in a child limited to CAP bytes of address space."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))

    env = dict(os.environ, COLUMNS="200")
    t = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                       preexec_fn=cap, timeout=timeout, cwd=cwd, env=env)
    r.seconds = time.monotonic() - t
    return r


# ---------------------------------------------------------------- generators
def deflate_bomb(megabytes: int) -> bytes:
    """A Flate stream of `megabytes` MB of spaces, ~1 kB per MB, built without inflating it:
    after a full flush, deflate writes the same block for every further MB of spaces."""
    chunk = b" " * (1 << 20)
    c = zlib.compressobj(9)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    steady = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()
    return first + steady * (megabytes - 1) + end[:-4] + b"\0\0\0\0"


def bomb_pdf(path: Path, megabytes: int = 1024) -> Path:
    """One A4 page whose content stream inflates to `megabytes` MB (1 MB on disk for 1 GB)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    st = pikepdf.Stream(pdf, b"")
    st.write(deflate_bomb(megabytes), filter=pikepdf.Name.FlateDecode)
    pdf.pages[0].Contents = pdf.make_indirect(st)
    pdf.save(path)
    return path


def blank_pdf(path: Path, pages: int = 1, size=(595, 842)) -> Path:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=size)
    pdf.save(path)
    return path


# ---------------------------------------------------------------- dossier.yaml
def test_billion_laughs_refused_fast_in_french_exit_2(tmp_path):
    f = tmp_path / "dossier.yaml"
    f.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS.splitlines()) == 9
    r = run_capped("validate", str(f))
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert f"{f}, ligne 1" in r.stderr and "ancre YAML « &a » refusée" in r.stderr
    assert r.seconds < 20


def test_billion_laughs_in_a_checked_folder_exit_2(tmp_path):
    (tmp_path / "dossier.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    blank_pdf(tmp_path / "piece.pdf")
    r = run_capped("check", str(tmp_path))
    assert r.returncode == 2 and "ancre YAML" in r.stderr and "Traceback" not in r.stderr


def test_alias_alone_is_named_with_its_line(tmp_path):
    from pipeline.dossier.load import parse_text

    with pytest.raises(InvalidInput) as e:
        parse_text("agent:\n  nom: X\nautre: *rien\n", "d.yaml")
    p = e.value.problems[0]
    assert p.line == 3 and "alias YAML « *rien »" in p.message


def test_too_many_nodes_and_long_text_refused():
    from pipeline.dossier.load import parse_text

    nodes = limits.limit("dossier_yaml", "noeuds").valeur
    with pytest.raises(InvalidInput, match="trop d'éléments"):
        parse_text("l: [" + ",".join(["1"] * (nodes + 1)) + "]\n", "d.yaml")
    n = limits.limit("dossier_yaml", "longueur_texte").valeur
    with pytest.raises(InvalidInput, match="texte trop long"):
        parse_text(f"agent:\n  nom: {'A' * (n + 1)}\n", "d.yaml")


def test_huge_dossier_yaml_refused_before_reading(tmp_path):
    from pipeline.dossier.load import load_dossier

    f = tmp_path / "dossier.yaml"
    with open(f, "wb") as fh:
        fh.truncate(limits.limit("dossier_yaml", "octets").valeur + 1)
    with pytest.raises(InvalidInput, match="fichier trop volumineux"):
        load_dossier(f)


def test_every_limit_has_a_value_and_a_french_reason():
    from pipeline import resources

    data = resources.load_yaml_shared("validators", "limites.yaml")
    assert {"dossier_yaml", "pdf", "image", "dossier", "zip", "lecture"} <= set(data)
    for section, entries in data.items():
        for name, e in entries.items():
            assert isinstance(e["valeur"], int) and e["valeur"] >= 0, (section, name)
            assert len(e["raison"]) > 20 and " " in e["raison"], (section, name)


# ---------------------------------------------------------------- PDF and images
def test_pdf_bomb_refused_before_rendering(tmp_path):
    pdf = bomb_pdf(tmp_path / "bombe.pdf")
    assert pdf.stat().st_size < 2 << 20
    t = time.monotonic()
    fd = read_file(pdf)
    assert time.monotonic() - t < 15
    assert fd.problem.startswith("flux PDF trop volumineux une fois décompressé (plus de 64 Mo, limite 64 Mo)")
    assert fd.pages == []


def test_pdf_bomb_in_check_is_a_finding_exit_1(tmp_path):
    folder = tmp_path / "dossier"
    folder.mkdir()
    bomb_pdf(folder / "bombe.pdf")
    out = tmp_path / "r.json"
    r = run_capped("check", str(folder), "--json", str(out))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    rep = json.loads(out.read_text(encoding="utf-8"))["dossiers"][0]
    found = [f for f in rep["findings"] if f["rule"] == "FICHIER-ILLISIBLE"]
    assert found and "bombe.pdf" in found[0]["message"] and "décompressé" in found[0]["message"]


def test_small_pdf_within_limits_passes(tmp_path):
    assert limits.check_pdf(blank_pdf(tmp_path / "a.pdf", pages=3)) is None
    assert len(read_file(tmp_path / "a.pdf", ocr=False).pages) == 3


def test_pdf_total_decompressed_refused_and_bound_never_below_the_count(tmp_path):
    # Five content streams of 60 Mo each: every stream within its limit, the file over 256 Mo.
    pdf = pikepdf.new()
    for _ in range(5):
        pdf.add_blank_page(page_size=(595, 842))
        st = pikepdf.Stream(pdf, b"")
        st.write(deflate_bomb(60), filter=pikepdf.Name.FlateDecode)
        pdf.pages[-1].Contents = pdf.make_indirect(st)
    pdf.save(tmp_path / "cinq.pdf")
    assert limits.check_pdf(tmp_path / "cinq.pdf").startswith("contenu PDF décompressé trop volumineux")
    # The bound that lets most files skip the count is never below the count, whatever the filters.
    text = b"BT /F1 12 Tf 72 720 Td (Nom de naissance : MARTIN) Tj ET " * 400
    import base64

    cases = [(zlib.compress(text), ["/FlateDecode"]), (deflate_bomb(3), ["/FlateDecode"]),
             (base64.a85encode(zlib.compress(text), adobe=True), ["/ASCII85Decode", "/FlateDecode"]),
             (zlib.compress(text).hex().encode() + b">", ["/ASCIIHexDecode", "/FlateDecode"]),
             (base64.a85encode(bytes(4000), adobe=True), ["/ASCII85Decode", "/LZWDecode"]), (text, [])]
    doc = pikepdf.new()
    for raw, filters in cases:
        st = pikepdf.Stream(doc, raw)
        st.Filter = pikepdf.Array([pikepdf.Name(f) for f in filters])
        assert limits._decoded_bound(raw, filters) >= limits._decoded_estimate(st, 1 << 30) > 0


def test_too_many_pages_and_giant_page(tmp_path):
    n = limits.limit("pdf", "pages").valeur
    fd = read_file(blank_pdf(tmp_path / "long.pdf", pages=n + 1), ocr=False)
    assert fd.problem.startswith(f"trop de pages ({n + 1}, limite {n})")
    fd = read_file(blank_pdf(tmp_path / "affiche.pdf", size=(14400, 14400)), ocr=False)
    assert fd.problem.startswith("page 1 trop grande (14400 × 14400 points, limite 3400)")


def test_image_with_too_many_pixels_refused_from_its_header(tmp_path):
    # A PNG that declares 20 000 × 20 000 pixels: 400 megapixels, a few kB on disk.
    img = Image.new("1", (20000, 20000), 1)
    p = tmp_path / "scan.png"
    img.save(p, optimize=True)
    assert p.stat().st_size < 1 << 20
    fd = read_file(p, ocr=False)
    assert fd.problem.startswith("image trop grande (20000 × 20000 pixels, limite 200000000)")
    assert Image.MAX_IMAGE_PIXELS == limits.limit("image", "pixels").valeur


# ---------------------------------------------------------------- zips
def _zip(path: Path, entries: dict, *, links=()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            z.writestr(info, target)
    return path


@pytest.mark.parametrize("name, why", [
    ("../evade.pdf", "chemin qui sort du dossier"),
    ("/etc/evade.pdf", "chemin qui sort du dossier"),
    ("a/../../evade.pdf", "chemin qui sort du dossier"),
    ("C:\\evade.pdf", "chemin qui sort du dossier"),
])
def test_zip_paths_leaving_the_folder_refused(tmp_path, name, why):
    z = _zip(tmp_path / "d.zip", {"ok.pdf": b"%PDF-1.4", name: b"x"})
    dest = tmp_path / "out"
    with pytest.raises(InvalidInput, match=why):
        archive.extract(z, dest)
    assert not (tmp_path / "evade.pdf").exists()
    assert not dest.exists() or not any(dest.rglob("*.pdf"))


def test_zip_link_refused(tmp_path):
    z = _zip(tmp_path / "d.zip", {"ok.pdf": b"%PDF"}, links=[("lien.pdf", "/etc/passwd")])
    with pytest.raises(InvalidInput, match="lien symbolique"):
        archive.extract(z, tmp_path / "out")


def test_zip_bomb_and_too_many_files_refused(tmp_path):
    z = _zip(tmp_path / "bombe.zip", {"a.pdf": b"\0" * (300 << 20)})
    with pytest.raises(InvalidInput, match="taux de compression anormal"):
        archive.extract(z, tmp_path / "out")
    n = limits.limit("zip", "fichiers").valeur
    z = _zip(tmp_path / "many.zip", {f"{i}.pdf": b"x" for i in range(n + 1)})
    with pytest.raises(InvalidInput, match=f"trop de fichiers \\({n + 1}, limite {n}\\)"):
        archive.extract(z, tmp_path / "out2")


def test_zip_lying_about_its_size_stops_and_leaves_nothing(tmp_path):
    z = _zip(tmp_path / "d.zip", {"a.pdf": b"%PDF" + b"x" * 5000})
    raw = bytearray(z.read_bytes())
    # Shrink the declared size in the central directory: the data says otherwise.
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (100).to_bytes(4, "little")
    z.write_bytes(bytes(raw))
    dest = tmp_path / "out"
    with pytest.raises(InvalidInput):
        archive.extract(z, dest)
    assert not any(dest.rglob("*")) if dest.exists() else True


def test_good_zip_extracted_owner_only(tmp_path):
    z = _zip(tmp_path / "d.zip", {"pieces/af3.pdf": b"%PDF-1.4 x", "pieces/af4.pdf": b"%PDF-1.4 y"})
    files = archive.extract(z, tmp_path / "out")
    assert [f.relative_to(tmp_path / "out").as_posix() for f in files] == ["pieces/af3.pdf", "pieces/af4.pdf"]
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700


def test_check_of_a_dropped_zip(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    blank_pdf(folder / "piece.pdf")
    bomb_pdf(folder / "bombe.pdf", megabytes=128)
    z = tmp_path / "dossier.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f"dossier/{f.name}")
    out = tmp_path / "r.json"
    r = run_capped("check", str(z), "--json", str(out))
    assert r.returncode == 1, r.stderr
    rep = json.loads(out.read_text(encoding="utf-8"))["dossiers"][0]
    assert {f["file"] for f in rep["files"]} == {"piece.pdf", "bombe.pdf"}
    assert any(f["rule"] == "FICHIER-ILLISIBLE" and "bombe.pdf" in f["message"] for f in rep["findings"])

    bad = _zip(tmp_path / "evade.zip", {"../x.pdf": b"%PDF"})
    r = run_capped("check", str(bad))
    assert r.returncode == 2 and "archive refusée" in r.stderr and "Traceback" not in r.stderr


def test_folder_with_too_many_files_refused(tmp_path):
    n = limits.limit("dossier", "fichiers").valeur
    for i in range(n + 1):
        (tmp_path / f"{i}.pdf").write_bytes(b"%PDF")
    r = run_capped("check", str(tmp_path))
    assert r.returncode == 2 and f"trop de fichiers dans le dossier ({n + 1}, limite {n})" in r.stderr


def test_repo_has_no_committed_hostile_binaries():
    assert not list((REPO / "tests").rglob("*bomb*.pdf"))
