"""``makemessages`` for this project: the browser scripts mark their strings with the
room's ``api.t`` / ``api.nt`` (and ``t`` / ``nt`` where a script keeps them in local
names) besides Django's ``gettext`` family, so xgettext is told those keywords too; and
the folders that are not the product's source (the virtualenv, tests, benchmarks,
collected static files) are never scanned.

Refresh every catalogue with ``make messages``."""

from __future__ import annotations

from django.core.management.commands import makemessages

NOT_SOURCE = [".venv/*", "tests/*", "bench/*", "var/*", "deploy/*", "node_modules/*"]


class Command(makemessages.Command):
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        "--keyword=t",
        "--keyword=nt:1,2",
    ]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *NOT_SOURCE]
        return super().handle(*args, **options)
