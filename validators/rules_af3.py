"""Rules on the AF3 (rapport médical) and on the version of the CNRACL forms."""
from __future__ import annotations

import re

from pipeline.text import name_tokens, same_person
from pipeline.validators.base import Hit, rule


@rule("FORMULAIRE-OBSOLETE", "bloquant",
      "un AF3 ou un AF4 porte un code de version antérieur aux imprimés de juin 2024, ou aucun code",
      'CNRACL, imprimés AF3 (rapport médical) et AF4 (procès-verbal du conseil médical) en vigueur depuis juin 2024 ; formation CDG50/CDG76 sur la retraite pour invalidité',
      why='Les imprimés AF3 et AF4 antérieurs à juin 2024 ne sont plus valables : la CNRACL renvoie le dossier.',
      todo="Faites remplir l'imprimé en vigueur (code 2406 ou postérieur) ; `pipeline build` produit l'AF3 et l'AF4 à jour.",
      example='Un AF3 portant le code AF3-2101 (imprimé de janvier 2021), ou sans code de version.',
      source_verified=False)
def formulaire_obsolete(ctx):
    from pipeline.dossier.forms import versions

    v = versions()
    for d in ctx.docs:
        if d.piece not in ("af3", "af4") or d.problem:
            continue
        form = d.piece.upper()
        if d.version is None:
            yield Hit(f"Aucun code de version ({form}-AAMM) n'a été trouvé sur « {d.file} » : utilisez "
                      f"l'imprimé {form} en vigueur ({v.code(form)}), les anciens ne sont plus acceptés.",
                      piece=d.piece, file=d.file)
        elif v.is_obsolete(d.version):
            yield Hit(f"« {d.file} » est un imprimé {form}-{d.version}, antérieur à juin 2024 et refusé "
                      f"par la CNRACL : refaites-le sur l'imprimé en vigueur ({v.code(form)}).",
                      piece=d.piece, file=d.file)


def _traitant_name(block: str) -> str:
    first = block.strip().split("\n")[0]
    return first.split(",")[0]


@rule("AF3-MEDECIN-TRAITANT-VIDE", "bloquant",
      "le cadre « médecin traitant » de l'AF3 (page 1) est vide (ni médecin, ni « Pas de médecin traitant »)",
      "Imprimé CNRACL AF3 (rapport médical d'aptitude), page 1, cadre « Médecin traitant » ; formation CDG50/CDG76",
      why="Le cadre « Médecin traitant » de la page 1 de l'AF3 doit être rempli ; vide, il est une cause classique de retard.",
      todo="Indiquez le nom et l'adresse du médecin traitant de l'agent, ou la mention « Pas de médecin traitant ».",
      example="Page 1 de l'AF3 : le cadre « Médecin traitant » ne contient que des pointillés.",
      source_verified=False)
def medecin_traitant_vide(ctx):
    af3 = ctx.af3
    if af3 is None:
        return
    block = af3.fields.get("medecin_traitant")
    if block is None or name_tokens(block):
        return
    ev = ctx.evidence(af3, "medecin_traitant")
    yield Hit("Le cadre « Médecin traitant » de l'AF3 est vide : faites indiquer le nom et l'adresse "
              "du médecin traitant de l'agent, ou la mention « Pas de médecin traitant ».",
              piece="af3", file=af3.file, page=ev["page"] if ev else af3.first_page, evidence=ev)


@rule("AF3-MEDECIN-TRAITANT-AGREE", "bloquant",
      "le médecin traitant nommé sur l'AF3 est le médecin agréé qui l'a rempli",
      "Juris-CNRACL, « Intervention du conseil médical » : l'examen est fait par un médecin agréé autre que le médecin traitant ; décret n° 2003-1306 du 26 décembre 2003, art. 31",
      why="Le médecin traitant nommé sur l'AF3 doit être différent du médecin agréé qui remplit l'AF3.",
      todo="Corrigez le cadre « Médecin traitant » : le médecin habituel de l'agent, ou « Pas de médecin traitant ».",
      example="L'AF3 rempli par le Dr Martin Durand indique comme médecin traitant « Docteur Durand Martin ».")
def medecin_traitant_agree(ctx):
    af3 = ctx.af3
    if af3 is None:
        return
    block = af3.fields.get("medecin_traitant") or ""
    if not name_tokens(block) or "pas de medecin traitant" in block:
        return
    traitant = _traitant_name(block)
    agree = ctx.medecin_agree_names()
    if any(_same_doctor(traitant, a) for a in agree):
        yield Hit("Le médecin traitant indiqué sur l'AF3 est le médecin agréé qui a établi le rapport : "
                  "le médecin traitant doit être un autre médecin. Corrigez le cadre « Médecin "
                  "traitant » (ou indiquez « Pas de médecin traitant »).",
                  piece="af3", file=af3.file, page=1)


