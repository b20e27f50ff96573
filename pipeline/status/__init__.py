"""Stage of a dossier and its next action, derived from its files and dates (never hand-kept).

à construire → en attente de l'AF3 → en attente de l'AF4 → (pièces à compléter / lot à
constituer) → prêt à envoyer → envoyé → avis CNRACL reçu → radié.

Evidence, in the dossier folder (pipeline.bundle.layout): the build output, the received pièces
(named by pièce id when the watcher filed them, identified by content otherwise), the final set
envoi/ (ready, and made of the current inputs), suivi.yaml (dates the user recorded) and the
dates of dossier.yaml. Due dates come from pipeline.compute.timeline.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.bundle import layout
from pipeline.money import fmt_date

STAGES = {
    "description_invalide": "description à corriger",
    "a_construire": "à construire",
    "attente_af3": "en attente de l'AF3 (médecin agréé)",
    "attente_af4": "en attente du conseil plénier / de l'AF4",
    "a_completer": "pièces à compléter",
    "a_assembler": "pièces reçues : lot à constituer",
    "pret_a_envoyer": "prêt à envoyer",
    "envoye": "envoyé",
    "avis_recu": "avis CNRACL reçu",
    "radie": "radié (arrêté)",
}
ORDER = list(STAGES)

EMPLOYEUR = "employeur (gestionnaire RH)"
ACTORS = {"employeur": EMPLOYEUR, "medecin_agree": "médecin agréé", "conseil_medical": "conseil médical",
          "medecin_traitant": "médecin de l'agent", "medecin_travail": "médecin du travail",
          "police": "police ou gendarmerie", "agent": "agent", "membres_conseil": "membres du conseil médical"}


@dataclass
class DossierStatus:
    dossier: str  # folder name
    path: Path
    stage: str  # code, see STAGES
    stage_label: str  # French
    next_action: str  # French
    actor: str  # who must act
    due: Optional[dt.date] = None
    reason: str = ""  # the evidence, French
    dossier_id: Optional[str] = None
    profile: Optional[str] = None
    missing: list[str] = field(default_factory=list)  # pièce ids still expected
    extra: dict = field(default_factory=dict)  # e.g. the watcher's columns, filled by the caller

    def as_dict(self) -> dict:
        return {"dossier": self.dossier, "dossier_id": self.dossier_id, "path": str(self.path),
                "stage": self.stage, "stage_label": self.stage_label, "next_action": self.next_action,
                "actor": self.actor, "due": self.due.isoformat() if self.due else None, "reason": self.reason,
                "profile": self.profile, "pieces_manquantes": self.missing, **self.extra}


def _status(folder: Path, stage: str, action: str, actor: str, due=None, reason="", **kw) -> DossierStatus:
    return DossierStatus(folder.name, folder, stage, STAGES[stage], action, actor, due, reason, **kw)


def _piece_of_name(name: str, ids: set[str]) -> Optional[str]:
    """The watcher files a pièce as <id>.pdf, <id>_2.pdf…"""
    m = re.fullmatch(r"(.+?)(?:_\d+)?\.pdf", name)
    return m.group(1) if m and m.group(1) in ids else None


def present_pieces(dossier_dir: Path, files: list[Path]) -> set[str]:
    """Pièce ids of the received files: by name when the watcher named them, else by content
    (remembered by sha256 in the dossier, so a scan is read once)."""
    from pipeline.dossier.pieces import load_catalogue
    from pipeline.pdfium import LOCK
    from pipeline.read.identify import identify_document

    ids = {p.id for p in load_catalogue().pieces}
    cache = layout.read_ident_cache(dossier_dir)
    learned = {}
    out = set()
    for f in files:
        piece = _piece_of_name(f.name, ids)
        if piece is None:
            sha = layout.sha256_file(f)
            if sha in cache:
                piece = cache[sha]
            else:
                with LOCK:  # the desk asks the stage from several threads; pdfium is not thread-safe
                    ident = identify_document(f)
                piece = learned[sha] = ident.piece if not ident.problem else None
        if piece:
            out.add(piece)
    if learned:
        layout.write_ident_cache(dossier_dir, learned)
    return out


def _rights_due(t, today: dt.date) -> Optional[dt.date]:
    """End of the current leave rights when it is still ahead: what makes the procedure urgent."""
    ends = [f.fin_droits for f in t.fins_droits if f.en_cours and f.fin_droits and f.fin_droits >= today]
    return min(ends) if ends else None


def dossier_status(dossier_dir: Path, today: dt.date | None = None) -> DossierStatus:
    from pipeline.compute.timeline import timeline
    from pipeline.dossier.load import load_dossier
    from pipeline.dossier.pieces import case_from_dossier, load_catalogue, requirements
    from pipeline.errors import PipelineError

    folder = Path(dossier_dir)
    today = today or dt.date.today()
    yaml_path = folder / "dossier.yaml"
    try:
        d = load_dossier(yaml_path)
    except PipelineError as e:
        return _status(folder, "description_invalide", f"Corrigez dossier.yaml (« pipeline validate {yaml_path} »).",
                       EMPLOYEUR, reason=str(e).splitlines()[0] if str(e) else "description illisible")
    suivi = layout.read_suivi(folder)
    dates = d.dates.model_copy(update={k: suivi.get(k) or getattr(d.dates, k) for k in layout.SUIVI_KEYS})
    d = d.model_copy(update={"dates": dates})
    t = timeline(d)
    kw = {"dossier_id": d.dossier.id, "profile": d.dossier.profil.value}
    sent, avis, radiation = dates.envoi_peps, dates.avis_cnracl, dates.radiation

    if radiation and radiation <= today:
        return _status(folder, "radie", "Aucune pour la retraite : verser les congés non pris, remettre l'attestation "
                       "employeur et le certificat de travail.", EMPLOYEUR, None,
                       f"arrêté de radiation des cadres à compter du {fmt_date(radiation)}", **kw)
    if avis:
        due = t.radiation_alternative
        return _status(folder, "avis_recu", "Prendre l'arrêté portant radiation des cadres (« pipeline build "
                       f"--seconde-etape ») : au plus tôt le {fmt_date(avis)}, ou le {fmt_date(due)} (premier jour du "
                       "mois suivant) ; jamais rétroactif.", EMPLOYEUR, due, f"avis de la CNRACL du {fmt_date(avis)}", **kw)
    if sent:
        lo, hi = t.fenetre
        return _status(folder, "envoye", "Attendre l'avis de la CNRACL en consultant PEP'S régulièrement (demandes de "
                       f"pièces) ; à réception : « pipeline status {folder} --avis AAAA-MM-JJ ».", "CNRACL", hi,
                       f"envoyé sur PEP'S le {fmt_date(sent)} ; réponse attendue entre le {fmt_date(lo)} et le "
                       f"{fmt_date(hi)}", **kw)
    rights = _rights_due(t, today)
    if layout.build_manifest(folder, d.dossier.id) is None:
        return _status(folder, "a_construire", f"Construire les documents : « pipeline build {yaml_path} -o {folder} ».",
                       EMPLOYEUR, rights, "aucun document construit pour ce dossier", **kw)

    inputs = layout.received_files(folder)
    final = layout.final_manifest(folder / layout.ENVOI)
    if final and final.get("pret") and not final.get("brouillon"):
        from pipeline.bundle.run import gather_inputs

        produced, recus, _m = gather_inputs(folder, d, None)
        current = layout.fingerprint(folder, list(produced.values()) + recus + [yaml_path])
        if current == final.get("empreinte_entrees"):
            profile = final.get("profil", kw["profile"])
            action = {
                "cnracl": "Déposer sur PEP'S les pièces du dossier envoi/ (bordereau.pdf) et envoyer le dossier",
                "cdg50": "Déposer sur PEP'S les pièces du dossier envoi/, déléguer le dossier au centre de gestion "
                         "et lui poster les pièces de carrière (bordereau.pdf)",
                "cdg76": "Poster au centre de gestion l'enveloppe décrite par envoi/bordereau.pdf (AF3 dans son pli "
                         "fermé, non ouvert)",
            }.get(profile, "Envoyer le dossier")
            return _status(folder, "pret_a_envoyer", f"{action}, puis enregistrer la date : « pipeline status {folder} "
                           "--sent AAAA-MM-JJ ».", EMPLOYEUR, rights,
                           f"lot écrit après un contrôle sans constat bloquant (envoi/manifest.json, profil {profile})", **kw)

    present = present_pieces(folder, inputs)
    prof_sealed = set()
    try:
        from pipeline.bundle.run import profile_data

        prof_sealed = set(profile_data(kw["profile"]).get("sous_pli_ferme", []))
    except KeyError:
        pass
    af3_date = d.medecin_agree.date_rapport
    af3_in_hand = "af3" in present or ("af3" in prof_sealed and (
        "af4" in present or (af3_date is not None and af3_date <= today)))
    if not af3_in_hand:
        due = af3_date if af3_date and af3_date >= today else rights
        return _status(folder, "attente_af3", "Obtenir du médecin agréé l'AF3 complété et signé et son rapport "
                       "dactylographié (lui envoyer l'AF3 pré-rempli et la fiche de poste).", "médecin agréé", due,
                       "aucun AF3 complété parmi les pièces reçues", missing=["af3"], **kw)
    if "af4" not in present:
        p = d.conseil_medical.pleniere
        due = p.date if p and p.date >= today else rights
        return _status(folder, "attente_af4", "Obtenir le procès-verbal (AF4) du conseil médical en formation "
                       "plénière" + (f", séance du {fmt_date(p.date)}" if p else " (date de séance à fixer)") + ".",
                       "conseil médical (formation plénière)", due, "AF3 reçu, aucun AF4 parmi les pièces reçues",
                       missing=["af4"], **kw)
    manifest = layout.build_manifest(folder, d.dossier.id) or {}
    produced_ids = {p["id"] for p in manifest.get("pieces", []) if p.get("status") == "produite"}
    reqs = requirements(case_from_dossier(d))
    missing = [r.piece.id for r in reqs if r.required and r.piece.id not in present | produced_ids | prof_sealed]
    if missing:
        cat = {p.id: p for p in load_catalogue().pieces}
        who = ACTORS.get(cat[missing[0]].produite_par, cat[missing[0]].produite_par)
        return _status(folder, "a_completer", "Obtenir les pièces manquantes : " + ", ".join(
                       cat[m].libelle for m in missing) + f" ; puis « pipeline bundle {folder} ».", who, rights,
                       "AF3 et AF4 reçus ; pièces exigées absentes : " + ", ".join(missing), missing=missing, **kw)
    reason = "toutes les pièces attendues semblent là"
    if final and final.get("brouillon"):
        reason += " ; un brouillon existe dans envoi/"
    elif final:
        reason += " ; le lot de envoi/ ne correspond plus aux pièces (une pièce a changé)"
    return _status(folder, "a_assembler", f"Contrôler et constituer le lot : « pipeline bundle {folder} ».",
                   EMPLOYEUR, rights, reason, **kw)


def dossier_folders(root: Path) -> list[Path]:
    """Sub-folders of `root` holding a dossier.yaml ("." and "_" folders belong to tools)."""
    root = Path(root)
    return [p for p in sorted(root.iterdir()) if p.is_dir() and not p.is_symlink()
            and not p.name.startswith((".", "_")) and (p / "dossier.yaml").is_file()]


def status_root(root: Path, today: dt.date | None = None) -> list[DossierStatus]:
    return [dossier_status(p, today) for p in dossier_folders(root)]
