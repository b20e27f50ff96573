"""Command `pipeline bundle`: the received pièces of a dossier → the final set to send."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

STYLES = {"produite": "green", "reçue": "green", "sous pli fermé": "cyan", "manquante": "bold red"}


def register(app: typer.Typer) -> None:
    @app.command("bundle")
    def bundle_cmd(
        dossier: Path = typer.Argument(..., help="Dossier de l'agent (celui qui contient dossier.yaml)"),
        received: Optional[Path] = typer.Option(None, "--received", help="Dossier supplémentaire de pièces reçues "
                                                "(en plus du dossier de l'agent et de son sous-dossier recus/)"),
        profile: Optional[str] = typer.Option(None, "--profile", help="Profil CDG : cnracl, cdg50 ou cdg76 "
                                              "(défaut : celui de dossier.yaml)"),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="Dossier du lot (défaut : DOSSIER/envoi)"),
        brouillon: bool = typer.Option(False, "--brouillon", help="Écrire le lot même incomplet, marqué BROUILLON"),
    ):
        """Contrôle les pièces reçues et écrit le lot final (une pièce par PDF A4, bordereau, manifeste)."""
        from pipeline.bundle import bundle_dossier
        from pipeline.check import report as report_mod
        from pipeline.cli.app import fail
        from pipeline.errors import ExitCode, PipelineError

        try:
            r = bundle_dossier(dossier, received=received, profile=profile, out=output, brouillon=brouillon,
                               on_wait=lambda: err.print(
                                   f"Le dossier « {dossier} » est en cours de traitement par un autre programme "
                                   "(construction ou assemblage) : attente de la fin de ce traitement…"))
        except PipelineError as e:
            fail(e)
        for note in r.notes:
            console.print(f"[yellow]Attention[/] : {note}")
        if not r.ready:
            report_mod.terminal(r.report, console)
            console.print(f"[bold red]Dossier {r.dossier_id} : pas prêt à envoyer[/] — "
                          f"{len(r.blocking)} constat(s) bloquant(s) ci-dessus : corrigez-les puis relancez "
                          f"« pipeline bundle {dossier} ».")
        for p in r.pieces:
            if p.statut == "non requise":
                continue
            style = STYLES.get(p.statut, "")
            where = f" → {p.fichier} ({p.pages} p.)" if p.fichier and r.out_dir else ""
            console.print(f"  [{style}]{p.statut:<15}[/] {p.id} – {p.transmission}{where}")
            for n in p.notes:
                console.print(f"      [dim]{n}[/]")
        if r.out_dir is None:
            console.print("Aucun lot écrit (option --brouillon pour un lot marqué BROUILLON).")
            raise typer.Exit(ExitCode.INCOMPLET)
        if r.ready and not r.brouillon:
            console.print(f"[bold green]✓ Dossier {r.dossier_id} : prêt à envoyer[/] — lot écrit dans {r.out_dir} "
                          f"(bordereau : {r.bordereau.name}). Après l'envoi : « pipeline status {dossier} "
                          "--sent AAAA-MM-JJ ».")
        else:
            console.print(f"[yellow]Brouillon écrit dans {r.out_dir}[/] (bordereau marqué BROUILLON) : "
                          + ("ne l'envoyez pas." if not r.ready else "relancez sans --brouillon pour le lot final."))
        raise typer.Exit(ExitCode.OK if r.ready else ExitCode.INCOMPLET)
