"""Commands of the drop-folder area: watch, sheets (`pipeline status` is in status.py and shows the
watcher's columns from `status_rows`)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("watch")
    def watch(
        inbox: Path = typer.Argument(..., help="Dossier de dépôt où le scanner écrit (INBOX)"),
        dossiers: Path = typer.Option(..., "--dossiers", help="Dossier contenant un sous-dossier par dossier (avec son dossier.yaml)"),
        workers: int = typer.Option(2, "--workers", min=1, max=64, help="Processus de traitement en parallèle"),
        once: bool = typer.Option(False, "--once", help="Traiter ce qui est dans le dépôt puis s'arrêter (tests, cron)"),
        poll: bool = typer.Option(False, "--poll", help="Scruter le dossier au lieu d'écouter ses événements (partage réseau)"),
        poll_interval: float = typer.Option(5.0, "--poll-interval", help="Secondes entre deux scrutations"),
        settle: float = typer.Option(2.0, "--settle", help="Secondes sans changement avant de prendre un fichier"),
        keep_days: int = typer.Option(30, "--keep-days", help="Jours de conservation des originaux archivés"),
        timeout: float = typer.Option(600.0, "--timeout", help="Temps maximal de traitement d'un fichier (secondes)"),
        max_size_mb: int = typer.Option(200, "--max-size-mb", help="Taille maximale d'un fichier (Mo)"),
        max_pages: int = typer.Option(300, "--max-pages", help="Nombre maximal de pages d'un fichier"),
        no_ocr: bool = typer.Option(False, "--no-ocr", help="Ne pas reconnaître le texte des pages numérisées"),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Journal détaillé sur la sortie d'erreur"),
    ):
        """Surveille le dossier de dépôt : classe chaque document dans son dossier et recontrôle ce dossier."""
        from pipeline.cli.app import fail
        from pipeline.errors import InvalidInput
        from pipeline.watch import Settings
        from pipeline.watch.security import check_folders
        from pipeline.watch.service import run

        logging.basicConfig(level=logging.INFO if verbose or not once else logging.WARNING, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(message)s")
        try:
            inbox_r, root_r = check_folders(inbox, dossiers)
        except InvalidInput as e:
            fail(e)
        if not no_ocr:
            from pipeline.errors import MissingComponent
            from pipeline.read.ocr import require_tesseract

            try:
                require_tesseract()  # better refuse to start than quarantine every scan
            except MissingComponent as e:
                fail(e)
        settings = Settings(inbox=inbox_r, root=root_r, workers=workers, settle=settle, poll_interval=poll_interval,
                            force_polling=poll, keep_days=keep_days, timeout=timeout,
                            max_bytes=max_size_mb * 1024 * 1024, max_pages=max_pages, ocr=not no_ocr, once=once)
        code = run(settings)
        if once:
            from pipeline.cli.status import print_status

            print_status(root_r, as_json=False)
        raise typer.Exit(code)

    @app.command("sheets")
    def sheets(
        dossier: Path = typer.Argument(..., help="Fichier dossier.yaml"),
        output: Path = typer.Option(..., "--output", "-o", help="PDF à écrire"),
        every: bool = typer.Option(False, "--all", help="Une feuille par pièce du catalogue, pas seulement les pièces attendues"),
    ):
        """Imprime les feuilles de séparation (une par pièce attendue) à placer devant chaque document avant numérisation."""
        from pipeline.build.sheets import write_sheets
        from pipeline.cli.app import fail
        from pipeline.errors import InvalidInput

        try:
            path, n = write_sheets(dossier, output, every)
        except InvalidInput as e:
            fail(e)
        console.print(f"{n} feuille(s) de séparation écrite(s) dans {path} : imprimez-les et placez chacune devant "
                      "le document de sa pièce avant de numériser.")
