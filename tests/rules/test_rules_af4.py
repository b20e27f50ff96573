"""Rules on the AF4 (quorum, video attendance), on in-memory facts."""
from __future__ import annotations

import pytest

from tests.rules.facts import context, doc, ids, messages, page


def members(*spec):
    """(role, name, presence, signed) tuples → the members the AF4 reader returns."""
    return [{"role": r, "nom": n, "presence": p, "signe": s} for r, n, p, s in spec]


# The rule counts the members whose role is « médecin » (not the president) as the doctors.
QUORUM = [("president", "Marc Lebrun", "present", True), ("medecin", "Claire Pasquier", "present", True),
          ("medecin", "Yves Renaud", "present", True),
          ("representant_personnel", "Patrick Lemoine", "present", True)]
NO_STAFF = QUORUM[:3] + [("representant_administration", "Paul Hamel", "present", True)]


@pytest.mark.fires("AF4-QUORUM")
def test_quorum_fires_without_a_staff_representative():
    ctx = context(doc("af4.pdf", "af4", fields={"membres": members(*NO_STAFF)}))
    assert ids("AF4-QUORUM", ctx) == ["AF4-QUORUM"]
    assert "aucun représentant du personnel" in messages("AF4-QUORUM", ctx)[0]


def test_quorum_silent_when_met_or_on_second_convocation():
    assert ids("AF4-QUORUM", context(doc("af4.pdf", "af4", fields={"membres": members(*QUORUM)}))) == []
    second = {"membres": members(*NO_STAFF), "seconde_convocation": True}
    assert ids("AF4-QUORUM", context(doc("af4.pdf", "af4", fields=second))) == []


@pytest.mark.fires("AF4-SECONDE-CONVOCATION")
def test_seconde_convocation_fires_when_quorum_missed_but_second_convocation_stated():
    second = {"membres": members(*NO_STAFF), "seconde_convocation": True}
    assert ids("AF4-SECONDE-CONVOCATION", context(doc("af4.pdf", "af4", fields=second))) == ["AF4-SECONDE-CONVOCATION"]


def test_seconde_convocation_silent_when_quorum_met():
    fields = {"membres": members(*QUORUM), "seconde_convocation": True}
    assert ids("AF4-SECONDE-CONVOCATION", context(doc("af4.pdf", "af4", fields=fields))) == []


VISIO = QUORUM[:3] + [("representant_personnel", "Patrick Lemoine", "visio", False)]


@pytest.mark.fires("AF4-VISIO-SANS-ATTESTATION")
def test_visio_fires_without_the_members_attendance_certificate():
    ctx = context(doc("af4.pdf", "af4", fields={"membres": members(*VISIO)}))
    assert ids("AF4-VISIO-SANS-ATTESTATION", ctx) == ["AF4-VISIO-SANS-ATTESTATION"]
    assert "Patrick Lemoine" in messages("AF4-VISIO-SANS-ATTESTATION", ctx)[0]


def test_visio_silent_with_an_attestation_naming_the_member():
    attestation = doc("attestation.pdf", "attestations_presence",
                      pages=[page(0, text="attestation de presence patrick lemoine visioconference")])
    ctx = context(doc("af4.pdf", "af4", fields={"membres": members(*VISIO)}), attestation)
    assert ids("AF4-VISIO-SANS-ATTESTATION", ctx) == []
