"""Real server processes for end-to-end and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests use right now (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class DaphneProcess:
    """``daphne asgi:application`` on a free loopback port, as production runs it."""

    def __init__(self, *, static_root: Path, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "STATIC_MANIFEST": "1",
            "STATIC_ROOT": str(static_root),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            "DB_POOL_MAX": "10",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen | None = None
        # A file, not a pipe: an undrained pipe would fill up and stall the server.
        self.log_path = Path(tempfile.mkstemp(prefix="daphne-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> DaphneProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("ab"),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)  # polling for the port to open; no event to await
        self.stop()
        raise RuntimeError("daphne did not start in time")

    def log(self) -> str:
        """Everything the server wrote to stderr so far (all of its starts)."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def collect_static(target: Path) -> Path:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "STATIC_MANIFEST": "1", "STATIC_ROOT": str(target)},
        check=True,
    )
    return target


class WorkerProcess:
    """``manage.py notify_worker`` on the test database, as production runs it next to
    Daphne: it turns notifications into mail and delivers the outbox."""

    def __init__(self, *, interval: float = 0.2, extra_env: dict[str, str] | None = None) -> None:
        self.interval = interval
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="worker-", suffix=".log")[1])

    def start(self, timeout: float = 30.0) -> WorkerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "notify_worker", "--interval", f"{self.interval:g}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the mail worker exited: {self.log()[-2000:]}")
            if "mail worker: a pass every" in self.log():
                return self
            time.sleep(0.05)  # polling its log for the start line; no event to await
        self.stop()
        raise RuntimeError("the mail worker did not start in time")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # it finishes its pass and exits
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class TasksWorkerProcess(WorkerProcess):
    """``manage.py db_worker`` (django-tasks-db) on the test database, as ``serve`` runs
    it next to Daphne: it runs the jobs of Django's Tasks API (the common-ground
    analysis). Jobs wait in the database until it takes them, so nothing waits for it
    to start."""

    def start(self, timeout: float = 30.0) -> TasksWorkerProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable, "manage.py", "db_worker", "--no-reload",
                "--interval", f"{self.interval:g}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self
