"""Long work off the request, in the Huey queue; progress is written on the Tache row."""
from __future__ import annotations

import traceback

from django.db import close_old_connections
from django.utils import timezone
from huey.contrib.djhuey import db_task

from pipeline.errors import PipelineError

from . import engine, services
from .models import Dossier, PieceRecue, Tache


def _progress(tache: Tache, pct: int, message: str, etat: str = Tache.Etat.EN_COURS) -> None:
    tache.progression, tache.message, tache.etat = pct, message[:500], etat
    if etat in (Tache.Etat.TERMINEE, Tache.Etat.ECHEC):
        tache.fini_le = timezone.now()
    tache.save(update_fields=["progression", "message", "etat", "fini_le"])


def _guard(fn):
    """A task never dies silently: the page shows a French reason, the log no personal data."""
    def run(tache_id: int):
        close_old_connections()
        tache = Tache.objects.select_related("dossier").get(pk=tache_id)
        try:
            fn(tache)
        except PipelineError as e:
            _progress(tache, 100, f"Échec : {e}", Tache.Etat.ECHEC)
        except Exception as e:  # a crash is reported on the page, without the data
            traceback.print_exc()
            _progress(tache, 100, f"Échec inattendu ({type(e).__name__}) : réessayez ; si cela se reproduit, "
                                  "prévenez l'administrateur.", Tache.Etat.ECHEC)
        finally:
            close_old_connections()
    run.__name__ = fn.__name__
    return run


def construire_now(tache: Tache) -> None:
    plan, convert_plans, finish = engine.build_steps()
    dossier = tache.dossier
    _progress(tache, 5, "Lecture de la description du dossier")
    model = services.model_of(dossier)
    if model is None:
        _progress(tache, 100, "La description du dossier n'est pas valide : terminez la saisie.", Tache.Etat.ECHEC)
        return
    _progress(tache, 15, "Remplissage des documents")
    p = plan(model)
    _progress(tache, 35, f"Conversion en PDF de {len(p.docs)} documents (LibreOffice)")
    pdfs = convert_plans([p])[0]
    _progress(tache, 85, "Pied de page, codes QR, lot PEP'S et archive")
    root = services.build_dir(dossier).parent
    result = finish(p, pdfs, root)
    dossier.construit_le = timezone.now()
    dossier.save(update_fields=["construit_le"])
    services.refresh(dossier, model)
    n = sum(1 for f in result.files if f.file.endswith(".pdf") and not f.file.startswith("peps/"))
    _progress(tache, 100, f"Documents produits : {n} PDF, le lot PEP'S et l'archive.", Tache.Etat.TERMINEE)


def controler_now(tache: Tache) -> None:
    dossier = tache.dossier
    pieces = list(dossier.pieces.all())
    _progress(tache, 10, f"Lecture de {len(pieces)} fichier(s) reçu(s)")
    source = services.write_source(dossier) if dossier.valide else None
    report = engine.check_dossier(services.recus_dir(dossier), source, dossier.profil or None, jobs=1)
    _progress(tache, 90, "Enregistrement du résultat")
    by_name = {f["file"].rsplit("/", 1)[-1]: f for f in report.files}
    for piece in pieces:
        info = by_name.get(piece.chemin.rsplit("/", 1)[-1])
        if info is not None:
            piece.piece_id = info.get("piece") or ""
            piece.medicale = services.is_medical(piece.piece_id)
            piece.save(update_fields=["piece_id", "medicale"])
    data = report.as_dict()
    dossier.controle = {"statut": data["status"], "pieces": data["pieces"],
                        "constats": data["findings"], "le": timezone.now().isoformat()}
    dossier.bloquants = report.count("bloquant")
    dossier.avertissements = report.count("avertissement")
    dossier.save(update_fields=["controle", "bloquants", "avertissements"])
    services.refresh(dossier)
    verdict = "complet" if report.status == "complet" else f"incomplet ({dossier.bloquants} constat(s) bloquant(s))"
    _progress(tache, 100, f"Contrôle terminé : dossier {verdict}.", Tache.Etat.TERMINEE)


def lot_final_now(tache: Tache) -> None:
    fn = engine.bundle_dossier()
    if fn is None:
        _progress(tache, 100, "L'assemblage du lot final n'est pas encore disponible dans cette version.",
                  Tache.Etat.ECHEC)
        return
    dossier = tache.dossier
    _progress(tache, 20, "Assemblage du lot final")
    fn(services.recus_dir(dossier), services.final_dir(dossier), dossier_yaml=services.write_source(dossier),
       built=services.build_dir(dossier))
    services.refresh(dossier)
    _progress(tache, 100, "Lot final prêt.", Tache.Etat.TERMINEE)


construire = db_task()(_guard(construire_now))
controler = db_task()(_guard(controler_now))
lot_final = db_task()(_guard(lot_final_now))

TASKS = {"construction": construire, "controle": controler, "lot_final": lot_final}


def enqueue(genre: str, dossier: Dossier, user) -> Tache:
    tache = Tache.objects.create(genre=genre, dossier=dossier, collectivite=dossier.collectivite, cree_par=user,
                                 message="En attente d'un poste de travail libre")
    TASKS[genre](tache.pk)
    return tache


__all__ = ["enqueue", "PieceRecue"]
