"""Commands `check` (one dossier or a CDG's batch, reports per collectivité), `rules` (the rule
catalogue) and `overview` (the CDG's table of dossiers)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check(
        dossier_dir: Optional[Path] = typer.Argument(None, metavar="DOSSIER", help="Dossier (répertoire, ou archive .zip) contenant les pièces"),
        batch: Optional[Path] = typer.Option(None, "--batch", help="Répertoire d'un lot : un sous-dossier par agent"),
        dossier: Optional[Path] = typer.Option(None, "--dossier", help="dossier.yaml à confronter aux pièces"),
        profile: Optional[str] = typer.Option(None, "--profile", help="cnracl, cdg50 ou cdg76"),
        json_out: Optional[str] = typer.Option(None, "--json", help="Écrire le rapport JSON dans ce fichier (« - » : sortie standard)"),
        html_out: Optional[Path] = typer.Option(None, "--html", help="Écrire le rapport HTML (imprimable) dans ce fichier"),
        jobs: Optional[int] = typer.Option(None, "--jobs", help="Processus en parallèle (par défaut : un par cœur)"),
        par_collectivite: bool = typer.Option(False, "--par-collectivite", help="Avec --batch : un rapport (PDF, HTML, JSON) par collectivité, prêt à envoyer, dans le répertoire -o"),
        out_dir: Optional[Path] = typer.Option(None, "-o", "--output", help="Répertoire des rapports par collectivité (avec --par-collectivite)"),
        cdg_file: Optional[Path] = typer.Option(None, "--cdg", help="Identité du centre de gestion (en-tête, signataire) : fichier YAML ; par défaut config/cdg.yaml"),
    ):
        """Contrôle les pièces d'un dossier (ou d'un lot) avant l'envoi à la CNRACL."""
        from pipeline.check import report
        from pipeline.check.run import PROFILES, batch_folders, check_batch, check_dossier
        from pipeline.cli.app import fail
        from pipeline.errors import InputProblem, InvalidInput, PipelineError
        from pipeline.fsutil import write_text

        # With --json -, stdout carries the JSON only: the readable summary goes to stderr.
        console = Console(highlight=False, soft_wrap=True, stderr=(json_out == "-"))
        try:
            if (dossier_dir is None) == (batch is None):
                raise InvalidInput([InputProblem("pipeline check", "", "indiquez soit un dossier, soit --batch RÉPERTOIRE (l'un des deux)")])
            if profile is not None and profile not in PROFILES:
                raise InvalidInput([InputProblem("--profile", "", f"profil inconnu « {profile} » : choisissez cnracl, cdg50 ou cdg76")])
            if batch is not None and dossier is not None:
                raise InvalidInput([InputProblem("--dossier", "", "--dossier s'emploie avec un seul dossier, pas avec --batch")])
            if par_collectivite and (batch is None or out_dir is None):
                raise InvalidInput([InputProblem("--par-collectivite", "", "s'emploie avec --batch RÉPERTOIRE et -o RÉPERTOIRE_DES_RAPPORTS")])
            if out_dir is not None and not par_collectivite:
                raise InvalidInput([InputProblem("-o", "", "-o s'emploie avec --par-collectivite (sinon : --json ou --html)")])
            cdg = None
            if par_collectivite:
                from pipeline.check.cdg import load_cdg

                cdg = load_cdg(cdg_file)  # a bad identity file stops before the batch runs
            if batch is None:
                reports = [check_dossier(dossier_dir, dossier, profile, jobs=jobs)]
                report.terminal(reports[0], console)
            else:
                reports = _run_batch(batch, profile, jobs, console, batch_folders, check_batch)
                report.batch_table(reports, console)
            if json_out == "-":
                typer.echo(report.to_json(reports), nl=False)
            elif json_out:
                write_text(Path(json_out), report.to_json(reports))
                console.print(f"Rapport JSON écrit dans {json_out}")
            if html_out:
                write_text(html_out, report.to_html(reports))
                console.print(f"Rapport HTML écrit dans {html_out}")
            if par_collectivite:
                from pipeline.check.letters import write_reports

                index = write_reports(reports, out_dir, cdg)
                for e in index["collectivites"]:
                    console.print(f"  {e['collectivite']} : {e['dossiers']} dossier(s), {e['incomplets']} à compléter "
                                  f"→ {out_dir / e['slug'] / 'rapport.pdf'}")
                console.print(f"{len(index['collectivites'])} rapport(s) par collectivité écrits dans {out_dir} "
                              f"(sommaire : {out_dir / 'index.html'})")
        except PipelineError as e:
            fail(e)
        raise typer.Exit(report.exit_status(reports))

    @app.command("rules")
    def rules(rule_id: Optional[str] = typer.Argument(None, metavar="IDENTIFIANT", help="Identifiant d'une règle : affiche sa page"),
              json_output: bool = typer.Option(False, "--json", help="Catalogue au format JSON")):
        """Liste les règles du contrôle (identifiant, gravité, ce qu'elle vérifie, source) ; avec un identifiant, la page de la règle."""
        from pipeline.check.report import rules_catalogue

        cat = rules_catalogue()
        if rule_id:
            import difflib

            from pipeline.cli.app import fail
            from pipeline.errors import PipelineError

            wanted = rule_id.strip().upper()
            page = next((r for r in cat if r["id"] == wanted), None)
            if page is None:
                close = difflib.get_close_matches(wanted, [r["id"] for r in cat], n=3)
                hint = f" ; vouliez-vous dire {', '.join(close)} ?" if close else " ; « pipeline rules » les liste toutes"
                fail(PipelineError(f"règle inconnue : {rule_id}{hint}"))
            if json_output:
                typer.echo(json.dumps(page, ensure_ascii=False, indent=2))
                return
            console = Console(highlight=False, soft_wrap=True)
            console.print(f"[bold]{page['id']}[/] — gravité : {page['severity']}")
            console.print(f"\n[bold]Ce qu'elle vérifie[/]\n{page['checks']}")
            console.print(f"\n[bold]Pourquoi[/]\n{page['pourquoi']}")
            console.print(f"\n[bold]Que faire[/]\n{page['que_faire']}")
            console.print(f"\n[bold]Exemple[/]\n{page['exemple']}")
            unsure = "" if page["source_verifiee"] else "\n(intitulé ou article exact non vérifié)"
            console.print(f"\n[bold]Source[/]\n{page['source']}{unsure}")
            return
        if json_output:
            typer.echo(json.dumps(cat, ensure_ascii=False, indent=2))
            return
        console = Console(highlight=False, soft_wrap=True)
        console.print(rules_table(cat))

    register_overview(app)


