"""Commands estimate, timeline, career: computations over one dossier.yaml (thin: load, compute, print)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)

_MISSING_HELP = {
    "pension.tib": "indiquez le traitement brut indiciaire mensuel (pension.tib), par exemple 2200.00",
    "pension.trimestres_liquidables": "indiquez les trimestres liquidables (pension.trimestres_liquidables), "
                                      "tels qu'ils figurent au compte individuel retraite",
    "pension.trimestres_requis": "année de naissance hors du tableau : indiquez pension.trimestres_requis",
    "infirmites": "indiquez les infirmités et leurs taux (infirmites) : le plancher de 50 % peut l'emporter "
                  "si le taux global atteint 60 %",
}


def _load(path: Path):
    from pipeline.cli.app import fail
    from pipeline.dossier.load import load_dossier
    from pipeline.errors import InvalidInput

    try:
        return load_dossier(path)
    except InvalidInput as e:
        fail(e)


def _missing_error(path: Path, fields: list[str]):
    """InvalidInput naming each missing field, pointing at the closest line of dossier.yaml."""
    from pipeline.dossier.load import parse_text
    from pipeline.errors import InputProblem, InvalidInput

    try:
        _, located = parse_text(Path(path).read_text(encoding="utf-8"), str(path))
    except Exception:  # already validated once; positions are a convenience only
        located = None
    problems = []
    for f in fields:
        msg = "champ manquant : " + _MISSING_HELP.get(f, "complétez-le")
        if f.startswith("config/"):
            problems.append(InputProblem(f.split(" : ")[0], f.split(" : ", 1)[-1], "valeur absente : ajoutez une ligne datée"))
        elif located is not None:
            problems.append(located.problem(tuple(f.split(".")), msg))
        else:
            problems.append(InputProblem(str(path), f, msg))
    return InvalidInput(problems)


def _rows_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=True, header_style="bold", title_justify="left")
    table.add_column("Terme")
    table.add_column("Valeur / règle")
    for label, value in rows:
        table.add_row(label, value)
    return table


def register(app: typer.Typer) -> None:
    @app.command("estimate")
    def estimate_cmd(
        dossier: Path = typer.Argument(..., help="Fichier dossier.yaml"),
        as_json: bool = typer.Option(False, "--json", help="Sortie JSON (montants exacts en texte)"),
    ):
        """Estimation indicative de la pension d'invalidité, de la rente et de la majoration."""
        from pipeline.cli.app import fail
        from pipeline.compute.estimate import as_dict, as_rows, estimate

        d = _load(dossier)
        e = estimate(d)
        if as_json:
            typer.echo(json.dumps(as_dict(e), ensure_ascii=False, indent=2))
        else:
            console.print(_rows_table(f"ESTIMATION INDICATIVE — dossier {d.dossier.id}", as_rows(d)))
        if e.manquants:
            fail(_missing_error(dossier, e.manquants))

    @app.command("timeline")
    def timeline_cmd(
        dossier: Path = typer.Argument(..., help="Fichier dossier.yaml"),
        ics: Optional[Path] = typer.Option(None, "--ics", help="Écrire aussi le calendrier (.ics) dans ce fichier"),
        as_json: bool = typer.Option(False, "--json", help="Sortie JSON (dates au format AAAA-MM-JJ)"),
    ):
        """Étapes de la procédure, fenêtre de réponse de la CNRACL, fins de droits et alertes."""
        from pipeline.compute.ics import to_ics
        from pipeline.compute.timeline import timeline
        from pipeline.fsutil import write_text
        from pipeline.money import fmt_date

        d = _load(dossier)
        t = timeline(d)
        if ics:
            write_text(ics, to_ics(d, t))
        if as_json:
            from pipeline.compute.timeline import as_dict

            typer.echo(json.dumps(as_dict(t), ensure_ascii=False, indent=2))
            return
        table = Table(title=f"CALENDRIER — dossier {d.dossier.id} (au {fmt_date(t.date_reference)})",
                      title_justify="left", header_style="bold")
        for col in ("Étape", "Date", "Statut", "Précision"):
            table.add_column(col)
        for e in t.etapes:
            table.add_row(e.libelle, e.date_texte(), e.statut, e.note)
        console.print(table)
        console.print(f"Fenêtre de réponse de la CNRACL : entre le {fmt_date(t.fenetre[0])} et le "
                      f"{fmt_date(t.fenetre[1])} ({t.fenetre_base}).")
        if t.fins_droits:
            console.print("\n[bold]Droits à congé[/]")
            for f in t.fins_droits:
                fin = f"fin des droits le {fmt_date(f.fin_droits)}" if f.fin_droits else "sans limite"
                current = " — position actuelle" if f.en_cours else ""
                console.print(f"  • {f.libelle[:1].upper() + f.libelle[1:]} depuis le {fmt_date(f.debut)} : {fin}{current} ({f.detail})")
        console.print(f"Limite d'âge de l'agent : {fmt_date(t.limite_age)}")
        for a in t.alertes:
            console.print(f"[bold yellow]Attention[/] : {a}")
        if ics:
            console.print(f"Calendrier écrit dans {ics} (à importer dans votre agenda).")

    @app.command("career")
    def career_cmd(
        dossier: Path = typer.Argument(..., help="Fichier dossier.yaml"),
        csv_path: Optional[Path] = typer.Option(None, "--csv", help="Écrire aussi les lignes dans ce fichier CSV (Excel)"),
    ):
        """Périodes de carrière découpées par année civile (compte individuel retraite CNRACL)."""
        from pipeline.compute.career import career, to_csv
        from pipeline.fsutil import write_bytes
        from pipeline.money import fmt_date, fmt_plain

        d = _load(dossier)
        c = career(d)
        table = Table(title=f"CARRIÈRE PAR ANNÉE CIVILE — dossier {d.dossier.id}", title_justify="left",
                      header_style="bold")
        # Seven columns fit 80 columns without cutting a word: dates on two lines, grade and
        # employer together (the CSV keeps one column for each).
        table.add_column("N°", no_wrap=True, justify="right")
        table.add_column("Année", no_wrap=True)
        table.add_column("Du / au", no_wrap=True)
        table.add_column("Jours", no_wrap=True, justify="right")
        table.add_column("Position")
        table.add_column("Quotité", no_wrap=True, justify="right")
        table.add_column("Grade, employeur", ratio=1)
        for line in c.lignes:
            who = line.grade + (f"\n{line.employeur}" if line.employeur else "")
            table.add_row(str(line.periode), str(line.annee), f"{fmt_date(line.debut)}\n{fmt_date(line.fin)}",
                          str(line.jours), line.position, fmt_plain(line.quotite) + " %", who)
        console.print(table)
        console.print(f"{len(c.lignes)} ligne(s) à comparer avec le compte individuel retraite (une année civile par ligne).")
        for m in c.remarques + c.chevauchements + c.interruptions:
            console.print(f"[bold yellow]Attention[/] : {m}")
        if not d.carriere:
            console.print("[bold yellow]Attention[/] : aucune période de carrière dans le dossier (champ carriere).")
        elif not (c.chevauchements or c.interruptions):
            console.print("Aucun chevauchement ni interruption entre les périodes.")
        if csv_path:
            write_bytes(csv_path, to_csv(c))
            console.print(f"Fichier CSV écrit dans {csv_path} (séparateur « ; », ouvrable dans Excel).")
