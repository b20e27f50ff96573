"""Command `pipeline serve`: the web desk (migrations, task consumer, web server)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Optional

import typer

DEFAULT_DATA = Path.home() / ".local" / "share" / "pipeline-web"

serve_app = typer.Typer(help="Bureau web : comptes par collectivité, saisie guidée, construction, pièces reçues.",
                        no_args_is_help=False, add_completion=False)


def _setup(data: Path) -> None:
    from pipeline.fsutil import ensure_dir, private_umask

    private_umask()
    ensure_dir(data)
    from pipeline import web

    web.setup(data.resolve())


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


@serve_app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    data: Path = typer.Option(DEFAULT_DATA, "--data", help="Dossier des données (base, fichiers, file de tâches)"),
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute (127.0.0.1 : ce poste seulement)"),
    port: int = typer.Option(8000, "--port", help="Port d'écoute"),
    workers: int = typer.Option(2, "--workers", help="Travaux longs menés en parallèle (construction, contrôle)"),
    no_consumer: bool = typer.Option(False, "--no-consumer",
                                     help="Ne pas lancer la file de tâches (elle tourne ailleurs, ex. service systemd)"),
):
    """Lance le bureau web : met la base à jour, démarre la file de tâches et le serveur."""
    ctx.obj = {"data": data}
    if ctx.invoked_subcommand:
        return
    os.environ.setdefault("PIPELINE_WORKERS", str(workers))
    if host not in ("127.0.0.1", "localhost", "::1") and "PIPELINE_ALLOWED_HOSTS" not in os.environ:
        os.environ["PIPELINE_ALLOWED_HOSTS"] = f"{host},127.0.0.1,localhost"
    _setup(data)
    _migrate()
    from waitress import serve as waitress_serve

    from pipeline.web.desk.premier import first_use_key

    from pipeline.web.wsgi import application

    consumer: Optional[subprocess.Popen] = None
    if not no_consumer:
        # The consumer runs in its own process: a long LibreOffice conversion never holds a page.
        consumer = subprocess.Popen([sys.executable, "-m", "pipeline.web.manage", "run_huey", "--quiet",
                                     "--workers", str(workers), "--worker-type", "thread"],
                                    env={**os.environ, "PIPELINE_DATA": str(data.resolve())})

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    typer.echo(f"Bureau web ouvert sur http://{host}:{port}/  (données : {data.resolve()}) — Ctrl+C pour arrêter")
    key = first_use_key()
    if key:
        typer.echo(f"Aucun compte pour l'instant. Première utilisation : ouvrez sur ce poste\n"
                   f"    http://127.0.0.1:{port}/premier-compte/?cle={key}\n"
                   f"pour créer l'administrateur (ou : pipeline serve createadmin --data {data}).")
    try:
        waitress_serve(application, host=host, port=port, threads=8, ident="pipeline",
                       max_request_body_size=200 * 1024 * 1024, _quiet=True, **_proxy_options())
    except KeyboardInterrupt:
        pass
    finally:
        if consumer is not None and consumer.poll() is None:
            consumer.terminate()
            try:
                consumer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                consumer.kill()
        typer.echo("Bureau web arrêté.")


def _proxy_options() -> dict:
    """Behind the TLS reverse proxy (PIPELINE_HTTPS=1): the client's address and scheme come from
    its X-Forwarded-* headers, trusted from that proxy only (login throttling and the access log
    see the real address, not the proxy's)."""
    if os.environ.get("PIPELINE_HTTPS") != "1":
        return {}
    return {"trusted_proxy": os.environ.get("PIPELINE_TRUSTED_PROXY", "127.0.0.1"), "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True}


@serve_app.command("createadmin")
def createadmin(
    ctx: typer.Context,
    username: str = typer.Option("admin", "--username", help="Identifiant du compte"),
    data: Optional[Path] = typer.Option(None, "--data", help="Dossier des données (comme pour pipeline serve)"),
):
    """Crée un compte administrateur (mot de passe demandé deux fois)."""
    from django.core.management.base import CommandError

    _setup(data or (ctx.obj or {}).get("data") or DEFAULT_DATA)
    _migrate()
    from django.core.management import call_command

    try:
        call_command("createadmin", username=username)
    except CommandError as e:
        typer.echo(f"Erreur : {e}", err=True)
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.add_typer(serve_app, name="serve")
