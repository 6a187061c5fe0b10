"""Erase guest participants' profiles whose retention period has passed, now.

The same job runs once a day as a task (``sessions.retention``); this command runs it
at once in this process, or with ``--enqueue`` queues it for a tasks worker."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from sessions.retention import erase_expired, erase_expired_guest_profiles


class Command(BaseCommand):
    help = "Erase guest participants' profiles past their process's retention period."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the job for a tasks worker instead"
        )

    def handle(self, *args, enqueue: bool = False, **options) -> None:
        if enqueue:
            result = erase_expired_guest_profiles.enqueue()
            self.stdout.write(f"queued task {result.id}")
            return
        erased = erase_expired(now=timezone.now())
        self.stdout.write(f"erased {erased} guest participant profiles")
