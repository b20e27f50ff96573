"""The official fillable AF3 / AF4 (downloaded from the CNRACL site) filled from dossier.yaml.

The CNRACL asks for its current forms: `pipeline build --af3-officiel FILE` fills the user's
copy instead of the project's own rendering. The field names come from the same map the
reading side uses (`champs_pdf` in the form's data, per version): a new CNRACL version is
mapped by editing data. The form stays fillable (the médecin agréé, the conseil médical
complete it); NeedAppearances and generated appearances make the values show in viewers.
Nothing else is added to the official pages (no footer, no QR code).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline import resources
from pipeline.errors import PipelineError, raised_in

FORMS = ("af3", "af4")
MAX_BYTES = 20 * 1024 * 1024  # an official form is a few hundred kilobytes


@dataclass
class FilledForm:
    data: bytes
    pages: int
    version: str  # key of the field map that matched (the form's YYMM)


def field_map(form: str) -> dict[str, dict[str, str]]:
    """version → {PDF field name: field read} for one form."""
    return resources.load_yaml_shared("validators", "forms", f"{form}.yaml").get("champs_pdf") or {}


def employer_values(form: str, ctx: dict) -> dict[str, object]:
    """What the employer writes on the form, from the project's rendering context of the
    same form (same wording, same date format). Yes/no answers are booleans; None: left
    for the médecin agréé or the conseil médical (their conclusions, their answers)."""
    agent = ctx["agent"]
    out: dict[str, object] = {
        "nom_naissance": agent["nom_naissance"],
        "nom_usage": agent["nom_usage"],
        "prenoms": agent["prenoms"],
        "date_naissance": agent["date_naissance"],
        "nir": agent["nir"],
    }
    if form == "af3":
        cb = ctx["cb"]
        emp = ctx["employeur"]
        out.update({
            "statut": agent["statut"],
            "heures": agent["heures"],
            "medecin_traitant": "\n".join(ctx["medecin_traitant_lignes"]),
            "date_accident": ctx["accident"]["date"],
            "signataire": ", ".join(x for x in (emp["signataire_nom"], emp["signataire_qualite"]) if x),
            "medecin_agree": ctx["medecin_agree"]["nom_complet"],
            "ati": _ticked(cb["ati_oui"], cb["ati_non"]),
            "deja_indemnisee": _ticked(cb["indemnisee_oui"], cb["indemnisee_non"]),
            "imputable": _ticked(cb["imputable_oui"], cb["imputable_non"]),
            "inapte_toutes_fonctions": _ticked(cb["inapte_oui"], cb["inapte_non"]),
        })
    else:
        out.update({
            "date_seance": ctx["seance"]["date"],
            "date_af3": ctx["date_af3"],
            "inapte_toutes_fonctions": _ticked(ctx["cb"]["inapte_oui"], ctx["cb"]["inapte_non"]),
        })
    return out


def _ticked(oui: str, non: str) -> Optional[bool]:
    from pipeline.build.documents import OUI

    if oui == OUI:
        return True
    if non == OUI:
        return False
    return None


def _fields_of(reader) -> dict[str, dict]:
    """PDF field name → field dictionary (the widget, or its parent field when it holds the name)."""
    from pipeline.pdfform import widgets

    out: dict[str, dict] = {}
    for _, a, parent in widgets(reader):
        f = a if "/T" in a else parent
        if "/T" in f:
            out.setdefault(str(f["/T"]), f)
    return out


def _on_state(field: dict) -> Optional[str]:
    """The checkbox's own « on » state name (/Yes, /On, /Oui…), from its appearances."""
    for w in [field, *[k.get_object() for k in field.get("/Kids") or []]]:
        on = [name for name in _states(w) if name != "/Off"]
        if on:
            return on[0]
    return None


