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


def dossier_files(dossiers: list[Path], batch: list[Path]) -> list[Path]:
    """The dossier.yaml files to build: those named, and every dossier.yaml under each --batch root."""
    from pipeline.errors import PipelineError

    files = list(dossiers)
    for root in batch:
        if root.is_dir():
            found = sorted(root.rglob("dossier.yaml"))
            if not found:
                raise PipelineError(f"{root} : aucun fichier dossier.yaml dans ce dossier ni ses sous-dossiers.")
            files += found
        elif root.is_file():
            files.append(root)
        else:
            raise PipelineError(f"{root} : dossier introuvable. Indiquez le dossier qui contient les dossier.yaml.")
    return files


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build_cmd(
        dossiers: list[Path] = typer.Argument(None, help="Fichier(s) dossier.yaml", show_default=False),
        batch: list[Path] = typer.Option(
            None, "--batch", show_default=False,
            help="Dossier racine : construit tous les dossier.yaml qu'il contient avec un seul LibreOffice "
                 "résident (répétable)"),
        output: Path = typer.Option(Path("out"), "--output", "-o", help="Dossier de sortie (défaut : ./out)"),
        no_pdf: bool = typer.Option(False, "--no-pdf", help="Ne produire que les .docx (sans LibreOffice)"),
        seconde_etape: bool = typer.Option(False, "--seconde-etape",
                                           help="Après l'avis favorable de la CNRACL : inclure l'arrêté de radiation"),
        af3_officiel: Path = typer.Option(
            None, "--af3-officiel", show_default=False,
            help="Imprimé AF3 remplissable téléchargé sur le site de la CNRACL : rempli à la place de l'AF3 du "
                 "projet (il reste remplissable pour le médecin agréé)"),
        af4_officiel: Path = typer.Option(
            None, "--af4-officiel", show_default=False,
            help="Imprimé AF4 remplissable téléchargé sur le site de la CNRACL : rempli à la place de l'AF4 du "
                 "projet (il reste remplissable pour le conseil médical)"),
    ):
        """Produit les documents du dossier (PDF et .docx), le lot PEP'S, le manifeste et l'archive zip."""
        from pipeline.build.run import build, build_many
        from pipeline.cli.app import fail
        from pipeline.errors import PipelineError

        try:
            files = dossier_files(dossiers or [], batch or [])
        except PipelineError as e:
            fail(e)
        if not files:
            fail(PipelineError("indiquez un fichier dossier.yaml, ou --batch DOSSIER pour un lot."))
        officiels = {k: v for k, v in (("af3", af3_officiel), ("af4", af4_officiel)) if v is not None}
        try:
            _check_officiels(officiels, no_pdf)
        except PipelineError as e:
            fail(e)
        if len(files) > 1 or batch:
            try:
                results = _build_batch(files, output, no_pdf, seconde_etape, build, build_many, officiels)
            except PipelineError as e:
                fail(e)
            console.print(batch_table(results))
            console.print(f"[green]✓[/] {len(results)} dossier(s) construit(s) dans {output}")
            return
        try:
            result = build(files[0], output, pdf=not no_pdf, seconde_etape=seconde_etape, officiels=officiels)
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


def _check_officiels(officiels: dict, no_pdf: bool) -> None:
    """The official forms given are fillable and carry the mapped fields: checked before anything is built."""
    from pipeline.build.official import check_official
    from pipeline.errors import PipelineError

    if officiels and no_pdf:
        raise PipelineError("l'imprimé officiel (--af3-officiel, --af4-officiel) est un PDF : "
                            "il ne se combine pas avec --no-pdf.")
    for form, path in officiels.items():
        check_official(form, path)


def _build_batch(files, output, no_pdf, seconde_etape, build, build_many, officiels=None) -> list:
    """Build every file with one resident LibreOffice; a progress bar names the dossier."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("Construction : {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("démarrage de LibreOffice", total=len(files))

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, description=label or "terminé")

        if no_pdf:
            results = []
            for i, f in enumerate(files):
                progress(i, len(files), f.parent.name)
                results.append(build(f, output, pdf=False, seconde_etape=seconde_etape))
            return results
        return build_many(files, output, progress=progress, seconde_etape=seconde_etape, officiels=officiels)


def batch_table(results) -> Table:
    t = Table(title=f"{len(results)} dossier(s) construit(s)", title_justify="left")
    t.add_column("Dossier", no_wrap=True)
    t.add_column("Pièces manquantes", justify="right")
    t.add_column("À obtenir", justify="right")
    t.add_column("Avertissements", justify="right")
    t.add_column("Archive")
    for r in results:
        missing = sum(1 for c in r.checklist if c.code == "manquante")
        todo = sum(1 for c in r.checklist if c.code == "a_obtenir")
        t.add_row(r.dossier_id, f"[bold red]{missing}[/]" if missing else "0", str(todo),
                  f"[yellow]{len(r.warnings)}[/]" if r.warnings else "0", str(r.zip_path))
    return t
