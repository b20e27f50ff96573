"""Stage validate: a dossier folder → DossierReport (pièces present, findings of every rule).

Works from the files alone: the case (imputabilité, inaptitude, ATI, tierce personne) is
read from the AF3 and AF4; a dossier.yaml, when given, is cross-checked against them.
A bad file is a finding, never a crash. Batches stream: one dossier in memory per worker.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from pipeline import nir as nir_mod
from pipeline.dossier.pieces import Case, case_from_dossier, load_catalogue, requirements
from pipeline.errors import InputProblem, InvalidInput
from pipeline.read import limits
from pipeline.read.fields import load_form, read_fields
from pipeline.read.identify import Identified, identify_files
from pipeline.text import fold

PROFILES = ("cnracl", "cdg50", "cdg76")
# Not pièces: the dossier description, reports, hidden files, the samples' expectations.
SKIP_SUFFIXES = {".yaml", ".yml"}
SKIP_NAMES = {"attendu.json", "rapport.json", "rapport.html", "Thumbs.db", "desktop.ini"}


@dataclass
class PieceStatus:
    id: str
    status: str  # presente | manquante | non_requise
    files: list[str] = field(default_factory=list)
    libelle: str = ""

    def as_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "files": self.files, "libelle": self.libelle}


@dataclass
class DossierReport:
    dossier: str
    path: str
    pieces: list[PieceStatus]
    findings: list  # validators.registry.Finding
    profile: str = "cnracl"
    case: dict = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)  # file → pièce, confidence (no content)
    pages: int = 0
    ocr_pages: int = 0
    # Who the dossier is about, for the CDG's reports (dossier.yaml, else the AF3 for the agent).
    dossier_id: str = ""
    collectivite: Optional[dict] = None  # nom, siret, adresse, signataire, contact_rh, cdg
    agent: Optional[dict] = None  # civilite, nom, prenoms (no NIR, nothing medical)

    @property
    def status(self) -> str:
        return "incomplet" if any(f.severity == "bloquant" for f in self.findings) else "complet"

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def as_dict(self) -> dict:
        return {
            "dossier": self.dossier,
            "status": self.status,
            "profile": self.profile,
            "case": self.case,
            "pieces": [p.as_dict() for p in self.pieces],
            "findings": [f.as_dict() for f in self.findings],
            "files": self.files,
            "dossier_id": self.dossier_id,
            "collectivite": self.collectivite,
            "agent": self.agent,
        }


@dataclass
class Context:
    """What the rules see about one dossier."""

    name: str
    docs: list[Identified]
    dossier: object = None  # pipeline.model.Dossier or None
    profile: str = "cnracl"
    case: Case = field(default_factory=Case)
    docs_case: dict = field(default_factory=dict)  # facts read from the AF3 / AF4
    required: list = field(default_factory=list)

    def by_piece(self, piece_id: str) -> list[Identified]:
        return [d for d in self.docs if d.piece == piece_id and not d.problem]

    @property
    def af3(self) -> Optional[Identified]:
        found = self.by_piece("af3")
        return found[0] if found else None

    @property
    def af4(self) -> Optional[Identified]:
        found = self.by_piece("af4")
        return found[0] if found else None

    def not_to_send_label(self, nts_id: str) -> str:
        for n in load_catalogue().not_to_send:
            if n.id == nts_id:
                return n.libelle
        return nts_id

    def evidence(self, doc: Optional[Identified], name: str) -> Optional[dict]:
        """What was read for a field of a form (page, box, text), for a finding to show."""
        return doc.evidence.get(name) if doc is not None else None

    def piece_label(self, key: str) -> str:
        """A pièce's name for a person (also « à ne pas envoyer » documents and separators)."""
        if key.startswith("nts:"):
            return self.not_to_send_label(key[4:])
        if key == "separateur":
            return "feuille de séparation"
        try:
            return load_catalogue().get(key).libelle
        except Exception:
            return key

    def af3_page(self, label: str) -> Optional[int]:
        if self.af3 is None:
            return None
        for p in self.af3.pages:
            if label in p.folded:
                return p.index + 1
        return None

    def af3_hours(self) -> Optional[float]:
        raw = (self.af3.fields.get("heures") or "") if self.af3 else ""
        m = re.search(r"(\d{1,2}(?:[.,]\d{1,2})?)", raw)
        return float(m.group(1).replace(",", ".")) if m else None

    def af3_date(self):
        if self.af3 is not None and self.af3.fields.get("date_medecin"):
            return self.af3.fields["date_medecin"]
        if self.af4 is not None and self.af4.fields.get("date_af3"):
            return self.af4.fields["date_af3"]
        if self.dossier is not None:
            return self.dossier.medecin_agree.date_rapport
        return None

    def medecin_agree_names(self) -> list[str]:
        names = []
        if self.af3 is not None and self.af3.fields.get("medecin_agree"):
            names.append(self.af3.fields["medecin_agree"])
        if self.af4 is not None and self.af4.fields.get("medecin_af3"):
            names.append(self.af4.fields["medecin_af3"])
        if self.dossier is not None:
            m = self.dossier.medecin_agree
            names.append(f"{m.prenom or ''} {m.nom}")
        return [n for n in names if n and n.strip()]

    def reference_nir(self) -> Optional[str]:
        """The agent's NIR: dossier.yaml's, else the one most pièces carry (valid ones only)."""
        if self.dossier is not None:
            return nir_mod.normalize(self.dossier.agent.nir)
        counts: dict[str, int] = {}
        for d in self.docs:
            for n in set(d.nirs):
                if nir_mod.is_valid(n):
                    weight = 3 if d.piece in ("af3", "af4") else 1
                    counts[n] = counts.get(n, 0) + weight
        return max(counts, key=counts.get) if counts else None

    def reference_names(self) -> list[str]:
        if self.dossier is not None:
            a = self.dossier.agent
            return [n for n in (a.nom_naissance, a.nom_usage) if n]
        counts: dict[str, int] = {}
        for d in self.docs:
            n = d.names.get("nom_naissance")
            if n and not any(p.ocr for p in d.pages):
                counts[fold(n)] = counts.get(fold(n), 0) + (3 if d.piece in ("af3", "af4") else 1)
        if not counts:
            for d in self.docs:
                n = d.names.get("nom_naissance")
                if n:
                    counts[fold(n)] = counts.get(fold(n), 0) + (3 if d.piece in ("af3", "af4") else 1)
        return [max(counts, key=counts.get)] if counts else []

    def case_disagreements(self) -> list[tuple[str, str, str, str]]:
        out = []
        dc = self.docs_case
        d = self.dossier
        if d is None:
            return out
        if dc.get("imputabilite") and dc["imputabilite"] != d.imputabilite.value:
            out.append(("Imputabilité", d.imputabilite.value, dc["imputabilite"], "af3"))
        if dc.get("inaptitude") and dc["inaptitude"] != d.inaptitude.value:
            out.append(("Inaptitude", d.inaptitude.value, dc["inaptitude"], dc.get("inaptitude_piece", "af3")))
        if dc.get("tierce_personne") is not None and dc["tierce_personne"] != d.tierce_personne:
            yn = lambda b: "oui" if b else "non"  # noqa: E731
            out.append(("Tierce personne", yn(d.tierce_personne), yn(dc["tierce_personne"]), "af3"))
        return out


