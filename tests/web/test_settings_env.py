"""Production settings read from the environment (PostgreSQL, Redis, workers): the parsing,
without a PostgreSQL or a Redis running. A bad value stops the start with a French message."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pipeline.web import envconfig

DATA = Path("/srv/pipeline/donnees")


def test_sqlite_in_the_data_folder_by_default():
    db = envconfig.database({}, DATA)
    assert db["ENGINE"] == "django.db.backends.sqlite3" and db["NAME"] == DATA / "desk.sqlite3"
    q = envconfig.huey({}, DATA)
    assert q["huey_class"] == "huey.SqliteHuey" and q["filename"] == str(DATA / "taches.sqlite3")
    assert q["consumer"] == {"workers": 2, "worker_type": "thread"}


def test_postgresql_url(monkeypatch, tmp_path):
    monkeypatch.setattr(envconfig, "_has", lambda m: True)  # the driver is an optional extra
    db = envconfig.database({"PIPELINE_DATABASE_URL": "postgresql://desk:p%40ss%3Aw@db.interne:5433/dossiers"
                                                      "?sslmode=verify-full&connect_timeout=5",
                             "PIPELINE_DB_CONN_MAX_AGE": "120"}, DATA)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == \
        ("dossiers", "desk", "p@ss:w", "db.interne", "5433")
    assert db["OPTIONS"] == {"sslmode": "verify-full", "connect_timeout": "5"} and db["CONN_MAX_AGE"] == 120
    secret = tmp_path / "mdp"
    secret.write_text("depuis-un-fichier\n")
    db = envconfig.database({"PIPELINE_DATABASE_URL": "postgres://desk@/dossiers",
                             "PIPELINE_DATABASE_PASSWORD_FILE": str(secret)}, DATA)
    assert db["PASSWORD"] == "depuis-un-fichier" and db["HOST"] == "" and db["PORT"] == ""


@pytest.mark.parametrize("url, words", [
    ("mysql://u:p@h/base", "seul PostgreSQL"),
    ("postgresql://u:p@h:5432/", "le nom de la base manque"),
    ("postgresql://u:p@h:cinq/base", "le port n'est pas un nombre"),
    ("postgresql://u:p@h/base?sslmod=require", "option « sslmod » inconnue"),
])
def test_bad_database_url_is_named(monkeypatch, url, words):
    monkeypatch.setattr(envconfig, "_has", lambda m: True)
    with pytest.raises(envconfig.BadSetting) as e:
        envconfig.database({"PIPELINE_DATABASE_URL": url}, DATA)
    assert "PIPELINE_DATABASE_URL" in str(e.value) and words in str(e.value)


def test_missing_driver_says_what_to_install(monkeypatch):
    monkeypatch.setattr(envconfig, "_has", lambda m: False)
    with pytest.raises(envconfig.BadSetting, match=r"pipeline-invalidite\[postgres\]"):
        envconfig.database({"PIPELINE_DATABASE_URL": "postgresql://u@h/base"}, DATA)
    with pytest.raises(envconfig.BadSetting, match=r"pipeline-invalidite\[redis\]"):
        envconfig.huey({"PIPELINE_REDIS_URL": "redis://h:6379/0"}, DATA)


def test_redis_queue_and_workers(monkeypatch):
    monkeypatch.setattr(envconfig, "_has", lambda m: True)
    q = envconfig.huey({"PIPELINE_REDIS_URL": "redis://file.interne:6379/2", "PIPELINE_WORKERS": "6",
                        "PIPELINE_WORKER_TYPE": "process"}, DATA)
    assert q["huey_class"] == "huey.RedisHuey" and q["url"] == "redis://file.interne:6379/2"
    assert q["consumer"] == {"workers": 6, "worker_type": "process"}
    for env, words in (({"PIPELINE_WORKERS": "beaucoup"}, "PIPELINE_WORKERS"),
                       ({"PIPELINE_WORKERS": "0"}, "entre 1 et 64"),
                       ({"PIPELINE_WORKER_TYPE": "greenlet"}, "PIPELINE_WORKER_TYPE"),
                       ({"PIPELINE_REDIS_URL": "http://h"}, "PIPELINE_REDIS_URL")):
        with pytest.raises(envconfig.BadSetting, match=words):
            envconfig.huey(env, DATA)


def test_settings_module_honours_the_environment(tmp_path):
    """The settings module itself, in a fresh interpreter: PostgreSQL and Redis taken from the environment."""
    import subprocess
    import sys

    if not (importlib.util.find_spec("psycopg") or importlib.util.find_spec("psycopg2")) \
            or not importlib.util.find_spec("redis"):
        # Without the drivers, the start must stop with the French message (exit, no traceback).
        r = subprocess.run([sys.executable, "-c", "import pipeline.web.settings"], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "PIPELINE_DATA": str(tmp_path / "d"),
                                "PIPELINE_DATABASE_URL": "postgresql://u:p@h/base"})
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert "pilote psycopg n'est pas installé" in r.stderr or "redis" in r.stderr, r.stderr
        return
    code = ("import pipeline.web.settings as s; print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
            "s.HUEY['huey_class'], s.HUEY['consumer']['workers'])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "PIPELINE_DATA": str(tmp_path / "d"),
                            "PIPELINE_DATABASE_URL": "postgresql://u:p@h/base", "PIPELINE_REDIS_URL": "redis://h/0",
                            "PIPELINE_WORKERS": "4"})
    assert r.stdout.split() == ["django.db.backends.postgresql", "base", "huey.RedisHuey", "4"], r.stderr
