"""Rules on the AF3 and on the version of the CNRACL forms, on in-memory facts."""
from __future__ import annotations

import pytest

from pipeline.validators.registry import REGISTRY

from tests.rules.facts import context, date, doc, dossier, ids, messages, page

DOCTOR_PART = {"conclusions": "inaptitude absolue et définitive", "taux": "65 %", "date_medecin": date("2026-06-18")}


@pytest.mark.fires("FORMULAIRE-OBSOLETE")
def test_formulaire_obsolete_fires_on_an_old_or_missing_version_code():
    ctx = context(doc("af3.pdf", "af3", version="2101"), doc("af4.pdf", "af4", version=None))
    assert ids("FORMULAIRE-OBSOLETE", ctx) == ["FORMULAIRE-OBSOLETE"] * 2
    assert "AF3-2101" in messages("FORMULAIRE-OBSOLETE", ctx)[0]


def test_formulaire_obsolete_silent_on_current_forms():
    ctx = context(doc("af3.pdf", "af3", version="2406"), doc("af4.pdf", "af4", version="2406"))
    assert ids("FORMULAIRE-OBSOLETE", ctx) == []


@pytest.mark.fires("AF3-MEDECIN-TRAITANT-VIDE")
def test_medecin_traitant_vide_fires_on_an_empty_block():
    ctx = context(doc("af3.pdf", "af3", fields={"medecin_traitant": " ....... "}))
    assert ids("AF3-MEDECIN-TRAITANT-VIDE", ctx) == ["AF3-MEDECIN-TRAITANT-VIDE"]


def test_medecin_traitant_vide_silent_when_filled():
    ctx = context(doc("af3.pdf", "af3", fields={"medecin_traitant": "pas de medecin traitant"}))
    assert ids("AF3-MEDECIN-TRAITANT-VIDE", ctx) == []


@pytest.mark.fires("AF3-MEDECIN-TRAITANT-AGREE")
def test_medecin_traitant_agree_fires_when_the_same_doctor_is_named():
    af3 = doc("af3.pdf", "af3", fields={"medecin_traitant": "Docteur MOREL Antoine, 4 avenue de Paris",
                                        "medecin_agree": "Antoine Morel"})
    assert ids("AF3-MEDECIN-TRAITANT-AGREE", context(af3)) == ["AF3-MEDECIN-TRAITANT-AGREE"]


def test_medecin_traitant_agree_silent_with_another_doctor():
    af3 = doc("af3.pdf", "af3", fields={"medecin_traitant": "Dr Hélène Giraud, 8 place de la Mairie",
                                        "medecin_agree": "Antoine Morel"})
    assert ids("AF3-MEDECIN-TRAITANT-AGREE", context(af3, dossier=dossier())) == []


@pytest.mark.fires("AF3-SIGNATURE-EMPLOYEUR")
def test_signature_employeur_fires_without_date_and_signature():
    af3 = doc("af3.pdf", "af3", pages=[page(0), page(1, text="cadre f cachet")],
              fields={"signataire": "Jean Lemarchand, le Maire", "date_signature": None, "signature": False})
    ctx = context(af3)
    assert ids("AF3-SIGNATURE-EMPLOYEUR", ctx) == ["AF3-SIGNATURE-EMPLOYEUR"]
    assert "la date, la signature" in messages("AF3-SIGNATURE-EMPLOYEUR", ctx)[0]
    assert [f.page for f in REGISTRY["AF3-SIGNATURE-EMPLOYEUR"].run(ctx)] == [2]  # the page of the cadre F


def test_signature_employeur_silent_when_complete_or_not_found():
    full = {"signataire": "Jean Lemarchand, le Maire", "date_signature": date("2026-06-20"), "signature": True}
    assert ids("AF3-SIGNATURE-EMPLOYEUR", context(doc("af3.pdf", "af3", fields=full))) == []
    assert ids("AF3-SIGNATURE-EMPLOYEUR", context(doc("af3.pdf", "af3", fields={}))) == []


@pytest.mark.fires("AF3-PARTIE-MEDECIN-VIDE")
def test_partie_medecin_vide_fires_on_a_blank_doctor_part():
    blank = {"conclusions": "", "taux": "", "date_medecin": None}
    assert ids("AF3-PARTIE-MEDECIN-VIDE", context(doc("af3.pdf", "af3", fields=blank))) == ["AF3-PARTIE-MEDECIN-VIDE"]


def test_partie_medecin_vide_silent_when_the_doctor_filled_it():
    assert ids("AF3-PARTIE-MEDECIN-VIDE", context(doc("af3.pdf", "af3", fields=DOCTOR_PART))) == []


@pytest.mark.fires("ATI-NON-SIGNALEE")
def test_ati_non_signalee_fires_when_the_af3_does_not_say_it():
    ctx = context(doc("af3.pdf", "af3", fields={"ati": False}), dossier=dossier(ati="true"))
    assert ids("ATI-NON-SIGNALEE", ctx) == ["ATI-NON-SIGNALEE"]


def test_ati_non_signalee_silent_when_ticked_or_not_paid():
    assert ids("ATI-NON-SIGNALEE", context(doc("af3.pdf", "af3", fields={"ati": True}), dossier=dossier(ati="true"))) == []
    assert ids("ATI-NON-SIGNALEE", context(doc("af3.pdf", "af3", fields={"ati": False}), dossier=dossier())) == []


@pytest.mark.fires("CHAMP-ILLISIBLE")
def test_champ_illisible_fires_on_a_box_neither_ticked_nor_empty():
    af4 = doc("af4.pdf", "af4", fields={"inapte_toutes_fonctions": None},
              evidence={"inapte_toutes_fonctions": {"page": 1, "box": (10, 10, 20, 20), "texte": "[?]",
                                                    "etat": "illisible"}})
    ctx = context(af4)
    assert ids("CHAMP-ILLISIBLE", ctx) == ["CHAMP-ILLISIBLE"]
    assert "inapte à toutes fonctions" in messages("CHAMP-ILLISIBLE", ctx)[0]
    assert [f.page for f in REGISTRY["CHAMP-ILLISIBLE"].run(ctx)] == [1]


def test_champ_illisible_fires_on_an_employers_date_written_but_unreadable():
    # Seed 52 of the layout variations (scanned): the signature's stroke crosses « 04/08/2026 »,
    # read with a confidence of 12. Not missing (no AF3-SIGNATURE-EMPLOYEUR), not silent either.
    ev = {"page": 3, "box": (44, 238, 196, 259), "texte": "04/08/2026 —", "etat": "illisible"}
    af3 = doc("af3.pdf", "af3", fields={"signataire": "François Delaunay, Le Vice-président du CCAS",
                                        "date_signature": None, "signature": True},
              evidence={"date_signature": ev})
    ctx = context(af3)
    assert ids("CHAMP-ILLISIBLE", ctx) == ["CHAMP-ILLISIBLE"] and ids("AF3-SIGNATURE-EMPLOYEUR", ctx) == []
    msg = messages("CHAMP-ILLISIBLE", ctx)[0]
    assert "date de signature de l'employeur" in msg and "« 04/08/2026 — »" in msg and "page 3" in msg
    assert "Oui" not in msg


def test_champ_illisible_silent_on_a_clear_answer():
    af4 = doc("af4.pdf", "af4", fields={"inapte_toutes_fonctions": True},
              evidence={"inapte_toutes_fonctions": {"page": 1, "box": (10, 10, 20, 20), "texte": "[X]",
                                                    "etat": "cochee"}})
    assert ids("CHAMP-ILLISIBLE", context(af4)) == []
