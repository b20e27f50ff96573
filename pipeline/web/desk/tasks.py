"""Long work off the request, in the Huey queue; progress is written on the Tache row."""
from __future__ import annotations

import traceback

from django.db import close_old_connections
from django.utils import timezone
from huey.contrib.djhuey import db_task

from pipeline.errors import PipelineError

from . import engine, services, uploads
from .models import Dossier, PieceRecue, Tache


BUSY = ("En attente : un autre traitement de ce dossier est en cours (construction ou contrôle) ; "
        "celui-ci reprendra sur son résultat.")


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
    pdfs = convert_plans([p], converter=engine.converter())[0]
    _progress(tache, 85, "Pied de page, codes QR, lot PEP'S et archive")
    # The command line's layout: DOSSIER/<dossier id>/ (pipeline build DOSSIER/dossier.yaml -o DOSSIER).
    dossier.reference = model.dossier.id[:64]
    services.write_source(dossier)
    result = finish(p, pdfs, uploads.dossier_dir(dossier), on_wait=lambda: _progress(tache, 85, BUSY))
    dossier.construit_le = timezone.now()
    dossier.save(update_fields=["construit_le", "reference"])
    services.refresh(dossier)
    n = sum(1 for f in result.files if f.file.endswith(".pdf") and not f.file.startswith("peps/"))
    _progress(tache, 100, f"Documents produits : {n} PDF, le lot PEP'S et l'archive.", Tache.Etat.TERMINEE)


def assembler_now(tache: Tache) -> None:
    """`pipeline bundle DOSSIER` on the dossier's folder (services.bundle)."""
    dossier = tache.dossier
    if not dossier.valide:
        _progress(tache, 100, "La description du dossier n'est pas valide : terminez la saisie.", Tache.Etat.ECHEC)
        return
    n = dossier.pieces.count()
    _progress(tache, 10, f"Identification et contrôle de {n} pièce(s) reçue(s) et des documents produits")
    result = services.bundle(dossier, on_wait=lambda: _progress(tache, 10, BUSY))
    if result.ready:
        verdict = "rien ne bloque, le lot final est prêt (voir « Lot final pour PEP'S »)."
    else:
        verdict = f"dossier incomplet ({dossier.bloquants} constat(s) bloquant(s)) ; aucun lot final écrit."
    _progress(tache, 100, f"Contrôle terminé : {verdict}", Tache.Etat.TERMINEE)


construire = db_task()(_guard(construire_now))
# The check after a drop and the « assemble » button are the same bundle (one task).
assembler = db_task()(_guard(assembler_now))
controler = lot_final = assembler

TASKS = {"construction": construire, "controle": controler, "lot_final": lot_final}


def enqueue(genre: str, dossier: Dossier, user) -> Tache:
    tache = Tache.objects.create(genre=genre, dossier=dossier, collectivite=dossier.collectivite, cree_par=user,
                                 message="En attente d'un poste de travail libre")
    TASKS[genre](tache.pk)
    return tache


__all__ = ["enqueue", "PieceRecue"]
