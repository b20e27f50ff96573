"""Rules on the files and pièces present: missing, unknown, unreadable, not to send, pages."""
from __future__ import annotations

from pipeline.validators.base import Hit, rule

@rule("PIECE-MANQUANTE", "bloquant",
      'une pièce exigée pour ce cas (selon la liste des pièces de la CNRACL) est absente du dossier',
      'CNRACL, liste des pièces justificatives de la demande de retraite pour invalidité (imprimés de juin 2024) ; décret n° 2003-1306 du 26 décembre 2003, art. 31',
      why="La CNRACL instruit le dossier sur pièces : une pièce exigée pour ce cas qui manque fait revenir le dossier, ou déclenche une demande de pièce complémentaire sur PEP'S qui retarde la décision de plusieurs mois. L'absence de l'AF3 cause à elle seule environ un retour sur cinq.",
      todo="Obtenez la pièce auprès de celui qui la produit (médecin agréé, conseil médical, médecin traitant, service) et ajoutez-la au dossier sous son identifiant. Le constat dit pourquoi la pièce est exigée (le cas du dossier, ou une réponse « Non » de l'AF3 / AF4).",
      example="Dossier d'accident de service sans rapport hiérarchique : « Pièce manquante : Rapport hiérarchique (rapport_hierarchique), exigée car l'invalidité est imputable au service. »",
      source_verified=False)
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
      'CNRACL, liste des pièces justificatives de la demande de retraite pour invalidité : documents à ne pas joindre',
      why="La CNRACL demande de ne pas envoyer certains documents pour une pension d'invalidité (bulletins de salaire, décompte, pièces d'identité, examens médicaux…) : ils encombrent l'instruction.",
      todo="Retirez ce document du lot à téléverser. Ce n'est pas une erreur bloquante.",
      example='Un bulletin de salaire glissé dans le dossier : « bulletin.pdf semble être un document à ne pas envoyer (bulletins de salaire) : retirez-le du dossier. »',
      source_verified=False)
def piece_inutile(ctx):
    for d in ctx.docs:
        if d.not_to_send:
            label = ctx.not_to_send_label(d.not_to_send)
            yield Hit(f"« {d.file} » semble être un document à ne pas envoyer ({label}) : "
                      "retirez-le du dossier.", piece=d.not_to_send, file=d.file)


@rule("DOCUMENT-INCONNU", "avertissement",
      "un fichier n'a pu être reconnu comme aucune pièce",
      "CNRACL, espace employeurs, PEP'S : téléversement des pièces justificatives",
      why="Un fichier que le contrôle ne reconnaît comme aucune pièce risque d'être envoyé pour rien, ou d'être une pièce attendue mal numérisée.",
      todo="Ouvrez le fichier : s'il s'agit d'une pièce attendue, vérifiez qu'elle est lisible (numérisation droite, 200 dpi au moins) ; sinon retirez-le du dossier.",
      example='Une photo de courrier sans titre lisible, « scan_0042.pdf », qui ne ressemble à aucune pièce attendue.',
      source_verified=False)
def document_inconnu(ctx):
    for d in ctx.docs:
        if not d.problem and d.piece is None and not d.not_to_send and not d.separator:
            yield Hit(f"Le fichier « {d.file} » n'a pas été reconnu comme une pièce du dossier : "
                      "vérifiez son contenu et retirez-le s'il n'a rien à faire ici ; si c'est une pièce, "
                      "joignez une version lisible dont le titre figure en haut de la première page.",
                      file=d.file)


@rule("IDENTIFICATION-INCERTAINE", "avertissement",
      "une pièce ressemble presque autant à deux pièces différentes : une personne tranche",
      "CNRACL, espace employeurs, PEP'S : chaque pièce justificative est déposée sous son type",
      why="Une pièce déposée sous le mauvais type est une pièce manquante pour la CNRACL ; quand le contenu "
          "ressemble autant à deux pièces, le programme ne tranche pas seul.",
      todo="Ouvrez le fichier et vérifiez de quelle pièce il s'agit ; s'il a été mal classé, renommez-le du nom "
           "de la pièce ou joignez une version dont le titre figure en haut de la première page.",
      example="Un courrier du médecin agréé qui reprend mot pour mot les rubriques de l'AF3 sans en porter le titre.",
      source_verified=False)
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
      "un fichier est endommagé, chiffré, vide, d'un type non accepté ou trop volumineux",
      "CNRACL, espace employeurs, PEP'S : formats de fichiers acceptés pour les pièces justificatives",
      why="PEP'S n'accepte que des fichiers lisibles : un PDF endommagé, protégé par mot de passe, vide ou d'un autre format ne peut pas être instruit.",
      todo="Produisez à nouveau le fichier en PDF non protégé (ou en image JPEG, PNG, TIFF), depuis l'original ou par une nouvelle numérisation.",
      example='Un PDF protégé par mot de passe, ou un fichier .docx déposé à la place du PDF.',
      source_verified=False)
def fichier_illisible(ctx):
    for d in ctx.docs:
        if d.problem:
            yield Hit(f"Le fichier « {d.file} » ne peut pas être lu : {d.problem}. "
                      "Remplacez-le par un PDF lisible, non protégé (ou une image JPEG, PNG, TIFF).",
                      file=d.file)


@rule("PAGE-FORMAT", "avertissement",
      "une page n'est pas au format A4 portrait (± 3 mm)",
      "CNRACL, espace employeurs, PEP'S : bonnes pratiques de numérisation des pièces",
      why="Les bonnes pratiques de la CNRACL demandent des pages A4 portrait : une autre taille s'imprime et s'archive mal.",
      todo='Renumérisez ou réimprimez la page au format A4 portrait.',
      example='Une page numérisée au format lettre US (216 × 279 mm), ou en paysage.',
      source_verified=False)
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
      "une page blanche (souvent un verso numérisé)",
      "CNRACL, espace employeurs, PEP'S : bonnes pratiques de numérisation des pièces",
      why="Une page blanche est le plus souvent le verso d'une numérisation recto verso : la CNRACL demande des documents sans verso vide.",
      todo='Supprimez la page blanche (ou numérisez en recto seul).',
      example="Le verso vide d'un AF3 numérisé en recto verso.",
      source_verified=False)
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
