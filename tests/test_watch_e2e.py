"""End to end: a real watcher process, 50 files of every kind dropped, where each one landed."""
from __future__ import annotations

import json
import random
import struct
import subprocess
import time
import zlib

import pytest

from pipeline import qr
from tests.test_watch_support import (
    AGENTS, PYTHON, concat_pdfs, drop, encrypted_pdf, identity_lines, image_bytes, journal_rows, make_dossier,
    page_image, parts_rows, pdf_text, scan_pdf, start_watcher, stop, text_pdf, wait_until,
)

pytestmark = pytest.mark.slow  # a real watcher over a drop folder (about 45 s)

IDS = {k: a["id"] for k, a in AGENTS.items()}


def png_bomb(width: int = 40000, height: int = 40000) -> bytes:
    """A tiny PNG whose header announces 1.6 billion pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def qr_doc(key: str, piece: str, title: str, pages: int = 1, code: str = "DOC") -> bytes:
    return text_pdf(title, identity_lines(key), pages=pages,
                    qr_payloads=[qr.page_payload(IDS[key], piece, code, i + 1, pages) for i in range(pages)])


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    base = tmp_path_factory.mktemp("watch_e2e")
    inbox, root = base / "depot", base / "dossiers"
    inbox.mkdir()
    root.mkdir()
    for k in AGENTS:
        make_dossier(root, k)
    # The real separator sheets of dossier C (pipeline sheets), to cut a bundle with.
    sheets = base / "feuilles.pdf"
    r = subprocess.run([PYTHON, "-m", "pipeline.cli", "sheets", str(root / "dossier_c" / "dossier.yaml"), "-o",
                        str(sheets), "--all"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    import pikepdf

    def sheet_for(piece: str) -> bytes:
        import io

        with pikepdf.open(sheets) as pdf:
            for i in range(len(pdf.pages)):
                if [p.piece_id for p in qr.decode_pdf_page(sheets, i, dpi=100)] == [piece]:
                    out = pikepdf.new()
                    out.pages.append(pdf.pages[i])
                    buf = io.BytesIO()
                    out.save(buf)
                    return buf.getvalue()
        raise AssertionError(piece)

    files: dict[str, bytes] = {}
    expect: dict[str, tuple] = {}  # name → (outcome, [(dossier key, pièce)])
    # 10 of our documents with their page QR codes.
    qr_set = [("A", "af3", "IMPRIMÉ AF3 – RAPPORT MÉDICAL", 4, "AF3-2406"), ("A", "af4", "IMPRIMÉ AF4", 2, "AF4-2406"),
              ("A", "fiche_de_poste", "FICHE DE POSTE", 1, "FP-PIN1"), ("B", "af3", "IMPRIMÉ AF3", 4, "AF3-2406"),
              ("B", "fiche_de_poste", "FICHE DE POSTE", 1, "FP-PIN1"),
              ("B", "attestation_reclassement", "ATTESTATION RELATIVE AU RECLASSEMENT", 1, "ARC-PIN1"),
              ("C", "af3", "IMPRIMÉ AF3", 4, "AF3-2406"), ("C", "af4", "IMPRIMÉ AF4", 2, "AF4-2406"),
              ("C", "rapport_hierarchique", "RAPPORT HIÉRARCHIQUE", 1, "RH-PIN1"),
              ("A", "attestation_reclassement", "ATTESTATION RELATIVE AU RECLASSEMENT", 1, "ARC-PIN1")]
    for i, (k, piece, title, pages, code) in enumerate(qr_set):
        name = f"qr_{i:02d}.pdf"
        files[name] = qr_doc(k, piece, title, pages, code)
        expect[name] = ("classe", [(k, piece)])
    # 13 documents without QR, found by NIR and title.
    by_nir = [("A", "expertise_medicale", "RAPPORT D'EXPERTISE MÉDICALE"),
              ("B", "certificat_medical_initial", "CERTIFICAT MÉDICAL INITIAL"),
              ("B", "expertise_medicale", "RAPPORT D'EXPERTISE MÉDICALE"), ("C", "plan_trajet", "PLAN DU TRAJET"),
              ("C", "pv_police", "PROCÈS-VERBAL DE POLICE"), ("A", "questionnaire_tp", "QUESTIONNAIRE TIERCE PERSONNE"),
              ("B", "rapport_medecin_travail", "RAPPORT DU MÉDECIN DU TRAVAIL"),
              ("C", "certificat_medical_initial", "CERTIFICAT MÉDICAL INITIAL"),
              ("A", "certificat_medical_initial", "CERTIFICAT MÉDICAL INITIAL"),
              ("B", "plan_trajet", "PLAN DU TRAJET"), ("C", "expertise_medicale", "RAPPORT D'EXPERTISE MÉDICALE"),
              ("A", "rapport_medecin_travail", "RAPPORT DU MÉDECIN DU TRAVAIL"),
              ("B", "questionnaire_tp", "QUESTIONNAIRE TIERCE PERSONNE")]
    for i, (k, piece, title) in enumerate(by_nir):
        name = f"nir_{i:02d}.pdf"
        files[name] = text_pdf(title, identity_lines(k) + ["Document établi pour le dossier de retraite."])
        expect[name] = ("classe", [(k, piece)])
    # 3 found by name and birth date only (no NIR printed).
    for i, (k, piece, title) in enumerate([("A", "plan_trajet", "PLAN DU TRAJET"),
                                           ("B", "pv_police", "PROCÈS-VERBAL DE GENDARMERIE"),
                                           ("C", "rapport_medecin_travail", "RAPPORT DU MÉDECIN DU TRAVAIL")]):
        name = f"nom_{i}.pdf"
        files[name] = text_pdf(title, [line for line in identity_lines(k) if not line.startswith("NIR")])
        expect[name] = ("classe", [(k, piece)])
    # Scans (OCR): an image-only PDF, a JPEG, a PNG, a 2-page TIFF (5 pages in all).
    files["scan_01.pdf"] = scan_pdf([page_image("CERTIFICAT MEDICAL INITIAL", identity_lines("A")[3:])])
    expect["scan_01.pdf"] = ("classe", [("A", "certificat_medical_initial")])
    files["photo.jpg"] = image_bytes(page_image("RAPPORT HIERARCHIQUE", ["Accident de service"],
                                                qr_payload=qr.page_payload(IDS["B"], "rapport_hierarchique", "RH-PIN1", 1, 1)),
                                     "JPEG", quality=90)
    expect["photo.jpg"] = ("classe", [("B", "rapport_hierarchique")])
    files["scan.png"] = image_bytes(page_image("DECISION RECONNAISSANT L'IMPUTABILITE", [],
                                               qr_payload=qr.page_payload(IDS["A"], "decision_imputabilite", "DOC", 1, 1)), "PNG")
    expect["scan.png"] = ("classe", [("A", "decision_imputabilite")])
    t1 = page_image("ATTESTATION DE PRESENCE", [], qr_payload=qr.page_payload(IDS["C"], "attestations_presence", "DOC", 1, 2))
    t2 = page_image("ATTESTATION DE PRESENCE (suite)", [], qr_payload=qr.page_payload(IDS["C"], "attestations_presence", "DOC", 2, 2))
    files["lot.tif"] = image_bytes(t1, "TIFF", save_all=True, append_images=[t2], compression="tiff_deflate")
    expect["lot.tif"] = ("classe", [("C", "attestations_presence")])
    # A PDF named .jpg (typed by content), one in a sub-folder of INBOX.
    files["mal_nomme.jpg"] = qr_doc("B", "decision_imputabilite", "DÉCISION RECONNAISSANT L'IMPUTABILITÉ")
    expect["mal_nomme.jpg"] = ("classe", [("B", "decision_imputabilite")])
    files["service_rh/arrete.pdf"] = qr_doc("C", "arrete_radiation", "ARRÊTÉ PORTANT RADIATION DES CADRES", code="ARR-PIN1")
    expect["service_rh/arrete.pdf"] = ("classe", [("C", "arrete_radiation")])
    # Bundle: three documents behind the real separator sheets of dossier C.
    files["liasse.pdf"] = concat_pdfs([
        sheet_for("fiche_de_poste"), text_pdf("Fiche", ["sans identité"], pages=2),
        sheet_for("expertise_medicale"), text_pdf("Rapport", ["texte"], pages=3),
        sheet_for("attestation_reclassement"), text_pdf("Attestation", ["texte"]),
    ])
    expect["liasse.pdf"] = ("classe", [("C", "fiche_de_poste"), ("C", "expertise_medicale"), ("C", "attestation_reclassement")])
    # Refused: junk, a Word-like zip, a text file, encrypted, truncated, empty, a PNG bomb.
    rnd = random.Random(4)
    files["bruit.bin"] = bytes(rnd.getrandbits(8) for _ in range(3000))
    files["lettre.docx"] = b"PK\x03\x04" + bytes(rnd.getrandbits(8) for _ in range(500))
    files["note.txt"] = "Simple note de service.\n".encode()
    files["chiffre.pdf"] = encrypted_pdf()
    files["tronque.pdf"] = text_pdf("CERTIFICAT", identity_lines("A"), pages=3)[:1500]
    files["vide.pdf"] = b""
    files["bombe.png"] = png_bomb()
    for n in ("bruit.bin", "lettre.docx", "note.txt", "chiffre.pdf", "tronque.pdf", "vide.pdf", "bombe.png"):
        expect[n] = ("quarantaine", [])
    # À trier: a NIR nobody has, no identity at all, pièce unknown, QR of an unknown dossier.
    from pipeline import nir as nir_mod

    files["inconnu_nir.pdf"] = text_pdf("CERTIFICAT MÉDICAL INITIAL", [f"NIR : {nir_mod.fmt(nir_mod.with_key('1551299123456'))}"])
    files["sans_identite.pdf"] = text_pdf("CERTIFICAT MÉDICAL INITIAL", ["Aucune identité lisible."])
    files["piece_inconnue.pdf"] = text_pdf("COURRIER", identity_lines("A") + ["Objet : demande de renseignements"])
    files["qr_autre_dossier.pdf"] = text_pdf("IMPRIMÉ AF3", [], qr_payloads=[qr.page_payload("INV-AUTRE-9", "af3", "AF3-2406", 1, 1)])
    for n in ("inconnu_nir.pdf", "sans_identite.pdf", "piece_inconnue.pdf", "qr_autre_dossier.pdf"):
        expect[n] = ("a_trier", [])
    # Duplicates: same bytes as files above, other names.
    for i, src in enumerate(["qr_00.pdf", "nir_01.pdf", "photo.jpg", "nom_0.pdf", "liasse.pdf"]):
        files[f"copie_{i}_{src}"] = files[src]
        expect[f"copie_{i}_{src}"] = ("doublon", [])
    slow = text_pdf("RAPPORT DU MÉDECIN DU TRAVAIL", identity_lines("C") + ["x" * 80] * 30, pages=3)
    expect["lent.pdf"] = ("classe", [("C", "rapport_medecin_travail")])
    assert len(expect) == 50

    log = base / "watch.log"
    t0 = time.monotonic()
    proc = start_watcher(inbox, root, "--workers", "2", "--settle", "1.0", log=log)
    try:
        time.sleep(1.0)
        # The slow file: written in pieces, each pause shorter than the settle time.
        with open(inbox / "lent.pdf", "wb") as fh:
            step = len(slow) // 5 + 1
            for j in range(0, len(slow), step):
                fh.write(slow[j:j + step])
                fh.flush()
                time.sleep(0.4)
        for name, data in files.items():
            if "/" in name:
                (inbox / name).parent.mkdir(exist_ok=True)
            if name.startswith("copie_"):
                continue
            drop(inbox, name, data) if "/" not in name else (inbox / name).write_bytes(data)
        # The copies arrive later: their originals are in the journal by then.
        assert wait_until(lambda: len(journal_rows(root)) >= 45, 120)
        for name, data in files.items():
            if name.startswith("copie_"):
                drop(inbox, name, data)

        def done():
            rows = journal_rows(root)
            return len(rows) == 50 and all(r[2] == "terminee" for r in rows)

        assert wait_until(done, 180), (journal_rows(root), log.read_text()[-3000:])
        status = lambda: json.loads(subprocess.run([PYTHON, "-m", "pipeline.cli", "status", str(root), "--json"],
                                                   capture_output=True, text=True).stdout)
        assert wait_until(lambda: all(d["status"] in ("complet", "incomplet") for d in status()["dossiers"]), 120)
        elapsed = time.monotonic() - t0
        rc = stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    return dict(base=base, inbox=inbox, root=root, expect=expect, rc=rc, log=log.read_text(), elapsed=elapsed,
                files=files)


def test_every_file_landed_where_expected(landed):
    root, expect = landed["root"], landed["expect"]
    assert landed["rc"] == 0
    rows = journal_rows(root)
    by_name = {r[1]: r for r in rows}
    assert sorted(by_name) == sorted(expect)  # each dropped file exactly once
    got = {n: by_name[n][3] for n in expect}
    assert got == {n: e[0] for n, e in expect.items()}, landed["log"][-3000:]
    parts = parts_rows(root)
    for name, (outcome, places) in expect.items():
        fid = by_name[name][0]
        mine = [(p[2], p[3]) for p in parts if p[0] == fid and p[4] == "dossier"]
        assert mine == [(AGENTS[k]["id"], piece) for k, piece in places], name
    # Nothing left in INBOX or in the work area.
    assert [p for p in landed["inbox"].rglob("*") if p.is_file()] == []
    assert list((root / "_watch" / "travail").iterdir()) == []


def test_files_on_disk(landed):
    root = landed["root"]
    a, b, c = (root / f"dossier_{k}" for k in "abc")
    assert sorted(p.name for p in a.glob("*.pdf")) == sorted([
        "af3.pdf", "af4.pdf", "fiche_de_poste.pdf", "attestation_reclassement.pdf", "expertise_medicale.pdf",
        "questionnaire_tp.pdf", "certificat_medical_initial.pdf", "certificat_medical_initial_2.pdf",
        "rapport_medecin_travail.pdf", "plan_trajet.pdf", "decision_imputabilite.pdf"])
    # The bundle's parts: separator sheets dropped, pages kept in order.
    import pypdf

    assert len(pypdf.PdfReader(c / "expertise_medicale.pdf").pages) in (1, 3)
    sizes = sorted(len(pypdf.PdfReader(p).pages) for p in c.glob("expertise_medicale*.pdf"))
    assert sizes == [1, 3]
    assert "FEUILLE DE S" not in "".join(pdf_text(p) for p in c.glob("*.pdf"))
    # Images became searchable PDFs: OCR text read back.
    assert "HIERARCHIQUE" in pdf_text(b / "rapport_hierarchique.pdf").upper()
    assert "IMPUTABILITE" in pdf_text(a / "decision_imputabilite.pdf").upper().replace("É", "E")
    tif = c / "attestations_presence.pdf"
    assert len(pypdf.PdfReader(tif).pages) == 2 and "PRESENCE" in pdf_text(tif).upper()
    scanned = [p for p in a.glob("certificat_medical_initial*.pdf") if "CERTIFICAT" in pdf_text(p).upper()]
    assert len(scanned) == 2
    # Owner-only everywhere the watcher wrote.
    for p in [*root.rglob("*")]:
        if p.name == "dossier.yaml" or p == root:
            continue
        mode = p.stat().st_mode & 0o777
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def test_quarantine_and_a_trier_say_why_in_french(landed):
    work = landed["root"] / "_watch"
    q = {p.name: p.read_text(encoding="utf-8") for p in (work / "quarantaine").glob("*.motif.txt")}
    assert len(q) == 7
    reasons = "\n".join(q.values())
    for words in ("chiffré", "non pris en charge", "vide", "démesurée", "abîmé"):
        assert words in reasons, words
    t = [p.read_text(encoding="utf-8") for p in (work / "a_trier").glob("*.motif.txt")]
    assert len(t) == 4 and len(list((work / "a_trier").glob("*.pdf"))) == 4
    joined = "\n".join(t)
    assert "ne correspond à aucun dossier" in joined and "INV-AUTRE-9" in joined and "pièce non identifiée" in joined
    # Originals archived (filed, à trier, duplicates), quarantined ones kept in quarantine.
    archived = list((work / "archive").rglob("*"))
    assert len([p for p in archived if p.is_file()]) == 50 - 7


def test_status_reflects_the_checks(landed):
    r = subprocess.run([PYTHON, "-m", "pipeline.cli", "status", str(landed["root"]), "--json"], capture_output=True, text=True)
    data = json.loads(r.stdout)
    rows = {d["dossier_id"]: d for d in data["dossiers"]}
    assert set(rows) == {a["id"] for a in AGENTS.values()}
    for d in rows.values():
        assert d["status"] in ("complet", "incomplet") and d["last_received"]
        assert "af3" not in d["missing"]  # filed by QR, seen by the check
    assert data["files"] == {"classe": 34, "doublon": 5, "quarantaine": 7, "a_trier": 4}
    # The stored report is the check's own JSON.
    rep = json.loads((landed["root"] / "_watch" / "rapports" / "inv_t_0001.json").read_text())
    assert rep["report"]["schema"] == "pipeline-check/1"
    text = subprocess.run([PYTHON, "-m", "pipeline.cli", "status", str(landed["root"])], capture_output=True, text=True).stdout
    assert "INV-T-0002 :" in text and "dernier document reçu le" in text


def test_logs_carry_no_page_text(landed):
    log = landed["log"]
    assert "fichier" in log and "sha256=" in log
    for secret in ("Lefèvre", "Durand", "Sophie", "EXPERTISE", "CERTIFICAT", "2 67 09"):
        assert secret not in log
