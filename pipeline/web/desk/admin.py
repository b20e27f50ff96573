from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from .models import Cdg, Collectivite, Dossier, Journal, Profil, Seance, SeanceDossier


class ProfilInline(admin.StackedInline):
    model = Profil
    can_delete = False
    verbose_name_plural = "rôle et collectivités"
    filter_horizontal = ["collectivites"]


class CompteAdmin(UserAdmin):
    inlines = [ProfilInline]


admin.site.unregister(User)
admin.site.register(User, CompteAdmin)


@admin.register(Cdg)
class CdgAdmin(admin.ModelAdmin):
    list_display = ["nom", "signataire"]
    exclude = ["logo"]  # a file the desk re-encoded, sent on the centre's « En-tête des rapports » page


@admin.register(Collectivite)
class CollectiviteAdmin(admin.ModelAdmin):
    list_display = ["nom", "siret", "cdg"]
    list_filter = ["cdg"]
    search_fields = ["nom", "siret"]


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    # No content of the dossier here: the description is read on the desk, where reading is ruled.
    list_display = ["reference", "collectivite", "stade", "modifie_le"]
    list_filter = ["stade", "collectivite"]
    fields = ["reference", "collectivite", "stade", "action", "echeance", "valide"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # a dossier starts on the desk (« Nouveau dossier »), where its description is checked


@admin.register(Journal)
class JournalAdmin(admin.ModelAdmin):
    list_display = ["quand", "utilisateur", "action", "piece", "fichier", "dossier", "collectivite", "adresse_ip"]
    list_filter = ["action", "piece"]
    search_fields = ["utilisateur", "dossier", "fichier"]
    date_hierarchy = "quand"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InscriptionInline(admin.TabularInline):
    model = SeanceDossier
    fields = ["dossier", "af4", "ajoute_le"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "dossier inscrit"
    verbose_name_plural = "dossiers inscrits"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Seance)
class SeanceAdmin(admin.ModelAdmin):
    # The secretariat keeps séances on its own screen; here the administrator sees them and may
    # correct a date, a place or a centre.
    list_display = ["date", "formation", "cdg", "lieu", "seconde_convocation"]
    list_filter = ["cdg", "formation"]
    date_hierarchy = "date"
    fields = ["cdg", "formation", "date", "lieu", "departement", "seconde_convocation", "membres"]
    inlines = [InscriptionInline]
