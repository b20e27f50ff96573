"""The letterhead of a centre's reports, edited by its retirement service: name, service,
address, telephone, e-mail, signatory and logo (re-encoded, never stored as sent)."""
from __future__ import annotations

import hashlib
import io

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from pipeline import fsutil
from pipeline.web.cdg.identity import logo_file
from pipeline.web.desk import access
from pipeline.web.desk.models import Cdg, Role
from pipeline.web.desk.views import _forbidden

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 20_000_000  # before decoding: a small file may claim a huge picture
LOGO_BOX = (900, 450)  # what a letterhead needs, at print resolution


class EnteteForm(forms.ModelForm):
    logo_fichier = forms.FileField(label="Nouveau logo", required=False,
                                   help_text="PNG ou JPEG, 1 Mo au plus ; il est imprimé en haut à gauche de la lettre.")
    retirer_logo = forms.BooleanField(label="Retirer le logo actuel", required=False)

    class Meta:
        model = Cdg
        fields = ["nom", "service", "adresse", "telephone", "courriel", "signataire", "qualite_signataire"]
        labels = {"nom": "Nom du centre", "adresse": "Adresse", "qualite_signataire": "Qualité du signataire"}
        help_texts = {
            "service": "Ex. « Service retraites – invalidité ».",
            "adresse": "Une ligne par ligne de l'adresse ; la dernière commence par le code postal "
                       "(la ville y est prise pour « Fait à … »).",
            "signataire": "Prénom et nom de la personne qui signe les lettres aux collectivités.",
            "qualite_signataire": "Ex. « La Présidente », « Pour le Président et par délégation ».",
        }
        widgets = {"adresse": forms.Textarea(attrs={"rows": 3})}

    def clean_logo_fichier(self):
        f = self.cleaned_data.get("logo_fichier")
        return reencode_logo(f.name, f.size, f.read()) if f else None


def reencode_logo(name: str, size: int, data: bytes) -> bytes:
    """The logo as a PNG drawn again from its pixels (nothing of the sent file is kept), or a
    French reason for refusing it."""
    import magic
    from PIL import Image

    if size > LOGO_MAX_BYTES:
        raise forms.ValidationError(f"« {name} » pèse {size / 1048576:.1f} Mo : le logo doit peser 1 Mo au plus."
                                    .replace(".", ",", 1))
    mime = magic.from_buffer(data[:4096], mime=True)
    if mime not in ("image/png", "image/jpeg"):
        raise forms.ValidationError(f"« {name} » n'est ni une image PNG ni une image JPEG d'après son contenu "
                                    f"(type reconnu : {mime}).")
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > LOGO_MAX_PIXELS:
                raise forms.ValidationError(f"« {name} » mesure {im.width} × {im.height} pixels : c'est trop grand "
                                            "pour un logo ; enregistrez-le en 1 000 pixels de large au plus.")
            im.load()
            im = im.convert("RGBA")
            im.thumbnail(LOGO_BOX)
            out = io.BytesIO()
            im.save(out, "PNG", optimize=True)
            return out.getvalue()
    except forms.ValidationError:
        raise
    except Exception:  # Pillow raises many kinds for a broken or hostile image
        raise forms.ValidationError(f"« {name} » est une image abîmée : elle ne peut pas être lue.") from None


def _own_cdg(user) -> Cdg | None:
    if access.role(user) != Role.CDG:
        return None
    return user.profil.cdg


def entete(request):
    cdg = _own_cdg(request.user)
    if cdg is None:
        return _forbidden(request, "Seul le service retraites d'un centre de gestion modifie l'en-tête de ses "
                                   "rapports (l'administrateur le fait dans l'administration).")
    old = cdg.logo
    if request.method == "POST":
        form = EnteteForm(request.POST, request.FILES, instance=cdg)
        if form.is_valid():
            png = form.cleaned_data.get("logo_fichier")
            written = None
            if png:
                # Named by its content: the record points at a complete file or at the old one.
                rel = f"cdg/{cdg.pk}/logo_{hashlib.sha256(png).hexdigest()[:12]}.png"
                written = fsutil.write_bytes(logo_file(rel), png)
            try:
                with transaction.atomic():
                    c = form.save(commit=False)
                    if png:
                        c.logo = rel
                    elif form.cleaned_data.get("retirer_logo"):
                        c.logo = ""
                    c.save()
            except BaseException:
                if written is not None and rel != old:
                    written.unlink(missing_ok=True)
                raise
            if old and old != c.logo:
                logo_file(old).unlink(missing_ok=True)
            messages.success(request, "En-tête enregistré : les prochains rapports l'utiliseront.")
            return redirect("cdg:entete")
    else:
        form = EnteteForm(instance=cdg)
    return render(request, "cdg/entete.html", {"form": form, "cdg": cdg})
