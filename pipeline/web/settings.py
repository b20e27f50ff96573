"""Settings of the desk, read from the environment so that one data folder is one desk.

PIPELINE_DATA          data folder (SQLite database, files, task queue); owner-only
PIPELINE_DATABASE_URL  postgresql://user:password@host:5432/name[?sslmode=require] (production; SQLite otherwise)
PIPELINE_DATABASE_PASSWORD_FILE  the database password read from a file (systemd credential)
PIPELINE_REDIS_URL     redis://host:6379/0 (task queue on Redis for several workers; SQLite otherwise)
PIPELINE_WORKERS, PIPELINE_WORKER_TYPE  the task consumer's defaults (2, thread); see envconfig.py
PIPELINE_ALLOWED_HOSTS comma-separated host names (default: 127.0.0.1,localhost)
PIPELINE_HTTPS=1       behind a TLS reverse proxy: secure cookies, HSTS, proxy header trusted
PIPELINE_DEBUG=1       development only
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from pipeline import fsutil
from pipeline.web import envconfig

fsutil.private_umask()

DATA_DIR = Path(os.environ.get("PIPELINE_DATA") or Path.home() / ".local" / "share" / "pipeline-web").resolve()
fsutil.ensure_dir(DATA_DIR)
os.chmod(DATA_DIR, fsutil.DIR_MODE)
FILES_DIR = fsutil.ensure_dir(DATA_DIR / "fichiers")
WEB_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    if os.environ.get("PIPELINE_SECRET_KEY"):
        return os.environ["PIPELINE_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fsutil.write_text(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("PIPELINE_DEBUG") == "1"
ALLOWED_HOSTS = envconfig.hosts(os.environ)
HTTPS = os.environ.get("PIPELINE_HTTPS") == "1"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "huey.contrib.djhuey",
    "pipeline.web.desk",
    "pipeline.web.cdg",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a session except the login page (views opt out explicitly).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pipeline.web.urls"
WSGI_APPLICATION = "pipeline.web.wsgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [WEB_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "pipeline.web.desk.access.context",
    ]},
}]


DATABASES = {"default": envconfig.database(os.environ, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: 5 failures lock the account from that address for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/verrouille.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions: 8 hours of work, closed with the browser; cookies out of reach of scripts.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_SSL_REDIRECT = True
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "pipeline.web.desk.views.csrf_failure"

# Nothing is loaded from elsewhere: no CDN, no external font, no inline script.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
    "img-src": ["'self'", "data:"], "font-src": ["'self'"], "connect-src": ["'self'"],
    "object-src": ["'none'"], "base-uri": ["'none'"], "frame-ancestors": ["'none'"], "form-action": ["'self'"],
}}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = fsutil.ensure_dir(DATA_DIR / "static")
STATICFILES_DIRS = [WEB_DIR / "static"]  # the desk's CSS and JS, shipped in the package
WHITENOISE_USE_FINDERS = True  # served from the package: no collectstatic needed for `pipeline serve`
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: a scanned pièce is a few MB; a drop holds several files.
UPLOAD_MAX_BYTES = int(os.environ.get("PIPELINE_UPLOAD_MAX_MB", "25")) * 1024 * 1024
UPLOAD_MAX_PAGES = int(os.environ.get("PIPELINE_UPLOAD_MAX_PAGES", "60"))
UPLOAD_MAX_FILES = 20
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(fsutil.ensure_dir(DATA_DIR / "tmp"))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000
# A folder dropped on « Dépôt par lot » may hold as many files as a zip (limit of pipeline.read.archive).
DATA_UPLOAD_MAX_NUMBER_FILES = 1000

HUEY = envconfig.huey(os.environ, DATA_DIR)

# No personal or medical data in logs: only warnings of the framework, to stderr.
LOGGING = {
    "version": 1, "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
