"""The conseil médical's secretariat: its séances, the dossiers on their agenda, each dossier's
AF4 pre-filled with the séance (date, lieu, members convened) and the quorum of the scanned AF4
read as soon as it is dropped (décret n° 86-442 du 14 mars 1986, art. 13).

Rights: the secretariat, the CDG's retirement service and the administrator, for the séances of
their own centre; any other séance is answered 404, as if it did not exist.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pipeline.web.desk import access, engine, services, tasks, uploads
from pipeline.web.desk.models import Cdg, Role, Seance, SeanceDossier, Tache
from pipeline.web.desk.views import _forbidden, _send

ROLES = [("president", "Président"), ("medecin", "Médecin"), ("medecin_specialiste", "Médecin spécialiste"),
         ("representant_administration", "Représentant de l'administration"),
         ("representant_personnel", "Représentant du personnel")]
MEMBER_ROWS = 8
NOT_YOURS = "Cette page est celle du secrétariat du conseil médical."


def may_use(user) -> bool:
    return access.role(user) in ("admin", Role.SECRETARIAT, Role.CDG)


def _centres(user):
    if user.is_superuser:
        return Cdg.objects.all()
    profil = getattr(user, "profil", None)
    return Cdg.objects.filter(pk=profil.cdg_id) if profil is not None and profil.cdg_id else Cdg.objects.none()


def _seance_or_404(user, pk) -> Seance:
    try:
        return Seance.objects.select_related("cdg").get(pk=pk, cdg__in=_centres(user))
    except (Seance.DoesNotExist, ValueError):
        raise Http404("Séance introuvable.") from None


def _inscription_or_404(user, pk, uid) -> SeanceDossier:
    s = _seance_or_404(user, pk)
    d = access.dossier_or_404(user, uid)
    try:
        return SeanceDossier.objects.select_related("seance", "dossier__collectivite", "af4", "tache").get(
            seance=s, dossier=d)
    except SeanceDossier.DoesNotExist:
        raise Http404("Ce dossier n'est pas inscrit à cette séance.") from None


def _candidates(user, seance: Seance):
    """Described dossiers of the collectivités this centre serves, not yet on the agenda."""
    return (access.dossiers(user).filter(collectivite__cdg=seance.cdg, valide=True)
            .exclude(inscriptions__seance=seance).order_by("collectivite__nom", "reference"))


# ---------------------------------------------------------------- séances
def _members_of_post(post) -> list[dict]:
    roles = dict(ROLES)
    out = []
    for i in range(MEMBER_ROWS):
        nom = post.get(f"nom_{i}", "").strip()[:200]
        role = post.get(f"role_{i}", "")
        if nom and role in roles:
            out.append({"role": role, "nom": nom})
    return out


@require_http_methods(["GET", "POST"])
def seances(request):
    if not may_use(request.user):
        return _forbidden(request, NOT_YOURS)
    centres = list(_centres(request.user))
    if request.method == "POST":
        p = request.POST
        centre = next((c for c in centres if str(c.pk) == p.get("cdg", str(centres[0].pk) if centres else "")), None)
        try:
            date = dt.date.fromisoformat(p.get("date", ""))
        except ValueError:
            date = None
        if centre is None:
            messages.error(request, "Aucun centre de gestion n'est associé à votre compte : demandez-le à "
                                    "l'administrateur.")
        elif date is None:
            messages.error(request, "Date de la séance absente ou illisible : utilisez le sélecteur de date.")
        else:
            s = Seance.objects.create(cdg=centre, date=date, lieu=p.get("lieu", "").strip()[:200],
                                      departement=p.get("departement", "").strip()[:100],
                                      seconde_convocation=p.get("seconde_convocation") == "1",
                                      membres=_members_of_post(p), cree_par=request.user)
            messages.success(request, f"Séance du {s.date:%d/%m/%Y} créée : inscrivez-y les dossiers.")
            return redirect("cdg:seance", pk=s.pk)
    liste = Seance.objects.filter(cdg__in=centres).prefetch_related("inscriptions__dossier__collectivite")
    return render(request, "cdg/seances.html", {
        "seances": liste, "centres": centres, "roles": ROLES, "lignes": range(MEMBER_ROWS)})


def _af4_state(ins: SeanceDossier) -> dict:
    """What the page says of the scanned AF4: being read, not an AF4, or the AF4 rules' findings."""
    if ins.af4 is None:
        return {"etat": "absent"}
    t = ins.tache
    if t is not None and t.etat in (Tache.Etat.ATTENTE, Tache.Etat.EN_COURS):
        return {"etat": "en_cours", "tache": t}
    if t is not None and t.etat == Tache.Etat.ECHEC:
        return {"etat": "echec", "message": t.message}
    if ins.af4.piece_id != "af4":
        return {"etat": "non_reconnu", "piece": ins.af4.piece_id}
    constats = [c for c in (ins.dossier.controle or {}).get("constats", [])
                if str(c.get("rule", "")).startswith("AF4-") or c.get("piece") == "af4"]
    return {"etat": "lu", "constats": constats,
            "bloquant": any(c.get("severity") == "bloquant" for c in constats)}


