"""The CDG's view (issue 12): the list of every dossier it serves, exported for a spreadsheet."""
from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from pipeline.text import csv_cell as neutralise

from . import access, stages
from .views import _filtered


@require_GET
def export_csv(request):
    qs, _ = _filtered(request)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(["Collectivité", "Dossier", "Agent", "Stade", "Prochaine action", "Échéance", "Profil",
                "Constats bloquants", "Avertissements", "Modifié le"])
    for d in qs.order_by("collectivite__nom", "reference").iterator():
        w.writerow([neutralise(x) for x in (
            d.collectivite.nom, d.reference, d.agent, stages.LIBELLES.get(d.stade, d.stade), d.action,
            d.echeance.strftime("%d/%m/%Y") if d.echeance else "", d.profil, d.bloquants, d.avertissements,
            d.modifie_le.strftime("%d/%m/%Y %H:%M"))])
    resp = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="dossiers.csv"'
    return resp


__all__ = ["export_csv", "neutralise", "access"]
