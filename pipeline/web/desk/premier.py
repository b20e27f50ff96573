"""First use of a new desk: while no account exists, the person at the server's own keyboard
creates the administrator in the browser (the same checks as `pipeline serve createadmin`),
and may name a first collectivité so that a dossier can be started at once.

Only from the server itself (loopback) and only while the desk has no account: afterwards, or
from anywhere else, the page does not exist."""
from __future__ import annotations

import ipaddress

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from .models import Collectivite


def open_now(request) -> bool:
    try:
        local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        local = False
    return local and not get_user_model().objects.exists()


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
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Compte administrateur créé. Créez maintenant un dossier, ou les comptes des "
                                  "gestionnaires et du centre de gestion dans « Administration ».")
        return redirect("desk:home")
    return render(request, "desk/premier_compte.html", {"form": form})


class Connexion(LoginView):
    """Django's login; on a desk without any account, the person at the server is sent to the
    first-use page instead of a form no one can fill."""

    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        if open_now(request):
            return redirect("desk:premier_compte")
        return super().get(request, *args, **kwargs)