def rules_table(cat: list[dict]):
    """The catalogue as a table readable at 80 columns: the id (never cut) carries its severity."""
    from rich.table import Table

    t = Table(title="Règles de « pipeline check »", show_lines=True)
    t.add_column("Règle / gravité", no_wrap=True, min_width=max(len(r["id"]) for r in cat))
    t.add_column("Ce qu'elle vérifie", ratio=3)
    t.add_column("Source", ratio=2)
    for r in cat:
        t.add_row(f"[bold]{r['id']}[/]\n{r['severity']}", r["checks"], r["source"])
    return t


def _run_batch(root, profile, jobs, console, batch_folders, check_batch) -> list:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    folders = batch_folders(root)
    reports = []
    # Reports come back in folder order: the one in progress is the next folder of the list.
    with Progress(TextColumn("Contrôle du lot"), BarColumn(bar_width=20), MofNCompleteColumn(),
                  TextColumn("écoulé"), TimeElapsedColumn(), TextColumn("{task.description}"),
                  console=console, transient=True) as progress:
        task = progress.add_task(_in_progress(folders, 0), total=len(folders))
        for r in check_batch(root, profile, jobs):
            reports.append(r)
            progress.update(task, advance=1, description=_in_progress(folders, len(reports)))
    return reports


def _in_progress(folders, done: int) -> str:
    if done >= len(folders):
        return "terminé"
    name = folders[done].name
    return "dossier " + (name if len(name) <= 24 else name[:23] + "…")


def register_overview(app: typer.Typer) -> None:
    @app.command("overview")
    def overview_cmd(
        root: Path = typer.Argument(..., help="Répertoire du centre de gestion : un sous-dossier par dossier d'agent"),
        csv_out: Optional[Path] = typer.Option(None, "--csv", help="Exporter le tableau en CSV (tableur) dans ce fichier"),
        no_check: bool = typer.Option(False, "--no-check", help="Ne pas contrôler les pièces (plus rapide : pas de nombre de constats)"),
        jobs: Optional[int] = typer.Option(None, "--jobs", help="Processus en parallèle pour le contrôle (par défaut : un par cœur)"),
        date: Optional[str] = typer.Option(None, "--date", help="Date du jour à retenir (AAAA-MM-JJ) ; par défaut aujourd'hui"),
    ):
        """Tableau de bord du centre de gestion : étape, prochaine action, échéance et constats de chaque dossier, les urgents d'abord."""
        import datetime as dt

        from rich.table import Table

        from pipeline.status.overview import counts_by_stage, overview, write_csv
        from pipeline.cli.app import fail
        from pipeline.errors import InputProblem, InvalidInput, PipelineError
        from pipeline.money import fmt_date

        console = Console(highlight=False, soft_wrap=True)
        try:
            today = None
            if date:
                try:
                    today = dt.date.fromisoformat(date)
                except ValueError:
                    raise InvalidInput([InputProblem("--date", "", f"date « {date} » illisible : écrivez AAAA-MM-JJ")]) from None
            rows = overview(root, check=not no_check, jobs=jobs, today=today)
        except PipelineError as e:
            fail(e)
        t = Table(title="Dossiers du centre de gestion (urgents d'abord)", show_lines=False)
        for col in ("", "Collectivité", "Dossier", "Agent", "Étape", "Prochaine action"):
            t.add_column(col)
        t.add_column("Échéance", no_wrap=True)
        t.add_column("Bloquants", justify="right")
        t.add_column("Profil")
        for r in rows:
            t.add_row("[red]⚠[/]" if r.urgent else "", r.collectivite or "—", r.dossier_id or r.dossier, r.agent or "—",
                      r.etape, r.prochaine_action or "—", fmt_date(r.echeance) or "—",
                      "—" if r.bloquants is None else str(r.bloquants), r.profil or "—")
        console.print(t)
        for r in rows:
            for a in r.alertes:
                console.print(f"[red]⚠[/] {r.dossier_id or r.dossier} : {a}")
        console.print("Par étape : " + " ; ".join(f"{k} : {n}" for k, n in counts_by_stage(rows).items()))
        urgent = sum(r.urgent for r in rows)
        console.print(f"{len(rows)} dossier(s), dont {urgent} urgent(s) (fin des droits à congé ou limite d'âge "
                      "avant la réponse attendue de la CNRACL).")
        if csv_out:
            write_csv(rows, csv_out)
            console.print(f"Tableau CSV écrit dans {csv_out}")
