"""Which dossier and pièce a document belongs to. Never a guess: no match or several → à trier.

Order: our QR code (separator sheet or page code); else the pièce identified from the content
(pipeline.identify when available, else the printed titles of WORDING.md) and the dossier
found by a valid NIR read on the page, or else by the agent's name and birth date, matched
against the dossier.yaml files under ROOT.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import nir as nir_mod
from pipeline.read.identify import identify_document, piece_from_text
from pipeline.text import fold, name_tokens

log = logging.getLogger("pipeline.watch")


@dataclass
class DossierEntry:
    id: str
    folder: Path
    nir: str
    names: frozenset[str]  # folded family names (naissance, usage)
    prenoms: frozenset[str]
    birth: dt.date | None


@dataclass
class Decision:
    kind: str  # "dossier" | "a_trier"
    dossier_id: str | None = None
    piece_id: str | None = None
    reason: str = ""
    via: str = ""
    folder: str | None = None


@dataclass
class DossierIndex:
    root: Path
    entries: dict[str, DossierEntry] = field(default_factory=dict)
    _stamp: dict[Path, int] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    def refresh(self) -> "DossierIndex":
        """Reload the dossier.yaml files that changed (cheap when nothing did)."""
        from pipeline.dossier.load import load_dossier

        seen = {}
        for yaml_path in dossier_yamls(self.root):
            try:
                seen[yaml_path] = yaml_path.stat().st_mtime_ns
            except OSError:
                continue
        if seen == self._stamp:
            return self
        entries, problems = {}, {}
        for yaml_path in seen:
            try:
                d = load_dossier(yaml_path)
            except Exception:
                problems[yaml_path.parent.name] = "dossier.yaml invalide : lancez « pipeline validate » sur ce fichier"
                continue
            a = d.agent
            noms = {fold(a.nom_naissance)} | ({fold(a.nom_usage)} if getattr(a, "nom_usage", None) else set())
            entries[d.dossier.id] = DossierEntry(
                id=d.dossier.id, folder=yaml_path.parent, nir=nir_mod.normalize(a.nir),
                names=frozenset(n for n in noms if n), prenoms=name_tokens(a.prenoms),
                birth=a.date_naissance,
            )
        self.entries, self.problems, self._stamp = entries, problems, seen
        return self


def dossier_yamls(root: Path) -> list[Path]:
    out = []
    try:
        it = os.scandir(root)
    except OSError:
        return out
    with it:
        for e in it:
            if e.name.startswith((".", "_")) or not e.is_dir(follow_symlinks=False):
                continue
            y = Path(e.path) / "dossier.yaml"
            if y.is_file() and not y.is_symlink():
                out.append(y)
    return sorted(out)


_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")


def dates_in(text: str) -> set[dt.date]:
    out = set()
    for d, m, y in _DATE.findall(text):
        try:
            out.add(dt.date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return out


@dataclass
class Facts:
    """What was read on a document: from pipeline.identify when available, else from its text."""

    piece_id: str | None = None
    nirs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    birth_dates: set = field(default_factory=set)
    text: str = ""
    source: str = "texte"


def read_facts(pdf_path: Path, text: str, use_identify: bool = True) -> Facts:
    facts = Facts(text=text)
    if use_identify:
        got = _identify(pdf_path)
        if got is not None:
            facts = got
            facts.text = facts.text or text
    if facts.piece_id is None:
        facts.piece_id = piece_from_text(text)
    if not facts.nirs:
        facts.nirs = nir_mod.find_all(text)
    if not facts.birth_dates:
        facts.birth_dates = dates_in(text)
    return facts


def _identify(pdf_path: Path) -> Facts | None:
    """The check's identification of the document (the watcher already did the OCR)."""
    try:
        ident = identify_document(pdf_path, ocr=False)
    except Exception as e:  # a failure there must not stop routing by the text alone
        log.warning("identification en échec (%s) : lecture du texte seule", type(e).__name__)
        return None
    if ident.problem:
        return None
    f = Facts(source="identify")
    piece = ident.piece or ident.not_to_send
    if piece and ident.confidence >= 0.5:
        f.piece_id = piece
    f.nirs = [nir_mod.normalize(n) for n in ident.nirs]
    f.names = [n for n in ident.names.values() if n]
    if ident.birth_date is not None:
        f.birth_dates = {ident.birth_date}
    return f


def by_qr(index: DossierIndex, dossier_id: str, piece_id: str, via: str) -> Decision:
    from pipeline.dossier.pieces import load_catalogue

    e = index.entries.get(dossier_id)
    if e is None:
        return Decision("a_trier", dossier_id, piece_id, via=via,
                        reason=f"le code QR désigne le dossier {dossier_id}, introuvable sous le dossier des dossiers : "
                               "créez ce dossier (avec son dossier.yaml) puis redéposez le document")
    if piece_id not in load_catalogue().ids:
        return Decision("a_trier", dossier_id, piece_id, via=via,
                        reason=f"le code QR désigne une pièce inconnue ({piece_id}) : classez le document à la main")
    return Decision("dossier", dossier_id, piece_id, via=via, folder=str(e.folder))


def by_content(index: DossierIndex, facts: Facts) -> Decision:
    """Dossier by NIR, else by name + birth date; exactly one match or à trier."""
    valid = {n for n in facts.nirs if nir_mod.is_valid(n)}
    via = ""
    matches: set[str] = set()
    if valid:
        matches = {e.id for e in index.entries.values() if e.nir in valid}
        via = "nir"
        if not matches:
            return Decision("a_trier", piece_id=facts.piece_id, via=via,
                            reason="le NIR lu sur le document ne correspond à aucun dossier : vérifiez l'agent, "
                                   "créez son dossier ou classez le document à la main")
    else:
        text_tokens = name_tokens(facts.text) | frozenset(t for n in facts.names for t in name_tokens(n))
        for e in index.entries.values():
            if e.birth and e.birth in facts.birth_dates and (e.names & text_tokens or any(
                    set(n.split()) <= text_tokens for n in e.names)) and (e.prenoms & text_tokens):
                matches.add(e.id)
        via = "nom_date"
        if not matches:
            return Decision("a_trier", piece_id=facts.piece_id, via=via,
                            reason="aucun NIR valide ni nom avec date de naissance d'un agent connu sur le document : "
                                   "classez-le à la main ou ajoutez une feuille de séparation")
    if len(matches) > 1:
        return Decision("a_trier", piece_id=facts.piece_id, via=via,
                        reason=f"le document correspond à plusieurs dossiers ({', '.join(sorted(matches))}) : "
                               "classez-le à la main")
    did = next(iter(matches))
    if not facts.piece_id:
        return Decision("a_trier", did, None, via=via,
                        reason=f"dossier {did} reconnu mais pièce non identifiée : classez le document à la main "
                               "ou redéposez-le précédé de la feuille de séparation de la pièce")
    return Decision("dossier", did, facts.piece_id, via=via, folder=str(index.entries[did].folder))
