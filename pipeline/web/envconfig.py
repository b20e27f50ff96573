"""The desk's production settings read from the environment: database, task queue, hosts.

Pure functions of a mapping (os.environ in settings.py), so the parsing is tested without a
PostgreSQL or a Redis. A bad value stops the start with a French message naming the variable.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qsl, unquote, urlparse


class BadSetting(SystemExit):
    """A setting that cannot be used: the message names the variable and what to write."""


# Options of libpq that may ride on the URL (?sslmode=verify-full&connect_timeout=5).
PG_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
              "target_session_attrs"}


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def database(env: Mapping[str, str], data_dir: Path) -> dict:
    """PIPELINE_DATABASE_URL=postgresql://user:password@host:5432/name[?sslmode=require], else SQLite
    in the data folder. The password may instead come from a file (PIPELINE_DATABASE_PASSWORD_FILE,
    e.g. a systemd credential), so it is not in the unit file."""
    url = (env.get("PIPELINE_DATABASE_URL") or "").strip()
    if not url:
        # WAL + immediate transactions: the web server and the task consumer write the same file.
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": Path(data_dir) / "desk.sqlite3",
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    u = urlparse(url)
    if u.scheme not in ("postgres", "postgresql"):
        raise BadSetting(f"PIPELINE_DATABASE_URL : seul PostgreSQL est pris en charge (reçu « {u.scheme or url} ») ; "
                         "écrivez postgresql://utilisateur:motdepasse@hote:5432/base")
    name = unquote(u.path.lstrip("/"))
    if not name:
        raise BadSetting("PIPELINE_DATABASE_URL : le nom de la base manque (…@hote:5432/NOM_DE_LA_BASE)")
    try:
        port = u.port
    except ValueError:
        raise BadSetting("PIPELINE_DATABASE_URL : le port n'est pas un nombre") from None
    options = {}
    for k, v in parse_qsl(u.query, keep_blank_values=True):
        if k not in PG_OPTIONS:
            raise BadSetting(f"PIPELINE_DATABASE_URL : option « {k} » inconnue ; permises : {', '.join(sorted(PG_OPTIONS))}")
        options[k] = v
    password = unquote(u.password or "")
    pw_file = (env.get("PIPELINE_DATABASE_PASSWORD_FILE") or "").strip()
    if pw_file:
        try:
            password = Path(pw_file).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise BadSetting(f"PIPELINE_DATABASE_PASSWORD_FILE : fichier illisible « {pw_file} » ({e.strerror})") from None
    try:
        conn_max_age = int(env.get("PIPELINE_DB_CONN_MAX_AGE", "60"))
    except ValueError:
        raise BadSetting("PIPELINE_DB_CONN_MAX_AGE : un nombre de secondes est attendu") from None
    if not (_has("psycopg") or _has("psycopg2")):
        raise BadSetting("PIPELINE_DATABASE_URL désigne PostgreSQL mais le pilote psycopg n'est pas installé : "
                         "pip install 'pipeline-invalidite[postgres]'")
    return {"ENGINE": "django.db.backends.postgresql", "NAME": name, "USER": unquote(u.username or ""),
            "PASSWORD": password, "HOST": u.hostname or "", "PORT": str(port or ""), "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True, "OPTIONS": options}


def huey(env: Mapping[str, str], data_dir: Path) -> dict:
    """The task queue: Redis (PIPELINE_REDIS_URL) when several machines or workers share it,
    else a SQLite file in the data folder. PIPELINE_WORKERS and PIPELINE_WORKER_TYPE (thread or
    process) are the consumer's defaults; `run_huey --workers N` overrides them."""
    try:
        workers = int(env.get("PIPELINE_WORKERS", "2"))
    except ValueError:
        raise BadSetting("PIPELINE_WORKERS : un nombre de postes de travail est attendu (ex. 4)") from None
    if not 1 <= workers <= 64:
        raise BadSetting("PIPELINE_WORKERS : entre 1 et 64")
    worker_type = env.get("PIPELINE_WORKER_TYPE", "thread")
    if worker_type not in ("thread", "process"):
        raise BadSetting("PIPELINE_WORKER_TYPE : « thread » ou « process »")
    conf = {"name": "pipeline-desk", "immediate": False,
            "consumer": {"workers": workers, "worker_type": worker_type}}
    redis = (env.get("PIPELINE_REDIS_URL") or "").strip()
    if redis:
        u = urlparse(redis)
        if u.scheme not in ("redis", "rediss", "unix"):
            raise BadSetting(f"PIPELINE_REDIS_URL : adresse Redis attendue (redis://hote:6379/0, rediss:// avec TLS, "
                             f"unix:///chemin/redis.sock), reçu « {u.scheme or redis} »")
        if not _has("redis"):
            raise BadSetting("PIPELINE_REDIS_URL est donnée mais le module redis n'est pas installé : "
                             "pip install 'pipeline-invalidite[redis]'")
        conf.update({"huey_class": "huey.RedisHuey", "url": redis})
    else:
        conf.update({"huey_class": "huey.SqliteHuey", "filename": str(Path(data_dir) / "taches.sqlite3")})
    return conf


def hosts(env: Mapping[str, str]) -> list[str]:
    return [h.strip() for h in env.get("PIPELINE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