# ---------------------------------------------------------------- identity
def collectivite_of(dossier) -> Optional[dict]:
    """The employer section of dossier.yaml, as plain data (the CDG's reports are addressed to it)."""
    if dossier is None:
        return None
    e = dossier.employeur
    a = e.adresse
    out = {"nom": e.collectivite, "siret": e.siret,
           "adresse": {"ligne1": a.ligne1, "ligne2": getattr(a, "ligne2", None),
                       "code_postal": a.code_postal, "commune": a.commune},
           "signataire": {"nom": e.signataire.nom, "qualite": e.signataire.qualite},
           "contact_rh": None, "cdg": e.cdg}
    if e.contact_rh is not None:
        out["contact_rh"] = {k: getattr(e.contact_rh, k, None) for k in ("nom", "telephone", "email")}
    return out


def agent_of(dossier, docs: list[Identified]) -> Optional[dict]:
    """The agent's civility and names: dossier.yaml's, else what the AF3 / AF4 print."""
    if dossier is not None:
        a = dossier.agent
        return {"civilite": a.civilite, "nom": a.nom_usage or a.nom_naissance,
                "nom_naissance": a.nom_naissance, "prenoms": a.prenoms}
    for piece in ("af3", "af4"):
        for d in docs:
            if d.piece != piece or d.problem:
                continue
            nom = d.fields.get("nom_usage") or d.fields.get("nom_naissance") or d.names.get("nom_naissance")
            if nom:
                # Read fields are folded (no case, no accents): title case reads better than nothing.
                nn = d.fields.get("nom_naissance") or nom
                return {"civilite": None, "nom": nom.title(), "nom_naissance": nn.title(),
                        "prenoms": (d.fields.get("prenoms") or d.names.get("prenoms") or "").title()}
    return None


