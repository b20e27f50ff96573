"""Views of the CDG's desk: thin over the stages; every one asks access.py first."""
from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from pipeline.status import overview
from pipeline.errors import PipelineError
from pipeline.web.desk import access, services, stages
from pipeline.web.desk.models import Role, Tache
from pipeline.web.desk.views import _forbidden, filter_dossiers

from . import tasks

REPORT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}


# ---------------------------------------------------------------- the CDG's table
@functools.lru_cache(maxsize=4096)
def _urgency(pk: int, modified: dt.datetime, today: dt.date, yaml_text: str):
    """The overview row of a described dossier (cached until it changes): urgent, alerts, due date."""
    from pipeline.web.desk import wizard

    model, _ = wizard.validate(yaml_text)
    if model is None:
        return None
    try:
        return overview.row_from_dossier(str(pk), model, today)
    except Exception:  # a calendar that cannot be computed must not hide the dossier
        return None


def _rows(qs, today: dt.date) -> list[dict]:
    rows = []
    for d in qs:
        o = _urgency(d.pk, d.modifie_le, today, d.yaml) if d.valide else None
        rows.append({"d": d, "urgent": bool(o and o.urgent), "alertes": o.alertes if o else [],
                     "echeance": d.echeance or (o.echeance if o else None)})
    far = dt.date.max
    rows.sort(key=lambda r: (not r["urgent"], r["echeance"] or far, r["d"].collectivite.nom, r["d"].reference))
    return rows


FILTERS = ("q", "collectivite", "stade", "profil", "constats", "regle", "echeance", "urgents")


def _table(request) -> tuple[list[dict], dict]:
    """The CDG's rows with the table's filters, the same for the page and its CSV export.

    The due date filtered on is the one shown (the desk's, else the calendar's), so a row never
    disappears for a date the person does not see."""
    f = {k: request.GET.get(k, "").strip() for k in FILTERS}
    qs = filter_dossiers(access.dossiers(request.user), f)
    rows = _rows(qs.select_related("collectivite"), dt.date.today())
    if f["regle"]:
        rows = [r for r in rows if f["regle"] in _rules_of(r["d"])]
    if f["echeance"]:
        try:
            before = dt.date.fromisoformat(f["echeance"])
        except ValueError:
            messages.error(request, "Date d'échéance illisible : utilisez le sélecteur de date.")
        else:
            rows = [r for r in rows if r["echeance"] and r["echeance"] <= before]
    if f["urgents"] == "1":
        rows = [r for r in rows if r["urgent"]]
    return rows, f


def _rules_of(d) -> set[str]:
    return _rules_in(d.controle)


def _rules_in(controle) -> set[str]:
    return {str(c.get("rule")) for c in (controle or {}).get("constats", []) if c.get("rule")}


@require_GET
def tableau(request):
    if not access.is_cdg(request.user):
        return _forbidden(request, "Cette page est celle du service retraite du centre de gestion.")
    rows, f = _table(request)
    mine = access.dossiers(request.user)
    counts = dict(mine.values_list("stade").annotate(n=Count("id")))
    by_coll = {c: n for c, n in mine.values_list("collectivite").annotate(n=Count("id"))}
    rules = sorted(set().union(*(_rules_in(c) for c in mine.values_list("controle", flat=True))))
    colls = list(access.collectivites(request.user))
    last = {}
    for t in Tache.objects.filter(genre=tasks.GENRE, collectivite__in=colls).order_by("-cree_le"):
        last.setdefault(t.collectivite_id, t)
    return render(request, "cdg/tableau.html", {
        "rows": rows, "filtres": f, "urgents": f["urgents"] == "1", "regles": rules,
        "query": request.GET.urlencode(), "stades": [(c, lib, counts.get(c, 0)) for c, lib in stages.STADES],
        "total": sum(counts.values()), "n_urgents": sum(1 for r in rows if r["urgent"]),
        "collectivites": [{"c": c, "n": by_coll.get(c.pk, 0), "tache": last.get(c.pk)} for c in colls]})


