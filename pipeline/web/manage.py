"""`python -m pipeline.web.manage COMMAND` — Django's manage.py for the desk (consumer, shell...)."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline.web.settings")
    from pipeline.fsutil import private_umask

    private_umask()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