# ---------------------------------------------------------------- the stage
def _build_bookkeeping(folder: Path) -> set[str]:
    """Names of the non-PDF files `pipeline build` writes beside its documents (manifest,
    checklist, zip): checking a build's output folder must not report them as unreadable."""
    import json

    manifest = folder / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict) or data.get("schema") != "pipeline-build/1":
        return set()
    names = {"manifest.json", "liste_des_pieces.txt"}
    if isinstance(data.get("dossier"), str):
        names.add(f"{data['dossier']}.zip")
    return names


def list_files(folder: Path) -> list[Path]:
    out = []
    skip = _build_bookkeeping(Path(folder))
    for p in sorted(Path(folder).iterdir()):
        if p.name.startswith(".") or p.name in SKIP_NAMES or p.suffix.lower() in SKIP_SUFFIXES or p.name in skip:
            continue
        if p.is_file():
            out.append(p)
    return out


def _identify_all(files: list[Path], jobs: int, isolate: Optional[bool] = None) -> list[Identified]:
    """Each file read in a worker with a memory cap and a time limit (one worker per core;
    Tesseract one thread each): a hostile file becomes FICHIER-ILLISIBLE, the check goes on."""
    return identify_files(files, jobs=min(max(1, jobs), len(files) or 1), then=_read_all_fields, isolate=isolate)


def read_document(path: Path) -> Identified:
    """One file identified and its form fields read, in this process, as each worker of the
    check does (the reading benchmark measures exactly this)."""
    return identify_files([path], then=_read_all_fields, isolate=False)[0]


def _read_all_fields(d: Identified) -> None:
    """In the worker: the fields of the file, or of each pièce when the file holds several."""
    for part in d.parts or [d]:
        read_form_fields(part)


def read_form_fields(d: Identified) -> None:
    if d.problem or d.data is None:
        return
    if d.piece in ("af3", "af4"):
        d.data.metadata.pop("_evidence", None)
        d.fields = read_fields(d.data, load_form(d.piece))
        d.evidence = d.data.metadata.pop("_evidence", {})
    elif d.piece == "rapport_hierarchique":
        form = load_form("rapport_hierarchique")
        stops = form["arret_commun"]
        spec = {"libelles": form.get("libelles", []),
                "champs": {k: dict(v, arret=stops) if v["type"] == "bloc" else v
                           for k, v in form["champs"].items()}}
        d.data.metadata.pop("_evidence", None)
        d.fields = read_fields(d.data, spec)
        d.evidence = d.data.metadata.pop("_evidence", {})
        first = "\n".join(d.data.folded.split("\n")[:12])
        for variant, rx in form["variantes"].items():
            if re.search(rx, first):
                d.fields["variante"] = variant
                break


def case_from_documents(docs: list[Identified]) -> dict:
    """The facts the AF3 / AF4 state (None where they say nothing readable)."""
    af3 = next((d for d in docs if d.piece == "af3" and not d.problem), None)
    af4 = next((d for d in docs if d.piece == "af4" and not d.problem), None)
    out: dict = {}
    answers = []
    if af3 is not None and af3.fields.get("inapte_toutes_fonctions") is not None:
        answers.append(("af3", af3.fields["inapte_toutes_fonctions"]))
    if af4 is not None and af4.fields.get("inapte_toutes_fonctions") is not None:
        answers.append(("af4", af4.fields["inapte_toutes_fonctions"]))
    if answers:
        non = [p for p, a in answers if a is False]
        out["inapte_toutes_fonctions_non"] = bool(non)
        out["inaptitude"] = "ses_fonctions" if non else "toutes_fonctions"
        out["inaptitude_piece"] = non[0] if non else answers[0][0]
    if af3 is not None:
        imp = af3.fields.get("imputable")
        if imp is False:
            out["imputabilite"] = "non_imputable"
        elif imp is True:
            out["imputabilite"] = af3.fields.get("type_imputabilite") or _rh_variant(docs)
        if af3.fields.get("ati") is not None:
            out["ati"] = af3.fields["ati"]
        if af3.fields.get("tierce_personne") is not None:
            out["tierce_personne"] = af3.fields["tierce_personne"]
    if "imputabilite" not in out and _rh_variant(docs):
        out["imputabilite"] = _rh_variant(docs)
    if af4 is not None and af4.fields.get("membres"):
        out["visio_sans_signature"] = any(m["presence"] == "visio" and not m["signe"]
                                          for m in af4.fields["membres"])
    return {k: v for k, v in out.items() if v is not None}


