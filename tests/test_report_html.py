"""The HTML report is rendered by Jinja2 with autoescape: text from files cannot inject markup."""
from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

from pipeline.check.report import to_html
from pipeline.check.run import DossierReport, PieceStatus
from pipeline.validators.base import Finding

EVIL = '<script>alert("x")</script>'


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.imgs = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def _report(findings, name="commune_a") -> DossierReport:
    pieces = [PieceStatus("af3", "presente", ["af3.pdf"], "Imprimé AF3"),
              PieceStatus("fiche_de_poste", "manquante", [], "Fiche de poste")]
    return DossierReport(name, f"/lots/{name}", pieces, findings)


def test_values_from_files_are_escaped():
    f = Finding("AF3-MEDECIN-TRAITANT-VIDE", "bloquant", f"cadre vide {EVIL}", "Notice AF3", "af3",
                f"{EVIL}.pdf", 2)
    html = to_html([_report([f], name=f"lot{EVIL}")])
    seen = parse(html)
    assert "script" not in seen.tags
    assert "&lt;script&gt;" in html
    text = "".join(seen.text)
    assert f"cadre vide {EVIL}" in text  # shown as text, as the user wrote it
    assert f"Dossier lot{EVIL}" in text


def test_same_content_as_before():
    f = Finding("AF4-QUORUM", "bloquant", "quorum non atteint : faites signer", "Décret n° 87-602", "af3", "af3.pdf", 1)
    seen = parse(to_html([_report([f]), _report([], name="commune_b")]))
    text = " ".join(" ".join(seen.text).split())
    assert "2 dossier(s) : 1 complet(s), 1 incomplet(s)." in text
    for expected in ("Dossier commune_a INCOMPLET", "Bloquant : 1", "Pièces manquantes", "Fiche de poste (fiche_de_poste)",
                     "Constats, par pièce", "Imprimé AF3", "AF4-QUORUM", "quorum non atteint : faites signer",
                     "Source : Décret n° 87-602", "af3.pdf, page 1", "État des pièces", "présente", "manquante"):
        assert expected in text, expected
    assert "@page { size: A4 portrait" in to_html([])  # the print style is inlined
    assert seen.tags.count("section") == 2


@dataclasses.dataclass(frozen=True)
class _WithEvidence(Finding):  # the read stage may attach a crop of the page to a finding
    evidence: dict | None = None


PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_evidence_is_shown_when_a_finding_has_one():
    f = _WithEvidence("AF3-MEDECIN-TRAITANT-VIDE", "bloquant", "cadre vide", "Notice AF3", "af3", "af3.pdf", 2,
                      evidence={"page": 2, "box": [10, 20, 200, 80], "texte": f"Dr {EVIL}", "image": PNG})
    html = to_html([_report([f])])
    seen = parse(html)
    assert [i["src"] for i in seen.imgs] == [PNG]
    assert f"lu : « Dr {EVIL} »" in "".join(seen.text)
    assert "script" not in seen.tags
    # an image that is not an inline PNG is not linked (the report stays self-contained)
    g = dataclasses.replace(f, evidence={"page": 2, "image": "https://example.org/x.png"})
    assert parse(to_html([_report([g])])).imgs == []
