import shutil
import subprocess
import time

import pytest
import redis

from tests.servers import DaphneProcess, free_port


class RedisProcess:
    """A private Redis for tests that stop and restart it (the shared one stays up)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)  # waiting for the port to open
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def private_redis():
    server = RedisProcess()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def two_servers(transactional_db, static_root, private_redis):
    """Two Daphne processes sharing the test database and a private Redis."""
    servers = [
        DaphneProcess(static_root=static_root, extra_env={"REDIS_URL": private_redis.url}).start()
        for _ in range(2)
    ]
    yield servers
    for server in servers:
        server.stop()
