"""`pipeline serve createadmin`: an administrator account, password asked twice and checked."""
import getpass
import os

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Crée (ou met à jour) un compte administrateur du bureau web."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        password = os.environ.get("PIPELINE_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Mot de passe : ")
            if password != getpass.getpass("Mot de passe (encore) : "):
                raise CommandError("les deux mots de passe diffèrent : recommencez.")
        User = get_user_model()
        user = User.objects.filter(username=username).first() or User(username=username, email=email)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as e:
            raise CommandError("mot de passe refusé : " + " ".join(e.messages))
        user.set_password(password)
        user.is_staff = user.is_superuser = True
        user.save()
        self.stdout.write(f"Compte administrateur « {username} » prêt.")
