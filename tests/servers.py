"""Real server processes for end-to-end and browser tests."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

from consult.asgi_server import daphne_command

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
            daphne_command(host="127.0.0.1", port=self.port),
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


# ``manage.py collectstatic`` with whitenoise's compressors remembering their output by
# the content they compress (argv[1]: the directory of remembered outputs): gzip (mtime
# 0) and brotli are deterministic, so the files written are the same bytes, and a
# collection after a few sources changed compresses only those (a full one takes about a
# minute, mostly brotli on the API docs' bundles).
_COLLECT = """
import hashlib, os, runpy, sys, threading
from pathlib import Path
from whitenoise.compress import Compressor

memo = Path(sys.argv.pop(1))

def remembered(suffix, compress):
    def run(data):
        known = memo / (hashlib.sha256(data).hexdigest() + suffix)
        try:
            return known.read_bytes()
        except FileNotFoundError:
            out = compress(data)
            partial = memo / f"{known.name}.{os.getpid()}-{threading.get_ident()}"
            partial.write_bytes(out)
            partial.replace(known)
            return out
    return staticmethod(run)

Compressor.compress_brotli = remembered(".br", Compressor.compress_brotli)
Compressor.compress_gzip = remembered(".gz", Compressor.compress_gzip)
sys.argv = ["manage.py", "collectstatic", "--noinput", "-v0"]
runpy.run_path("manage.py", run_name="__main__")
"""


def collect_static(target: Path, *, memo: Path | None = None) -> Path:
    """``collectstatic`` into ``target`` as production runs it (``STATIC_MANIFEST=1``);
    with ``memo``, compressed outputs are kept there and reused for the same content."""
    if memo is None:
        command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    else:
        command = [sys.executable, "-c", _COLLECT, str(memo)]
    subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "STATIC_MANIFEST": "1", "STATIC_ROOT": str(target)},
        check=True,
    )
    return target


def tools_digest() -> str:
    """The versions of what writes a static collection (its storage is always
    whitenoise's compressed manifest, with gzip and brotli), digested."""
    from importlib.metadata import version

    tools = [version(name) for name in ("django", "whitenoise", "brotli")]
    return hashlib.sha256(f"{tools}/{sys.version}".encode()).hexdigest()[:12]


def static_sources_digest() -> str:
    """A digest of everything ``collectstatic`` reads: each static file the finders list
    (its path and content), the static URL and the tools that write the collection."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    digest.update(f"{settings.STATIC_URL}\0{tools_digest()}\0".encode())
    files = sorted(
        (path, storage.path(path))
        for finder in get_finders()
        for path, storage in finder.list(["CVS", ".*", "*~"])
    )
    for path, full in files:
        digest.update(f"\0{path}\0".encode())
        digest.update(Path(full).read_bytes())
    return digest.hexdigest()[:20]


# Collections of static files (43 MB each) not used for this many seconds are removed
# (longer than any run); the remembered compressed outputs (a few MB) after two days.
STATIC_CACHE_AGE = 6 * 3600
MEMO_AGE = 2 * 24 * 3600


def shared_static() -> Path:
    """The static files collected as production collects them (manifest, gzip and
    brotli), shared by every test worker and every run while the sources stay the same.

    Collecting runs once, under a lock, for a given digest of the sources; the other
    workers wait for it and then read the same directory. It takes about a minute from
    nothing (brotli on the API docs' bundles), seconds when only some sources changed
    (the compressed outputs of unchanged content are remembered: ``collect_static``). A
    collection is renamed into place only once complete."""
    cache = Path(tempfile.gettempdir()) / "consult-test-static"
    cache.mkdir(exist_ok=True)
    target = cache / static_sources_digest()
    with (cache / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (target / "staticfiles.json").exists():
                partial = Path(tempfile.mkdtemp(prefix="partial-", dir=cache))
                memo = cache / f"compressed-{tools_digest()}"
                memo.mkdir(exist_ok=True)
                collect_static(partial, memo=memo)
                partial.rename(target)
                os.utime(memo)  # in use: not pruned below
            os.utime(target)  # in use: not pruned below
            now = time.time()
            for old in cache.iterdir():
                age = MEMO_AGE if old.name.startswith("compressed-") else STATIC_CACHE_AGE
                if old.is_dir() and now - old.stat().st_mtime > age:
                    shutil.rmtree(old, ignore_errors=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
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
