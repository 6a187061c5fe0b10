"""``manage.py serve`` (what ``make run`` runs): Daphne, the mail worker and the tasks
worker as children; Ctrl-C stops all three, and one of them dying stops the others. It
enqueues the periodic tasks, which its tasks worker runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from tests.servers import ROOT, database_url, free_port

# Transactional: the server's processes write jobs to the test database, which is
# flushed after each test.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CHILDREN = {"daphne", "mail worker", "tasks worker"}
RETENTION = "sessions.retention.erase_expired_guest_profiles"


class Serve:
    def __init__(self, static_root: Path) -> None:
        self.port = free_port()
        self.log_path = Path(tempfile.mkstemp(prefix="serve-", suffix=".log")[1])
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "STATIC_MANIFEST": "1",
            "STATIC_ROOT": str(static_root),
            "PYTHONUNBUFFERED": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self, timeout: float = 30.0) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    pass
            except OSError:
                time.sleep(0.05)  # polling for the port to open; no event to await
                continue
            log = self.log()
            if "mail worker: a pass every" in log and "Starting worker" in log:
                return {
                    name: int(pid)
                    for name, pid in re.findall(
                        r"started (daphne|mail worker|tasks worker) \(pid (\d+)\)", log
                    )
                }
            time.sleep(0.05)  # the workers' start lines come a moment after Daphne's port
        raise AssertionError(f"not serving in time: {self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def serve(static_root):
    started = Serve(static_root)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def serving(static_root):
    """One server for two tests (starting its four processes is most of a test's time):
    the periodic tasks run on it, then Ctrl-C stops it."""
    started = Serve(static_root)
    yield started
    started.stop()


def test_the_periodic_tasks_are_enqueued_and_run_by_the_tasks_worker(serving):
    serving.wait_until_serving()
    deadline = time.monotonic() + 30
    job = None
    while time.monotonic() < deadline:
        job = DBTaskResult.objects.filter(task_path=RETENTION).first()
        if job is not None and job.status == "SUCCESSFUL":
            break
        time.sleep(0.1)  # polling another process's table; no event to await
    assert job is not None and job.status == "SUCCESSFUL", serving.log()
    assert job.return_value == 0  # nothing to erase in an empty database
    assert f"queued {RETENTION}" in serving.log()


def test_ctrl_c_stops_daphne_and_the_workers(serving):
    serve = serving  # still running after the periodic tasks' test (if that ran)
    children = serve.wait_until_serving()
    assert set(children) == CHILDREN and all(map(alive, children.values()))
    serve.proc.send_signal(signal.SIGINT)
    assert serve.proc.wait(timeout=20) == 0
    assert not any(map(alive, children.values()))
    assert "stopped" in serve.log()


def test_when_the_worker_dies_the_server_stops_too(serve):
    children = serve.wait_until_serving()
    os.kill(children["mail worker"], signal.SIGKILL)
    assert serve.proc.wait(timeout=20) != 0
    assert not alive(children["daphne"])
    assert "mail worker exited" in serve.log()


def test_when_the_tasks_worker_dies_the_server_stops_too(serve):
    children = serve.wait_until_serving()
    os.kill(children["tasks worker"], signal.SIGKILL)
    assert serve.proc.wait(timeout=20) != 0
    assert not alive(children["daphne"]) and not alive(children["mail worker"])
    assert "tasks worker exited" in serve.log()
