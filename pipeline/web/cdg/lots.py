"""A collectivité's batch drop: a zip, or a folder chosen in the browser, holding one sub-folder
per agent's dossier (as `pipeline check --batch`). It is checked in the task queue with its
progress; each dossier's result and report appear on the page, with the collectivité's letter.

The received archive is held to the limits of any received zip (validators/limites.yaml:
number of files, decompressed size, compression ratio, paths leaving the folder, links); the
pièces themselves are removed once checked: only the reports are kept.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from pipeline import fsutil
from pipeline.errors import InputProblem, InvalidInput
from pipeline.web.desk import access
from pipeline.web.desk.models import Journal, Tache
from pipeline.web.desk.views import _forbidden

from . import tasks
from .tasks import GENRE_LOT as GENRE, lot_dir, reason as _reason

NOT_YOURS = "Votre rôle ne permet pas de déposer un lot de dossiers."


# ---------------------------------------------------------------- the folder sent as files
def _store_folder(files, paths: list[str], dest: Path) -> int:
    """The files of a folder chosen in the browser, under their relative paths; the same limits
    as a zip. Raises InvalidInput, and then nothing is left."""
    from pipeline.read.archive import _safe_name
    from pipeline.read.limits import exceeded, limit

    count_l, total_l = limit("zip", "fichiers"), limit("zip", "octets_total")
    def refused(message: str) -> InvalidInput:
        return InvalidInput([InputProblem("dossier déposé", "", message)])

    if len(paths) != len(files):
        raise refused("le navigateur n'a pas transmis l'arborescence du dossier : déposez plutôt une archive zip")
    if len(files) > count_l.valeur:
        raise refused("dossier refusé : " + exceeded("trop de fichiers", len(files), count_l))
    total = sum(f.size for f in files)
    if total > total_l.valeur:
        raise refused("dossier refusé : " + exceeded("contenu trop volumineux", total, total_l, size=True))
    big = next((f for f in files if f.size > settings.UPLOAD_MAX_BYTES), None)
    if big is not None:
        raise refused(f"dossier refusé : « {big.name} » dépasse {settings.UPLOAD_MAX_BYTES // 1048576} Mo "
                      "(limite par pièce)")
    written = []
    try:
        for f, rel in zip(files, paths):
            safe = _safe_name(rel)
            if not safe:
                raise refused(f"dossier refusé : chemin qui sort du dossier (« {rel} »)")
            target = dest / safe
            if target.exists():
                raise refused(f"dossier refusé : deux fichiers du même nom (« {rel} »)")
            fsutil.write_bytes(target, f.read())
            written.append(target)
    except InvalidInput:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return len(written)


# ---------------------------------------------------------------- views
def _may_drop(user) -> bool:
    return access.can_edit(user)


@require_http_methods(["GET", "POST"])
def lots(request):
    if not _may_drop(request.user):
        return _forbidden(request, NOT_YOURS)
    colls = access.collectivites(request.user)
    if request.method == "POST":
        return _deposer(request, colls)
    taches = Tache.objects.filter(genre=GENRE, collectivite__in=colls).select_related("collectivite")[:20]
    return render(request, "cdg/lots.html", {"collectivites": colls, "taches": taches})


def _deposer(request, colls):
    from pipeline.read.archive import check_zip

    p = request.POST
    coll = colls.filter(pk=int(p["collectivite"])).first() if p.get("collectivite", "").isdigit() else None
    if coll is None:
        messages.error(request, "Choisissez la collectivité qui dépose le lot.")
        return redirect("cdg:lots")
    archive = request.FILES.get("archive")
    files = request.FILES.getlist("dossier")
    if archive is None and not files:
        messages.error(request, "Choisissez une archive zip ou un dossier contenant un sous-dossier par agent.")
        return redirect("cdg:lots")
    tache = Tache.objects.create(genre=GENRE, collectivite=coll, cree_par=request.user,
                                 message="En attente d'un poste de travail libre")
    base = fsutil.ensure_dir(lot_dir(tache))
    try:
        if archive is not None:
            zpath = base / "depot.zip"
            with open(zpath, "xb") as out:
                zpath.chmod(0o600)
                for chunk in archive.chunks():
                    out.write(chunk)
            check_zip(zpath)  # refused at once, with its reason, before the queue
        else:
            _store_folder(files, p.getlist("chemins"), base / "dossiers")
    except InvalidInput as e:
        shutil.rmtree(base, ignore_errors=True)
        tache.delete()
        where = f"« {archive.name} » : " if archive is not None else ""
        messages.error(request, f"{where}{_reason(e)}. Rien n'a été enregistré.")
        return redirect("cdg:lots")
    tasks.depot_lot(tache.pk)
    messages.success(request, f"Lot de {coll.nom} reçu : contrôle en cours, suivez l'avancement ci-dessous.")
    return redirect("cdg:lots")


def _tache_or_404(user, pk) -> Tache:
    try:
        return Tache.objects.get(pk=pk, genre=GENRE, etat=Tache.Etat.TERMINEE,
                                 collectivite__in=access.collectivites(user))
    except (Tache.DoesNotExist, ValueError):
        raise Http404("Rapport introuvable.") from None


@require_GET
def rapport_lot(request, pk, name):
    """A dossier's report (HTML) or the collectivité's letter (PDF, HTML, JSON) of a batch drop."""
    t = _tache_or_404(request.user, pk)
    res = t.resultat or {}
    known = {r["rapport"] for r in res.get("dossiers", []) if r.get("rapport")} | set(res.get("fichiers", {}).values())
    if name not in known:
        raise Http404("Rapport introuvable.")
    base = (lot_dir(t) / "rapports").resolve()
    path = (base / name).resolve()
    if base not in path.parents or not path.is_file():
        raise Http404("Rapport introuvable.")
    # A dossier's report shows crops of its pages: the opening is logged like a pièce's.
    Journal.objects.create(utilisateur=request.user.get_username(), action="ouverture du rapport d'un lot déposé",
                           dossier=f"lot {t.pk}", collectivite=t.collectivite.nom, piece="rapport",
                           fichier=name, adresse_ip=request.META.get("REMOTE_ADDR") or None)
    ext = path.suffix.lstrip(".")
    ctype = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}[ext]
    resp = FileResponse(open(path, "rb"), content_type=ctype, as_attachment=ext != "html",
                        filename=f"lot_{t.pk}_{path.name}")
    resp["Cache-Control"] = "no-store"
    return resp