def _same_doctor(a: str, b: str) -> bool:
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    return ta == tb or (same_person(a, b) and min(len(ta), len(tb)) >= 2)


@rule("AF3-SIGNATURE-EMPLOYEUR", "bloquant",
      "le cadre F de l'AF3 (nom, date, cachet et signature de l'employeur) n'est pas rempli",
      "Imprimé CNRACL AF3, cadre F (cachet et signature de l'employeur) ; guide du CDG80 sur la retraite pour invalidité",
      why="La CNRACL exige l'AF3 portant le cachet et la signature de l'employeur (cadre F) : le nom et la qualité du signataire, la date et la signature.",
      todo="Faites compléter, signer et tamponner le cadre F par l'autorité territoriale.",
      example="Le cadre F de l'AF3 porte le nom du maire mais ni date ni signature.",
      source_verified=False)
def signature_employeur(ctx):
    af3 = ctx.af3
    if af3 is None:
        return
    f = af3.fields
    if f.get("signataire") is None and f.get("signature") is None:
        return  # the cadre F was not found at all: nothing reliable to say
    missing = []
    # A value written but unreadable on a scan (handwriting) is not a missing one.
    unread = {k for k in ("signataire", "date_signature") if (ctx.evidence(af3, k) or {}).get("etat") == "illisible"}
    if not (f.get("signataire") or "").strip(" _.…") and "signataire" not in unread:
        missing.append("le nom et la qualité du signataire")
    if f.get("date_signature") is None and "date_signature" not in unread:
        missing.append("la date")
    if not f.get("signature"):
        missing.append("la signature")
    if missing:
        ev = next((e for k in ("signataire", "date_signature", "signature")
                   if (e := ctx.evidence(af3, k)) and e.get("etat") != "lu"), None)
        yield Hit("Le cadre F de l'AF3 (cachet et signature de l'employeur) est incomplet : il manque "
                  + ", ".join(missing) + ". Faites-le compléter, signer et tamponner par l'autorité "
                  "territoriale.", piece="af3", file=af3.file, page=ctx.af3_page("cadre f"), evidence=ev)


@rule("AF3-PARTIE-MEDECIN-VIDE", "bloquant",
      "la partie du médecin agréé (page 4 : conclusions, taux, date, signature) est vierge",
      'Juris-CNRACL, « Intervention du conseil médical » : le médecin agréé libelle les infirmités et fixe les taux ; imprimé CNRACL AF3, partie réservée au médecin agréé',
      why="Un AF3 envoyé avant que le médecin agréé ait rempli sa partie (conclusions, taux, signature) est inutilisable : c'est une cause majeure de retours.",
      todo="Renvoyez l'AF3 au médecin agréé pour qu'il remplisse et signe sa partie, puis remplacez le fichier.",
      example="L'AF3 est envoyé au conseil médical avec la page 4 vierge (ni conclusions, ni taux, ni date).")
def partie_medecin_vide(ctx):
    af3 = ctx.af3
    if af3 is None:
        return
    f = af3.fields
    if f.get("conclusions") is None:
        return  # the doctor's part was not found (another layout): do not guess
    conclusions = bool(re.search(r"[a-z]{3}", f.get("conclusions") or ""))
    taux = bool(re.search(r"\d", f.get("taux") or ""))
    if not conclusions and not taux and f.get("date_medecin") is None:
        yield Hit("La partie réservée au médecin agréé de l'AF3 (conclusions, taux, date, signature) "
                  "est vierge : l'AF3 a été envoyé avant d'être complété. Renvoyez-le au médecin agréé "
                  "pour qu'il le remplisse et le signe.", piece="af3", file=af3.file,
                  page=ctx.af3_page("partie reservee au medecin agree"))


@rule("ATI-NON-SIGNALEE", "avertissement",
      "le dossier indique qu'une ATI est versée mais l'AF3 ne le dit pas",
      "Imprimé CNRACL AF3, partie K (allocation temporaire d'invalidité) ; décret n° 2005-442 du 2 mai 2005 relatif à l'ATI des fonctionnaires territoriaux et hospitaliers",
      why="Quand une allocation temporaire d'invalidité est en paiement, la CNRACL étudie sa transformation en rente ; l'AF3 doit le dire (partie K).",
      todo="Faites cocher « Oui » à la question sur l'ATI de l'AF3, ou corrigez dossier.yaml si l'ATI n'est pas perçue.",
      example="dossier.yaml indique « ati: percue: true » mais la case « Oui » de la partie K de l'AF3 n'est pas cochée.",
      source_verified=False)
