"""Stage bundle: checklist of pièces, CDG profile (upload vs post), upload set, manifest, zip.

- checklist: every pièce of the catalogue for this case: produite (by the build), à obtenir
  de … (others complete or provide it), manquante (the build lacks the data), non requise.
- CDG profiles (shared/domain/README.md): cnracl: everything uploaded on PEP'S; cdg50: the
  employer uploads everything, career pièces go by mail to the CDG; cdg76: medical pièces go
  by post to the CDG (AF3 unopened), the CDG uploads. What goes by post gets a bordereau.
- upload set: peps/<piece_id>.pdf, <piece_id>_2.pdf… (sortable, no spaces nor accents).
- zip: fixed entry timestamps and order, so a re-run gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Optional

from pipeline.dossier.model import Dossier, ProfilCDG
from pipeline.dossier.pieces import Requirement

# « à obtenir <de qui> »
PRODUCTEURS = {
    "employeur": "de l'employeur",
    "medecin_agree": "du médecin agréé",
    "conseil_medical": "du conseil médical",
    "medecin_traitant": "du médecin de l'agent",
    "medecin_travail": "du médecin du travail",
    "police": "de la police ou de la gendarmerie",
    "agent": "de l'agent",
    "membres_conseil": "des membres du conseil médical",
}

PRODUITE = "produite"
MANQUANTE = "manquante"
NON_REQUISE = "non requise"
A_OBTENIR = "à obtenir"

UPLOAD = "dépôt PEP'S"
POST = "courrier au CDG"

# Career pièces of any pension dossier, sent by mail to the CDG under the CDG50 profile.
PIECES_CARRIERE = [
    "Livret de famille (copie)",
    "Livret militaire ou état signalétique des services",
    "Relevé des congés de maladie",
    "Arrêtés de nomination, de titularisation et de dernière situation indiciaire",
    "Arrêtés de temps partiel et de disponibilité",
]


@dataclass
class ChecklistRow:
    id: str
    libelle: str
    statut: str  # produite | à obtenir de … | manquante | non requise
    motif: str
    medicale: bool
    transmission: str = ""  # dépôt PEP'S | courrier au CDG | ""
    fichiers: list[str] = field(default_factory=list)  # in peps/ or the build folder

    @property
    def code(self) -> str:
        """Short status for programs: produite, a_obtenir, manquante, non_requise."""
        if self.statut.startswith(A_OBTENIR):
            return "a_obtenir"
        return self.statut.replace(" ", "_")


@dataclass
class FileEntry:
    piece_id: Optional[str]
    file: str  # relative to the dossier's output folder
    sha256: str
    pages: Optional[int]
    bytes: int
    produced_by: str


def producteur(d: Dossier, req: Requirement) -> str:
    who = req.piece.produite_par
    if req.piece.id == "decision_imputabilite" and d.imputabilite_reconnue_par == "conseil_medical":
        who = "conseil_medical"
    return PRODUCTEURS.get(who, who)


def channel(d: Dossier, medicale: bool) -> str:
    if d.dossier.profil == ProfilCDG.cdg76 and medicale:
        return POST
    return UPLOAD


def checklist(d: Dossier, reqs: list[Requirement], generated: dict[str, bool]) -> list[ChecklistRow]:
    """`generated`: pièce id → True when the build produced it complete, False for a pre-fill.

    A pièce the catalogue says the build generates but absent from `generated` is missing
    data (e.g. no `reclassement` block for the attestation).
    """
    rows = []
    for r in reqs:
        p = r.piece
        if not r.required:
            rows.append(ChecklistRow(p.id, p.libelle, NON_REQUISE, "non requise pour ce cas", p.medicale))
            continue
        who = producteur(d, r)
        if p.id in generated and generated[p.id]:
            statut, motif = PRODUITE, r.reason
        elif p.id in generated:
            statut = f"{A_OBTENIR} {who}"
            if p.id == "arrete_radiation":
                motif = f"{r.reason} — projet {p.id}.pdf à compléter et signer"
            else:
                motif = f"{r.reason} — pré-rempli : {p.id}.pdf à faire compléter et signer"
        elif p.generee:
            statut = MANQUANTE
            motif = _missing_hint(p.id) + f" ; {r.reason}"
        else:
            statut, motif = f"{A_OBTENIR} {who}", r.reason
        rows.append(ChecklistRow(p.id, p.libelle, statut, motif, p.medicale, channel(d, p.medicale)))
    return rows


def _missing_hint(piece_id: str) -> str:
    if piece_id == "attestation_reclassement":
        return "le bloc « reclassement » manque dans dossier.yaml : complétez-le puis relancez"
    if piece_id == "arrete_radiation":
        return ("la date de l'avis de la CNRACL (dates.avis_cnracl) manque dans dossier.yaml : la date de "
                "radiation en dépend (jamais rétroactive) ; renseignez-la à réception de l'avis puis relancez")
    if piece_id == "rapport_hierarchique":
        return "les faits (accident ou maladie professionnelle) manquent dans dossier.yaml : complétez-les puis relancez"
    return "données absentes de dossier.yaml : complétez-les puis relancez"


def upload_names(piece_ids: list[str]) -> list[str]:
    """peps/ file names: <id>.pdf, then <id>_2.pdf, <id>_3.pdf… for a pièce with several files."""
    seen: dict[str, int] = {}
    out = []
    for pid in piece_ids:
        seen[pid] = seen.get(pid, 0) + 1
        n = seen[pid]
        out.append(f"{pid}.pdf" if n == 1 else f"{pid}_{n}.pdf")
    return out


def bordereau_rows(d: Dossier, rows: list[ChecklistRow]) -> tuple[list[dict], str, str]:
    """Pièces going by post under the dossier's profile: (rows, destinataire, consigne).

    Empty rows: nothing goes by post (CNRACL default profile), no bordereau.
    """
    profil = d.dossier.profil
    cdg = d.employeur.cdg or profil.value.upper()
    destinataire = f"Centre de gestion {cdg} – service retraites"
    if profil == ProfilCDG.cdg76:
        pieces = [
            {
                "libelle": r.libelle,
                "nombre": "1",
                "observation": "sous pli fermé (secret médical)" + (" – ne pas ouvrir" if r.id == "af3" else ""),
            }
            for r in rows
            if r.statut != NON_REQUISE and r.transmission == POST
        ]
        consigne = ("Pièces médicales envoyées par courrier au centre de gestion, l'AF3 sous pli fermé non "
                    "ouvert. Le centre de gestion dépose les pièces sur PEP'S et transmet le dossier.")
        return pieces, destinataire, consigne
    if profil == ProfilCDG.cdg50:
        pieces = [{"libelle": lib, "nombre": "1", "observation": "pièce de carrière"} for lib in PIECES_CARRIERE]
        consigne = ("L'employeur dépose les pièces sur PEP'S (pièces médicales comprises, après avoir vérifié "
                    "que les imprimés sont complets), délègue le dossier au centre de gestion et envoie par "
                    "courrier les pièces de carrière ci-dessus.")
        return pieces, destinataire, consigne
    return [], "", ""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_json(d: Dossier, files: list[FileEntry], rows: list[ChecklistRow], warnings: list[str]) -> bytes:
    data = {
        "schema": "pipeline-build/1",
        "dossier": d.dossier.id,
        "profil": d.dossier.profil.value,
        "date_etablissement": d.dossier.date_etablissement.isoformat(),
        "files": [asdict(f) for f in sorted(files, key=lambda f: f.file)],
        "pieces": [
            {
                "id": r.id,
                "libelle": r.libelle,
                "status": r.code,
                "statut": r.statut,
                "motif": r.motif,
                "medicale": r.medicale,
                "transmission": r.transmission,
                "files": r.fichiers,
            }
            for r in rows
        ],
        "avertissements": warnings,
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def checklist_text(d: Dossier, rows: list[ChecklistRow]) -> str:
    lines = [
        f"Liste des pièces – dossier {d.dossier.id} – {d.agent.identite}",
        f"Profil : {d.dossier.profil.value.upper()} – établi le {d.dossier.date_etablissement.strftime('%d/%m/%Y')}",
        "",
    ]
    for r in rows:
        lines.append(f"[{r.statut}] {r.id} – {r.libelle}")
        if r.statut != NON_REQUISE:
            lines.append(f"    motif : {r.motif}")
            if r.transmission:
                lines.append(f"    transmission : {r.transmission}")
            for f in r.fichiers:
                lines.append(f"    fichier : {f}")
    return "\n".join(lines) + "\n"


def deterministic_zip(entries: dict[str, bytes], when: dt.date) -> bytes:
    """Zip of `entries` (name → bytes), sorted, fixed timestamps and permissions."""
    buf = io.BytesIO()
    date_time = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 3
            z.writestr(info, entries[name])
    return buf.getvalue()