def _rh_variant(docs) -> Optional[str]:
    for d in docs:
        if d.piece == "rapport_hierarchique" and d.fields.get("variante"):
            return d.fields["variante"]
    return None


def _case(docs: list[Identified], dossier, docs_case: dict) -> Case:
    present = {d.piece for d in docs if d.piece and not d.problem}
    if dossier is not None:
        case = case_from_dossier(dossier)
        case.inapte_toutes_fonctions_non = bool(docs_case.get("inapte_toutes_fonctions_non"))
        case.visio_sans_signature = case.visio_sans_signature or bool(docs_case.get("visio_sans_signature"))
        return case
    case = Case()
    case.imputabilite = docs_case.get("imputabilite") or "non_imputable"
    case.inaptitude = docs_case.get("inaptitude") or "toutes_fonctions"
    case.inapte_toutes_fonctions_non = bool(docs_case.get("inapte_toutes_fonctions_non"))
    case.ati = bool(docs_case.get("ati"))
    tp = docs_case.get("tierce_personne")
    case.tierce_personne = bool(tp) if tp is not None else "questionnaire_tp" in present
    # A police report is required only « s'il a été établi »: its presence is the evidence.
    case.pv_police = "pv_police" in present
    case.visio_sans_signature = bool(docs_case.get("visio_sans_signature"))
    case.seconde_etape = "arrete_radiation" in present
    return case


def check_dossier(folder, dossier_yaml=None, profile: Optional[str] = None, *, jobs: Optional[int] = None) -> DossierReport:
    """Check one dossier folder. Raises InvalidInput (exit 2) only when it cannot run at all."""
    folder = Path(folder)
    if folder.is_file() and folder.suffix.lower() == ".zip":
        return _check_zip(folder, dossier_yaml, profile, jobs=jobs)
    from pipeline.validators.registry import run_all

    if not folder.is_dir():
        raise InvalidInput([InputProblem(str(folder), "", "dossier introuvable : indiquez le dossier qui contient les pièces (PDF, images)")])
    dossier = None
    if dossier_yaml is None and (folder / "dossier.yaml").is_file():
        dossier_yaml = folder / "dossier.yaml"  # a description filed with the pièces is cross-checked
    if dossier_yaml:
        from pipeline.dossier.load import load_dossier

        dossier = load_dossier(Path(dossier_yaml), coherence=False)  # incoherences are findings here
    if profile is None:
        profile = dossier.dossier.profil.value if dossier is not None else "cnracl"
    if profile not in PROFILES:
        raise InvalidInput([InputProblem("--profile", "", f"profil inconnu « {profile} » : choisissez parmi {', '.join(PROFILES)}")])
    files = list_files(folder)
    too_much = limits.check_folder(files)
    if too_much:
        raise InvalidInput([InputProblem(str(folder), "", too_much)])
    docs = _identify_all(files, jobs if jobs is not None else (os.cpu_count() or 1))
    docs = [part for d in docs for part in (d.parts or [d])]  # a file holding several pièces: each checked
    docs_case = case_from_documents(docs)
    case = _case(docs, dossier, docs_case)
    reqs = requirements(case)
    if dossier is not None:
        # When the description and the documents disagree on the case, require what either needs.
        from_docs = requirements(_case(docs, None, docs_case))
        for r, other in zip(reqs, from_docs):
            if other.required and not r.required:
                r.required, r.reason = True, other.reason + " (d'après l'AF3 / l'AF4)"
    ctx = Context(folder.name if dossier is None else dossier.dossier.id, docs, dossier, profile,
                  case, docs_case, reqs)
    findings = run_all(ctx)
    _crops(findings, docs)
    pieces = []
    for r in reqs:
        present = [d.file for d in ctx.by_piece(r.piece.id)]
        status = "presente" if present else "manquante" if r.required else "non_requise"
        pieces.append(PieceStatus(r.piece.id, status, present, r.piece.libelle))
    files_info = [{"file": d.file, "first_page": d.first_page, "last_page": d.last_page or len(d.pages),
                   "candidates": [c for c, _ in d.candidates], "piece": d.piece, "confidence": round(d.confidence, 2), "method": d.method,
                   "a_ne_pas_envoyer": d.not_to_send, "pages": len(d.pages), "lisible": not d.problem}
                  for d in docs]
    return DossierReport(
        dossier=ctx.name, path=str(folder), pieces=pieces, findings=findings, profile=profile,
        case={k: v for k, v in case.as_dict().items()}, files=files_info,
        pages=sum(len(d.pages) for d in docs), ocr_pages=sum(d.data.ocr_pages for d in docs if d.data),
        dossier_id=dossier.dossier.id if dossier is not None else "",
        collectivite=collectivite_of(dossier), agent=agent_of(dossier, docs),
    )


