"""Rules on the files and pièces present: missing, unknown, unreadable, not to send, pages."""
from __future__ import annotations

from pipeline.validators.base import Hit, rule

SOURCE_CNRACL = "Liste CNRACL des pièces justificatives invalidité ; formation CDG50/CDG76 (seed 004)"


@rule("PIECE-MANQUANTE", "bloquant",
      "une pièce exigée pour ce cas (pieces.md) est absente du dossier", SOURCE_CNRACL)
def piece_manquante(ctx):
    for req in ctx.required:
        pid = req.piece.id
        if not req.required or ctx.by_piece(pid):
            continue
        p = req.piece
        if ctx.profile == "cdg76" and p.medicale:
            todo = "Joignez-la à l'envoi postal au CDG (pièce médicale, sous pli fermé)."
        else:
            todo = "Ajoutez-la au dossier avant l'envoi à la CNRACL."
        yield Hit(f"Pièce manquante : {p.libelle} ({pid}), exigée car {req.reason}. {todo}", piece=pid)


@rule("PIECE-INUTILE", "info",
      "un document que la CNRACL demande de ne pas envoyer est présent",
      "Liste CNRACL des pièces justificatives invalidité")
def piece_inutile(ctx):
    for d in ctx.docs:
        if d.not_to_send:
            label = ctx.not_to_send_label(d.not_to_send)
            yield Hit(f"« {d.file} » semble être un document à ne pas envoyer ({label}) : "
                      "retirez-le du dossier.", piece=d.not_to_send, file=d.file)


@rule("DOCUMENT-INCONNU", "avertissement",
      "un fichier n'a pu être reconnu comme aucune pièce", "—")
def document_inconnu(ctx):
    for d in ctx.docs:
        if not d.problem and d.piece is None and not d.not_to_send and not d.separator:
            yield Hit(f"Le fichier « {d.file} » n'a pas été reconnu comme une pièce du dossier : "
                      "vérifiez son contenu et retirez-le s'il n'a rien à faire ici ; si c'est une pièce, "
                      "joignez une version lisible dont le titre figure en haut de la première page.",
                      file=d.file)


@rule("IDENTIFICATION-INCERTAINE", "avertissement",
      "une pièce ressemble presque autant à deux pièces différentes : une personne tranche", "—")
def identification_incertaine(ctx):
    for d in ctx.docs:
        if d.problem or len(d.candidates) < 2:
            continue
        names = [ctx.piece_label(c) for c, _ in d.candidates[:2]]
        yield Hit(f"« {d.label} » ressemble autant à « {names[0]} » qu'à « {names[1]} » : le contrôle l'a "
                  f"classé comme « {names[0]} », à vérifier. Si c'est l'autre pièce, renommez le fichier ou "
                  "joignez une version dont le titre figure en haut de la première page.",
                  piece=d.piece, file=d.file, page=d.first_page)


@rule("FICHIER-ILLISIBLE", "bloquant",
      "un fichier est endommagé, chiffré, vide, d'un type non accepté ou trop volumineux", "—")
def fichier_illisible(ctx):
    for d in ctx.docs:
        if d.problem:
            yield Hit(f"Le fichier « {d.file} » ne peut pas être lu : {d.problem}. "
                      "Remplacez-le par un PDF lisible, non protégé (ou une image JPEG, PNG, TIFF).",
                      file=d.file)


@rule("PAGE-FORMAT", "avertissement",
      "une page n'est pas au format A4 portrait (± 3 mm)", "Bonnes pratiques CNRACL (PEP'S)")
def page_format(ctx):
    for d in ctx.docs:
        if d.problem:
            continue
        bad = [p for p in d.pages if p.size_known and not p.is_a4_portrait]
        for p in bad[:3]:
            w, h = p.width * 25.4 / 72, p.height * 25.4 / 72
            yield Hit(f"La page {p.index + 1} de « {d.file} » mesure {w:.0f} × {h:.0f} mm au lieu de "
                      "210 × 297 mm (A4 portrait) : numérisez-la ou exportez-la en A4 portrait.",
                      piece=d.piece, file=d.file, page=p.index + 1)


@rule("PAGE-BLANCHE", "avertissement",
      "une page blanche (souvent un verso numérisé)", "Bonnes pratiques CNRACL (PEP'S)")
def page_blanche(ctx):
    for d in ctx.docs:
        if d.problem:
            continue
        for p in d.pages:
            if p.has_text_layer or (p.text or "").strip():
                continue
            if p.ink is not None and p.ink < 0.002:
                yield Hit(f"La page {p.index + 1} de « {d.file} » est blanche (verso numérisé ?) : "
                          "retirez-la du fichier.", piece=d.piece, file=d.file, page=p.index + 1)
