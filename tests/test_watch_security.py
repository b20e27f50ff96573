"""Security: links and special files are refused without being read; data never mixes with code."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.paths import REPO
from tests.test_watch_support import PYTHON, drop, identity_lines, journal_rows, make_dossier, run_once, text_pdf

MARKER = b"SECRET-HORS-DEPOT-7F3A"


def _everything_under(root: Path) -> bytes:
    out = b""
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink():
            out += p.read_bytes()
    return out


@pytest.mark.slow  # more than 5 s
def test_links_and_special_files_are_refused_unread(tmp_path):
    inbox, root, outside = tmp_path / "depot", tmp_path / "dossiers", tmp_path / "ailleurs"
    for d in (inbox, root, outside):
        d.mkdir()
    make_dossier(root, "A")
    secret = outside / "secret.pdf"
    secret.write_bytes(text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("A") + [MARKER.decode()]))
    before = secret.read_bytes()
    fifo_out = outside / "tube"
    os.mkfifo(fifo_out)  # reading it would block the watcher: the test would time out
    (inbox / "lien.pdf").symlink_to(secret)
    (inbox / "lien_tube.pdf").symlink_to(fifo_out)
    (inbox / "sous_dossier_lien").symlink_to(outside, target_is_directory=True)
    os.link(secret, inbox / "lien_physique.pdf")
    os.mkfifo(inbox / "tube_local.pdf")
    drop(inbox, "bon.pdf", text_pdf("CERTIFICAT MÉDICAL INITIAL", identity_lines("A")))

    r = run_once(inbox, root, timeout=60)
    assert r.returncode == 0, r.stderr

    # Nothing outside INBOX was read, moved or changed.
    assert secret.read_bytes() == before
    assert fifo_out.exists() and sorted(p.name for p in outside.iterdir()) == ["secret.pdf", "tube"]
    assert MARKER not in _everything_under(root)
    # The links and special files are in quarantine as they were, with the reason in French.
    rows = {r[1]: r for r in journal_rows(root)}
    for name in ("lien.pdf", "lien_tube.pdf", "lien_physique.pdf", "tube_local.pdf", "sous_dossier_lien"):
        assert rows[name][3] == "quarantaine", name
        assert rows[name][5] is None  # never read: no checksum
    q = root / "_watch" / "quarantaine"
    assert os.path.islink(next(q.glob("*lien.pdf")))
    motifs = "\n".join(p.read_text(encoding="utf-8") for p in q.glob("*.motif.txt"))
    assert "lien symbolique refusé" in motifs and "fichier spécial refusé" in motifs and "liens multiples" in motifs
    # The linked folder is not followed (the link itself is quarantined); the ordinary file is filed.
    assert rows["sous_dossier_lien"][3] == "quarantaine" and rows["bon.pdf"][3] == "classe"
    assert len(rows) == 6
    assert (root / "dossier_a" / "certificat_medical_initial.pdf").exists()


def test_data_folders_must_stay_apart_from_code(tmp_path):
    root = tmp_path / "dossiers"
    root.mkdir()
    inside_code = REPO / "pipeline"
    r = subprocess.run([PYTHON, "-m", "pipeline.cli", "watch", str(inside_code), "--dossiers", str(root), "--once"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "les données et le code ne se mélangent pas" in r.stderr
    inbox = root / "depot"
    inbox.mkdir()
    r = subprocess.run([PYTHON, "-m", "pipeline.cli", "watch", str(inbox), "--dossiers", str(root), "--once"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "séparés" in r.stderr
    assert not (root / "_watch").exists()  # nothing created when refusing to start