@require_GET
def seance(request, pk):
    if not may_use(request.user):
        return _forbidden(request, NOT_YOURS)
    s = _seance_or_404(request.user, pk)
    inscriptions = list(s.inscriptions.select_related("dossier__collectivite", "af4", "tache"))
    roles = dict(ROLES)
    return render(request, "cdg/seance.html", {
        "s": s, "membres": [{"role": roles.get(m.get("role"), m.get("role")), "nom": m.get("nom")} for m in s.membres],
        "lignes": [(i, _af4_state(i)) for i in inscriptions], "candidats": _candidates(request.user, s),
        "max_mb": settings.UPLOAD_MAX_BYTES // 1048576})


@require_POST
def inscrire(request, pk):
    if not may_use(request.user):
        return _forbidden(request, NOT_YOURS)
    s = _seance_or_404(request.user, pk)
    wanted = set(request.POST.getlist("dossiers"))
    chosen = [d for d in _candidates(request.user, s) if str(d.uid) in wanted]
    if not chosen:
        messages.error(request, "Choisissez au moins un dossier à inscrire à la séance.")
    else:
        for d in chosen:
            SeanceDossier.objects.get_or_create(seance=s, dossier=d)
        messages.success(request, f"{len(chosen)} dossier(s) inscrit(s) à la séance.")
    return redirect("cdg:seance", pk=s.pk)


# ---------------------------------------------------------------- the AF4
def _with_seance(model, s: Seance):
    """The dossier as examined at this séance: its plenary sitting is the séance."""
    from pipeline.dossier.model import Membre, SeancePleniere

    own = model.conseil_medical.pleniere
    members = [Membre(role=m["role"], nom=m["nom"]) for m in s.membres] or (own.membres if own else [])
    pl = SeancePleniere(date=s.date, lieu=s.lieu or None, departement=s.departement or None, membres=members,
                        seconde_convocation=s.seconde_convocation)
    return model.model_copy(update={"conseil_medical": model.conseil_medical.model_copy(update={"pleniere": pl})})


def af4_prefilled(model, s: Seance) -> bytes:
    """The AF4 the build stage prints for the secretariat, for this séance (LibreOffice, stamped)."""
    from pipeline.build import documents
    from pipeline.build.render import render_docx
    from pipeline.build.run import Plan, Rendered, convert_plans
    from pipeline.build.stamp import stamp_pdf

    d = _with_seance(model, s)
    ctx = documents.render_context_af4(d)
    spec = documents.DOCUMENTS["af4"]
    when = d.dossier.date_etablissement
    docx = render_docx("af4", ctx, when)
    pdf = convert_plans([Plan(d, [Rendered("af4", spec.piece_id, ctx["code"], spec.titre, False, docx)], [])],
                        converter=engine.converter())[0]["af4"]
    return stamp_pdf(pdf, dossier_id=d.dossier.id, piece_id=spec.piece_id or "af4", code=ctx["code"], when=when,
                     title=spec.titre, id_seed=hashlib.sha256(docx).hexdigest().encode(), label=spec.titre).data


@require_GET
def af4(request, pk, uid):
    if not may_use(request.user):
        return _forbidden(request, NOT_YOURS)
    ins = _inscription_or_404(request.user, pk, uid)
    d = ins.dossier
    model = services.model_of(d)
    if model is None:
        raise Http404("La description de ce dossier n'est pas valide : l'AF4 ne peut pas être pré-rempli.")
    data = af4_prefilled(model, ins.seance)
    name = f"AF4_{d.reference}_{ins.seance.date:%Y-%m-%d}.pdf"
    access.audit(request, "téléchargement de l'AF4 pré-rempli", d, "af4", name)  # it names the infirmités
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    resp["Cache-Control"] = "no-store"
    return resp


@require_GET
def af4_zip(request, pk):
    """Every dossier's pre-filled AF4 for the séance, in one zip (the secretariat prints them
    together); a dossier whose description is not valid is named in A_LIRE.txt instead."""
    import io
    import zipfile

    if not may_use(request.user):
        return _forbidden(request, NOT_YOURS)
    s = _seance_or_404(request.user, pk)
    mine = access.dossiers(request.user)
    buf, skipped, names = io.BytesIO(), [], set()
    stamp = (s.date.year, s.date.month, s.date.day, 0, 0, 0)  # the same bytes at each download
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for ins in s.inscriptions.select_related("dossier__collectivite").filter(dossier__in=mine).order_by(
                "dossier__reference", "pk"):
            d = ins.dossier
            model = services.model_of(d)
            if model is None:
                skipped.append(f"{d} ({d.collectivite.nom}) : description du dossier incomplète, AF4 non pré-rempli")
                continue
            name = f"AF4_{d.reference}_{s.date:%Y-%m-%d}.pdf"
            if name in names:  # two collectivités may use the same dossier reference
                name = f"AF4_{d.reference}_{str(d.uid)[:8]}_{s.date:%Y-%m-%d}.pdf"
            names.add(name)
            z.writestr(zipfile.ZipInfo(name, date_time=stamp),
                       af4_prefilled(model, s))
            access.audit(request, "téléchargement de l'AF4 pré-rempli", d, "af4", name)
        if skipped:
            z.writestr(zipfile.ZipInfo("A_LIRE.txt", date_time=stamp),
                       "\n".join(skipped) + "\n")
    if not names and not skipped:
        raise Http404("Aucun dossier inscrit à cette séance.")
    resp = HttpResponse(buf.getvalue(), content_type="application/zip")
    resp["Content-Disposition"] = f'attachment; filename="AF4_seance_{s.date:%Y-%m-%d}.zip"'
    resp["Cache-Control"] = "no-store"
    return resp


@require_POST
def deposer_af4(request, pk, uid):
    """The scanned AF4, filed as received for the dossier (the gestionnaire sees it), then read."""
    if not may_use(request.user):
        return _forbidden(request, NOT_YOURS)
    ins = _inscription_or_404(request.user, pk, uid)
    d = ins.dossier
    back = redirect(f"/cdg/seances/{ins.seance.pk}/#dossier-{d.uid}")
    up = request.FILES.get("fichier")
    if up is None:
        messages.error(request, "Choisissez le fichier de l'AF4 numérisé (PDF ou image).")
        return back
    try:
        a = uploads.examine(up)
    except uploads.Refused as e:
        messages.error(request, f"{e} Rien n'a été enregistré.")
        return back
    try:
        new, _ = uploads.file_pieces(d, [a], request.user)
    except (IntegrityError, OSError):
        messages.error(request, "L'enregistrement a échoué : réessayez.")
        return back
    ins.af4 = new[0] if new else d.pieces.get(sha256=a.sha256)  # already received: the same pièce
    ins.tache = tasks.enqueue("controle", d, request.user)
    ins.save(update_fields=["af4", "tache"])
    messages.success(request, f"« {a.nom} » reçu et classé dans le dossier {d} : lecture de l'AF4 et "
                              "contrôle du quorum en cours.")
    return back


@require_GET
def af4_recu(request, pk, uid):
    if not may_use(request.user):
        return _forbidden(request, NOT_YOURS)
    ins = _inscription_or_404(request.user, pk, uid)
    if ins.af4 is None:
        raise Http404("Aucun AF4 déposé pour ce dossier.")
    p = ins.af4
    return _send(request, ins.dossier, uploads.dossier_dir(ins.dossier) / p.chemin, p.nom, p.piece_id or "af4",
                 "ouverture d'une pièce reçue", inline=p.type_mime == "application/pdf")
