"""Views: thin. They check the right (access.py), call a stage or queue a task, show."""
from __future__ import annotations

import io
import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST


from . import access, engine, services, stages, tasks, uploads, wizard
from .models import Collectivite, Dossier, PieceRecue, Tache


def csrf_failure(request, reason=""):
    return render(request, "desk/erreur.html", {
        "titre": "Formulaire expiré ou incomplet",
        "texte": "Le formulaire n'a pas pu être accepté (jeton de sécurité absent ou expiré). "
                 "Revenez à la page précédente, rechargez-la, puis recommencez."}, status=403)


def _forbidden(request, texte: str):
    return render(request, "desk/erreur.html", {"titre": "Action non permise", "texte": texte}, status=403)


# --- list ----------------------------------------------------------------------------------

def filter_dossiers(qs, f: dict):
    """The table filters both lists share (the desk's and the CDG's): search, collectivité,
    stage, profile, findings. `f` holds the request's values, stripped."""
    if f["q"]:
        qs = qs.filter(Q(reference__icontains=f["q"]) | Q(agent__icontains=f["q"]))
    if f["collectivite"].isdigit():
        qs = qs.filter(collectivite_id=int(f["collectivite"]))
    if f["stade"] in stages.LIBELLES:
        qs = qs.filter(stade=f["stade"])
    if f["profil"] in ("cnracl", "cdg50", "cdg76"):
        qs = qs.filter(profil=f["profil"])
    if f["constats"] == "bloquants":
        qs = qs.filter(bloquants__gt=0)
    elif f["constats"] == "avertissements":
        qs = qs.filter(avertissements__gt=0)
    return qs


def _filtered(request):
    f = {k: request.GET.get(k, "").strip() for k in ("q", "collectivite", "stade", "profil", "constats", "echeance")}
    qs = filter_dossiers(access.dossiers(request.user), f)
    if f["echeance"]:
        try:
            import datetime as dt

            qs = qs.filter(echeance__lte=dt.date.fromisoformat(f["echeance"]))
        except ValueError:
            messages.error(request, "Date d'échéance illisible : utilisez le sélecteur de date.")
    return qs, f


@require_GET
def home(request):
    qs, f = _filtered(request)
    counts = dict(access.dossiers(request.user).values_list("stade").annotate(n=Count("id")))
    # The list never reads the descriptions nor the last check (kilobytes per row): bench_desk.py.
    qs = qs.defer("yaml", "controle")
    page = Paginator(qs.order_by("echeance", "-modifie_le") if access.is_cdg(request.user) else qs, 50) \
        .get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    collectivites = list(access.collectivites(request.user))
    return render(request, "desk/liste.html", {
        "page": page, "filtres": f, "query": query.urlencode(),
        "collectivites": collectivites, "plusieurs": len(collectivites) > 1,
        "stades": [(code, libelle, counts.get(code, 0)) for code, libelle in stages.STADES],
        "total": sum(counts.values()), "can_edit": access.can_edit(request.user)})


# --- create / import / export ------------------------------------------------------------

def _collectivite_of_post(request):
    try:
        return access.collectivites(request.user).get(pk=int(request.POST.get("collectivite", "0")))
    except (ValueError, Collectivite.DoesNotExist):
        return None


def dossier_new(request):
    if not access.can_edit(request.user):
        return _forbidden(request, "Votre rôle ne permet pas de créer un dossier.")
    colls = access.collectivites(request.user)
    if request.method == "POST":
        coll = _collectivite_of_post(request)
        if coll is None:
            messages.error(request, "Choisissez une collectivité dans la liste.")
        else:
            d = Dossier(collectivite=coll, cree_par=request.user)
            d.save()
            data = {"dossier": {"profil": "cnracl"},
                    "employeur": {"collectivite": coll.nom, **({"siret": coll.siret} if coll.siret else {})}}
            services.save_yaml(d, data)
            return redirect("desk:saisie", uid=d.uid, slug="cas")
    return render(request, "desk/nouveau.html", {"collectivites": colls})


