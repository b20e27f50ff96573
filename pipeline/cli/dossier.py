"""Commands about dossier.yaml itself: validate, schema, init."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from pipeline.errors import InvalidInput

console = Console(highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(dossier: Path = typer.Argument(..., help="Fichier dossier.yaml")):
        """Vérifie un dossier.yaml sans rien produire."""
        from pipeline.cli.app import fail
        from pipeline.dossier.load import load_dossier

        try:
            d = load_dossier(dossier)
        except InvalidInput as e:
            fail(e)
        console.print(f"[green]✓[/] {dossier} : description valide (dossier {d.dossier.id}, {d.agent.identite}).")

    @app.command("schema")
    def schema(output: Optional[Path] = typer.Option(None, "--output", "-o", help="Écrire dans ce fichier")):
        """Affiche le schéma JSON de dossier.yaml (pour la complétion dans les éditeurs)."""
        from pipeline.dossier.schema import json_schema
        from pipeline.fsutil import write_text

        text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
        if output:
            write_text(output, text)
            console.print(f"Schéma écrit dans {output}")
        else:
            typer.echo(text, nl=False)

    @app.command("init")
    def init(
        output: Path = typer.Argument(Path("dossier.yaml"), help="Fichier à créer"),
        case: str = typer.Option("non_imputable", "--case", help="non_imputable, accident_service, accident_trajet ou maladie_professionnelle"),
        inaptitude: str = typer.Option("toutes_fonctions", "--inaptitude", help="toutes_fonctions ou ses_fonctions"),
        force: bool = typer.Option(False, "--force", help="Remplacer un fichier existant"),
    ):
        """Écrit un squelette commenté de dossier.yaml pour le cas choisi."""
        from pipeline.cli.app import fail
        from pipeline.dossier.skeleton import skeleton
        from pipeline.errors import InputProblem
        from pipeline.fsutil import write_text

        if output.exists() and not force:
            fail(InvalidInput([InputProblem(str(output), "", "le fichier existe déjà : choisissez un autre nom ou ajoutez --force")]))
        try:
            text = skeleton(case, inaptitude)
        except ValueError as e:
            fail(InvalidInput([InputProblem("--case/--inaptitude", "", str(e))]))
        write_text(output, text)
        console.print(f"Squelette écrit dans {output} : complétez les champs « À COMPLÉTER », puis « pipeline validate {output} ».")
        # The skeleton's first line points editors at this schema: write it beside, once.
        from pipeline.dossier.schema import json_schema
        from pipeline.dossier.skeleton import SCHEMA_FILE

        schema_path = output.parent / SCHEMA_FILE
        if not schema_path.exists():
            write_text(schema_path, json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")
            console.print(f"Schéma pour l'éditeur (aide sur chaque champ) écrit dans {schema_path}.")
