"""What the desk stores. The dossier.yaml text stays the source of a dossier; files live in
the data folder (owner-only), named by the dossier's random id, never by a person's name."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from .stages import STADES


class Cdg(models.Model):
    """A centre de gestion; its letterhead data is edited by its staff (reports to collectivités)."""

    nom = models.CharField("nom", max_length=200)
    adresse = models.TextField("adresse", blank=True)
    signataire = models.CharField("signataire", max_length=200, blank=True)
    qualite_signataire = models.CharField("qualité du signataire", max_length=200, blank=True)
    service = models.CharField("service", max_length=200, blank=True)
    telephone = models.CharField("téléphone", max_length=40, blank=True)
    courriel = models.EmailField("courriel", blank=True)
    # The logo as the desk re-encoded it (PNG), relative to the data folder; empty: no logo.
    logo = models.CharField("logo", max_length=300, blank=True)

    class Meta:
        verbose_name = "centre de gestion"
        verbose_name_plural = "centres de gestion"
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Collectivite(models.Model):
    nom = models.CharField("nom", max_length=200)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    cdg = models.ForeignKey(Cdg, verbose_name="centre de gestion", null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="collectivites")

    class Meta:
        verbose_name = "collectivité"
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class Role(models.TextChoices):
    GESTIONNAIRE = "gestionnaire", "Gestionnaire RH d'une ou plusieurs collectivités"
    CDG = "cdg", "Service retraite du centre de gestion"
    SECRETARIAT = "secretariat", "Secrétariat du conseil médical"
    NUMERISATION = "numerisation", "Bureau de numérisation"


class Profil(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profil")
    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.GESTIONNAIRE)
    collectivites = models.ManyToManyField(Collectivite, verbose_name="collectivités", blank=True,
                                           help_text="Pour un gestionnaire : les collectivités dont il voit les dossiers.")
    cdg = models.ForeignKey(Cdg, verbose_name="centre de gestion", null=True, blank=True, on_delete=models.SET_NULL,
                            help_text="Pour le CDG, le secrétariat et la numérisation : "
                                      "toutes les collectivités servies par ce centre.")

    class Meta:
        verbose_name = "profil"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Dossier(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    collectivite = models.ForeignKey(Collectivite, on_delete=models.PROTECT, related_name="dossiers")
    reference = models.CharField("identifiant", max_length=64, blank=True)
    agent = models.CharField("agent", max_length=200, blank=True)
    yaml = models.TextField("dossier.yaml", blank=True)
    etape = models.CharField("étape de saisie", max_length=40, default="cas")
    valide = models.BooleanField("description valide", default=False)
    # Stage and next action (recomputed after each change; see stages.py).
    stade = models.CharField("stade", max_length=40, default="description_invalide", choices=STADES)
    action = models.CharField("prochaine action", max_length=300, blank=True)
    echeance = models.DateField("échéance", null=True, blank=True)
    profil = models.CharField("profil", max_length=10, blank=True)
    bloquants = models.IntegerField("constats bloquants", default=0)
    avertissements = models.IntegerField("avertissements", default=0)
    controle = models.JSONField("dernier contrôle", default=dict, blank=True)  # rule ids, pièces: no medical text
    construit_le = models.DateTimeField("construit le", null=True, blank=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-modifie_le"]
        indexes = [models.Index(fields=["collectivite", "-modifie_le"]), models.Index(fields=["stade"])]

    def __str__(self) -> str:
        return self.reference or f"brouillon {str(self.uid)[:8]}"


class PieceRecue(models.Model):
    """A file dropped on a dossier: stored under the dossier's folder, identified by the check."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pieces")
    nom = models.CharField("nom du fichier", max_length=200)
    chemin = models.CharField(max_length=300)  # relative to the dossier folder
    sha256 = models.CharField(max_length=64)
    taille = models.IntegerField()
    pages = models.IntegerField(default=0)
    type_mime = models.CharField(max_length=60)
    piece_id = models.CharField("pièce", max_length=60, blank=True)  # the first one, when the file holds several
    # A file holding several pièces (a whole scanned dossier, AF3 + AF4): [{piece, first_page, last_page}].
    parties = models.JSONField("pièces du fichier", default=list, blank=True)
    medicale = models.BooleanField(default=True)  # until identified, treated as medical
    recue_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recue_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recue_le", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "sha256"], name="piece_unique_par_dossier")]


class Tache(models.Model):
    """Long work run by the task queue; the page polls its progress."""

    class Etat(models.TextChoices):
        ATTENTE = "attente", "En attente"
        EN_COURS = "en_cours", "En cours"
        TERMINEE = "terminee", "Terminée"
        ECHEC = "echec", "Échec"

    genre = models.CharField(max_length=20)  # construction, controle, lot_final, controle_lot
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="taches")
    collectivite = models.ForeignKey(Collectivite, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    etat = models.CharField(max_length=10, choices=Etat.choices, default=Etat.ATTENTE)
    progression = models.IntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    resultat = models.JSONField(default=dict, blank=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    fini_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-cree_le"]


class Journal(models.Model):
    """Who opened or downloaded which medical pièce, when. Never any content of the pièce."""

    quand = models.DateTimeField("quand", auto_now_add=True, db_index=True)
    utilisateur = models.CharField("qui", max_length=150)
    action = models.CharField("action", max_length=40)
    dossier = models.CharField("dossier", max_length=80)
    collectivite = models.CharField("collectivité", max_length=200)
    piece = models.CharField("pièce", max_length=60)
    fichier = models.CharField("fichier", max_length=200)
    adresse_ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)

    class Meta:
        verbose_name = "accès à une pièce médicale"
        verbose_name_plural = "journal des accès aux pièces médicales"
        ordering = ["-quand"]


class Seance(models.Model):
    """A sitting of the centre's conseil médical, kept by its secretariat: the dossiers it examines
    and the members convened (printed on each dossier's pre-filled AF4)."""

    class Formation(models.TextChoices):
        PLENIERE = "pleniere", "Conseil médical en formation plénière"

    cdg = models.ForeignKey(Cdg, verbose_name="centre de gestion", on_delete=models.CASCADE, related_name="seances")
    formation = models.CharField("formation", max_length=20, choices=Formation.choices, default=Formation.PLENIERE)
    date = models.DateField("date de la séance")
    lieu = models.CharField("lieu", max_length=200, blank=True)
    departement = models.CharField("département", max_length=100, blank=True)
    seconde_convocation = models.BooleanField("seconde convocation", default=False)
    membres = models.JSONField("membres convoqués", default=list, blank=True)  # [{"role", "nom"}]
    dossiers = models.ManyToManyField(Dossier, through="SeanceDossier", related_name="seances")
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "séance du conseil médical"
        verbose_name_plural = "séances du conseil médical"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_formation_display()} du {self.date:%d/%m/%Y}"


class SeanceDossier(models.Model):
    """A dossier on a séance's agenda; the scanned AF4 dropped for it and the check that read it."""

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="inscriptions")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="inscriptions")
    af4 = models.ForeignKey(PieceRecue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tache = models.ForeignKey(Tache, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ajoute_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ajoute_le", "id"]
        constraints = [models.UniqueConstraint(fields=["seance", "dossier"], name="dossier_unique_par_seance")]
