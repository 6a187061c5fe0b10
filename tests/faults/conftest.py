from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time

import pytest
import redis

from tests.servers import ROOT, DaphneProcess, free_port


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


class NginxProcess:
    """nginx running the committed ``deploy/nginx.conf`` in front of the given servers.

    Only the addresses change: the upstream lists the test's Daphne ports instead of
    Docker's ``app`` replicas, and it listens on a free loopback port."""

    def __init__(self, upstream_ports: list[int], workdir) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.upstream_ports = upstream_ports
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        servers = "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n"
            for port in self.upstream_ports
        )
        site, replaced = re.subn(r"    server app:8000[^\n]*\n", servers, site)
        assert replaced == 1, "deploy/nginx.conf no longer has the app upstream line"
        site, replaced = re.subn(r"listen 80;", f"listen 127.0.0.1:{self.port};", site)
        assert replaced == 1, "deploy/nginx.conf no longer listens on port 80"
        tmp = self.workdir
        return (
            f"daemon off;\nworker_processes 1;\npid {tmp}/nginx.pid;\n"
            f"error_log {tmp}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "access_log off;\n"
            f"client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n"
            f"fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi;\n"
            f"scgi_temp_path {tmp}/scgi;\n"
            f"{site}\n}}\n"
        )

    def start(self) -> NginxProcess:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        conf = self.workdir / "nginx.conf"
        conf.write_text(self.config())
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.workdir), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.workdir / "error.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)  # waiting for the port to open
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def load_balancer(two_servers, tmp_path):
    lb = NginxProcess([s.port for s in two_servers], tmp_path).start()
    yield lb
    lb.stop()
