"""The sample dossiers of `pipeline check` themselves: complete, each defect exactly as meant.

These tests read the generated files back (pdfplumber, pypdfium2, pypdf): they guard the
contract the check engine's tests rely on (samples/CHECK_SAMPLES.md).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
from pathlib import Path

import pdfplumber
import pypdf
import pypdfium2 as pdfium
import pytest

from pipeline import nir as nir_mod
from pipeline import qr
from pipeline.dossier.load import load_dossier
from pipeline.dossier.pieces import case_from_dossier, required_ids
from pipeline.text import fold, same_person

from tests.fixtures_samples import SAMPLES, load_generator

A4 = (595.28, 841.89)
TOL = 3 / 25.4 * 72  # ±3 mm

# How each pièce announces itself (WORDING.md titles), folded.
TITLES = {
    "af3": "imprime af3",
    "af4": "imprime af4",
    "expertise_medicale": "rapport d'expertise medicale",
    "fiche_de_poste": "fiche de poste",
    "attestation_reclassement": "attestation relative au reclassement",
    "rapport_hierarchique": "rapport hierarchique",
    "certificat_medical_initial": "certificat medical initial",
    "decision_imputabilite": "imputabilite",
    "plan_trajet": "plan du trajet",
    "pv_police": "proces-verbal de",
    "questionnaire_tp": "questionnaire tierce personne",
    "rapport_medecin_travail": "rapport du medecin du travail",
    "attestations_presence": "attestation de presence",
    "bulletin_salaire": "bulletin de salaire",
    "decompte_pension": "decompte de pension",
}


@functools.lru_cache(maxsize=None)
def pages_text(path: Path) -> tuple[str, ...]:
    with pdfplumber.open(path) as pdf:
        return tuple(p.extract_text() or "" for p in pdf.pages)


@functools.lru_cache(maxsize=None)
def fast_text(path: Path) -> tuple[str, ...]:
    """Text of each page with pypdfium2 (several times faster than pdfplumber): for diffs."""
    doc = pdfium.PdfDocument(path)
    try:
        return tuple(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def fold_lines(s: str) -> str:
    """Folded (case, accents, spaces) line by line: line breaks are kept."""
    return "\n".join(fold(line) for line in s.splitlines())


def text(path: Path) -> str:
    return fold_lines("\n".join(pages_text(path)))


def attendu(folder: Path) -> dict:
    return json.loads((folder / "attendu.json").read_text(encoding="utf-8"))


def folders(idx, key):
    return [(name, idx["root"] / c[key]) for name, c in idx["cases"].items()]


def test_every_case_and_every_rule_has_its_samples(check_samples):
    cases = sorted(p.parent.name for p in SAMPLES.glob("[0-9][0-9]_*/dossier.yaml"))
    assert sorted(check_samples["cases"]) == cases
    covered = {r for d in check_samples["defauts"].values() for r in d["rules"] + d["info"]}
    assert covered == set(load_generator().SEVERITY)  # every rule id of rules.md
    for name, d in check_samples["defauts"].items():
        for key in ("dir", "dir_autre"):
            folder = check_samples["root"] / d[key]
            att = attendu(folder)
            assert att["rules"] == d["rules"] and att["base"] in cases
            assert set(att["pieces"]) == {p.name for p in folder.iterdir()} - {"attendu.json", "dossier.yaml"}
            assert (folder / "dossier.yaml").exists() == att["dossier_yaml"]


@pytest.mark.parametrize("key", ["complet", "complet_autre", "scan"])
def test_complete_sets_hold_every_required_piece(check_samples, key):
    for name, folder in folders(check_samples, key):
        d = load_dossier(SAMPLES / name / "dossier.yaml")
        att = attendu(folder)
        assert att["rules"] == [] and att["info"] == [] and att["status"] == "complet"
        present = set(att["pieces"].values())
        assert present == set(required_ids(case_from_dossier(d))) - {"arrete_radiation"}, name
        assert not (folder / "dossier.yaml").exists()


@pytest.mark.parametrize("key", ["complet", "complet_autre"])
def test_each_file_reads_as_its_piece_and_its_agent(check_samples, key):
    for name, folder in folders(check_samples, key):
        d = load_dossier(SAMPLES / name / "dossier.yaml")
        for file, piece in attendu(folder)["pieces"].items():
            t = text(folder / file)
            assert TITLES[piece] in t, (folder, file)
            others = [p for p in TITLES if p != piece and TITLES[p] in t.split("\n")[0]]
            assert not others, (file, others)
            assert fold(d.agent.nom_affiche) in t, (file, "agent name")
            for n in nir_mod.find_all(t):
                assert n == d.agent.nir, (file, n)


def test_our_layout_and_the_other_layout_really_differ(check_samples):
    name, folder = folders(check_samples, "complet")[0]
    autre = check_samples["root"] / check_samples["cases"][name]["complet_autre"]
    af3_ours = folder / "af3.pdf"
    af3_other = next(autre / f for f, p in attendu(autre)["pieces"].items() if p == "af3")
    af4_other = next(autre / f for f, p in attendu(autre)["pieces"].items() if p == "af4")
    ours, other = text(af3_ours), text(af3_other)
    # Ours: « Label : value » on one line and ☒ boxes; other: label alone, value on the next line.
    assert re.search(r"^nir : \d", ours, re.M) and "☒" in ours
    assert re.search(r"^nir\n\d \d\d", other, re.M) and "☒" not in other and "☐" not in other
    assert "[x] oui" in text(af4_other)  # bracket boxes on the AF4, drawn squares on the AF3
    with pdfplumber.open(af3_other) as pdf:
        fonts = {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars}
        assert pdf.pages[2].rects, "drawn squares"
    with pdfplumber.open(af3_ours) as pdf:
        ours_fonts = {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars}
    assert fonts and not fonts & ours_fonts
    assert qr.decode_pdf_page(af3_ours, 0)[0].piece_id == "af3"
    assert qr.decode_pdf_page(af3_other, 0) == []


def test_every_page_is_a4_portrait_except_the_page_format_defect(check_samples):
    root = check_samples["root"]
    for pdf in sorted(root.rglob("*.pdf")):
        if "fichiers" in pdf.parts or pdf.stat().st_size == 0:
            continue
        try:
            reader = pypdf.PdfReader(pdf)
            sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
        except Exception:
            assert attendu(pdf.parent)["pieces"][pdf.name] == "corrompu"
            continue
        bad = [s for s in sizes if abs(s[0] - A4[0]) > TOL or abs(s[1] - A4[1]) > TOL]
        if "PAGE-FORMAT" in pdf.parent.name and attendu(pdf.parent)["pieces"][pdf.name] == "fiche_de_poste":
            assert bad == [(612.0, 792.0)]
        else:
            assert not bad, pdf


def _base_files(root, d):
    base = root / d["base"] / "complet"
    return base, attendu(base)["pieces"]


# What each defect changes relative to its base case (our layout): files whose text differs.
CHANGED = {
    "PIECE-MANQUANTE_2": {"af4"},
    "FORMULAIRE-OBSOLETE": {"af4"},
    "AF3-MEDECIN-TRAITANT-VIDE": {"af3"},
    "AF3-MEDECIN-TRAITANT-AGREE": {"af3"},
    "AF3-SIGNATURE-EMPLOYEUR": {"af3"},
    "AF3-PARTIE-MEDECIN-VIDE": {"af3"},
    "AF4-QUORUM": {"af4"},
    "AF4-SECONDE-CONVOCATION": {"af4"},
    "AF4-VISIO-SANS-ATTESTATION": {"af4"},
    "AGENT-NON-ELIGIBLE_1": {"af3"},
    "AGENT-NON-ELIGIBLE_2": {"af3"},
    "IDENTITE-DISCORDANTE_1": {"expertise_medicale"},
    "NIR-INVALIDE": {"expertise_medicale"},
    "DATES-INCOHERENTES": {"af3", "af4", "expertise_medicale"},
    "RAPPORT-HIERARCHIQUE-INCOMPLET": {"rapport_hierarchique"},
    "ATI-NON-SIGNALEE": {"af3"},
    "PAGE-BLANCHE": {"expertise_medicale"},
}
# The agent's status / hours also change wherever else a document prints them.
MAY_CHANGE = {"AGENT-NON-ELIGIBLE_1": {"fiche_de_poste"}, "AGENT-NON-ELIGIBLE_2": {"fiche_de_poste"}}
REMOVED = {"PIECE-MANQUANTE_1": {"fiche_de_poste"}, "PIECE-MANQUANTE_3": {"af3"}}
ADDED = {"PIECE-INUTILE": "bulletin_salaire", "PIECE-INUTILE_2": "decompte_pension", "DOCUMENT-INCONNU": "inconnu", "FICHIER-ILLISIBLE": "corrompu"}


def test_each_defect_differs_from_its_base_exactly_where_intended(check_samples):
    root = check_samples["root"]
    for name, d in check_samples["defauts"].items():
        folder = root / d["dir"]
        base, base_pieces = _base_files(root, d)
        pieces = attendu(folder)["pieces"]
        removed = set(base_pieces.values()) - set(pieces.values())
        added = set(pieces.values()) - set(base_pieces.values())
        assert removed == REMOVED.get(name, set()), name
        assert added == ({ADDED[name]} if name in ADDED else set()), name
        changed = set()
        for file, piece in pieces.items():
            if file in base_pieces and fast_text(folder / file) != fast_text(base / file):
                changed.add(piece)
        assert CHANGED.get(name, set()) <= changed <= CHANGED.get(name, set()) | MAY_CHANGE.get(name, set()), name


def _page(path: Path, n: int) -> str:
    return fold_lines(pages_text(path)[n - 1])


def _after(t: str, label: str, stop: str) -> str:
    m = re.search(re.escape(label) + r"\s*:?(.*?)(?:" + stop + ")", t, re.S)
    assert m, (label, t[:200])
    return m.group(1).strip()


def test_defect_contents_read_back(check_samples):
    root = check_samples["root"]
    df = {n: root / d["dir"] for n, d in check_samples["defauts"].items()}
    d1 = load_dossier(SAMPLES / check_samples["defauts"]["AF4-QUORUM"]["base"] / "dossier.yaml")
    seance = d1.conseil_medical.pleniere.date

    assert "af4-1401" in text(df["FORMULAIRE-OBSOLETE"] / "af4.pdf")
    assert "af4-2406" not in text(df["FORMULAIRE-OBSOLETE"] / "af4.pdf")
    assert _after(text(df["AF3-MEDECIN-TRAITANT-VIDE"] / "af3.pdf"), "medecin traitant", "la fiche de poste") == ""
    mt = _after(text(df["AF3-MEDECIN-TRAITANT-AGREE"] / "af3.pdf"), "medecin traitant :", "la fiche de poste")
    assert same_person(mt.split("\n")[0], f"{d1.medecin_agree.prenom} {d1.medecin_agree.nom}")
    p3 = _page(df["AF3-SIGNATURE-EMPLOYEUR"] / "af3.pdf", 3)
    assert re.search(r"^signature :\s*$", p3, re.M) and "signe" not in p3.split("cadre f")[1]
    p4 = _page(df["AF3-PARTIE-MEDECIN-VIDE"] / "af3.pdf", 4)
    assert "%" not in p4 and "signe" not in p4 and not re.search(r"\d\d/\d\d/\d{4}", p4)
    assert "signe" in _page(df["AF4-QUORUM"] / "af3.pdf", 4)  # the base AF3 is complete

    def members(path):
        return [l for l in text(path).split("\n") if l.count("|") == 3]

    q = members(df["AF4-QUORUM"] / "af4.pdf")
    present = [l for l in q if "| present |" in l]
    assert len(present) == 3 and sum("medecin" in l for l in present) == 2
    assert sum("representant du personnel" in l for l in present) == 1
    assert "☐ seconde convocation" in text(df["AF4-QUORUM"] / "af4.pdf")
    assert "☒ seconde convocation" in text(df["AF4-SECONDE-CONVOCATION"] / "af4.pdf")
    v = members(df["AF4-VISIO-SANS-ATTESTATION"] / "af4.pdf")
    assert [l for l in v if "visioconference | non signe" in l]
    assert "attestations_presence" not in attendu(df["AF4-VISIO-SANS-ATTESTATION"])["pieces"].values()
    assert "☐ oui ☒ non" in _after(text(df["PIECE-MANQUANTE_2"] / "af4.pdf"), "avis du conseil", "avis :")

    assert "stagiaire" in text(df["AGENT-NON-ELIGIBLE_1"] / "af3.pdf")
    assert "17,5 heures" in text(df["AGENT-NON-ELIGIBLE_2"] / "af3.pdf")

    other = nir_mod.find_all(text(df["IDENTITE-DISCORDANTE_1"] / "expertise_medicale.pdf"))
    assert other and all(nir_mod.is_valid(n) and n != d1.agent.nir for n in other)
    y = load_dossier(df["IDENTITE-DISCORDANTE_2"] / "dossier.yaml")
    assert y.agent.nir != d1.agent.nir and nir_mod.is_valid(y.agent.nir)
    assert y.model_dump(exclude={"agent": {"nir"}}) == d1.model_dump(exclude={"agent": {"nir"}})
    bad = nir_mod.find_all(text(df["NIR-INVALIDE"] / "expertise_medicale.pdf"))
    assert bad and not nir_mod.is_valid(bad[0]) and bad[0][:13] == d1.agent.nir[:13]

    p4 = _page(df["DATES-INCOHERENTES"] / "af3.pdf", 4)
    af3_date = dt.datetime.strptime(re.search(r"^date : (\S+)", p4, re.M).group(1), "%d/%m/%Y").date()
    assert af3_date > seance
    assert f"date de l'af3 : {af3_date:%d/%m/%Y}" in text(df["DATES-INCOHERENTES"] / "af4.pdf")

    rh = text(df["RAPPORT-HIERARCHIQUE-INCOMPLET"] / "rapport_hierarchique.pdf")
    assert re.search(r"^heure :\s*$", rh, re.M) and re.search(r"^circonstances :\s*$", rh, re.M)
    assert re.search(r"^date de l'accident : \d\d/\d\d/\d{4}", rh, re.M)
    ati = df["ATI-NON-SIGNALEE"]
    assert load_dossier(ati / "dossier.yaml").ati.percue
    assert "(ati) ? ☐ oui ☒ non" in text(ati / "af3.pdf")

    blank = pages_text(df["PAGE-BLANCHE"] / "expertise_medicale.pdf")
    assert blank[1].strip() == "" and all(p.strip() for i, p in enumerate(blank) if i != 1)
    with pdfplumber.open(df["PAGE-BLANCHE"] / "expertise_medicale.pdf") as pdf:
        assert not pdf.pages[1].chars and not pdf.pages[1].rects and not pdf.pages[1].images

    extra = {p: f for f, p in attendu(df["PIECE-INUTILE"])["pieces"].items()}
    assert "bulletin de salaire" in text(df["PIECE-INUTILE"] / extra["bulletin_salaire"])
    assert attendu(df["PIECE-INUTILE"])["info"] == ["PIECE-INUTILE"]
    unknown = {p: f for f, p in attendu(df["DOCUMENT-INCONNU"])["pieces"].items()}["inconnu"]
    t = text(df["DOCUMENT-INCONNU"] / unknown)
    assert not [p for p, title in TITLES.items() if title in t] and not nir_mod.find_all(t)
    corrupt = {p: f for f, p in attendu(df["FICHIER-ILLISIBLE"])["pieces"].items()}["corrompu"]
    with pytest.raises(Exception):
        pages_text(df["FICHIER-ILLISIBLE"] / corrupt)


def test_the_other_layout_carries_the_same_defects(check_samples):
    root = check_samples["root"]
    d = check_samples["defauts"]

    def piece_text(name, piece):
        folder = root / d[name]["dir_autre"]
        file = {p: f for f, p in attendu(folder)["pieces"].items()}[piece]
        return text(folder / file)

    assert "af4-1401" in piece_text("FORMULAIRE-OBSOLETE", "af4")
    assert "[x] seconde convocation" in piece_text("AF4-SECONDE-CONVOCATION", "af4")
    quorum = piece_text("AF4-QUORUM", "af4")
    assert len(re.findall(r" present signe$", quorum, re.M)) == 3
    assert "par visioconference non signe" in piece_text("AF4-VISIO-SANS-ATTESTATION", "af4")
    mt = _after(piece_text("AF3-MEDECIN-TRAITANT-VIDE", "af3"), "medecin traitant", "- 1 -|la fiche de poste")
    assert mt == ""
    assert "stagiaire" in piece_text("AGENT-NON-ELIGIBLE_1", "af3")
    folder = root / d["PAGE-FORMAT"]["dir_autre"]
    file = {p: f for f, p in attendu(folder)["pieces"].items()}["fiche_de_poste"]
    box = pypdf.PdfReader(folder / file).pages[0].mediabox
    assert (float(box.width), float(box.height)) == (612.0, 792.0)


def test_scans_are_image_only_and_match_the_text_set(check_samples):
    root = check_samples["root"]
    for name, c in check_samples["cases"].items():
        src, dst = root / c["complet"], root / c["scan"]
        assert attendu(dst)["pieces"] == attendu(src)["pieces"]
        for file in attendu(src)["pieces"]:
            doc = pdfium.PdfDocument(dst / file)
            try:
                assert len(doc) == len(pdfium.PdfDocument(src / file))
                for i in range(len(doc)):
                    page = doc[i]
                    assert page.get_textpage().get_text_range().strip() == ""  # no text layer
                    w, h = page.get_size()
                    assert abs(w - A4[0]) < TOL and abs(h - A4[1]) < TOL
                    objs = list(page.get_objects())
                    assert len(objs) == 1 and objs[0].type == pdfium.raw.FPDF_PAGEOBJ_IMAGE
            finally:
                doc.close()
            # Small enough for the OCR budget: 200 dpi grey JPEG.
            assert (dst / file).stat().st_size < 250_000 * len(pages_text(src / file))
    # The QR codes of our pages survive the scan (the scanning desk relies on them).
    one = root / next(iter(check_samples["cases"].values()))["scan"] / "af3.pdf"
    assert [p.piece_id for p in qr.decode_pdf_page(one, 0, dpi=150)] == ["af3"]


def test_scan_is_reproducible_and_really_degraded():
    sys.path.insert(0, str(SAMPLES))
    import scan
    import standins

    d = load_dossier(next(SAMPLES.glob("01_*/dossier.yaml")))
    pdf = standins.render(standins.content("fiche_de_poste", d), "projet")
    assert pdf == standins.render(standins.content("fiche_de_poste", d), "projet")
    a, b = scan.scan_pdf(pdf, "x.pdf"), scan.scan_pdf(pdf, "x.pdf")
    assert a == b
    clean = pdfium.PdfDocument(pdf)[0].render(scale=scan.DPI / 72, grayscale=True).to_pil().convert("L")
    scanned = pdfium.PdfDocument(a)[0].render(scale=scan.DPI / 72, grayscale=True).to_pil().convert("L")
    # Blank margin of the clean page is pure white; the scan has grain and speckles there.
    corner = (0, 0, 300, 120)
    assert clean.crop(corner).getextrema() == (255, 255)
    lo, hi = scanned.crop(corner).getextrema()
    assert lo < 240


def test_single_files(check_samples):
    import magic

    folder = check_samples["root"] / "fichiers"
    att = attendu(folder)["files"]
    assert set(att) == {"corrupt.pdf", "chiffre.pdf", "vide.pdf", "image_nommee.pdf", "pdf_nomme.jpg", "texte.docx"}
    assert (folder / "vide.pdf").stat().st_size == 0
    with pytest.raises(Exception):
        pypdf.PdfReader(folder / "corrupt.pdf").pages[0].extract_text()
    assert pypdf.PdfReader(folder / "chiffre.pdf").is_encrypted
    assert magic.from_file(str(folder / "image_nommee.pdf"), mime=True) == "image/jpeg"
    assert magic.from_file(str(folder / "pdf_nomme.jpg"), mime=True) == "application/pdf"
    assert "fiche de poste" in text(folder / "pdf_nomme.jpg")
    assert "wordprocessingml" in magic.from_file(str(folder / "texte.docx"), mime=True)
    assert {n for n, a in att.items() if a["rules"] == ["FICHIER-ILLISIBLE"]} == {
        "corrupt.pdf", "chiffre.pdf", "vide.pdf", "texte.docx"}


def test_batch_mixes_good_and_bad_dossiers(check_samples):
    batch = check_samples["lots"]["batch"]
    folder = check_samples["root"] / batch["dir"]
    subs = sorted(p.name for p in folder.iterdir())
    assert subs == sorted(batch["dossiers"])
    statuses = {batch["dossiers"][s]["status"] for s in subs}
    assert statuses == {"complet", "incomplet"}
    assert batch["summary"]["incomplets"] >= 2 and batch["summary"]["complets"] >= 2
    for s in subs:
        assert attendu(folder / s)["status"] == batch["dossiers"][s]["status"]
        assert [p for p in (folder / s).iterdir() if p.suffix == ".pdf"]


def test_outputs_are_owner_only(check_samples):
    root = check_samples["root"]
    for p in [root, *root.rglob("*")]:
        mode = p.stat().st_mode & 0o777
        assert mode == (0o700 if p.is_dir() else 0o600), p


def test_scanned_defects_are_image_only_copies_of_their_defect(check_samples):
    root = check_samples["root"]
    scanned = {n: d for n, d in check_samples["defauts"].items() if "dir_scan" in d}
    assert set(scanned) == set(load_generator().SCANNED_DEFECTS)
    for name, d in scanned.items():
        folder, src = root / d["dir_scan"], root / d["dir"]
        assert attendu(folder) == attendu(src)
        for file in attendu(src)["pieces"]:
            doc = pdfium.PdfDocument(folder / file)
            try:
                assert len(doc) == len(fast_text(src / file))
                assert all(doc[i].get_textpage().get_text_range().strip() == "" for i in range(len(doc)))
            finally:
                doc.close()
    # The scanned blank verso is not pure white (grain, dust) but carries no writing.
    page = pdfium.PdfDocument(root / scanned["PAGE-BLANCHE"]["dir_scan"] / "expertise_medicale.pdf")[1]
    img = page.render(scale=1, grayscale=True).to_pil().convert("L")
    lo, hi = img.getextrema()
    dark = sum(img.histogram()[:128]) / (img.width * img.height)
    assert lo < 235 and dark < 0.002
