"""The sample dossiers of the check, dropped as a scanning desk would: each dossier is rebuilt
from the drops (by QR, by content, from a scan, from a bundle cut at separator sheets) and
the check then finds it complete."""
from __future__ import annotations

import json
import shutil
import subprocess

from tests.paths import REPO
from tests.test_watch_support import PYTHON, concat_pdfs, drop, journal_rows, parts_rows, run_once

CASES = sorted(p.name for p in (REPO / "samples").glob("0*_*") if (p / "dossier.yaml").exists())


def test_sample_dossiers_rebuilt_from_drops_are_complete(check_samples, tmp_path):
    out = check_samples["root"]
    inbox, root = tmp_path / "depot", tmp_path / "dossiers"
    inbox.mkdir()
    root.mkdir()
    expected = {}  # dropped name → (dossier id, pièces)
    import yaml

    for case in CASES:
        folder = root / f"agent_{case[:2]}"
        folder.mkdir()
        shutil.copy(REPO / "samples" / case / "dossier.yaml", folder / "dossier.yaml")
        did = yaml.safe_load((folder / "dossier.yaml").read_text(encoding="utf-8"))["dossier"]["id"]
        info = check_samples["cases"][case]
        if case.startswith("01"):
            # Other layout (identified by content, routed by NIR), the AF4 as a real scan (OCR).
            for name, piece in info["pieces_autre"].items():
                if piece == "af4":
                    data, dname = (out / info["scan"] / "af4.pdf").read_bytes(), f"{case[:2]}_af4_scan.pdf"
                else:
                    data, dname = (out / info["complet_autre"] / name).read_bytes(), f"{case[:2]}_{name}"
                drop(inbox, dname, data)
                expected[dname] = (did, [piece])
        elif case.startswith("02"):
            # One paper bundle: the other layout's documents behind the real separator sheets.
            sheet_of = _sheets(folder, tmp_path)
            order = sorted(info["pieces_autre"].items())
            bundle = concat_pdfs([b for name, piece in order
                                  for b in (sheet_of[piece], (out / info["complet_autre"] / name).read_bytes())])
            drop(inbox, "02_liasse.pdf", bundle)
            expected["02_liasse.pdf"] = (did, [piece for _, piece in order])
        else:
            # Our own documents (QR on every page) and stand-ins (found by NIR). An attestation
            # de présence names the agent without NIR nor birth date: it goes behind its sheet.
            sheet_of = _sheets(folder, tmp_path)
            for name, piece in info["pieces"].items():
                dname = f"{case[:2]}_{name}"
                data = (out / info["complet"] / name).read_bytes()
                if piece == "attestations_presence":
                    data = concat_pdfs([sheet_of[piece], data])
                drop(inbox, dname, data)
                expected[dname] = (did, [piece])

    r = run_once(inbox, root, "--workers", "2")
    assert r.returncode == 0, r.stderr
    rows = {row[1]: row for row in journal_rows(root)}
    parts = parts_rows(root)
    for name, (did, pieces) in expected.items():
        assert rows[name][3] == "classe", (name, rows[name])
        got = [(p[2], p[3]) for p in parts if p[0] == rows[name][0]]
        assert got == [(did, piece) for piece in pieces], name
    status = json.loads(subprocess.run([PYTHON, "-m", "pipeline.cli", "status", str(root), "--json"],
                                       capture_output=True, text=True).stdout)
    assert len(status["dossiers"]) == len(CASES)
    for d in status["dossiers"]:
        assert (d["dossier"], d["status"], d["missing"]) == (d["dossier"], "complet", []), d


def _sheets(folder, tmp_path) -> dict[str, bytes]:
    """The separator sheet of every pièce, one PDF each, from `pipeline sheets --all`."""
    import io

    import pikepdf

    from pipeline import qr

    sheets = tmp_path / f"feuilles_{folder.name}.pdf"
    r = subprocess.run([PYTHON, "-m", "pipeline.cli", "sheets", str(folder / "dossier.yaml"), "-o", str(sheets),
                        "--all"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = {}
    with pikepdf.open(sheets) as pdf:
        for i in range(len(pdf.pages)):
            (p,) = qr.decode_pdf_page(sheets, i, dpi=72)
            one = pikepdf.new()
            one.pages.append(pdf.pages[i])
            buf = io.BytesIO()
            one.save(buf)
            out[p.piece_id] = buf.getvalue()
    return out