@require_GET
def tableau_csv(request):
    if not access.is_cdg(request.user):
        return _forbidden(request, "Cette page est celle du service retraite du centre de gestion.")
    rows, _ = _table(request)
    out = []
    for r in rows:
        d = r["d"]
        out.append(overview.Row(
            dossier=str(d.uid), dossier_id=d.reference, collectivite=d.collectivite.nom, agent=d.agent,
            profil=d.profil, etape=stages.LIBELLES.get(d.stade, d.stade), prochaine_action=d.action,
            echeance=r["echeance"], bloquants=d.bloquants if d.controle else None,
            avertissements=d.avertissements if d.controle else None, alertes=r["alertes"],
            fin_droits_avant_reponse=r["urgent"]))  # urgent either way: the alert text says which
    resp = HttpResponse(overview.to_csv(out).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="dossiers_cdg.csv"'
    return resp


# ---------------------------------------------------------------- batch check and reports
@require_POST
def controle_lot(request):
    if not access.is_cdg(request.user):
        return _forbidden(request, "Seul le service retraite du centre de gestion lance un contrôle par lot.")
    colls = access.collectivites(request.user)
    wanted = request.POST.get("collectivite", "")
    if wanted != "toutes":
        colls = colls.filter(pk=int(wanted)) if wanted.isdigit() else colls.none()
        if not colls.exists():
            raise Http404("Collectivité introuvable.")
    n = 0
    for c in colls:
        if access.dossiers(request.user).filter(collectivite=c, valide=True).exists():
            tasks.enqueue(c, request.user)
            n += 1
    if n:
        messages.success(request, f"Contrôle lancé pour {n} collectivité(s) : suivez l'avancement ci-dessous.")
    else:
        messages.warning(request, "Aucun dossier à la description valide à contrôler.")
    return redirect("cdg:tableau")


@require_GET
def rapport(request, pk, ext):
    """A collectivité's report: for the CDG that serves it and for its own gestionnaires."""
    if ext not in REPORT_TYPES:
        raise Http404("Format inconnu.")
    try:
        t = Tache.objects.get(pk=pk, genre=tasks.GENRE, etat=Tache.Etat.TERMINEE,
                              collectivite__in=access.collectivites(request.user))
    except Tache.DoesNotExist:
        raise Http404("Rapport introuvable.") from None
    rel = (t.resultat or {}).get("fichiers", {}).get(ext)
    base = tasks.reports_dir(t).resolve()
    path = (base / rel).resolve() if rel else None
    if path is None or base not in path.parents or not path.is_file():
        raise Http404("Rapport introuvable.")
    name = f"rapport_{path.parent.name}.{ext}"
    resp = FileResponse(open(path, "rb"), content_type=REPORT_TYPES[ext], as_attachment=ext != "html", filename=name)
    resp["Cache-Control"] = "no-store"
    return resp


# ---------------------------------------------------------------- the scanning desk
def _watch_root() -> Path | None:
    root = getattr(settings, "PIPELINE_WATCH_ROOT", None) or os.environ.get("PIPELINE_WATCH_ROOT")
    return Path(root) if root else None


def _may_scan(user) -> bool:
    return access.role(user) in ("admin", Role.NUMERISATION, Role.CDG)


@require_GET
def numerisation(request):
    from pipeline.dossier.pieces import load_catalogue
    from pipeline.watch import desk

    if not _may_scan(request.user):
        return _forbidden(request, "Cette page est celle du bureau de numérisation.")
    root = _watch_root()
    ctx = {"root": root, "configure": root is not None and (root / "_watch" / "journal.sqlite").exists()}
    if ctx["configure"]:
        j = desk.open_journal(root)
        try:
            etats = j.dossier_rows()
            classes = [(i, (etats.get(i.dossier_id) or {}).get("status")) for i in desk.filed_on(j, dt.date.today())]
            ctx.update(file=desk.queue(j), classes=classes, a_trier=desk.a_trier(j),
                       quarantaine=desk.quarantine(j), doublons=desk.duplicates(j), actions=desk.actions(j, 30))
        finally:
            j.close()
        ctx["dossiers"] = sorted(desk.dossier_folders(root))
        ctx["pieces"] = [(p.id, p.libelle) for p in load_catalogue().pieces]
    return render(request, "cdg/numerisation.html", ctx)


def _scan_action(request, fn, ok: str):
    if not _may_scan(request.user):
        return _forbidden(request, "Cette action est celle du bureau de numérisation.")
    root = _watch_root()
    if root is None:
        raise Http404("Aucun dossier de dépôt n'est configuré.")
    try:
        result = fn(root)
    except PipelineError as e:
        messages.error(request, " ; ".join(p.message for p in getattr(e, "problems", [])) or str(e))
    except (ValueError, KeyError):
        messages.error(request, "Demande incomplète : rechargez la page et recommencez.")
    else:
        messages.success(request, ok.format(result=result))
    return redirect("cdg:numerisation")


@require_POST
def attribuer(request):
    from pipeline.watch import desk

    def run(root):
        p = request.POST
        dest = desk.assign(root, int(p["file_id"]), int(p["idx"]), p["dossier_id"], p["piece_id"],
                           request.user.get_username())
        tasks.recontroler(str(root), p["dossier_id"])
        return f"{p['dossier_id']} / {dest.name}"
    return _scan_action(request, run, "Document classé dans {result} ; le dossier est recontrôlé.")


@require_POST
def liberer(request):
    from pipeline.watch import desk

    return _scan_action(request, lambda root: desk.release(root, int(request.POST["file_id"]),
                                                           request.user.get_username()).name,
                        "Fichier remis dans le dossier de dépôt sous le nom {result} : il va être traité à nouveau.")


@require_POST
def supprimer_doublon(request):
    from pipeline.watch import desk

    return _scan_action(request, lambda root: desk.delete_duplicate(root, int(request.POST["file_id"]),
                                                                    request.user.get_username()),
                        "Doublon supprimé (le document d'origine reste classé).")


__all__ = ["tableau", "tableau_csv", "controle_lot", "rapport", "numerisation", "services"]