def ati_non_signalee(ctx):
    af3 = ctx.af3
    if af3 is None or ctx.dossier is None or not ctx.dossier.ati.percue:
        return
    if af3.fields.get("ati") is True:
        return
    yield Hit("Le dossier indique que l'agent perçoit une allocation temporaire d'invalidité (ATI), "
              "mais la partie K de l'AF3 ne le signale pas : faites cocher « Oui » à la question de l'ATI "
              "(nécessaire pour étudier sa transformation en rente).",
              piece="af3", file=af3.file, page=ctx.af3_page("allocation temporaire d'invalidite"))


# A box or field the rules need, read neither ticked nor empty: a person looks, the checker does not guess.
NEEDED = {"af3": ("inapte_toutes_fonctions", "ati", "deja_indemnisee", "imputable", "type_imputabilite",
                  "signature", "signataire", "date_signature"),
          "af4": ("inapte_toutes_fonctions", "seconde_convocation", "membres")}
LABELS = {"inapte_toutes_fonctions": "inapte à toutes fonctions", "ati": "allocation temporaire d'invalidité",
          "deja_indemnisee": "infirmité déjà indemnisée", "imputable": "imputable au service",
          "type_imputabilite": "nature de l'imputabilité", "signature": "signature de l'employeur",
          "seconde_convocation": "seconde convocation", "membres": "membres présents",
          "signataire": "signataire de l'employeur (cadre F)", "date_signature": "date de signature de l'employeur (cadre F)"}
WRITTEN = {"signataire", "date_signature"}  # written values, not boxes: read, or unreadable


@rule("CHAMP-ILLISIBLE", "avertissement",
      "une case ou un champ de l'AF3 / l'AF4 dont dépend le contrôle n'a pu être lu (ni cochée ni vide) : "
      "à vérifier sur la page",
      "Imprimés CNRACL AF3 (rapport médical) et AF4 (procès-verbal du conseil médical) de juin 2024 : réponses par cases Oui / Non",
      why="Les réponses des cases de l'AF3 et de l'AF4 décident de la suite du dossier ; une case dont on ne sait "
          "si elle est cochée ne peut être comptée ni pour « Oui » ni pour « Non ».",
      todo="Regardez la case sur la page indiquée (l'extrait est dans le rapport HTML) ; si elle est ambiguë ou la "
           "copie peu lisible, faites compléter l'imprimé ou joignez une numérisation nette.",
      example="Sur l'AF4 numérisé, la case « Inaptitude à toutes fonctions » porte un trait léger qui n'est ni une "
              "croix nette ni une case vide.",
      source_verified=False)
def champ_illisible(ctx):
    for doc in (ctx.af3, ctx.af4):
        if doc is None:
            continue
        written = []  # one finding for the written mentions of a cadre, not one per mention
        for name in NEEDED.get(doc.piece, ()):
            ev = ctx.evidence(doc, name)
            if not ev or ev.get("etat") != "illisible":
                continue
            if name in WRITTEN:
                written.append((name, ev))
                continue
            yield Hit(f"{doc.piece.upper()} : la réponse « {LABELS[name]} » n'a pas pu être lue avec certitude "
                      f"(lu : « {ev.get('texte', '')} »), à vérifier sur la page {ev['page']} : le contrôle ne "
                      "l'a comptée ni comme « Oui » ni comme « Non ». Si la case est mal cochée ou la copie peu "
                      "lisible, joignez une version nette.", piece=doc.piece, file=doc.file, page=ev["page"],
                      evidence=ev)
        if written:
            ev = written[0][1]
            what = " et ".join(f"« {LABELS[n]} » (lu : « {e.get('texte', '')} »)" for n, e in written)
            if len(written) == 1:
                said = "la mention {} est écrite mais n'a pas pu être lue avec certitude", "l'a tenue", "absente", "vérifiée"
            else:
                said = "les mentions {} sont écrites mais n'ont pas pu être lues avec certitude", "les a tenues", \
                    "absentes", "vérifiées"
            yield Hit(f"{doc.piece.upper()} : {said[0].format(what)}, à vérifier sur la page {ev['page']} : le "
                      f"contrôle ne {said[1]} ni pour {said[2]} ni pour {said[3]}. Si c'est peu lisible, joignez une "
                      "version nette.", piece=doc.piece, file=doc.file, page=ev["page"], evidence=ev)