def dossier_import(request):
    if not access.can_edit(request.user):
        return _forbidden(request, "Votre rôle ne permet pas d'importer un dossier.")
    colls = access.collectivites(request.user)
    erreurs = []
    if request.method == "POST":
        coll = _collectivite_of_post(request)
        up = request.FILES.get("fichier")
        if coll is None:
            erreurs.append("Choisissez une collectivité dans la liste.")
        if up is None:
            erreurs.append("Choisissez le fichier dossier.yaml à importer.")
        elif up.size > 1024 * 1024:
            erreurs.append(f"« {uploads.safe_name(up.name)} » dépasse 1 Mo : ce n'est pas un dossier.yaml.")
        if not erreurs:
            from pipeline.errors import InvalidInput

            try:
                text = up.read().decode("utf-8")
            except UnicodeDecodeError:
                erreurs.append("Le fichier n'est pas en UTF-8 : enregistrez-le en UTF-8 puis recommencez.")
            else:
                data = None
                try:
                    data = wizard.load_yaml(text)
                except Exception:
                    pass
                if not data:
                    try:
                        engine.parse_text(text, uploads.safe_name(up.name))
                        erreurs.append("Le fichier ne décrit pas un dossier.")
                    except InvalidInput as e:
                        erreurs.extend(str(p) for p in e.problems)
                else:
                    with transaction.atomic():
                        d = Dossier.objects.create(collectivite=coll, cree_par=request.user)
                        problems = services.save_yaml(d, data)
                    if problems:
                        messages.warning(request, f"Dossier importé ; {len(problems)} point(s) à corriger dans la saisie.")
                    else:
                        messages.success(request, "Dossier importé : la description est valide.")
                    return redirect("desk:dossier", uid=d.uid)
    return render(request, "desk/importer.html", {"collectivites": colls, "erreurs": erreurs})


