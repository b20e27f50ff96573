from django.urls import path

from . import views

app_name = "cdg"

urlpatterns = [
    path("", views.tableau, name="tableau"),
    path("tableau.csv", views.tableau_csv, name="tableau_csv"),
    path("controle/", views.controle_lot, name="controle"),
    path("rapports/<int:pk>/rapport.<str:ext>", views.rapport, name="rapport"),
    path("numerisation/", views.numerisation, name="numerisation"),
    path("numerisation/attribuer/", views.attribuer, name="attribuer"),
    path("numerisation/liberer/", views.liberer, name="liberer"),
    path("numerisation/supprimer-doublon/", views.supprimer_doublon, name="supprimer_doublon"),
]
