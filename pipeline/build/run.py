"""Stage build: dossier.yaml → documents (.docx + stamped PDF), upload set, manifest, zip.

load → contexts → render (.docx) → convert (ONE soffice for every file) → stamp → bundle.
The whole output is written in a staging folder renamed at the end (fsutil.staging_dir):
a failure leaves the previous output, or nothing, never half a build.

Conversion: `build` runs one `soffice --convert-to` for all the documents of the dossier
(a cold start costs less than starting a resident LibreOffice for one dossier: see the README,
« Performances »), unless it is given a running `Converter` (the desk passes
`convert.get_converter()`). `build_many` (CDG batches, `pipeline build --batch`) keeps one
LibreOffice running for all the dossiers.

Output, `<out>/<dossier id>/`:
    <document>.pdf          stamped PDFs (af3, af4: pre-fills others complete, or the official
                            fillable form the user gives, filled, unstamped; fiche_de_poste,
                            attestation_reclassement, rapport_hierarchique; arrete_radiation
                            once its date can be set (CNRACL opinion known); notice_agent; estimation; bordereau when something goes by post)
    docx/<document>.docx    the editable documents
    peps/<piece_id>.pdf     upload set: the pièces the build produced complete, uploaded under
                            the dossier's CDG profile
    liste_des_pieces.txt    the checklist in French
    manifest.json           files (piece_id, file, sha256, pages, bytes, produced_by) + checklist
    <dossier id>.zip        all of the above, deterministic
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

from pipeline import fsutil
from pipeline.build import documents
from pipeline.build import upload_set as bundle
from pipeline.dossier.model import Dossier

# The CNRACL forms have a fixed number of pages (WORDING.md).
EXPECTED_PAGES = {"af3": 4, "af4": 2}


@dataclass
class Rendered:
    doc_id: str
    piece_id: Optional[str]
    code: str
    titre: str
    complete: bool
    docx: bytes  # empty for an official form filled (`pdf`)
    pdf: Optional[bytes] = None  # the official fillable form, filled (build.official)
    pages: Optional[int] = None


@dataclass
class Plan:
    dossier: Dossier
    docs: list[Rendered]
    rows: list[bundle.ChecklistRow]
    warnings: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    dossier_id: str
    out_dir: Path
    files: list[bundle.FileEntry]
    checklist: list[bundle.ChecklistRow]
    warnings: list[str]
    zip_path: Path
    pdf: bool = True

    def file(self, name: str) -> Path:
        return self.out_dir / name


def _load(dossier: Union[str, Path, Dossier]) -> Dossier:
    if isinstance(dossier, Dossier):
        return dossier
    from pipeline.dossier.load import load_dossier

    return load_dossier(Path(dossier))


def _contexts(d: Dossier, warnings: list[str]) -> dict[str, Optional[dict]]:
    """Every document's context; a document whose computation module fails is reported, not fatal."""
    builders = {
        "af3": lambda: documents.render_context_af3(d),
        "af4": lambda: documents.render_context_af4(d),
        "fiche_de_poste": lambda: documents.render_context_fiche_de_poste(d),
        "attestation_reclassement": lambda: (
            documents.render_context_attestation_reclassement(d)
            if d.inaptitude.value == "ses_fonctions" or d.reclassement else None
        ),
        "rapport_hierarchique": lambda: documents.render_context_rapport_hierarchique(d),
        # Its date depends on the CNRACL's opinion (never retroactive): written only once it is known.
        "arrete_radiation": lambda: (documents.render_context_arrete_radiation(d)
                                     if radiation_date_known(d) else None),
        "notice_agent": lambda: documents.render_context_notice_agent(d),
        "estimation": lambda: documents.render_context_estimation(d),
    }
    out: dict[str, Optional[dict]] = {}
    for doc_id, make in builders.items():
        try:
            out[doc_id] = make()
        except ImportError:
            out[doc_id] = None
            warnings.append(f"{documents.DOCUMENTS[doc_id].titre} non produit(e) : le module de calcul "
                            "n'est pas installé dans cette version.")
    return out


def radiation_date_known(d: Dossier) -> bool:
    return d.dates.avis_cnracl is not None or d.dates.radiation is not None


NO_ARRETE = ("Arrêté de radiation des cadres non produit : sa date d'effet ne peut être fixée qu'après l'avis "
             "favorable de la CNRACL (au plus tôt le jour de l'avis, ou le premier jour du mois suivant ; jamais "
             "rétroactive). Renseignez dates.avis_cnracl dans dossier.yaml à réception de l'avis, puis relancez "
             "« pipeline build --seconde-etape ».")


