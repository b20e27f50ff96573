from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pipeline.web.desk.premier import Connexion

admin.site.site_header = "Bureau des dossiers d'invalidité — administration"
admin.site.site_title = "Administration"
admin.site.index_title = "Comptes, collectivités et journal des accès"

urlpatterns = [
    # Accounts: Django's own views (no hand-written authentication).
    path("connexion/", Connexion.as_view(), name="login"),  # Django's LoginView (first use: see premier.py)
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(success_url="/"), name="password_change"),
    path("admin/", admin.site.urls),
    path("cdg/", include("pipeline.web.cdg.urls")),  # the CDG's desk and the scanning desk (issue 12)
    path("", include("pipeline.web.desk.urls")),
]
