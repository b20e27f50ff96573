"""Command `pipeline build`: documents, upload set and checklist of one dossier."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)

STYLES = {"produite": "green", "a_obtenir": "yellow", "manquante": "bold red", "non_requise": "dim"}


def checklist_table(result) -> Table:
    # Only the pièces this case needs get a row: the others fit on one line (see the caption).
    t = Table(title=f"Pièces du dossier {result.dossier_id}", show_lines=False, title_justify="left",
              caption_justify="left")
    t.add_column("Pièce", no_wrap=True)
    t.add_column("Statut", ratio=1)
    t.add_column("Transmission", ratio=1)
    t.add_column("Motif", ratio=2)
    skipped = []
    for r in result.checklist:
        if r.code == "non_requise":
            skipped.append(r.id)
            continue
        style = STYLES.get(r.code, "")
        t.add_row(r.id, f"[{style}]{r.statut}[/]", r.transmission, r.motif)
    if skipped:
        t.caption = "Non requises pour ce cas : " + ", ".join(skipped)
    return t


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build_cmd(
        dossier: Path = typer.Argument(..., help="Fichier dossier.yaml"),
        output: Path = typer.Option(Path("out"), "--output", "-o", help="Dossier de sortie (défaut : ./out)"),
        no_pdf: bool = typer.Option(False, "--no-pdf", help="Ne produire que les .docx (sans LibreOffice)"),
        seconde_etape: bool = typer.Option(False, "--seconde-etape",
                                           help="Après l'avis favorable de la CNRACL : inclure l'arrêté de radiation"),
    ):
        """Produit les documents du dossier (PDF et .docx), le lot PEP'S, le manifeste et l'archive zip."""
        from pipeline.build.run import build
        from pipeline.cli.app import fail
        from pipeline.errors import PipelineError

        try:
            result = build(dossier, output, pdf=not no_pdf, seconde_etape=seconde_etape)
        except PipelineError as e:
            fail(e)
        console.print(checklist_table(result))
        n_pdf = sum(1 for f in result.files if f.file.endswith(".pdf") and not f.file.startswith("peps/"))
        n_peps = sum(1 for f in result.files if f.file.startswith("peps/"))
        console.print(f"[green]✓[/] {n_pdf} documents PDF, {n_peps} pièce(s) dans peps/, "
                      f"manifeste et archive écrits dans {result.out_dir}")
        missing = [r for r in result.checklist if r.code == "manquante"]
        todo = [r for r in result.checklist if r.code == "a_obtenir"]
        if todo:
            console.print(f"[yellow]{len(todo)} pièce(s) à obtenir[/] auprès d'autres intervenants avant l'envoi.")
        if missing:
            console.print(f"[bold red]{len(missing)} pièce(s) manquante(s)[/] : complétez dossier.yaml puis relancez.")
        for w in result.warnings:
            console.print(f"[yellow]Attention[/] : {w}")
