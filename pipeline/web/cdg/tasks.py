"""The CDG's long work in the Huey queue: a collectivité's batch check (with progress) ending
in its report, and the re-check of a dossier the scanning desk filed."""
from __future__ import annotations

import shutil
import traceback
from pathlib import Path

from django.conf import settings
from huey.contrib.djhuey import db_task

from pipeline import fsutil
from pipeline.errors import InvalidInput
from pipeline.web.desk import services
from pipeline.web.desk.models import Dossier, Tache
from pipeline.web.desk.tasks import _guard, _progress

from . import identity

GENRE = "controle_lot"
GENRE_LOT = "depot_lot"


def reports_dir(tache: Tache) -> Path:
    return Path(settings.DATA_DIR) / "rapports_cdg" / str(tache.pk)


def _claim(tache: Tache) -> bool:
    """One worker only: the web process's queue and a retried task must not run the same work twice."""
    return bool(Tache.objects.filter(pk=tache.pk, etat=Tache.Etat.ATTENTE).update(etat=Tache.Etat.EN_COURS))


def controle_lot_now(tache: Tache) -> None:
    from pipeline.check import letters

    if not _claim(tache):
        return
    coll = tache.collectivite
    dossiers = list(Dossier.objects.filter(collectivite=coll, valide=True).order_by("reference"))
    if not dossiers:
        _progress(tache, 100, "Aucun dossier à la description valide dans cette collectivité.", Tache.Etat.ECHEC)
        return
    reports = []
    for i, d in enumerate(dossiers):
        _progress(tache, int(5 + 85 * i / len(dossiers)), f"Contrôle du dossier {i + 1} sur {len(dossiers)}")
        # The dossier page's own check (pipeline bundle: produced and received pièces together),
        # so the CDG and the collectivité see the same findings for the same dossier.
        busy = f"Contrôle du dossier {i + 1} sur {len(dossiers)} : en attente d'un autre traitement de ce dossier"
        report = services.bundle(d, on_wait=lambda: _progress(tache, tache.progression, busy)).report
        # The desk's collectivité is the addressee, whatever the description's spelling.
        report.collectivite = {**(report.collectivite or {}), "nom": coll.nom, "siret": coll.siret or None}
        reports.append(report)
    _progress(tache, 92, "Rédaction du rapport de la collectivité (PDF, HTML, JSON)")
    out = fsutil.ensure_dir(reports_dir(tache))
    index = letters.write_reports(reports, out, identity.of(coll.cdg))
    entry = index["collectivites"][0]
    tache.resultat = {"fichiers": entry["fichiers"], "dossiers": entry["dossiers"], "incomplets": entry["incomplets"]}
    tache.save(update_fields=["resultat"])
    _progress(tache, 100, f"Contrôle terminé : {entry['dossiers']} dossier(s), {entry['incomplets']} à compléter. "
                          "Le rapport de la collectivité est prêt.", Tache.Etat.TERMINEE)


controle_lot = db_task()(_guard(controle_lot_now))


@db_task()
def recontroler(root: str, dossier_id: str) -> None:
    from pipeline.watch import desk

    try:
        desk.recheck(root, dossier_id)
    except Exception:  # the journal keeps "contrôle en attente"; the page shows it, the log says why
        traceback.print_exc()


def enqueue(collectivite, user) -> Tache:
    tache = Tache.objects.create(genre=GENRE, collectivite=collectivite, cree_par=user,
                                 message="En attente d'un poste de travail libre")
    controle_lot(tache.pk)
    return tache


def lot_dir(tache: Tache) -> Path:
    return Path(settings.DATA_DIR) / "lots" / str(tache.pk)


def reason(e: InvalidInput) -> str:
    """« archive refusée : … », naming the entry when there is one, without the server's paths."""
    parts = []
    for p in e.problems:
        parts.append(f"{p.message} (« {p.field} »)" if p.field else p.message)
    return " ; ".join(parts) or str(e)


