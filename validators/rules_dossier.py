"""Rules across pièces: eligibility, identity, NIR, dates, rapport hiérarchique, case."""
from __future__ import annotations

import datetime as dt
import difflib
import re

from pipeline import nir as nir_mod
from pipeline.text import fold, name_tokens
from pipeline.validators.base import Hit, rule


@rule("AGENT-NON-ELIGIBLE", "bloquant",
      "l'agent n'est pas fonctionnaire titulaire affilié à la CNRACL (stagiaire, contractuel, moins de 28 h)",
      'Code général de la fonction publique, art. L. 613-5 et décret n° 2022-244 du 25 février 2022 (affiliation CNRACL à partir de 28 heures par semaine) ; décret n° 2003-1306 du 26 décembre 2003, art. 30',
      why="Seul un fonctionnaire titulaire affilié à la CNRACL (28 heures par semaine au moins) peut recevoir une pension d'invalidité CNRACL.",
      todo='Vérifiez le statut et la durée de service ; pour un stagiaire, un contractuel ou un agent IRCANTEC, la procédure est le licenciement pour inaptitude physique.',
      example="dossier.yaml indique un agent contractuel, ou un titulaire à 20 heures par semaine (affilié à l'IRCANTEC).")
def agent_non_eligible(ctx):
    from pipeline.dossier.coherence import min_weekly_hours

    reasons = []
    d = ctx.dossier
    seuil = min_weekly_hours(d.dossier.date_etablissement if d is not None else dt.date.today())
    if d is not None:
        a = d.agent
        if a.statut.value != "titulaire":
            reasons.append(f"agent {a.statut.value} selon le dossier")
        if a.heures_hebdomadaires < seuil:
            reasons.append(f"{a.heures_hebdomadaires} h par semaine selon le dossier")
        if not a.affiliation_cnracl:
            reasons.append("agent non affilié à la CNRACL selon le dossier")
    af3 = ctx.af3
    if af3 is not None:
        statut = fold(af3.fields.get("statut") or "")
        m = re.search(r"stagiaire|contractuel", statut)
        if m:
            reasons.append(f"statut « {m.group(0)} » sur l'AF3")
        hours = ctx.af3_hours()
        if hours is not None and hours < seuil:
            reasons.append(f"{hours:g} h par semaine sur l'AF3")
    if reasons:
        yield Hit("L'agent n'est pas éligible à la retraite pour invalidité CNRACL ("
                  + " ; ".join(dict.fromkeys(reasons)) + ") : elle est réservée aux fonctionnaires "
                  f"titulaires affiliés ({seuil} h par semaine au moins). Vérifiez la situation ; sinon la "
                  "procédure applicable est le licenciement pour inaptitude physique.",
                  piece="af3" if af3 is not None and not d else None, file=af3.file if af3 is not None else None)


def _ocr_misread(d, value: str) -> bool:
    """On a scan, the NIR line read again (finer, digits only) was valid, or did not give the same
    number again: the first read may be OCR noise (a wrong digit makes a wrong key); only a
    number read twice alike is accused."""
    return any(len(a) == 15 and nir_mod.is_valid(a) for a in d.nirs_reread) or value not in d.nirs_reread


# Digits a scan's OCR takes for one another (a zero with a dot or a slash read 6, 8 or 9).
_LOOKALIKE = {frozenset(p) for p in ("06", "08", "09", "17", "38", "56", "68")}


def _lookalike_of(value: str, ref) -> bool:
    """On a scan, `value` is the agent's valid NIR `ref` with one or two digits the OCR mistakes
    for one another: a misreading of the agent's own NIR, not a wrong NIR on the pièce."""
    if not ref or len(value) != len(ref) or not nir_mod.is_valid(ref):
        return False
    diffs = [(a, b) for a, b in zip(value, ref) if a != b]
    return 0 < len(diffs) <= 2 and all(frozenset(d) in _LOOKALIKE for d in diffs)


def _nir_findings(ctx):
    """(doc, nir, problem) for every NIR read."""
    for d in ctx.docs:
        for n in d.nirs:
            yield d, n, nir_mod.problem(n)


@rule("NIR-INVALIDE", "bloquant",
      "un NIR dont la clé de contrôle est fausse, ou mal formé",
      "INSEE, numéro d'inscription au répertoire (NIR) : clé de contrôle égale à 97 moins le reste de la division du numéro par 97",
      why="Un NIR dont la clé est fausse révèle une erreur de saisie : la CNRACL ne peut pas rattacher la pièce à l'agent.",
      todo='Corrigez le NIR sur la pièce (13 chiffres et la clé ; 2A et 2B pour la Corse).',
      example='Le NIR « 1 85 05 78 006 084 36 » porté sur une pièce : la clé calculée est 91, pas 36.',
      source_verified=False)
