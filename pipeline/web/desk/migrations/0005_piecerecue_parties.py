# A received file may hold several pièces (a whole scanned dossier): each is kept with its pages.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('desk', '0004_cdg_entete'),
    ]

    operations = [
        migrations.AddField(
            model_name='piecerecue',
            name='parties',
            field=models.JSONField(blank=True, default=list, verbose_name='pièces du fichier'),
        ),
    ]
