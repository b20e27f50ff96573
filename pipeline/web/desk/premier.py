"""First use of a new desk: while no account exists, the person who started `pipeline serve`
creates the administrator in the browser (the same checks as `pipeline serve createadmin`),
and may name a first collectivité so that a dossier can be started at once.

The page answers only on the server itself (loopback), only while the desk has no account, and
only with the one-time key that `pipeline serve` printed in its terminal (as Jupyter does): a
reverse proxy on the same machine makes every visitor look local, the key does not travel.
Anywhere else, or afterwards, the page does not exist."""
from __future__ import annotations

import hmac
import ipaddress
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from pipeline import fsutil

from .models import Collectivite


def _key_file() -> Path:
    return Path(settings.DATA_DIR) / "premier_compte.cle"


def first_use_key() -> str | None:
    """The one-time key of the first-use page while the desk has no account (made on first call,
    owner-only); None once an account exists."""
    if get_user_model().objects.exists():
        _key_file().unlink(missing_ok=True)
        return None
    path = _key_file()
    if not path.is_file():
        fsutil.write_text(path, secrets.token_urlsafe(24))
    return path.read_text(encoding="utf-8").strip()


def open_now(request) -> bool:
    try:
        local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        local = False
    if not local or get_user_model().objects.exists():
        return False
    path = _key_file()
    given = request.POST.get("cle") or request.GET.get("cle") or ""
    return path.is_file() and hmac.compare_digest(given.encode(), path.read_text(encoding="utf-8").strip().encode())


class PremierCompteForm(UserCreationForm):
    collectivite = forms.CharField(
        label="Première collectivité (facultatif)", max_length=200, required=False,
        help_text="Ex. « Commune de Saint-Lô » : vous pourrez y créer un dossier tout de suite. "
                  "Les autres collectivités, le centre de gestion et les comptes se créent ensuite dans « Administration ».")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)
        labels = {"username": "Identifiant de l'administrateur"}


@login_not_required
def premier_compte(request):
    if not open_now(request):
        raise Http404("Page inconnue.")
    form = PremierCompteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if get_user_model().objects.select_for_update().exists():  # another tab was quicker
                raise Http404("Page inconnue.")
            user = form.save(commit=False)
            user.is_staff = user.is_superuser = True
            user.save()
            nom = form.cleaned_data["collectivite"].strip()
            if nom:
                Collectivite.objects.get_or_create(nom=nom)
        _key_file().unlink(missing_ok=True)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Compte administrateur créé. Créez maintenant un dossier, ou les comptes des "
                                  "gestionnaires et du centre de gestion dans « Administration ».")
        return redirect("desk:home")
    return render(request, "desk/premier_compte.html", {"form": form, "cle": request.GET.get("cle") or
                                                        request.POST.get("cle", "")})


class Connexion(LoginView):
    """Django's login; on a desk without any account it says where the first-use link is."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["sans_compte"] = not get_user_model().objects.exists()
        return ctx
