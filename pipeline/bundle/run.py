"""Stage bundle: dossier.yaml + build output + received pièces → the final set to send.

identify every received file and run the check (pipeline.check) on the build's produced pièces
and the received ones together; when nothing blocks, write DOSSIER/envoi/ (or -o):
    <pièce id>.pdf          one PDF per pièce, A4 portrait, blank versos out
    bordereau.pdf           what is uploaded, posted, kept sealed (CDG profile, config/envoi.yaml)
    liste_des_pieces.txt    each pièce: produite / reçue / manquante / non requise / sous pli fermé
    manifest.json           per pièce: file, sha256, pages, bytes, provenance; the findings
    <id>_peps.zip           the pièces the employer uploads (when the profile has some)
Nothing is written when a finding blocks (except with brouillon=True: a draft, marked).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from pipeline import fsutil, resources
import pipeline.bundle.layout as layout
from pipeline.errors import InputProblem, InvalidInput

PRODUITE, RECUE, MANQUANTE, NON_REQUISE, SOUS_PLI = "produite", "reçue", "manquante", "non requise", "sous pli fermé"
DEPOT = "dépôt PEP'S par l'employeur"
COURRIER = "courrier au CDG"
COURRIER_PLI = "courrier au CDG, pli fermé non ouvert"


@dataclass
class PieceOut:
    id: str
    libelle: str
    statut: str  # produite | reçue | manquante | non requise | sous pli fermé
    medicale: bool
    transmission: str = ""
    fichier: Optional[str] = None  # name in the final set
    sha256: Optional[str] = None
    pages: Optional[int] = None
    octets: Optional[int] = None
    provenance: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    compression: Optional[dict] = None

    @property
    def code(self) -> str:
        return {RECUE: "recue", NON_REQUISE: "non_requise", SOUS_PLI: "sous_pli_ferme"}.get(self.statut, self.statut)

    def as_dict(self) -> dict:
        return {"id": self.id, "libelle": self.libelle, "statut": self.statut, "status": self.code,
                "medicale": self.medicale, "transmission": self.transmission, "fichier": self.fichier,
                "sha256": self.sha256, "pages": self.pages, "octets": self.octets,
                "provenance": self.provenance, "notes": self.notes, "compression": self.compression}


@dataclass
class BundleResult:
    dossier_id: str
    ready: bool  # nothing blocks: « prêt à envoyer »
    out_dir: Optional[Path]  # the final set, None when nothing was written
    report: object  # pipeline.check.run.DossierReport (file names shown relative to the dossier)
    bordereau: Optional[Path]
    pieces: list[PieceOut]
    profile: str = "cnracl"
    brouillon: bool = False
    blocking: list = field(default_factory=list)  # the findings that block
    notes: list[str] = field(default_factory=list)
    zip_path: Optional[Path] = None

    @property
    def status_label(self) -> str:
        if self.ready:
            return "prêt à envoyer" + (" (brouillon)" if self.brouillon else "")
        return "incomplet"


def envoi_config() -> dict:
    return resources.load_yaml_shared("config", "envoi.yaml")


def profile_data(profile: str) -> dict:
    return envoi_config()["profils"][profile]


def transmission(prof: dict, medicale: bool, piece_id: str) -> str:
    if piece_id in prof.get("sous_pli_ferme", []):
        return COURRIER_PLI
    mode = prof["medicales"] if medicale else prof["administratives"]
    return DEPOT if mode == "depot" else COURRIER


def _natural(s: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s.lower())]


def _load(dossier_dir: Path):
    from pipeline.dossier.load import load_dossier

    yaml_path = _yaml_path(dossier_dir)
    return yaml_path, load_dossier(yaml_path, coherence=False)  # incoherences are findings of the check


def _yaml_path(dossier_dir: Path) -> Path:
    yaml_path = Path(dossier_dir) / "dossier.yaml"
    if not Path(dossier_dir).is_dir():
        raise InvalidInput([InputProblem(str(dossier_dir), "", "dossier introuvable : indiquez le dossier de l'agent "
                                                              "(celui qui contient dossier.yaml)")])
    if not yaml_path.is_file():
        raise InvalidInput([InputProblem(str(yaml_path), "", "dossier.yaml absent : le dossier de l'agent doit "
                                                             "contenir sa description (pipeline init)")])
    return yaml_path


def gather_inputs(dossier_dir: Path, d, received: Optional[Path]) -> tuple[dict, list[Path], Optional[dict]]:
    """(produced pièce id → build file), received files, build manifest."""
    manifest = layout.build_manifest(dossier_dir, d.dossier.id)
    produced: dict[str, Path] = {}
    if manifest:
        bdir = layout.build_dir(dossier_dir, d.dossier.id)
        for p in manifest.get("pieces", []):
            if p.get("status") != "produite":
                continue
            for rel in p.get("files", []):
                path = bdir / rel
                if path.suffix == ".pdf" and path.is_file():
                    produced[p["id"]] = path
                    break
    if received is not None and not Path(received).is_dir():
        raise InvalidInput([InputProblem(str(received), "--received", "dossier introuvable : indiquez le dossier "
                                                                      "des pièces reçues")])
    return produced, layout.received_files(dossier_dir, received), manifest


def bundle_dossier(dossier_dir: Path, received: Path | None = None, profile: str | None = None,
                   out: Path | None = None, brouillon: bool = False, *, jobs: int | None = None,
                   on_wait: Callable[[], None] | None = None, lock: bool = True) -> BundleResult:
    """Check the dossier with its received pièces; write the final set when nothing blocks.

    `jobs`: processes for reading scans (default: one per core; the watcher's workers pass 1).
    One run at a time per dossier (fsutil.folder_lock, `on_wait()` when another holds it): two
    drops checked at once would otherwise race, and the older view of the pièces could land last.
    `lock=False`: the caller holds that lock already (the desk, which keeps its result under it)."""
    dossier_dir = Path(dossier_dir)
    if not lock:
        return _bundle(dossier_dir, received, profile, out, brouillon, jobs)
    _yaml_path(dossier_dir)  # a missing folder is said, not created by the lock
    with fsutil.folder_lock(dossier_dir, on_wait):
        return _bundle(dossier_dir, received, profile, out, brouillon, jobs)


def _bundle(dossier_dir: Path, received: Path | None, profile: str | None, out: Path | None, brouillon: bool,
            jobs: int | None) -> BundleResult:
    from pipeline.check.run import PROFILES, check_dossier

    yaml_path, d = _load(dossier_dir)  # under the lock: as the run before this one left it
    profile = profile or d.dossier.profil.value
    if profile not in PROFILES:
        raise InvalidInput([InputProblem("--profile", "", f"profil inconnu « {profile} » : choisissez parmi "
                                                          f"{', '.join(PROFILES)}")])
    produced, recus, build_manifest = gather_inputs(dossier_dir, d, received)
    notes = [] if build_manifest else [
        f"Le dossier n'a pas encore été construit : lancez « pipeline build {yaml_path} -o {dossier_dir} » "
        "(les pièces produites par l'employeur en viennent)."]

    # The check runs on one folder: links to every input under names it can report.
    shown: dict[str, str] = {}  # name in the check folder → path shown to the user
    origin: dict[str, tuple[str, Path]] = {}  # name → ("build" | "recu", real path)
    try:
        tmp_ctx = tempfile.TemporaryDirectory(prefix=".assemblage-", dir=dossier_dir)
    except OSError:
        tmp_ctx = tempfile.TemporaryDirectory(prefix="pipeline-assemblage-")
    with tmp_ctx as tmp:
        tmp = Path(tmp)
        os.chmod(tmp, fsutil.DIR_MODE)
        for kind, path in [("build", p) for p in produced.values()] + [("recu", p) for p in recus]:
            name, n = path.name, 1
            while name in origin:
                n += 1
                name = f"{path.stem}__{n}{path.suffix}"
            os.symlink(path.resolve(), tmp / name)
            origin[name] = (kind, path)
            shown[name] = _rel(path, dossier_dir)
        report = check_dossier(tmp, dossier_yaml=yaml_path, profile=profile, jobs=jobs)
    # What each received file is, for `pipeline status` (sha256 → pièce id only).
    piece_of = {f["file"]: (f["piece"] if f.get("lisible") else None) for f in report.files}
    layout.write_ident_cache(dossier_dir, {layout.sha256_file(origin[n][1]): piece_of.get(n)
                                           for n in origin if origin[n][0] == "recu" and n in piece_of})
    _show_names(report, shown, dossier_dir)
    prof = profile_data(profile)
    sealed = set(prof.get("sous_pli_ferme", []))
    blocking = [f for f in report.findings if f.severity == "bloquant"
                and not (f.rule == "PIECE-MANQUANTE" and f.piece in sealed)]
    ready = not blocking
    result = BundleResult(d.dossier.id, ready, None, report, None, [], profile, brouillon, blocking, notes)
    result.pieces = _pieces(report, prof, shown, origin, dossier_dir)
    if not ready and not brouillon:
        return result
    _write(result, d, dossier_dir, Path(out) if out else dossier_dir / layout.ENVOI, prof, shown, origin,
           layout.fingerprint(dossier_dir, [p for _k, p in origin.values()] + [yaml_path]))
    return result


def _rel(path: Path, base: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(base).resolve()))
    except ValueError:
        return str(path)


def _show_names(report, shown: dict[str, str], dossier_dir: Path) -> None:
    """File names as the user knows them (recus/x.pdf, INV-…/peps/y.pdf), not the check folder's."""
    report.path = str(dossier_dir)
    report.findings = [dataclasses.replace(f, file=shown.get(f.file, f.file)) if f.file else f
                       for f in report.findings]
    for p in report.pieces:
        p.files = [shown.get(f, f) for f in p.files]
    for f in report.files:
        f["file"] = shown.get(f["file"], f["file"])


def _pieces(report, prof: dict, shown: dict, origin: dict, dossier_dir: Path) -> list[PieceOut]:
    from pipeline.dossier.pieces import load_catalogue

    medical = {p.id: p.medicale for p in load_catalogue().pieces}
    back = {v: k for k, v in shown.items()}
    out = []
    for ps in report.pieces:
        med = medical.get(ps.id, False)
        p = PieceOut(ps.id, ps.libelle, NON_REQUISE, med)
        names = [back[f] for f in ps.files if f in back]
        if ps.status == "non_requise":
            if names:  # the CNRACL asks for the listed pièces only
                p.notes.append("reçue mais non requise pour ce cas : laissée hors du lot")
            out.append(p)
            continue
        p.transmission = transmission(prof, med, ps.id)
        received = [n for n in names if origin[n][0] == "recu"]
        built = [n for n in names if origin[n][0] == "build"]
        if received:  # a copy that came back (signed, completed) supersedes the build's
            p.statut, use = RECUE, received
        elif built:
            p.statut, use = PRODUITE, built
        elif ps.id in prof.get("sous_pli_ferme", []):
            p.statut, use = SOUS_PLI, []
        else:
            p.statut, use = (MANQUANTE if ps.status == "manquante" else NON_REQUISE), []
        use.sort(key=lambda n: _natural(shown[n]))
        for n in use:
            kind, path = origin[n]
            entry = {"origine": "pipeline build" if kind == "build" else "reçue",
                     "fichier": shown[n], "nom_original": path.name,
                     "date": layout.file_date(path).isoformat(), "sha256": layout.sha256_file(path)}
            p.provenance.append(entry)
        out.append(p)
    return out


def _write(result: BundleResult, d, dossier_dir: Path, out_dir: Path, prof: dict, shown: dict, origin: dict,
           fingerprint: str) -> None:
    from pipeline.build.upload_set import deterministic_zip, sha256
    from pipeline.bundle.bordereau import bordereau_pdf
    from pipeline.bundle.pages import assemble, shrink, to_pdf_bytes

    if out_dir.exists() and any(out_dir.iterdir()) and layout.final_manifest(out_dir) is None:
        raise InvalidInput([InputProblem(str(out_dir), "-o", "ce dossier existe et ne contient pas un lot de "
                                                             "« pipeline bundle » : choisissez un dossier vide ou neuf")])
    limits = envoi_config()["fichiers"]
    back = {v: k for k, v in shown.items()}
    blank: dict[str, set[int]] = {}
    for f in result.report.findings:
        if f.rule == "PAGE-BLANCHE" and f.file and f.page:
            blank.setdefault(f.file, set()).add(f.page - 1)
    contents: dict[str, bytes] = {}
    dates = [d.dossier.date_etablissement]
    for p in result.pieces:
        if not p.provenance:
            continue
        sources = [(e["fichier"], to_pdf_bytes(origin[back[e["fichier"]]][1])) for e in p.provenance]
        dates += [dt.date.fromisoformat(e["date"]) for e in p.provenance if e["origine"] == "reçue"]
        asm = assemble(sources, blank)
        data, used = shrink(asm.data, int(limits["taille_max_octets"]), int(limits["qualite_jpeg"]),
                            int(limits["resolution_reduite_dpi"]))
        if used:
            asm.notes.append(f"Fichier de {len(asm.data)} octets, au-delà de la limite de "
                             f"{limits['taille_max_octets']} octets : images recompressées (JPEG qualité "
                             f"{used['qualite_jpeg']}" + (f", {used['resolution_dpi']} dpi" if "resolution_dpi" in used
                                                           else "") + f"), {len(data)} octets.")
        p.fichier = f"{p.id}.pdf"
        p.sha256, p.pages, p.octets, p.notes, p.compression = sha256(data), asm.pages, len(data), asm.notes, used
        contents[p.fichier] = data
    when = max(dates)
    contents["bordereau.pdf"] = _bordereau(result, d, prof, when, bordereau_pdf)
    contents["liste_des_pieces.txt"] = checklist_text(result, d, prof).encode("utf-8")
    contents[layout.MANIFEST] = _manifest(result, d, when, fingerprint, contents)
    upload = sorted(p.fichier for p in result.pieces if p.fichier and p.transmission == DEPOT)
    zip_name = f"{d.dossier.id}_peps.zip"
    zip_bytes = deterministic_zip({n: contents[n] for n in upload}, when) if upload else None
    with fsutil.staging_dir(out_dir) as tmp:
        for name, data in sorted(contents.items()):
            fsutil.write_bytes(tmp / name, data)
        if zip_bytes is not None:
            fsutil.write_bytes(tmp / zip_name, zip_bytes)
    result.out_dir = out_dir
    result.bordereau = out_dir / "bordereau.pdf"
    result.zip_path = out_dir / zip_name if zip_bytes is not None else None


def _bordereau(result: BundleResult, d, prof: dict, when: dt.date, render) -> bytes:
    cdg = d.employeur.cdg or result.profile.upper()
    destinataire = "" if result.profile == "cnracl" else f"Centre de gestion {cdg} – service retraites"
    depot, courrier, pli, manque = [], [], [], []
    for p in result.pieces:
        if p.statut == NON_REQUISE:
            continue
        if p.statut == MANQUANTE:
            manque.append((p.libelle, "manquante : à obtenir avant l'envoi"))
            continue
        if p.statut == SOUS_PLI or p.transmission == COURRIER_PLI:
            pli.append((p.libelle, "ne pas ouvrir : pli fermé du médecin agréé, joint tel quel"))
            continue
        obs = f"{p.fichier} – {p.pages} page(s)" if p.fichier else ""
        if p.medicale:
            obs += " – pièce médicale" + (" : sous pli confidentiel" if p.transmission == COURRIER else "")
        (depot if p.transmission == DEPOT else courrier).append((p.libelle, obs))
    carriere = ([(lib, "pièce de carrière, par courrier") for lib in envoi_config()["pieces_carriere"]]
                if prof.get("carriere_par_courrier") else [])
    sections = [
        ("Pièces à déposer sur PEP'S par l'employeur", depot),
        ("Pièces envoyées par courrier au centre de gestion (dans l'enveloppe)", courrier),
        ("Reste fermé : pli joint à l'enveloppe sans être ouvert", pli),
        ("Pièces de carrière à envoyer par courrier au centre de gestion", carriere),
        ("Pièces manquantes (le dossier ne peut pas partir)", manque),
    ]
    return render(dossier_id=d.dossier.id, agent=d.agent.identite, employeur=d.employeur.collectivite,
                  destinataire=destinataire, titre=prof["titre_bordereau"], consigne=" ".join(prof["consigne"].split()),
                  sections=sections, when=when, brouillon=result.brouillon)


def checklist_text(result: BundleResult, d, prof: dict) -> str:
    head = "BROUILLON – " if result.brouillon else ""
    lines = [f"{head}Lot final – dossier {d.dossier.id} – {d.agent.identite}",
             f"Profil : {result.profile.upper()} – {prof['libelle']}",
             f"État : {result.status_label}", ""]
    for p in result.pieces:
        lines.append(f"[{p.statut}] {p.id} – {p.libelle}")
        if p.statut == NON_REQUISE:
            continue
        if p.transmission:
            lines.append(f"    transmission : {p.transmission}")
        if p.fichier:
            lines.append(f"    fichier : {p.fichier} ({p.pages} page(s))")
        for e in p.provenance:
            lines.append(f"    {'produite par pipeline build' if e['origine'] == 'pipeline build' else 'reçue'} : "
                         f"{e['fichier']} du {dt.date.fromisoformat(e['date']).strftime('%d/%m/%Y')}")
        for n in p.notes:
            lines.append(f"    note : {n}")
    blocking = [f for f in result.report.findings if f.severity in ("bloquant", "avertissement")]
    if blocking:
        lines += ["", "Constats du contrôle :"]
        lines += [f"  [{f.severity}] {f.rule} : {f.message}" for f in blocking]
    return "\n".join(lines) + "\n"


def _manifest(result: BundleResult, d, when: dt.date, fingerprint: str, contents: dict[str, bytes]) -> bytes:
    from pipeline.build.upload_set import sha256

    data = {
        "schema": layout.SCHEMA,
        "dossier": d.dossier.id,
        "profil": result.profile,
        "pret": result.ready,
        "brouillon": result.brouillon,
        "date": when.isoformat(),
        "empreinte_entrees": fingerprint,
        "pieces": [p.as_dict() for p in result.pieces],
        "fichiers": [{"fichier": n, "sha256": sha256(b), "octets": len(b)} for n, b in sorted(contents.items())],
        "constats": [f.as_dict() for f in result.report.findings],
        "notes": result.notes + [n for p in result.pieces for n in p.notes],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