def plan(dossier: Union[str, Path, Dossier], seconde_etape: bool = False,
         officiels: Optional[dict[str, Path]] = None) -> Plan:
    """Render every .docx of the dossier in memory and compute the checklist (no PDF yet).

    `officiels`: {"af3" | "af4": official fillable form}: filled instead of rendered."""
    from pipeline.build.official import fill_official, employer_values
    from pipeline.build.render import render_docx
    from pipeline.dossier.pieces import case_from_dossier, requirements

    d = _load(dossier)
    when = d.dossier.date_etablissement
    warnings: list[str] = []
    docs = []
    for doc_id, ctx in _contexts(d, warnings).items():
        if ctx is None:
            if doc_id == "arrete_radiation" and not radiation_date_known(d):
                warnings.append(NO_ARRETE)  # the checklist lists it: say why there is no file
            continue
        spec = documents.DOCUMENTS[doc_id]
        if officiels and doc_id in officiels:
            filled = fill_official(doc_id, officiels[doc_id], employer_values(doc_id, ctx))
            docs.append(Rendered(doc_id, spec.piece_id, f"{doc_id.upper()}-{filled.version}", spec.titre,
                                 spec.complete, b"", filled.data, filled.pages))
            continue
        docs.append(Rendered(doc_id, spec.piece_id, ctx["code"], spec.titre, spec.complete,
                             render_docx(doc_id, ctx, when)))
    generated = {r.piece_id: r.complete for r in docs if r.piece_id}
    rows = bundle.checklist(d, requirements(case_from_dossier(d, seconde_etape)), generated)
    pieces, destinataire, consigne = bundle.bordereau_rows(d, rows)
    if pieces:
        ctx = documents.render_context_bordereau(d, pieces, destinataire, consigne)
        spec = documents.DOCUMENTS["bordereau"]
        docs.append(Rendered("bordereau", None, ctx["code"], spec.titre, True, render_docx("bordereau", ctx, when)))
    return Plan(d, docs, rows, warnings)


def convert_plans(plans: list[Plan], timeout: float | None = None, converter=None) -> list[dict[str, bytes]]:
    """PDF bytes of every document of every plan: through `converter` (a running
    `convert.Converter`) if given, else in one one-shot LibreOffice run."""
    from pipeline.build.convert import convert_many

    with tempfile.TemporaryDirectory(prefix="pipeline-build-") as tmp:
        tmp = Path(tmp)
        paths, keys = [], []
        out_pdf: dict[tuple[int, str], bytes] = {}  # official forms: already PDF
        for i, p in enumerate(plans):
            for r in p.docs:
                if r.pdf is not None:
                    out_pdf[(i, r.doc_id)] = r.pdf
                    continue
                path = tmp / f"{i:04d}" / f"{r.doc_id}.docx"
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(r.docx)
                paths.append(path)
                keys.append((i, r.doc_id))
        if not paths:
            pdfs = []
        elif converter is not None:
            pdfs = converter.convert_many(paths, tmp / "pdf")
        else:
            pdfs = convert_many(paths, tmp / "pdf", timeout=timeout)
        out: list[dict[str, bytes]] = [{} for _ in plans]
        for (i, doc_id), data in out_pdf.items():
            out[i][doc_id] = data
        for (i, doc_id), pdf in zip(keys, pdfs):
            out[i][doc_id] = pdf.read_bytes()
    return out


