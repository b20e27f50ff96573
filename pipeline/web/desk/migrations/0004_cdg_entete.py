# The letterhead a centre edits in the desk: service, telephone, e-mail and logo.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('desk', '0003_alter_dossier_stade'),
    ]

    operations = [
        migrations.AddField(
            model_name='cdg',
            name='service',
            field=models.CharField(blank=True, max_length=200, verbose_name='service'),
        ),
        migrations.AddField(
            model_name='cdg',
            name='telephone',
            field=models.CharField(blank=True, max_length=40, verbose_name='téléphone'),
        ),
        migrations.AddField(
            model_name='cdg',
            name='courriel',
            field=models.EmailField(blank=True, max_length=254, verbose_name='courriel'),
        ),
        migrations.AddField(
            model_name='cdg',
            name='logo',
            field=models.CharField(blank=True, max_length=300, verbose_name='logo'),
        ),
    ]
