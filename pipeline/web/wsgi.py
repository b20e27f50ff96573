"""WSGI entry point (gunicorn `pipeline.web.wsgi:application`, waitress in `pipeline serve`)."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline.web.settings")

from pipeline.fsutil import private_umask  # noqa: E402

private_umask()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
