"""The letterhead of a centre's reports: its record in the desk (name, service, address,
telephone, e-mail, signatory, logo — edited on the « En-tête des rapports » page).

A centre may also point PIPELINE_CDG at its own cdg.yaml (same file as `pipeline check
--cdg`); the desk's record wins where it says something. Without it, nothing of the
installed example is printed.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings

from pipeline.check.cdg import Cdg, Signataire, load_cdg


def logo_file(logo: str) -> Path | None:
    """The file of a centre's logo as recorded (relative to the data folder); None for no logo."""
    return Path(settings.DATA_DIR) / logo if logo else None


def of(cdg_record) -> Cdg:
    own = os.environ.get("PIPELINE_CDG")
    base = load_cdg(Path(own)) if own else None
    if cdg_record is None:
        return base or load_cdg()
    lines = [x.strip() for x in re.split(r"[\n,]", cdg_record.adresse or "") if x.strip()]
    m = re.match(r"^\d{5}\s+(.+)$", lines[-1]) if lines else None
    city = m.group(1) if m else (base.ville if base else "")
    sig = Signataire(nom=cdg_record.signataire or (base.signataire.nom if base else "Le service retraites"),
                     qualite=cdg_record.qualite_signataire or (base.signataire.qualite if base else ""))
    own = {"service": cdg_record.service, "telephone": cdg_record.telephone, "email": cdg_record.courriel}
    logo = str(logo_file(cdg_record.logo)) if cdg_record.logo else None
    if base is not None:
        update = {"nom": cdg_record.nom, "adresse": lines or base.adresse, "signataire": sig, "ville": city,
                  **{k: v for k, v in own.items() if v}}
        if logo:
            update["logo"] = logo
        return base.model_copy(update=update)
    return Cdg(nom=cdg_record.nom, adresse=lines, signataire=sig, ville=city or "—", logo=logo, source="", **own)
