"""Command `forms inspect`: the fields of a fillable PDF and what they map to (field maps as data)."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    forms = typer.Typer(help="Imprimés remplissables (PDF à champs) : champs, valeurs, correspondances.",
                        no_args_is_help=True)
    app.add_typer(forms, name="forms")

    @forms.command("inspect")
    def inspect(
        pdf: Path = typer.Argument(..., help="PDF remplissable (par exemple l'AF3 ou l'AF4 de la CNRACL)"),
        json_out: bool = typer.Option(False, "--json", help="Sortie JSON (pour un script)"),
    ):
        """Liste les champs d'un PDF remplissable, leur valeur et le champ du dossier auquel chacun correspond."""
        from pipeline.cli.app import fail
        from pipeline.errors import PipelineError
        from pipeline.read.fillable import list_fields

        try:
            fields = list_fields(pdf)
        except PipelineError as e:
            fail(e)
        if json_out:
            typer.echo(json.dumps([f.as_dict() for f in fields], ensure_ascii=False, indent=2))
            return
        console = Console(highlight=False, soft_wrap=True)
        if not fields:
            console.print(f"« {pdf.name} » n'a aucun champ remplissable : il sera lu par sa mise en page.")
            return
        console.print(f"« {pdf.name} » : {len(fields)} champ(s) remplissable(s).", markup=False)
        for f in fields:
            where = f"p. {f.page}" if f.page else "p. ?"
            meaning = "; ".join(f.meaning) or "non relié (ajoutez-le à « champs_pdf » de l'imprimé)"
            console.print(f"  {where:6s} {f.name} ({f.kind}) = « {f.value} » → {meaning}", markup=False)
