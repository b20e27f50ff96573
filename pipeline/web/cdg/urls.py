from django.urls import path

from . import entete, lots, seances, views

app_name = "cdg"

urlpatterns = [
    path("", views.tableau, name="tableau"),
    path("tableau.csv", views.tableau_csv, name="tableau_csv"),
    path("controle/", views.controle_lot, name="controle"),
    path("rapports/<int:pk>/rapport.<str:ext>", views.rapport, name="rapport"),
    path("en-tete/", entete.entete, name="entete"),
    path("numerisation/", views.numerisation, name="numerisation"),
    path("numerisation/attribuer/", views.attribuer, name="attribuer"),
    path("numerisation/liberer/", views.liberer, name="liberer"),
    path("numerisation/supprimer-doublon/", views.supprimer_doublon, name="supprimer_doublon"),
    # A collectivité's batch drop.
    path("lots/", lots.lots, name="lots"),
    path("lots/<int:pk>/<path:name>", lots.rapport_lot, name="rapport_lot"),
    # The conseil médical's secretariat.
    path("seances/", seances.seances, name="seances"),
    path("seances/<int:pk>/", seances.seance, name="seance"),
    path("seances/<int:pk>/inscrire/", seances.inscrire, name="inscrire"),
    path("seances/<int:pk>/af4.zip", seances.af4_zip, name="seance_af4_zip"),
    path("seances/<int:pk>/dossiers/<str:uid>/af4.pdf", seances.af4, name="seance_af4"),
    path("seances/<int:pk>/dossiers/<str:uid>/deposer/", seances.deposer_af4, name="seance_deposer"),
    path("seances/<int:pk>/dossiers/<str:uid>/af4-recu/", seances.af4_recu, name="seance_af4_recu"),
]
