"""Enqueue the periodic tasks that are due (``settings.PERIODIC_TASKS``), for the tasks
workers (``manage.py db_worker``) to run. Run it from cron or a systemd timer in
production (every few minutes is fine: a task is only enqueued once per period);
``manage.py serve`` does the same every minute by itself."""

from django.core.management.base import BaseCommand

from consult.periodic import enqueue_due_tasks


class Command(BaseCommand):
    help = "Enqueue the periodic background tasks that are due."

    def handle(self, *args, **options) -> None:
        for path in enqueue_due_tasks():
            self.stdout.write(f"queued {path}")