def _open(path: Path, label: str):
    from pypdf import PdfReader

    if not path.is_file():
        raise PipelineError(f"{label} : fichier introuvable : {path}. Indiquez l'imprimé téléchargé sur le "
                            "site de la CNRACL (PDF remplissable).")
    if path.stat().st_size > MAX_BYTES:
        raise PipelineError(f"{label} : {path.name} dépasse {MAX_BYTES // (1024 * 1024)} Mo : ce n'est pas "
                            "l'imprimé de la CNRACL.")
    data = path.read_bytes()
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise PipelineError(f"{label} : {path.name} n'est pas un PDF. Indiquez l'imprimé PDF remplissable "
                            "téléchargé sur le site de la CNRACL.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PipelineError(f"{label} : {path.name} est protégé par un mot de passe : il ne peut pas être rempli.")
        reader.pages[0]  # noqa: B018 — parse the page tree now
    except PipelineError:
        raise
    except Exception as e:  # a damaged PDF: the user's file, not our bug
        raise PipelineError(f"{label} : {path.name} est un PDF endommagé ou illisible ({type(e).__name__}). "
                            "Téléchargez à nouveau l'imprimé sur le site de la CNRACL.") from None
    return reader


def check_official(form: str, path: Path) -> str:
    """The version of the field map the official form matches; a French error otherwise.
    Called before anything is built, so a bad file leaves the output folder untouched."""
    path = Path(path)
    return _damaged_is_the_files(form, path, lambda: _match(form, path, _open(path, f"--{form}-officiel")))[0]


def _damaged_is_the_files(form: str, path: Path, work):
    """`work()`, where pypdf failing on the file's objects is a French error on the file; a
    failure in our own code stays a bug (reported as such, exit code 4). pypdf's English
    warnings on a damaged file (« EOF marker not found »…) stay off the terminal: the error says it."""
    import logging

    from pypdf.errors import PyPdfError

    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return work()
    except PipelineError:
        raise
    except Exception as e:
        if not (isinstance(e, PyPdfError) or raised_in(e)[0].startswith("pypdf")):
            raise
        raise PipelineError(f"--{form}-officiel : {path.name} a des champs ou des objets endommagés "
                            f"({type(e).__name__}) : téléchargez à nouveau l'imprimé sur le site de la CNRACL.") from None
    finally:
        log.setLevel(level)


def _match(form: str, path: Path, reader) -> tuple[str, dict[str, str], dict[str, dict]]:
    label = f"--{form}-officiel"
    fields = _fields_of(reader)
    if not fields:
        raise PipelineError(f"{label} : {path.name} n'a aucun champ remplissable. Téléchargez sur le site de la "
                            f"CNRACL la version remplissable de l'imprimé {form.upper()}.")
    maps = field_map(form)
    if not maps:
        raise PipelineError(f"{label} : aucune correspondance de champs n'est connue pour l'imprimé {form.upper()}.")
    # The version whose map the PDF carries entirely; else say what the closest one lacks.
    best = max(maps.items(), key=lambda kv: sum(1 for n in kv[1] if n in fields))
    missing = [n for n in best[1] if n not in fields]
    if missing:
        raise PipelineError(
            f"{label} : {path.name} ne porte pas les champs attendus de l'imprimé {form.upper()} "
            f"(version {best[0]}) ; champs absents : {', '.join(missing)}. Si la CNRACL a publié une nouvelle "
            f"version, « pipeline forms inspect {path.name} » liste les champs de ce PDF : ajoutez leur "
            f"correspondance à « champs_pdf » de l'imprimé {form.upper()}.")
    return best[0], best[1], fields


def fill_official(form: str, path: Path, values: dict[str, object]) -> FilledForm:
    """Fill the official form at `path` with `values` (field read → value); the result stays fillable."""
    path = Path(path)

    def work() -> FilledForm:
        reader = _open(path, f"--{form}-officiel")
        version, mapping, _ = _match(form, path, reader)
        return _fill(form, path, reader, version, mapping, values)

    return _damaged_is_the_files(form, path, work)


def _fill(form: str, path: Path, reader, version: str, mapping: dict, values: dict) -> FilledForm:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=reader)
    acro = writer._root_object["/AcroForm"].get_object() if "/AcroForm" in writer._root_object else None
    if acro is not None and "/XFA" in acro:
        # A LiveCycle form: viewers that know XFA would show its (empty) data, not the fields.
        del acro["/XFA"]
    fields = _fields_of(writer)
    text: dict[str, str] = {}
    boxes: dict[str, bool] = {}
    for pdf_name, target in mapping.items():
        name, _, option = target.partition("=")
        value = values.get(name)
        if option:
            if value is not None:
                boxes[pdf_name] = (value is True) == (option == "oui")
        elif value not in (None, ""):
            text[pdf_name] = str(value)
    for pdf_name, value in list(text.items()):
        f = fields[pdf_name]
        multiline = int(f.get("/Ff", 0)) & (1 << 12)
        if f.get("/FT") != "/Tx":
            raise PipelineError(f"--{form}-officiel : le champ « {pdf_name} » de {path.name} n'est pas une zone de "
                                "texte : la correspondance « champs_pdf » ne convient pas à cette version.")
        if not multiline:
            value = text[pdf_name] = value.replace("\n", ", ")
        limit = int(f.get("/MaxLen", 0) or 0)
        if limit and len(value) > limit:
            # A NIR or a date in a field sized for its digits: the spaces go, never a digit.
            compact = value.replace(" ", "")
            if len(compact) > limit:
                raise PipelineError(f"--{form}-officiel : le champ « {pdf_name} » de {path.name} accepte "
                                    f"{limit} caractères, la valeur du dossier en compte {len(compact)} : "
                                    "raccourcissez-la dans dossier.yaml.")
            text[pdf_name] = compact
    states: dict[str, str] = {}
    for pdf_name, on in boxes.items():
        f = fields[pdf_name]
        state = _on_state(f)
        if f.get("/FT") != "/Btn" or state is None:
            raise PipelineError(f"--{form}-officiel : le champ « {pdf_name} » de {path.name} n'est pas une case à "
                                "cocher : la correspondance « champs_pdf » ne convient pas à cette version.")
        states[pdf_name] = state if on else "/Off"
    if text or states:
        # Appearances generated for the text, NeedAppearances set: every viewer shows the values.
        writer.update_page_form_field_values(None, {**text, **states}, auto_regenerate=True)
    for pdf_name, state in states.items():
        # pypdf writes the parent's value as text: a checkbox's value is a name.
        f = fields[pdf_name]
        f[NameObject("/V")] = NameObject(state)
        for kid in f.get("/Kids") or []:
            k = kid.get_object()
            k[NameObject("/AS")] = NameObject(state if state in _states(k) else "/Off")
    for pdf_name, value in text.items():
        fields[pdf_name][NameObject("/V")] = TextStringObject(value)
    # Same form, same values, same bytes (a re-run gives the same zip).
    seed = repr(sorted({**text, **states}.items())).encode() + hashlib.sha256(path.read_bytes()).digest()
    digest = hashlib.md5(seed).digest()
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    out = io.BytesIO()
    writer.write(out)
    return FilledForm(out.getvalue(), len(writer.pages), version)


def _states(widget) -> list[str]:
    """The appearance states of a widget (/Off and its « on » name), in the file's order."""
    ap = widget.get("/AP")
    normal = ap.get_object().get("/N") if ap is not None else None
    return [str(k) for k in normal.get_object().keys()] if normal is not None else []