def nir_invalide(ctx):
    for d, n, problem in _nir_findings(ctx):
        if not problem:
            continue
        if any(p.ocr for p in d.pages) and (_ocr_misread(d, n) or _lookalike_of(n, ctx.reference_nir())):
            continue
        yield Hit(f"Le NIR porté sur « {d.file} » n'est pas valable ({problem}) : corrigez-le d'après "
                  "la carte Vitale ou l'attestation de droits de l'agent.", piece=d.piece, file=d.file)


def _name_differs(a: str, b: str, ocr: bool) -> bool:
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb or ta & tb:
        return False
    if ocr:
        ratio = difflib.SequenceMatcher(None, " ".join(sorted(ta)), " ".join(sorted(tb))).ratio()
        return ratio < 0.75
    return True


@rule("IDENTITE-DISCORDANTE", "bloquant",
      "le NIR ou le nom de l'agent diffère d'une pièce à l'autre, ou avec les données du dossier",
      'Code de la santé publique, art. L. 1110-4 (secret médical) ; décret n° 2003-1306 du 26 décembre 2003, art. 31',
      why="Un NIR ou un nom qui diffère d'une pièce à l'autre signale souvent le document d'un autre agent classé par erreur : secret médical en jeu.",
      todo="Retirez la pièce de l'autre agent, et remettez-la dans son dossier ; sinon corrigez l'identité.",
      example='Un certificat au nom de « BERNARD » dans le dossier de Mme Lefebvre, ou portant un autre NIR.')
def identite_discordante(ctx):
    ref_nir = ctx.reference_nir()
    ref_names = ctx.reference_names()
    for d in ctx.docs:
        if d.problem or d.piece is None:
            continue
        ocr = any(p.ocr for p in d.pages)
        bad = None
        for n in d.nirs:
            if nir_mod.is_valid(n) and ref_nir and n != ref_nir:
                bad = "le NIR"
        name = d.names.get("nom_naissance")
        if bad is None and name and ref_names:
            if all(_name_differs(name, r, ocr) for r in ref_names):
                bad = "le nom"
        if bad:
            yield Hit(f"« {d.file} » porte {bad} d'un autre agent que celui du dossier : c'est sans doute "
                      "la pièce d'un autre dossier. Retirez-la et joignez la bonne pièce.",
                      piece=d.piece, file=d.file)


@rule("DATES-INCOHERENTES", "bloquant",
      "des dates dans le désordre : séance de l'AF4 avant l'AF3, AF3 après la radiation, "
      "inaptitude reconnue après la limite d'âge",
      "Décret n° 2003-1306 du 26 décembre 2003, art. 30 (aucune date d'effet après la limite d'âge) et art. 31 (avis du conseil médical plénier sur le rapport du médecin agréé)",
      why="Les étapes se suivent : restreint, AF3, plénier, avis de la CNRACL, radiation (jamais rétroactive), le tout avant la limite d'âge.",
      todo='Vérifiez les dates portées sur les pièces et dans dossier.yaml, puis corrigez celle qui est fausse.',
      example="AF4 d'une séance du 01/06/2026 qui examine un AF3 daté du 18/06/2026.")
def dates_incoherentes(ctx):
    af3_date = ctx.af3_date()
    seance = ctx.af4.fields.get("date_seance") if ctx.af4 is not None else None
    if seance is None and ctx.dossier is not None and ctx.dossier.conseil_medical.pleniere:
        seance = ctx.dossier.conseil_medical.pleniere.date
    f = lambda d: d.strftime("%d/%m/%Y")  # noqa: E731
    if af3_date and seance and seance < af3_date:
        yield Hit(f"La séance du conseil médical plénier ({f(seance)}) est antérieure à l'AF3 "
                  f"({f(af3_date)}) : le conseil n'a pas pu examiner ce rapport. Vérifiez les dates de "
                  "l'AF4 et de l'AF3.", piece="af4", file=ctx.af4.file if ctx.af4 else None)
    d = ctx.dossier
    if d is not None:
        rad = d.dates.radiation
        if rad and af3_date and af3_date > rad:
            yield Hit(f"L'AF3 ({f(af3_date)}) est postérieur à la date de radiation ({f(rad)}) : "
                      "vérifiez les dates.", piece="af3", file=ctx.af3.file if ctx.af3 else None)
        try:
            from pipeline.dossier.coherence import age_limit_date

            limit = age_limit_date(d)
        except KeyError:  # no age limit in force at that date: nothing to compare
            limit = None
    else:
        limit = _age_limit_from_documents(ctx, seance)
    if seance and limit and seance >= limit:
        yield Hit(f"L'inaptitude est reconnue ({f(seance)}) après la limite d'âge de l'agent "
                  f"({f(limit)}) : la retraite pour invalidité n'est plus possible ; vérifiez les dates.",
                  piece="af4", file=ctx.af4.file if ctx.af4 else None)