def finish(p: Plan, pdfs: Optional[dict[str, bytes]], out_root: Path,
           on_wait: Optional[Callable[[], None]] = None) -> BuildResult:
    """Stamp, build the upload set, manifest and zip; write all of it atomically, once no other
    run writes the dossier's folder (fsutil.folder_lock; `on_wait()` when one does)."""
    from pipeline.build.stamp import stamp_pdf

    d = p.dossier
    when = d.dossier.date_etablissement
    final = Path(out_root) / d.dossier.id
    files: list[bundle.FileEntry] = []
    contents: dict[str, bytes] = {}
    rows = [bundle.ChecklistRow(**{**vars(r), "fichiers": list(r.fichiers)}) for r in p.rows]
    warnings = list(p.warnings)

    def add(rel: str, data: bytes, piece_id, pages, produced_by):
        contents[rel] = data
        files.append(bundle.FileEntry(piece_id, rel, bundle.sha256(data), pages, len(data), produced_by))

    pdf_of: dict[str, str] = {}
    for r in p.docs:
        if r.pdf is not None:
            # The CNRACL's own form, filled: no .docx, nothing added to its pages.
            add(f"{r.doc_id}.pdf", r.pdf, r.piece_id, r.pages,
                f"pipeline build – imprimé officiel {r.code} de la CNRACL, rempli")
            if r.piece_id:
                pdf_of[r.piece_id] = f"{r.doc_id}.pdf"
            continue
        produced_by = f"pipeline build – {r.titre}"
        add(f"docx/{r.doc_id}.docx", r.docx, r.piece_id, None, produced_by)
        if pdfs is None:
            continue
        qr_piece = r.piece_id or r.doc_id
        st = stamp_pdf(pdfs[r.doc_id], dossier_id=d.dossier.id, piece_id=qr_piece, code=r.code, when=when,
                       title=r.titre, id_seed=bundle.sha256(r.docx).encode(), label=r.titre)
        add(f"{r.doc_id}.pdf", st.data, r.piece_id, st.pages, produced_by)
        expected = EXPECTED_PAGES.get(r.doc_id)
        if expected and st.pages != expected:
            warnings.append(f"{r.doc_id}.pdf compte {st.pages} pages au lieu de {expected} comme l'imprimé CNRACL : "
                            "un texte du dossier.yaml est trop long (circonstances, fonctions) ; raccourcissez-le.")
        if r.piece_id:
            pdf_of[r.piece_id] = f"{r.doc_id}.pdf"

    # Upload set: what the build produced complete and the profile uploads.
    upload = [r for r in rows if r.statut == bundle.PRODUITE and r.transmission == bundle.UPLOAD and r.id in pdf_of]
    for r, name in zip(upload, bundle.upload_names([r.id for r in upload])):
        src = pdf_of[r.id]
        entry = next(f for f in files if f.file == src)
        add(f"peps/{name}", contents[src], r.id, entry.pages, entry.produced_by)
        r.fichiers.append(f"peps/{name}")
    for r in rows:
        if not r.fichiers and r.id in pdf_of and r.statut != bundle.NON_REQUISE:
            r.fichiers.append(pdf_of[r.id])

    if pdfs is None:
        warnings.append("Conversion en PDF non demandée (--no-pdf) : seuls les .docx sont produits, "
                        "le dossier peps/ est vide.")
    text = bundle.checklist_text(d, rows)
    if warnings:
        text += "\nAvertissements :\n" + "".join(f"  - {w}\n" for w in warnings)
    contents["liste_des_pieces.txt"] = text.encode("utf-8")
    files.append(bundle.FileEntry(None, "liste_des_pieces.txt", bundle.sha256(contents["liste_des_pieces.txt"]),
                                  None, len(contents["liste_des_pieces.txt"]), "pipeline build – liste des pièces"))
    contents["manifest.json"] = bundle.manifest_json(d, files, rows, warnings)
    zip_name = f"{d.dossier.id}.zip"
    zip_bytes = bundle.deterministic_zip(contents, when)

    with fsutil.folder_lock(out_root, on_wait), fsutil.staging_dir(final) as tmp:
        for rel, data in sorted(contents.items()):
            fsutil.write_bytes(tmp / rel, data)
        fsutil.write_bytes(tmp / zip_name, zip_bytes)
        if not (tmp / "peps").exists():
            fsutil.ensure_dir(tmp / "peps")
    return BuildResult(d.dossier.id, final, files, rows, warnings, final / zip_name, pdfs is not None)


def build(dossier: Union[str, Path, Dossier], out_dir: Union[str, Path] = "out", *, pdf: bool = True,
          seconde_etape: bool = False, converter=None,
          officiels: Optional[dict[str, Path]] = None) -> BuildResult:
    """Build one dossier into `out_dir/<dossier id>/` (through `converter` if given);
    `officiels`: the official fillable AF3 / AF4 to fill instead of the project's rendering."""
    if officiels and not pdf:
        from pipeline.errors import PipelineError

        raise PipelineError("l'imprimé officiel (--af3-officiel, --af4-officiel) est un PDF : "
                            "il ne se combine pas avec --no-pdf.")
    p = plan(dossier, seconde_etape, officiels)
    pdfs = convert_plans([p], converter=converter)[0] if pdf else None
    return finish(p, pdfs, Path(out_dir))


def build_many(dossiers: list[Union[str, Path, Dossier]], out_dir: Union[str, Path] = "out", *,
               converter=None, progress: Optional[Callable[[int, int, str], None]] = None,
               seconde_etape: bool = False, officiels: Optional[dict[str, Path]] = None) -> list[BuildResult]:
    """Build several dossiers with ONE LibreOffice kept running for all their documents.

    `converter`: a running `convert.Converter` (else one is started here and stopped at the
    end). `progress(done, total, label)` is called before each dossier and once at the end.
    Each dossier is written as soon as it is built. Without the resident LibreOffice (no
    python3-uno), everything is converted in one one-shot soffice run, as before.
    """
    from pipeline.build.convert import Converter

    if officiels:  # a bad official form stops the batch before LibreOffice starts
        from pipeline.build.official import check_official

        for form, path in officiels.items():
            check_official(form, path)
    own = converter is None
    conv = Converter() if own else converter
    n = len(dossiers)
    out: list[BuildResult] = []
    try:
        conv.start()
        if not conv.warm:
            plans = []
            for i, x in enumerate(dossiers):
                if progress:
                    progress(i, n, _label(x))
                plans.append(plan(x, seconde_etape, officiels))
            out = [finish(p, pdfs, Path(out_dir)) for p, pdfs in zip(plans, convert_plans(plans))]
        else:
            for i, x in enumerate(dossiers):
                if progress:
                    progress(i, n, _label(x))
                p = plan(x, seconde_etape, officiels)
                out.append(finish(p, convert_plans([p], converter=conv)[0], Path(out_dir)))
    finally:
        if own:
            conv.stop()
    if progress:
        progress(n, n, "")
    return out


def _label(x: Union[str, Path, Dossier]) -> str:
    if isinstance(x, Dossier):
        return x.dossier.id
    x = Path(x)
    return x.parent.name if x.name == "dossier.yaml" else x.name
