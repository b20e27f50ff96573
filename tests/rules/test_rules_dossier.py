"""Rules across pièces (eligibility, identity, NIR, dates, rapport hiérarchique, case), on in-memory facts."""
from __future__ import annotations

import pytest

from pipeline.validators.base import REGISTRY
from tests.rules.facts import NIR, OTHER_NIR, context, date, doc, dossier, ids, messages, page


@pytest.mark.fires("AGENT-NON-ELIGIBLE")
def test_agent_non_eligible_fires_under_28_hours_or_for_a_contractuel():
    ctx = context(dossier=dossier(heures=20))
    assert ids("AGENT-NON-ELIGIBLE", ctx) == ["AGENT-NON-ELIGIBLE"]
    assert "20 h par semaine" in messages("AGENT-NON-ELIGIBLE", ctx)[0]
    af3 = doc("af3.pdf", "af3", fields={"statut": "Contractuel", "heures": "35"})
    assert "contractuel" in messages("AGENT-NON-ELIGIBLE", context(af3))[0]


def test_agent_non_eligible_silent_at_28_hours():
    assert ids("AGENT-NON-ELIGIBLE", context(dossier=dossier(heures=28))) == []
    assert ids("AGENT-NON-ELIGIBLE", context(doc("af3.pdf", "af3", fields={"statut": "titulaire", "heures": "28"}))) == []


@pytest.mark.fires("NIR-INVALIDE")
def test_nir_invalide_fires_on_a_wrong_key():
    ctx = context(doc("certificat.pdf", "certificat_medical", nirs=["267095011604299"]))
    assert ids("NIR-INVALIDE", ctx) == ["NIR-INVALIDE"]


def test_nir_invalide_silent_on_a_valid_nir_or_an_ocr_misread_read_again():
    assert ids("NIR-INVALIDE", context(doc("af3.pdf", "af3", nirs=["267095011604237"]))) == []
    scan = doc("scan.pdf", "af3", nirs=["267095011604299"], nirs_reread=["267095011604237"],
               pages=[page(0, ocr=True)])
    assert ids("NIR-INVALIDE", context(scan)) == []
    # A scan's NIR whose second reading gives another number: unsure, never accused.
    unsure = doc("scan.pdf", "af3", nirs=["267095011604299"], nirs_reread=["267095011664237"],
                 pages=[page(0, ocr=True)])
    assert ids("NIR-INVALIDE", context(unsure)) == []
    confirmed = doc("scan.pdf", "af3", nirs=["267095011604299"], nirs_reread=["267095011604299"],
                    pages=[page(0, ocr=True)])
    assert ids("NIR-INVALIDE", context(confirmed)) == ["NIR-INVALIDE"]


def test_nir_invalide_silent_on_the_agents_nir_with_a_dotted_zero_read_six():
    # Seed 65 of the layout variations (a monospaced font with dotted zeros, scanned): « 1 72 06 76
    # 540 123 65 » read « 1 72 66 76 … » twice alike; the key failed and a good dossier was blocked.
    misread = doc("scan.pdf", "expertise_medicale", nirs=["267695011604237"], nirs_reread=["267695011604237"],
                  pages=[page(0, ocr=True)])
    assert ids("NIR-INVALIDE", context(misread, dossier=dossier())) == []
    # Without the agent's NIR to compare with, on a text PDF, or with a digit no OCR mistakes:
    assert ids("NIR-INVALIDE", context(misread)) == ["NIR-INVALIDE"]
    typed = doc("cert.pdf", "expertise_medicale", nirs=["267695011604237"])
    assert ids("NIR-INVALIDE", context(typed, dossier=dossier())) == ["NIR-INVALIDE"]
    other = doc("scan.pdf", "expertise_medicale", nirs=["267095011604337"], nirs_reread=["267095011604337"],
                pages=[page(0, ocr=True)])
    assert ids("NIR-INVALIDE", context(other, dossier=dossier())) == ["NIR-INVALIDE"]


@pytest.mark.fires("IDENTITE-DISCORDANTE")
def test_identite_discordante_fires_on_another_agents_nir_or_name():
    other = doc("certificat.pdf", "certificat_medical", nirs=[OTHER_NIR])
    assert ids("IDENTITE-DISCORDANTE", context(other, dossier=dossier())) == ["IDENTITE-DISCORDANTE"]
    named = doc("certificat.pdf", "certificat_medical", names={"nom_naissance": "BERNARD"})
    assert "le nom" in messages("IDENTITE-DISCORDANTE", context(named, dossier=dossier()))[0]


