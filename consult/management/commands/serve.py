"""``make run``'s server: Daphne, the mail worker and a tasks worker (``db_worker`` of
django-tasks-db, which runs the jobs of Django's Tasks API) as three child processes of
one command. Ctrl-C (SIGINT) or SIGTERM stops all three; if one exits on its own, the
others are stopped too and the command exits with its status, so nothing runs
half-started. Every minute the command also enqueues the periodic tasks that are due
(``consult.periodic``), so the daily jobs run without cron."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from consult.asgi_server import daphne_command
from consult.periodic import enqueue_due_tasks

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10.0
SCHEDULE_SECONDS = 60.0  # how often the periodic tasks are checked


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """On Linux, a child gets SIGTERM if this command dies without stopping it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Command(BaseCommand):
    help = "Serve the platform with Daphne and run the mail and tasks workers; Ctrl-C stops all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--worker-interval", type=float, default=5.0, help="seconds between worker passes"
        )

    def handle(self, *args, host: str, port: int, worker_interval: float, **options) -> None:
        manage = str(settings.BASE_DIR / "manage.py")
        commands = {
            "daphne": daphne_command(host=host, port=port),
            "mail worker": [sys.executable, manage, "notify_worker",
                            "--interval", f"{worker_interval:g}"],
            "tasks worker": [sys.executable, manage, "db_worker", "--no-reload",
                             "--interval", f"{min(worker_interval, 1.0):g}"],
        }  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # mail shows as it goes
        # Links in mail point at this server unless SITE_URL says otherwise.
        public = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104
        env.setdefault("SITE_URL", f"http://{public}:{port}")
        stop = threading.Event()
        stopped_by: list[int] = []

        def on_signal(signum, _frame) -> None:
            stopped_by.append(signum)
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
        children: dict[str, subprocess.Popen] = {}
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(  # noqa: S603 - our own fixed commands
                    command,
                    cwd=settings.BASE_DIR,
                    env=env,
                    preexec_fn=_die_with_parent,
                )
                self.stdout.write(f"started {name} (pid {children[name].pid})")
            self.stdout.write(
                f"serving http://{host}:{port}/ ; Ctrl-C stops the server and workers"
            )
            ended = None
            next_schedule = 0.0
            while ended is None and not stop.wait(0.2):  # supervising: poll the children
                ended = next((n for n, p in children.items() if p.poll() is not None), None)
                if time.monotonic() >= next_schedule:
                    next_schedule = time.monotonic() + SCHEDULE_SECONDS
                    self._enqueue_due_tasks()
        finally:
            self._stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if stopped_by:
            self.stdout.write("stopped")
            return
        code = children[ended].returncode
        raise CommandError(
            f"{ended} exited with status {code}; stopped the rest",
            returncode=code if code > 0 else 1,
        )

    def _enqueue_due_tasks(self) -> None:
        try:
            for path in enqueue_due_tasks():
                self.stdout.write(f"queued {path}")
        except DatabaseError as error:  # not migrated yet, or the database away: next minute
            self.stderr.write(f"could not enqueue periodic tasks: {error}")
        finally:
            connections.close_all()

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        running = [p for p in children.values() if p.poll() is None]
        for process in running:
            process.terminate()  # SIGTERM: Daphne and the worker both finish cleanly
        for name, process in children.items():
            try:
                process.wait(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {GRACE_SECONDS:g} s; killing it")
                process.kill()
                process.wait()
