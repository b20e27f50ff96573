"""Rights, in one place: every view asks here which collectivités and dossiers a user sees.

A dossier outside the user's scope is answered 404, as if it did not exist: a guessed URL
tells nothing about another collectivité.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from .models import Collectivite, Dossier, Journal, Role


def role(user) -> str:
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return "admin"
    profil = getattr(user, "profil", None)
    return profil.role if profil else ""


def collectivites(user):
    if not user.is_authenticated:
        return Collectivite.objects.none()
    if user.is_superuser:
        return Collectivite.objects.all()
    profil = getattr(user, "profil", None)
    if profil is None:
        return Collectivite.objects.none()
    if profil.role == Role.GESTIONNAIRE:
        return profil.collectivites.all()
    if profil.cdg_id:
        # CDG, secrétariat, numérisation: the collectivités their centre serves.
        return Collectivite.objects.filter(cdg_id=profil.cdg_id)
    return Collectivite.objects.none()


def dossiers(user):
    return Dossier.objects.filter(collectivite__in=collectivites(user)).select_related("collectivite")


def dossier_or_404(user, uid) -> Dossier:
    try:
        return dossiers(user).get(uid=uid)
    except (Dossier.DoesNotExist, ValidationError, ValueError):  # a malformed uid is a 404 as well
        raise Http404("Dossier introuvable.") from None


def can_edit(user) -> bool:
    return role(user) in ("admin", Role.GESTIONNAIRE, Role.CDG)


def is_cdg(user) -> bool:
    return role(user) in ("admin", Role.CDG)


def audit(request, action: str, dossier: Dossier, piece: str, fichier: str) -> None:
    """Write one line to the access log: who, which pièce, when. No content, ever."""
    Journal.objects.create(
        utilisateur=request.user.get_username(), action=action, dossier=dossier.reference or str(dossier.uid),
        collectivite=dossier.collectivite.nom, piece=piece or "non identifiée", fichier=fichier[:200],
        adresse_ip=request.META.get("REMOTE_ADDR") or None)


def context(request) -> dict:
    user = getattr(request, "user", None)
    r = role(user) if user is not None else ""
    return {"desk_role": r, "desk_is_cdg": r in ("admin", Role.CDG),
            "desk_is_secretariat": r in ("admin", Role.SECRETARIAT, Role.CDG),
            "desk_is_numerisation": r in ("admin", Role.NUMERISATION, Role.CDG)}