@require_GET
def export_yaml(request, uid):
    d = access.dossier_or_404(request.user, uid)
    access.audit(request, "export dossier.yaml", d, "dossier.yaml", "dossier.yaml")
    resp = HttpResponse(d.yaml, content_type="application/x-yaml; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{d.reference or "dossier"}.yaml"'
    return resp


# --- guided form ---------------------------------------------------------------------------

def _rows(block: wizard.ListBlock, data: dict, extra: int):
    items = wizard.get(data, block.path) or []
    rows = []
    for i in range(len(items) + extra):
        rows.append([(f, f.path.replace("*", str(i)),
                      wizard.shown(data, f, f.path.replace("*", str(i)))) for f in block.fields])
    return rows


def _submitted(request, d) -> set[str]:
    """Steps the person has already sent: only these show their problems (not a blank step)."""
    return set(request.session.get("saisie_envoyee", {}).get(str(d.uid), []))


def _mark_submitted(request, d, slug: str) -> None:
    seen = request.session.get("saisie_envoyee", {})
    steps = set(seen.get(str(d.uid), []))
    if slug not in steps:
        seen[str(d.uid)] = sorted(steps | {slug})
        request.session["saisie_envoyee"] = seen


def saisie(request, uid, slug):
    d = access.dossier_or_404(request.user, uid)
    if not access.can_edit(request.user):
        return _forbidden(request, "Votre rôle permet de consulter ce dossier, pas de le modifier.")
    data = wizard.load_yaml(d.yaml)
    steps = wizard.applicable_steps(data)
    if slug == "verification":
        return _verification(request, d, data, steps)
    step = wizard.step_by_slug(slug)
    if step is None or step not in steps:
        raise Http404("Étape inconnue.")
    extra = 1
    if request.method == "POST":
        data = wizard.apply_post(data, step, request.POST)
        problems = services.save_yaml(d, data)
        steps = wizard.applicable_steps(data)
        action = request.POST.get("action", "enregistrer")
        if action == "lignes":
            extra = 3
        else:
            _mark_submitted(request, d, step.slug)
            i = steps.index(step) if step in steps else 0
            target = step.slug
            own = [p for p in problems if wizard.belongs(p, step, data)]
            if action == "suivant" and own:
                # The step is shown again with its problems next to the fields; « passer » goes on.
                messages.error(request, f"{len(own)} point(s) à corriger dans cette étape, signalé(s) à côté des "
                                        "champs. Corrigez-les, ou passez à l'étape suivante et revenez-y plus tard.")
            elif action in ("suivant", "passer"):
                target = steps[i + 1].slug if i + 1 < len(steps) else "verification"
            elif action == "precedent" and i > 0:
                target = steps[i - 1].slug
            d.etape = target
            d.save(update_fields=["etape"])
            if action == "enregistrer":
                messages.success(request, "Enregistré. Vous pouvez reprendre plus tard à cette étape.")
            return redirect("desk:saisie", uid=d.uid, slug=target)
    _, problems = wizard.validate(d.yaml)
    submitted = _submitted(request, d)
    mine = [p for p in problems if wizard.belongs(p, step, data)] if step.slug in submitted else []
    by_name = {}
    for p in mine:
        by_name.setdefault(p.name, p.message)
    items = []
    for item in wizard.step_fields(step, data):
        if isinstance(item, wizard.Field):
            items.append({"type": "field", "f": item, "name": item.path,
                          "value": wizard.shown(data, item),
                          "error": by_name.get(item.path)})
        elif isinstance(item, wizard.ListBlock):
            rows = _rows(item, data, extra if wizard.get(data, item.path) else max(extra, 2))
            items.append({"type": "list", "b": item, "error": by_name.get(item.path),
                          "rows": [[{"f": f, "name": n, "value": v, "error": by_name.get(n)} for f, n, v in r]
                                   for r in rows]})
        else:
            mt = data.get("medecin_traitant")
            items.append({"type": "medecin_traitant", "aucun": mt == "aucun",
                          "error": by_name.get("medecin_traitant"),
                          "fields": [{"f": f, "name": f.path, "error": by_name.get(f.path),
                                      "value": "" if mt == "aucun" else wizard.display(wizard.get(data, f.path), f.kind)}
                                     for f in wizard.medecin_traitant_fields()]})
    names = _names(items)
    autres = [p for p in mine if p.name not in names]
    return render(request, "desk/saisie.html", {
        "d": d, "step": step, "steps": _nav(steps, problems, data, step.slug, submitted), "items": items,
        "autres": autres, "n_problems": len(mine), "last": step == steps[-1], "first": step == steps[0]})


def _names(items) -> set[str]:
    out = set()
    for it in items:
        if it["type"] == "field":
            out.add(it["name"])
        elif it["type"] == "list":
            out.add(it["b"].path)
            out.update(c["name"] for r in it["rows"] for c in r)
        else:
            out.add("medecin_traitant")
            out.update(c["name"] for c in it["fields"])
    return out


def _nav(steps, problems, data, current, submitted=None):
    """Each step with its count of problems, once the person has sent it (all on « Vérification »)."""
    out = []
    for s in steps:
        n = sum(1 for p in problems if wizard.belongs(p, s, data)) \
            if submitted is None or s.slug in submitted else 0
        out.append({"slug": s.slug, "titre": s.titre, "n": n, "current": s.slug == current})
    return out


def _verification(request, d, data, steps):
    _, problems = wizard.validate(d.yaml)
    located = []
    for p in problems:
        s = next((s for s in steps if wizard.belongs(p, s, data)), None)
        located.append({"p": p, "step": s})
    return render(request, "desk/verification.html", {
        "d": d, "problems": located, "steps": _nav(steps, problems, data, "verification")})


# --- the dossier page ----------------------------------------------------------------------

@require_GET
def dossier(request, uid):
    d = access.dossier_or_404(request.user, uid)
    st = services.refresh(d)
    man = services.manifest(d)
    documents = []
    checklist = []
    if man:
        documents = [f for f in man.get("files", []) if f["file"].endswith(".pdf") and "/" not in f["file"]]
        checklist = man.get("pieces") or man.get("checklist") or []
    taches = list(d.taches.all()[:5])
    en_cours = next((t for t in taches if t.etat in (Tache.Etat.ATTENTE, Tache.Etat.EN_COURS)), None)
    recues = list(d.pieces.all())
    pieces = [{"p": p, "libelle": _received_label(p)} for p in recues]
    checklist = _with_received(checklist, recues)
    constats = [{**c, "libelle": engine.piece_label(c["piece"]) if c.get("piece") else ""}
                for c in (d.controle.get("constats", []) if d.controle else [])]
    _, problems = wizard.validate(d.yaml) if not d.valide else (None, [])
    return render(request, "desk/dossier.html", {
        "d": d, "stade": st, "documents": documents, "checklist": checklist, "taches": taches,
        "en_cours": en_cours, "pieces": pieces, "constats": constats, "problems": problems[:10],
        "zip": f"{d.reference}.zip" if man else None, "final": [p.name for p in services.final_files(d)],
        "final_current": d.stade in FINAL_CURRENT, "suivi": _suivi_fields(d),
        "can_edit": access.can_edit(request.user),
        "max_mb": settings.UPLOAD_MAX_BYTES // 1048576, "max_pages": settings.UPLOAD_MAX_PAGES})


def _received_ids(p) -> list[str]:
    return [x["piece"] for x in p.parties] if p.parties else ([p.piece_id] if p.piece_id else [])


def _received_label(p) -> str:
    """What the check recognised in a received file; each pièce with its pages when it holds several."""
    if not p.parties:
        return engine.piece_label(p.piece_id) if p.piece_id else ""
    out = []
    for x in p.parties:
        a, b = x.get("first_page"), x.get("last_page")
        pages = f"p. {a}" if a == b else f"p. {a} à {b}"
        out.append(f"{engine.piece_label(x['piece'])} ({pages})")
    return " ; ".join(out)


def _with_received(checklist: list[dict], recues) -> list[dict]:
    """The build's checklist with the pièces received since: the build only knows what it
    produced, the person needs to see that the AF3 came back."""
    first = {}
    for p in recues:
        for piece_id in _received_ids(p):
            first.setdefault(piece_id, p)
    out = []
    for row in checklist:
        p = first.get(row.get("id"))
        if p is not None:
            quand = timezone.localtime(p.recue_le).strftime("%d/%m/%Y")
            row = {**row, "statut": f"reçue le {quand} ({p.nom})"}
        out.append(row)
    return out


def _start(request, uid, genre: str, ready, why: str):
    d = access.dossier_or_404(request.user, uid)
    if not access.can_edit(request.user):
        return _forbidden(request, "Votre rôle ne permet pas cette action.")
    if not ready(d):
        messages.error(request, why)
        return redirect("desk:dossier", uid=d.uid)
    if d.taches.filter(genre=genre, etat__in=[Tache.Etat.ATTENTE, Tache.Etat.EN_COURS]).exists():
        messages.info(request, "Ce travail est déjà en cours.")
    else:
        tasks.enqueue(genre, d, request.user)
    return redirect("desk:dossier", uid=d.uid)


@require_POST
def construire(request, uid):
    return _start(request, uid, "construction", lambda d: d.valide,
                  "La description du dossier n'est pas valide : terminez la saisie (voir « Vérification »).")


@require_POST
def controler(request, uid):
    return _start(request, uid, "controle", lambda d: d.valide and (d.pieces.exists() or d.construit_le),
                  "Construisez les documents ou déposez d'abord les pièces reçues.")


@require_POST
def lot_final(request, uid):
    return _start(request, uid, "lot_final", lambda d: d.valide and d.construit_le,
                  "Le lot final s'assemble quand les documents sont produits et les pièces reçues.")


# Stages where the final set in envoi/ is the one made of the current pièces (pipeline.status).
FINAL_CURRENT = ("pret_a_envoyer", "envoye", "avis_recu", "radie")
SUIVI = [("envoi_peps", "Date d'envoi sur PEP'S (ou au centre de gestion)"),
         ("avis_cnracl", "Date de l'avis de la CNRACL"),
         ("radiation", "Date d'effet de la radiation des cadres")]


def _suivi_fields(d) -> list[dict]:
    from pipeline.bundle import layout

    if not d.valide or d.stade not in FINAL_CURRENT:
        return []
    dates = layout.read_suivi(uploads.dossier_dir(d))
    return [{"name": k, "label": label, "value": dates.get(k)} for k, label in SUIVI]


@require_POST
def suivi(request, uid):
    """The dates the person records after sending (suivi.yaml, as `pipeline status --sent/--avis/--radiation`)."""
    import datetime as dt

    from pipeline.bundle import layout

    d = access.dossier_or_404(request.user, uid)
    if not access.can_edit(request.user):
        return _forbidden(request, "Votre rôle ne permet pas cette action.")
    dates = {}
    for k, label in SUIVI:
        v = request.POST.get(k, "").strip()
        if not v:
            continue
        try:
            dates[k] = dt.date.fromisoformat(v)
        except ValueError:
            messages.error(request, f"{label} : date illisible, utilisez le sélecteur de date.")
            return redirect("desk:dossier", uid=d.uid)
        if dates[k] > dt.date.today() and k != "radiation":  # a radiation may take effect later
            messages.error(request, f"{label} : la date est dans le futur ; enregistrez-la une fois l'événement passé.")
            return redirect("desk:dossier", uid=d.uid)
    if dates:
        layout.write_suivi(uploads.dossier_dir(d), **dates)
        services.refresh(d)
        messages.success(request, "Date(s) enregistrée(s).")
    return redirect("desk:dossier", uid=d.uid)


@require_GET
def tache_etat(request, pk):
    try:
        t = Tache.objects.get(pk=pk, collectivite__in=access.collectivites(request.user))
    except (Tache.DoesNotExist, ValueError):
        raise Http404("Tâche introuvable.") from None
    return JsonResponse({"etat": t.etat, "libelle": t.get_etat_display(), "progression": t.progression,
                         "message": t.message, "fini": t.etat in (Tache.Etat.TERMINEE, Tache.Etat.ECHEC)})


# --- files ---------------------------------------------------------------------------------

def _send(request, d, path: Path, name: str, piece_id: str, action: str, inline=False, medical=None):
    if not path.is_file():
        raise Http404("Fichier introuvable.")
    if medical is None:
        medical = services.is_medical(piece_id)
    if medical or piece_id == "archive":
        access.audit(request, action, d, piece_id, name)
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    resp = FileResponse(open(path, "rb"), content_type=ctype, as_attachment=not inline, filename=name)
    resp["Cache-Control"] = "no-store"
    return resp


@require_GET
def fichier(request, uid, name):
    """A file of the last build: only names the manifest lists (no path walking)."""
    d = access.dossier_or_404(request.user, uid)
    man = services.manifest(d)
    if man is None:
        raise Http404("Aucun document produit.")
    bd = services.build_dir(d)
    if name == f"{d.reference}.zip":
        return _send(request, d, bd / name, name, "archive", "téléchargement de l'archive")
    if name == "liste_des_pieces.txt":
        return _send(request, d, bd / name, name, "liste", "téléchargement")
    entry = _produced(man, name)
    return _send(request, d, bd / name, name, entry.get("piece_id") or "", "téléchargement d'un document produit")


def _produced(man: dict, name: str) -> dict:
    """The manifest's entry of a produced PDF: only names it lists (no path walking)."""
    entry = next((f for f in man.get("files", []) if f["file"] == name and "/" not in name), None)
    if entry is None:
        raise Http404("Fichier introuvable.")
    return entry


@require_GET
def document_apercu(request, uid, name):
    """First page of a produced document as a small PNG (the preview beside its link)."""
    d = access.dossier_or_404(request.user, uid)
    man = services.manifest(d)
    if man is None or not name.endswith(".pdf"):
        raise Http404("Aucun document produit.")
    entry = _produced(man, name)
    path = services.build_dir(d) / name
    if not path.is_file():
        raise Http404("Fichier introuvable.")
    if services.is_medical(entry.get("piece_id") or ""):
        access.audit(request, "aperçu d'un document produit", d, entry.get("piece_id") or "", name)
    return _png(_thumbnail(path, "application/pdf"))


@require_GET
def ics(request, uid):
    d = access.dossier_or_404(request.user, uid)
    m = services.model_of(d)
    if m is None:
        raise Http404("Calendrier indisponible : la description n'est pas valide.")
    resp = HttpResponse(engine.to_ics(m), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{d.reference}.ics"'
    return resp


@require_POST
def deposer(request, uid):
    d = access.dossier_or_404(request.user, uid)
    if not access.can_edit(request.user):
        return _forbidden(request, "Votre rôle ne permet pas de déposer des pièces.")
    files = request.FILES.getlist("fichiers")
    if not files:
        messages.error(request, "Choisissez un ou plusieurs fichiers (PDF, JPEG, PNG, TIFF).")
        return redirect("desk:dossier", uid=d.uid)
    if len(files) > settings.UPLOAD_MAX_FILES:
        messages.error(request, f"{len(files)} fichiers : déposez-en {settings.UPLOAD_MAX_FILES} au plus à la fois.")
        return redirect("desk:dossier", uid=d.uid)
    accepted, refused = [], []
    for up in files:
        try:
            accepted.append(uploads.examine(up))
        except uploads.Refused as e:
            refused.append(str(e))
    if refused:
        # One bad file refuses the drop: nothing half-saved, the person fixes and drops again.
        for r in refused:
            messages.error(request, r)
        messages.error(request, "Aucun fichier de ce dépôt n'a été enregistré.")
        return redirect("desk:dossier", uid=d.uid)
    try:
        written, known = uploads.file_pieces(d, accepted, request.user)
    except (IntegrityError, OSError):
        messages.error(request, "L'enregistrement a échoué : aucun fichier de ce dépôt n'a été gardé. Réessayez.")
        return redirect("desk:dossier", uid=d.uid)
    for a in known:
        messages.info(request, f"« {a.nom} » a déjà été déposé : ignoré.")
    if written:
        messages.success(request, f"{len(written)} fichier(s) reçu(s) : identification et contrôle en cours.")
        tasks.enqueue("controle", d, request.user)
    return redirect("desk:dossier", uid=d.uid)


def _piece(request, uid, pk):
    d = access.dossier_or_404(request.user, uid)
    try:
        return d, d.pieces.get(pk=pk)
    except (PieceRecue.DoesNotExist, ValueError):
        raise Http404("Pièce introuvable.") from None


@require_GET
def piece(request, uid, pk):
    d, p = _piece(request, uid, pk)
    return _send(request, d, uploads.dossier_dir(d) / p.chemin, p.nom, ",".join(_received_ids(p))[:60],
                 "ouverture d'une pièce reçue", medical=p.medicale,
                 inline=p.type_mime == "application/pdf")


@require_GET
def apercu(request, uid, pk):
    """First page as a small PNG (the page preview on the dossier page)."""
    d, p = _piece(request, uid, pk)
    path = uploads.dossier_dir(d) / p.chemin
    if not path.is_file():
        raise Http404("Pièce introuvable.")
    if p.medicale:  # a file holding several pièces is medical if one of them is
        access.audit(request, "aperçu d'une pièce reçue", d, ",".join(_received_ids(p))[:60], p.nom)
    return _png(_thumbnail(path, p.type_mime))


def _thumbnail(path: Path, mime: str) -> bytes:
    buf = io.BytesIO()
    if mime == "application/pdf":
        import pypdfium2 as pdfium

        from pipeline.pdfium import LOCK

        with LOCK:  # the page's thumbnails arrive together, on several of the server's threads
            pdf = pdfium.PdfDocument(str(path))
            try:
                pdf[0].render(scale=0.35).to_pil().save(buf, "PNG")
            finally:
                pdf.close()
    else:
        from PIL import Image

        with Image.open(path) as im:
            im.thumbnail((300, 420))
            im.convert("L").save(buf, "PNG")
    return buf.getvalue()


def _png(data: bytes) -> HttpResponse:
    resp = HttpResponse(data, content_type="image/png")
    resp["Cache-Control"] = "no-store"
    return resp


@require_GET
def extrait(request, uid, n: int):
    """The page zone a finding is about (kept by the last check), behind the dossier's right."""
    d = access.dossier_or_404(request.user, uid)
    constats = (d.controle or {}).get("constats") or []
    if not 0 <= n < len(constats) or constats[n].get("extrait") != f"constat_{n}.png":
        raise Http404("Extrait introuvable.")
    path = services.crops_dir(d) / f"constat_{n}.png"
    if not path.is_file():
        raise Http404("Extrait introuvable.")
    c = constats[n]
    access.audit(request, "extrait de page d'une pièce (constat)", d, c.get("piece") or "", c.get("file") or "")
    return _png(path.read_bytes())


@require_GET
def final_zip(request, uid):
    d = access.dossier_or_404(request.user, uid)
    files = services.final_files(d)
    if not files:
        raise Http404("Le lot final n'est pas encore assemblé.")
    import zipfile

    buf = io.BytesIO()
    root = services.final_dir(d)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, f.relative_to(root).as_posix())
    access.audit(request, "téléchargement du lot final", d, "archive", f"{d.reference}_lot_final.zip")
    resp = HttpResponse(buf.getvalue(), content_type="application/zip")
    resp["Content-Disposition"] = f'attachment; filename="{d.reference}_lot_final.zip"'
    return resp