def _age_limit_from_documents(ctx, seance):
    """Without dossier.yaml: the sedentary age limit (the later one: no false alarm) from the birth date."""
    from pipeline.dossier.coherence import age_limit

    born = ctx.af3.birth_date if ctx.af3 is not None else None
    if born is None or seance is None:
        return None
    try:
        return age_limit(born, seance)
    except KeyError:
        return None


@rule("RAPPORT-HIERARCHIQUE-INCOMPLET", "avertissement",
      "accident : date, heure ou circonstances manquantes ; maladie professionnelle : risques ou "
      "période d'exposition manquants",
      'CNRACL, liste des pièces justificatives de la demande de retraite pour invalidité : rapport hiérarchique complet et circonstancié (accident ou maladie imputable au service)',
      why="Le rapport hiérarchique doit être complet et circonstancié : date, heure et circonstances pour un accident ; risques et période d'exposition pour une maladie professionnelle.",
      todo='Faites compléter le rapport hiérarchique (modèle : `pipeline build` le produit à partir de dossier.yaml).',
      example="Rapport hiérarchique d'un accident de service sans l'heure de l'accident.",
      source_verified=False)
def rapport_hierarchique(ctx):
    from pipeline import resources

    form = resources.load_yaml_shared("validators", "forms", "rapport_hierarchique.yaml")
    labels = {"date_accident": "la date de l'accident", "heure": "l'heure", "circonstances": "les circonstances",
              "risques": "les risques rencontrés", "exposition": "la période d'exposition"}
    for d in ctx.by_piece("rapport_hierarchique"):
        variant = d.fields.get("variante") or ctx.case.imputabilite
        need = form["exigences"].get(variant)
        if not need:
            continue
        # A value written but unreadable on a scan (handwriting) is not a missing one: it is said
        # « à vérifier », with what was read and where.
        unread = [k for k in need if (d.evidence or {}).get(k, {}).get("etat") == "illisible"]
        missing = [labels[k] for k in need if not re.search(r"[a-z0-9]", d.fields.get(k) or "") and k not in unread]
        if missing:
            yield Hit("Le rapport hiérarchique est incomplet : il manque " + ", ".join(missing)
                      + ". Faites-le compléter par la hiérarchie (rapport complet et circonstancié).",
                      piece="rapport_hierarchique", file=d.file)
        elif unread:
            ev = d.evidence[unread[0]]
            what = ", ".join(labels[k] for k in unread)
            yield Hit(f"Le rapport hiérarchique porte {what}, mais le contrôle n'a pas pu {'la' if len(unread) == 1 else 'les'} "
                      f"lire (écriture manuscrite ou copie peu nette) : à vérifier sur la page {ev['page']}. Si "
                      "c'est peu lisible, joignez une version nette.", piece="rapport_hierarchique", file=d.file,
                      page=ev["page"], evidence=ev)


@rule("CAS-DISCORDANT", "avertissement",
      "le cas décrit par dossier.yaml (imputabilité, inaptitude, tierce personne) diffère de ce que "
      "disent l'AF3 ou l'AF4",
      "Décret n° 2003-1306 du 26 décembre 2003, art. 31 (le conseil médical apprécie l'imputabilité et l'inaptitude) ; imprimés CNRACL AF3 et AF4",
      why="Quand dossier.yaml et l'AF3 / l'AF4 ne disent pas la même chose (imputabilité, inaptitude, tierce personne), la liste des pièces exigées change.",
      todo="Vérifiez lequel est juste, corrigez l'autre, puis relancez le contrôle.",
      example="dossier.yaml dit « non imputable » alors que l'AF3 conclut à une maladie imputable au service.")
def cas_discordant(ctx):
    if ctx.dossier is None:
        return
    for what, from_yaml, from_docs, piece in ctx.case_disagreements():
        yield Hit(f"{what} : le dossier indique « {from_yaml} », les pièces indiquent « {from_docs} ». "
                  "Vérifiez lequel est juste et corrigez l'autre.", piece=piece,
                  file=(ctx.af3.file if piece == "af3" and ctx.af3 else ctx.af4.file if ctx.af4 else None))
