"""The CDG's long work in the Huey queue: a collectivité's batch check (with progress) ending
in its report, and the re-check of a dossier the scanning desk filed."""
from __future__ import annotations

import traceback
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_task

from pipeline import fsutil
from pipeline.web.desk import engine, services
from pipeline.web.desk.models import Dossier, Tache
from pipeline.web.desk.tasks import _guard, _progress

from . import identity

GENRE = "controle_lot"


def reports_dir(tache: Tache) -> Path:
    return Path(settings.DATA_DIR) / "rapports_cdg" / str(tache.pk)


def _store(dossier: Dossier, report) -> None:
    """What the desk keeps of a check (as the dossier page's own check does): no medical text."""
    data = report.as_dict()
    dossier.controle = {"statut": data["status"], "pieces": data["pieces"], "constats": data["findings"],
                        "le": timezone.now().isoformat()}
    dossier.bloquants = report.count("bloquant")
    dossier.avertissements = report.count("avertissement")
    dossier.save(update_fields=["controle", "bloquants", "avertissements"])
    services.refresh(dossier)


def controle_lot_now(tache: Tache) -> None:
    from pipeline.check import letters

    coll = tache.collectivite
    dossiers = list(Dossier.objects.filter(collectivite=coll, valide=True).order_by("reference"))
    if not dossiers:
        _progress(tache, 100, "Aucun dossier à la description valide dans cette collectivité.", Tache.Etat.ECHEC)
        return
    reports = []
    for i, d in enumerate(dossiers):
        _progress(tache, int(5 + 85 * i / len(dossiers)), f"Contrôle du dossier {i + 1} sur {len(dossiers)}")
        report = engine.check_dossier(services.recus_dir(d), services.write_source(d), d.profil or None, jobs=1)
        _store(d, report)
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