def test_identite_discordante_silent_on_the_agents_own_pieces():
    own = doc("af3.pdf", "af3", nirs=[NIR.replace(" ", "")], names={"nom_naissance": "LEFEVRE"})
    assert ids("IDENTITE-DISCORDANTE", context(own, dossier=dossier())) == []


@pytest.mark.fires("DATES-INCOHERENTES")
def test_dates_incoherentes_fires_when_the_seance_precedes_the_af3():
    af3 = doc("af3.pdf", "af3", fields={"date_medecin": date("2026-06-18")})
    af4 = doc("af4.pdf", "af4", fields={"date_seance": date("2026-06-01")})
    ctx = context(af3, af4, dossier=dossier())
    assert ids("DATES-INCOHERENTES", ctx) == ["DATES-INCOHERENTES"]
    assert "01/06/2026" in messages("DATES-INCOHERENTES", ctx)[0]


def test_dates_incoherentes_silent_in_order_and_before_the_age_limit():
    af3 = doc("af3.pdf", "af3", fields={"date_medecin": date("2026-06-18")})
    af4 = doc("af4.pdf", "af4", fields={"date_seance": date("2026-09-22")})
    assert ids("DATES-INCOHERENTES", context(af3, af4, dossier=dossier())) == []


@pytest.mark.fires("RAPPORT-HIERARCHIQUE-INCOMPLET")
def test_rapport_hierarchique_fires_without_the_time_of_the_accident():
    rh = doc("rh.pdf", "rapport_hierarchique", fields={"variante": "accident_service", "date_accident": "12/03/2025",
                                                      "heure": "", "circonstances": "chute dans l'escalier"})
    ctx = context(rh)
    assert ids("RAPPORT-HIERARCHIQUE-INCOMPLET", ctx) == ["RAPPORT-HIERARCHIQUE-INCOMPLET"]
    assert "l'heure" in messages("RAPPORT-HIERARCHIQUE-INCOMPLET", ctx)[0]


def test_rapport_hierarchique_says_to_check_a_handwritten_time_it_could_not_read():
    # Seed 56 of the layout variations: « HEURE » then « 10:40 » by hand under it, read « ‘ ».
    ev = {"page": 1, "box": (54, 453, 324, 463), "texte": "‘", "etat": "illisible"}
    rh = doc("rh.pdf", "rapport_hierarchique", fields={"variante": "accident_service", "date_accident": "12/03/2025",
                                                      "heure": None, "circonstances": "chute dans l'escalier"},
             evidence={"heure": ev})
    (msg,) = messages("RAPPORT-HIERARCHIQUE-INCOMPLET", context(rh))
    assert "porte l'heure, mais le contrôle n'a pas pu la lire" in msg and "à vérifier sur la page 1" in msg
    assert "il manque" not in msg
    assert [f.evidence for f in REGISTRY["RAPPORT-HIERARCHIQUE-INCOMPLET"].run(context(rh))] == [ev]


def test_rapport_hierarchique_silent_when_complete():
    rh = doc("rh.pdf", "rapport_hierarchique", fields={"variante": "maladie_professionnelle",
                                                      "risques": "port de charges", "exposition": "1998-2024"})
    assert ids("RAPPORT-HIERARCHIQUE-INCOMPLET", context(rh)) == []


@pytest.mark.fires("CAS-DISCORDANT")
def test_cas_discordant_fires_when_the_af3_says_another_imputabilite():
    ctx = context(doc("af3.pdf", "af3"), dossier=dossier(), docs_case={"imputabilite": "maladie_professionnelle"})
    assert ids("CAS-DISCORDANT", ctx) == ["CAS-DISCORDANT"]
    assert "maladie_professionnelle" in messages("CAS-DISCORDANT", ctx)[0]


def test_cas_discordant_silent_when_they_agree():
    ctx = context(doc("af3.pdf", "af3"), dossier=dossier(), docs_case={"imputabilite": "non_imputable"})
    assert ids("CAS-DISCORDANT", ctx) == []
