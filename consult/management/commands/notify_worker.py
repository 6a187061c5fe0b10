"""The background mail worker. Each pass queues "closing soon" notices, turns due
notifications into mail (at once or as daily digests) and delivers the outbox, which
holds every message the product sends (account mail included), through the real mail
backend. A failed delivery stays in the outbox and is tried again later."""

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

from consult import mail, notifications

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send queued notifications and deliver the outbox; runs until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args, once: bool = False, interval: float = 5.0, **options) -> None:
        stop = threading.Event()
        if not once:
            # SIGTERM (docker stop, `manage.py serve`) or Ctrl-C: finish the pass, then exit.
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
            self.stdout.write(f"mail worker: a pass every {interval:g} s")
        while not stop.is_set():
            try:
                self.run_pass()
            except Exception:  # the database away: keep the queue, try again next pass
                log.exception("mail worker pass failed; will retry")
                if once:
                    raise
            if once:
                return
            stop.wait(interval)  # a polling worker: wait for the next pass (or a stop)
            close_old_connections()  # drop a connection the database closed meanwhile

    def run_pass(self) -> None:
        notifications.queue_closing_notices()
        queued = notifications.send_due()
        # Mail of the apps above consult (settings.MAIL_WORKER_PASSES, dotted paths of
        # functions taking no arguments), queued into the outbox delivered just below.
        for dotted in getattr(settings, "MAIL_WORKER_PASSES", ()):
            queued += import_string(dotted)()
        delivered = 0
        while True:  # a backlog: keep delivering without waiting for the next pass
            batch = mail.deliver_due()
            delivered += batch
            if batch < mail.DELIVER_LIMIT:
                break
        if queued or delivered:
            self.stdout.write(f"notifications mailed: {queued}, emails delivered: {delivered}")
