#!/usr/bin/env python
import os
import secrets
import sys

# Commands that sign nothing another process must read later (the schema, static
# files, checks) run without SECRET_KEY, on a throwaway key for this process only.
# Anything that serves, sends mail or runs jobs needs the real key (consult/settings.py).
KEYLESS_COMMANDS = {
    "makemigrations",
    "migrate",
    "showmigrations",
    "sqlmigrate",
    "check",
    "collectstatic",
    "compilemessages",
    "makemessages",
    "help",
}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
