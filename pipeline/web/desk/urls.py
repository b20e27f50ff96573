from django.urls import path

from . import cdg, premier, views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("premier-compte/", premier.premier_compte, name="premier_compte"),
    path("dossiers/nouveau/", views.dossier_new, name="nouveau"),
    path("dossiers/importer/", views.dossier_import, name="importer"),
    path("dossiers/<str:uid>/", views.dossier, name="dossier"),
    path("dossiers/<str:uid>/saisie/<slug:slug>/", views.saisie, name="saisie"),
    path("dossiers/<str:uid>/dossier.yaml", views.export_yaml, name="export"),
    path("dossiers/<str:uid>/construire/", views.construire, name="construire"),
    path("dossiers/<str:uid>/controler/", views.controler, name="controler"),
    path("dossiers/<str:uid>/lot-final/", views.lot_final, name="lot_final"),
    path("dossiers/<str:uid>/lot-final.zip", views.final_zip, name="final_zip"),
    path("dossiers/<str:uid>/suivi/", views.suivi, name="suivi"),
    path("dossiers/<str:uid>/deposer/", views.deposer, name="deposer"),
    path("dossiers/<str:uid>/calendrier.ics", views.ics, name="ics"),
    path("dossiers/<str:uid>/documents/<str:name>", views.fichier, name="fichier"),
    path("dossiers/<str:uid>/apercus/<str:name>.png", views.document_apercu, name="document_apercu"),
    path("dossiers/<str:uid>/pieces/<int:pk>/", views.piece, name="piece"),
    path("dossiers/<str:uid>/pieces/<int:pk>/apercu.png", views.apercu, name="apercu"),
    path("dossiers/<str:uid>/constats/<int:n>/extrait.png", views.extrait, name="extrait"),
    path("taches/<int:pk>/", views.tache_etat, name="tache"),
    path("cdg/export.csv", cdg.export_csv, name="export_csv"),
]
