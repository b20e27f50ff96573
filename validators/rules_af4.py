"""Rules on the AF4 (procès-verbal du conseil médical plénier): quorum, video attendance."""
from __future__ import annotations

from pipeline.text import fold
from pipeline.validators.base import Hit, rule

SOURCE_QUORUM = ("Décret n° 86-442 du 14 mars 1986, art. 13 (modifié par le décret n° 2022-350) ; Juris-CNRACL, "
                 "« Intervention du conseil médical » (quatre membres présents dont deux médecins et un représentant "
                 "du personnel)")
DOCTORS = ("medecin", "medecin_specialiste")


def quorum(members: list[dict]) -> tuple[bool, str]:
    """(met, French explanation): 4 present, of whom 2 doctors and 1 staff representative."""
    present = [m for m in members if m["presence"] in ("present", "visio")]
    doctors = [m for m in present if m["role"] in DOCTORS]
    staff = [m for m in present if m["role"] == "representant_personnel"]
    missing = []
    if len(present) < 4:
        missing.append(f"{len(present)} membre(s) présent(s) sur 4 au moins")
    if len(doctors) < 2:
        missing.append(f"{len(doctors)} médecin(s) sur 2 au moins")
    if not staff:
        missing.append("aucun représentant du personnel")
    return not missing, ", ".join(missing)


def _page(ctx, name: str) -> int:
    ev = ctx.evidence(ctx.af4, name)
    return ev["page"] if ev else ctx.af4.first_page


def _members(ctx):
    af4 = ctx.af4
    if af4 is None:
        return None
    members = af4.fields.get("membres")
    return members or None


@rule("AF4-QUORUM", "bloquant",
      "moins de 4 membres présents, ou moins de 2 médecins, ou aucun représentant du personnel, "
      "sans seconde convocation indiquée sur l'AF4",
      SOURCE_QUORUM,
      why="Le conseil médical plénier ne siège valablement qu'avec au moins 4 membres présents, dont 2 médecins et 1 représentant du personnel (décret 86-442, art. 13) ; sinon son avis n'est pas valable.",
      todo="Faites reconvoquer le conseil médical ; si l'AF4 est mal rempli (présences non cochées), faites-le corriger.",
      example="Séance avec le président (médecin), un autre médecin et deux représentants de la collectivité : quatre présents, mais aucun représentant du personnel, et pas de seconde convocation.")
def af4_quorum(ctx):
    members = _members(ctx)
    if members is None:
        return
    met, why = quorum(members)
    if met or ctx.af4.fields.get("seconde_convocation"):
        return
    yield Hit(f"Le quorum du conseil médical plénier n'est pas atteint selon l'AF4 ({why}) et l'AF4 "
              "n'indique pas de seconde convocation : l'avis n'est pas valable. Faites reconvoquer "
              "le conseil médical (ou corriger l'AF4 s'il est mal rempli).",
              piece="af4", file=ctx.af4.file, page=_page(ctx, "membres"), evidence=ctx.evidence(ctx.af4, "membres"))


@rule("AF4-SECONDE-CONVOCATION", "avertissement",
      "quorum non atteint mais l'AF4 indique une seconde convocation (valable quel que soit le nombre "
      "de présents) : vérifier la première convocation",
      SOURCE_QUORUM,
      why='Après une première séance sans quorum, le conseil reconvoqué dans les huit jours siège valablement quel que soit le nombre de présents.',
      todo="Vérifiez que la première convocation a bien eu lieu et que l'AF4 mentionne la seconde convocation.",
      example="Trois membres présents, et l'AF4 porte la mention « seconde convocation ».")
def af4_seconde(ctx):
    members = _members(ctx)
    if members is None:
        return
    met, why = quorum(members)
    if met or not ctx.af4.fields.get("seconde_convocation"):
        return
    yield Hit(f"Le quorum n'est pas atteint ({why}) mais l'AF4 indique une seconde convocation : "
              "vérifiez que la première convocation a bien eu lieu et gardez-en la preuve.",
              piece="af4", file=ctx.af4.file, page=_page(ctx, "seconde_convocation"),
              evidence=ctx.evidence(ctx.af4, "seconde_convocation"))


@rule("AF4-VISIO-SANS-ATTESTATION", "bloquant",
      "un membre a siégé en visioconférence sans signer l'AF4 et son attestation de présence manque",
      'Décret n° 86-442 du 14 mars 1986, art. 13 (débats par conférence audiovisuelle) ; guide du CDG80 sur le conseil médical',
      why="Un membre présent en visioconférence qui n'a pas signé l'AF4 doit fournir une attestation de présence signée.",
      todo="Demandez l'attestation de présence au membre concerné et ajoutez-la au dossier (pièce attestations_presence).",
      example="Un représentant du personnel a siégé en visioconférence, n'a pas signé l'AF4, et aucune attestation de présence à son nom n'est jointe.",
      source_verified=False)
def af4_visio(ctx):
    members = _members(ctx)
    if members is None:
        return
    attestations = ctx.by_piece("attestations_presence")
    texts = [fold(d.data.text) for d in attestations if d.data]
    for m in members:
        if m["presence"] != "visio" or m["signe"]:
            continue
        name = m["nom"]
        if any(_named_in(name, t) for t in texts):
            continue
        if attestations and not any(texts):
            continue  # attestations present but unreadable by us: do not accuse
        yield Hit(f"Un membre du conseil médical ({_role(m['role'])}, {name.title()}) a siégé en visioconférence sans "
                  "signer l'AF4 et son attestation de présence signée n'est pas dans le dossier : "
                  "demandez-la-lui et joignez-la.", piece="af4", file=ctx.af4.file, page=1)


def _named_in(name: str, text: str) -> bool:
    from pipeline.text import name_tokens

    tokens = name_tokens(name)
    return bool(tokens) and all(t in text for t in tokens if len(t) > 1)


def _role(role: str) -> str:
    return {"president": "président", "medecin": "médecin", "medecin_specialiste": "médecin spécialiste",
            "representant_administration": "représentant de l'administration",
            "representant_personnel": "représentant du personnel"}.get(role, role)
