"""Rules on the files and pièces present, on in-memory facts."""
from __future__ import annotations

import pytest

from pipeline.dossier.pieces import Requirement, load_catalogue
from tests.rules.facts import context, doc, ids, messages, page


def _af3_required():
    af3 = next(p for p in load_catalogue().pieces if p.id == "af3")
    return [Requirement(af3, True, "c'est le rapport du médecin agréé")]


@pytest.mark.fires("PIECE-MANQUANTE")
def test_piece_manquante_fires_when_a_required_piece_is_absent():
    ctx = context(doc("autre.pdf", "af4"), required=_af3_required())
    assert ids("PIECE-MANQUANTE", ctx) == ["PIECE-MANQUANTE"]
    assert "(af3)" in messages("PIECE-MANQUANTE", ctx)[0]


def test_piece_manquante_silent_when_the_piece_is_there():
    assert ids("PIECE-MANQUANTE", context(doc("af3.pdf", "af3"), required=_af3_required())) == []


@pytest.mark.fires("PIECE-INUTILE")
def test_piece_inutile_fires_on_a_document_not_to_send():
    ctx = context(doc("decompte.pdf", not_to_send="decompte_pension"))
    assert ids("PIECE-INUTILE", ctx) == ["PIECE-INUTILE"]
    assert "Décompte de pension" in messages("PIECE-INUTILE", ctx)[0]


def test_piece_inutile_silent_on_a_piece():
    assert ids("PIECE-INUTILE", context(doc("af3.pdf", "af3"))) == []


@pytest.mark.fires("DOCUMENT-INCONNU")
def test_document_inconnu_fires_on_an_unidentified_file():
    assert ids("DOCUMENT-INCONNU", context(doc("scan_0042.pdf"))) == ["DOCUMENT-INCONNU"]


def test_document_inconnu_silent_on_identified_or_separator_or_unreadable():
    ctx = context(doc("af3.pdf", "af3"), doc("sep.pdf", separator=True), doc("x.pdf", problem="chiffré"))
    assert ids("DOCUMENT-INCONNU", ctx) == []


@pytest.mark.fires("FICHIER-ILLISIBLE")
def test_fichier_illisible_fires_on_a_file_with_a_problem():
    ctx = context(doc("af3.pdf", problem="le PDF est protégé par un mot de passe"))
    assert ids("FICHIER-ILLISIBLE", ctx) == ["FICHIER-ILLISIBLE"]
    assert "mot de passe" in messages("FICHIER-ILLISIBLE", ctx)[0]


def test_fichier_illisible_silent_on_a_readable_file():
    assert ids("FICHIER-ILLISIBLE", context(doc("af3.pdf", "af3"))) == []


@pytest.mark.fires("PAGE-FORMAT")
def test_page_format_fires_on_a_us_letter_page():
    ctx = context(doc("af3.pdf", "af3", pages=[page(0), page(1, size=(612, 792))]))
    assert ids("PAGE-FORMAT", ctx) == ["PAGE-FORMAT"]
    assert "page 2" in messages("PAGE-FORMAT", ctx)[0] and "216 × 279 mm" in messages("PAGE-FORMAT", ctx)[0]


def test_page_format_silent_on_a4_portrait_and_on_an_image_of_unknown_size():
    unknown = page(1, size=(612, 792))
    unknown.size_known = False
    assert ids("PAGE-FORMAT", context(doc("af3.pdf", "af3", pages=[page(0), unknown]))) == []


@pytest.mark.fires("PAGE-BLANCHE")
def test_page_blanche_fires_on_a_scanned_blank_verso():
    blank = page(1, text="", text_layer=False, ink=0.0)
    ctx = context(doc("af3.pdf", "af3", pages=[page(0), blank]))
    assert ids("PAGE-BLANCHE", ctx) == ["PAGE-BLANCHE"]
    assert "page 2" in messages("PAGE-BLANCHE", ctx)[0]


def test_page_blanche_silent_on_an_inked_scan():
    inked = page(1, text="", text_layer=False, ink=0.05)
    assert ids("PAGE-BLANCHE", context(doc("af3.pdf", "af3", pages=[page(0), inked]))) == []


@pytest.mark.fires("IDENTIFICATION-INCERTAINE")
def test_identification_incertaine_fires_when_two_pieces_score_alike():
    d = doc("courrier.pdf", "af3", candidates=[("af3", 0.41), ("expertise_medicale", 0.39)])
    ctx = context(d)
    assert ids("IDENTIFICATION-INCERTAINE", ctx) == ["IDENTIFICATION-INCERTAINE"]
    assert "à vérifier" in messages("IDENTIFICATION-INCERTAINE", ctx)[0]


def test_identification_incertaine_silent_on_a_clear_identification():
    assert ids("IDENTIFICATION-INCERTAINE", context(doc("af3.pdf", "af3", candidates=[]))) == []