def _addressee(coll, read: dict | None) -> dict:
    """The desk's collectivité is the addressee, whatever a description says (or when none came)."""
    blank = {"adresse": {"ligne1": "", "ligne2": None, "code_postal": "", "commune": ""}, "signataire": None,
             "contact_rh": None, "cdg": None}
    return {**blank, **(read or {}), "nom": coll.nom, "siret": coll.siret or None}


def _batch_root(dest: Path) -> Path:
    """A zip of one folder holding the dossiers: that folder is the batch."""
    inner = [p for p in dest.iterdir() if not p.name.startswith((".", "_"))]
    while len(inner) == 1 and inner[0].is_dir() and any(p.is_dir() for p in inner[0].iterdir()):
        dest = inner[0]
        inner = [p for p in dest.iterdir() if not p.name.startswith((".", "_"))]
    return dest


# ---------------------------------------------------------------- a collectivité's batch drop
def depot_lot_now(tache: Tache) -> None:
    from pipeline.check import letters, report as check_report
    from pipeline.check.run import batch_folders, check_dossier
    from pipeline.read.archive import extract

    if not _claim(tache):
        return
    base = lot_dir(tache)
    work = base / "dossiers"
    try:
        if (base / "depot.zip").is_file():
            _progress(tache, 2, "Ouverture de l'archive")
            try:
                extract(base / "depot.zip", work)
            except InvalidInput as e:
                _progress(tache, 100, reason(e), Tache.Etat.ECHEC)
                return
        try:
            folders = batch_folders(_batch_root(work)) if work.is_dir() else []
        except InvalidInput:
            folders = []
        if not folders:
            _progress(tache, 100, "Lot refusé : aucun sous-dossier. Un lot contient un sous-dossier par dossier "
                                  "d'agent (ses pièces, et son dossier.yaml s'il existe).", Tache.Etat.ECHEC)
            return
        reports, rows = [], []
        out = fsutil.ensure_dir(base / "rapports")
        coll = tache.collectivite
        for i, folder in enumerate(folders):
            _progress(tache, int(5 + 85 * i / len(folders)), f"Contrôle du dossier {i + 1} sur {len(folders)} "
                                                              f"(« {folder.name} »)")
            try:
                r = check_dossier(folder, None, None, jobs=1)
            except InvalidInput as e:
                rows.append({"nom": folder.name, "statut": "illisible", "probleme": reason(e)[:500], "constats": []})
                continue
            r.collectivite = _addressee(coll, r.collectivite)
            reports.append(r)
            fsutil.write_text(out / f"{i:03d}.html", check_report.to_html([r], f"Contrôle du dossier {folder.name}"))
            rows.append({"nom": folder.name, "rapport": f"{i:03d}.html", "statut": r.status,
                         "dossier_id": r.dossier_id, "agent": letters.agent_label(r.agent),
                         "bloquants": r.count("bloquant"), "avertissements": r.count("avertissement"),
                         "constats": [{"rule": f.rule, "severity": f.severity, "message": f.message}
                                      for f in r.findings if f.severity in ("bloquant", "avertissement")]})
        result = {"dossiers": rows}
        if reports:
            _progress(tache, 92, "Rédaction du rapport de la collectivité (PDF, HTML, JSON)")
            index = letters.write_reports(reports, out / "collectivite", identity.of(coll.cdg))
            entry = index["collectivites"][0]
            result["fichiers"] = {k: "collectivite/" + v for k, v in entry["fichiers"].items()}
        tache.resultat = result
        tache.save(update_fields=["resultat"])
        n_bad = sum(1 for r in rows if r["statut"] != "complet")
        _progress(tache, 100, f"Lot contrôlé : {len(rows)} dossier(s), {n_bad} à compléter.", Tache.Etat.TERMINEE)
    finally:
        # Only the reports are kept: the pièces go back to their owner's own files.
        shutil.rmtree(work, ignore_errors=True)
        (base / "depot.zip").unlink(missing_ok=True)


depot_lot = db_task()(_guard(depot_lot_now))
