"""Command `pipeline status`: the stage and next action of every dossier (and the watcher's view)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console(highlight=False, soft_wrap=True)


def _date(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from pipeline.cli.app import fail
        from pipeline.errors import InputProblem, InvalidInput

        fail(InvalidInput([InputProblem(option, "", f"date invalide « {value} » : écrivez-la AAAA-MM-JJ "
                                                    "(par exemple 2026-11-20)")]))


def status_data(root: Path, today: Optional[dt.date] = None) -> dict:
    """pipeline-status/1: one row per dossier (stage, next action, who, due date) + the watcher's
    columns (status of its last check, missing, last received) and the journal's file counts."""
    from pipeline.watch.summary import status_rows
    from pipeline.status import dossier_folders, dossier_status

    root = Path(root)
    if (root / "dossier.yaml").is_file():  # one dossier given directly
        folders, watcher = [root], {"dossiers": [], "files": {}}
    else:
        folders, watcher = dossier_folders(root), status_rows(root)
    by_folder = {r["dossier"]: r for r in watcher["dossiers"]}
    rows = []
    for f in folders:
        st = dossier_status(f, today)
        w = by_folder.get(f.name, {})
        rows.append({"dossier": f.name, "dossier_id": st.dossier_id or w.get("dossier_id"),
                     "status": w.get("status", "jamais_controle"), "missing": w.get("missing"),
                     "last_received": w.get("last_received"), **{k: v for k, v in st.as_dict().items()
                                                                 if k not in ("dossier", "dossier_id")}})
    return {"schema": "pipeline-status/1", "dossiers": rows, "files": watcher["files"]}


WATCH_WORDS = {"complet": "complet", "incomplet": "incomplet", "controle_en_attente": "contrôle en attente",
               "controle_en_echec": "contrôle en échec", "dossier_yaml_invalide": "dossier.yaml invalide"}


def print_status(root: Path, as_json: bool, today: Optional[dt.date] = None) -> None:
    data = status_data(root, today)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not data["dossiers"]:
        console.print("Aucun dossier (sous-dossier avec un dossier.yaml) dans ce dossier.")
    for r in data["dossiers"]:
        due = f", avant le {dt.date.fromisoformat(r['due']).strftime('%d/%m/%Y')}" if r["due"] else ""
        line = (f"[bold]{r['dossier_id'] or r['dossier']}[/] : {r['stage_label']} — à faire ({r['actor']}{due}) : "
                f"{r['next_action']}")
        if r["last_received"] or r["status"] != "jamais_controle":  # the watcher knows this dossier
            missing = r["missing"]
            miss = "—" if missing is None else ("aucune pièce manquante" if not missing
                                                else "manquent : " + ", ".join(missing))
            last = "aucun document reçu" if not r["last_received"] else "dernier document reçu le " + \
                dt.datetime.fromisoformat(r["last_received"]).strftime("%d/%m/%Y à %H:%M")
            line += f" [dim]| surveillant : {WATCH_WORDS.get(r['status'], r['status'])} ; {miss} ; {last}[/]"
        console.print(line)
    c = data["files"]
    if c:
        labels = [("classe", "classés"), ("partiel", "classés en partie"), ("doublon", "doublons"),
                  ("quarantaine", "en quarantaine"), ("a_trier", "à trier"), ("en_cours", "en cours")]
        console.print("Fichiers déposés : " + ", ".join(f"{c[k]} {w}" for k, w in labels if c.get(k)))


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(
        root: Path = typer.Argument(..., help="Dossier des dossiers (celui donné à --dossiers), ou un dossier d'agent"),
        as_json: bool = typer.Option(False, "--json", help="Sortie JSON"),
        sent: Optional[str] = typer.Option(None, "--sent", help="Enregistrer la date d'envoi sur PEP'S (AAAA-MM-JJ) "
                                           "d'un dossier d'agent"),
        avis: Optional[str] = typer.Option(None, "--avis", help="Enregistrer la date de l'avis de la CNRACL"),
        radiation: Optional[str] = typer.Option(None, "--radiation", help="Enregistrer la date de radiation des cadres "
                                                "(arrêté pris)"),
        today: Optional[str] = typer.Option(None, "--today", help="Date du jour à retenir (AAAA-MM-JJ ; défaut : "
                                            "aujourd'hui)"),
    ):
        """Étape de chaque dossier, action suivante, qui doit agir et pour quand ; --sent enregistre l'envoi."""
        from pipeline.bundle import layout
        from pipeline.cli.app import fail
        from pipeline.errors import InputProblem, InvalidInput

        if not root.is_dir():
            fail(InvalidInput([InputProblem(str(root), "ROOT", "ce dossier n'existe pas : indiquez le dossier des "
                                                               "dossiers ou celui d'un agent")]))
        dates = {"envoi_peps": _date(sent, "--sent"), "avis_cnracl": _date(avis, "--avis"),
                 "radiation": _date(radiation, "--radiation")}
        if any(dates.values()):
            if not (root / "dossier.yaml").is_file():
                fail(InvalidInput([InputProblem(str(root), "--sent", "indiquez le dossier d'un agent (celui qui "
                                                                     "contient dossier.yaml) pour y enregistrer une date")]))
            path = layout.write_suivi(root, **dates)
            console.print(f"Date(s) enregistrée(s) dans {path}.")
        print_status(root, as_json, _date(today, "--today"))