def _check_zip(zip_path: Path, dossier_yaml, profile, *, jobs) -> DossierReport:
    """A dossier received as one zip: extracted safely into a private temporary folder."""
    import shutil
    import tempfile

    from pipeline.read.archive import extract

    tmp = Path(tempfile.mkdtemp(prefix="pipeline-zip-"))  # 0700
    try:
        dest = tmp / zip_path.stem
        extract(zip_path, dest)
        # A zip of one folder: check that folder.
        inner = [p for p in dest.iterdir() if not p.name.startswith(".")]
        if len(inner) == 1 and inner[0].is_dir():
            dest = inner[0]
        report = check_dossier(dest, dossier_yaml, profile, jobs=jobs)
        report.path = str(zip_path)
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _crops(findings: list, docs: list[Identified]) -> None:
    """The page zone each field finding is about, as a small PNG (data URI) for the HTML report."""
    import base64
    import io

    from pipeline.pdfium import LOCK
    from pipeline.read.pixels import render

    for f in findings:
        ev = f.evidence
        if not ev or "image" in ev or not ev.get("box") or not any(ev["box"]):
            continue
        doc = next((d for d in docs if d.file == f.file and d.data is not None
                    and d.first_page <= ev["page"] <= (d.last_page or len(d.data.pages))), None)
        if doc is None:
            continue
        x0, top, x1, bottom = ev["box"]
        page = doc.data.pages[ev["page"] - 1]
        crop = (max(0, x0 - 30), max(0, top - 12), min(page.width, max(x1 + 200, x0 + 300)), bottom + 40)
        try:
            with LOCK:  # the desk's task consumer checks dossiers on several threads
                img = render(doc.data, ev["page"] - 1, dpi=100, crop=crop)
            buf = io.BytesIO()
            img.save(buf, format="PNG", optimize=True)
            ev["image"] = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        except Exception:
            continue  # no crop: the page, box and text read are still shown


def batch_folders(root) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise InvalidInput([InputProblem(str(root), "", "dossier de lot introuvable : indiquez le dossier qui contient un sous-dossier par agent")])
    # "_" folders belong to tools (the watcher's _watch/), "." folders are hidden.
    subs = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith((".", "_"))]
    if not subs:
        raise InvalidInput([InputProblem(str(root), "", "aucun sous-dossier : un lot contient un sous-dossier par dossier d'agent")])
    return subs


def _check_one(args) -> DossierReport:
    folder, profile = args
    try:
        return check_dossier(folder, None, profile, jobs=1)
    except InvalidInput as e:  # one bad folder must not stop the batch
        from pipeline.validators.registry import Finding

        f = Finding("FICHIER-ILLISIBLE", "bloquant", str(e), "—")
        return DossierReport(Path(folder).name, str(folder), [], [f], profile or "cnracl")


def check_batch(root, profile: Optional[str] = None, jobs: Optional[int] = None) -> Iterator[DossierReport]:
    """Check every sub-folder of `root`, yielding reports in order as they are ready.

    Dossiers are spread over processes (one per core); only small reports come back, so
    memory stays flat however large the batch.
    """
    folders = batch_folders(root)
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(folders) == 1:
        for f in folders:
            yield _check_one((f, profile))
        return
    import multiprocessing as mp

    with mp.get_context("fork").Pool(jobs, maxtasksperchild=25) as pool:
        yield from pool.imap(_check_one, [(f, profile) for f in folders], chunksize=1)
