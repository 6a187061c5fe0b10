from __future__ import annotations

import re
import shutil
import socket
import ssl
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
    # As behind deploy/nginx.conf: the proxy's X-Forwarded-Proto says https.
    env = {"REDIS_URL": private_redis.url, "TRUST_X_FORWARDED_PROTO": "true"}
    servers = [DaphneProcess(static_root=static_root, extra_env=env).start() for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


class NginxProcess:
    """nginx running the committed ``deploy/nginx.conf`` (TLS) in front of the given
    servers, with a certificate made for 127.0.0.1 by openssl.

    Only the addresses change: the upstream lists the test's Daphne ports instead of
    Docker's ``app`` replicas, it listens on free loopback ports, and the certificate
    is the test's."""

    def __init__(self, upstream_ports: list[int], workdir) -> None:
        self.port = free_port()
        self.http_port = free_port()
        self.workdir = workdir
        self.upstream_ports = upstream_ports
        self.proc: subprocess.Popen | None = None
        self.certificate = workdir / "certs" / "fullchain.pem"

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this nginx's certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def config(self) -> str:
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        servers = "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n"
            for port in self.upstream_ports
        )
        tmp = self.workdir
        for pattern, replacement, what in [
            (r"    server app:8000[^\n]*\n", servers, "the app upstream line"),
            (r"listen 80;", f"listen 127.0.0.1:{self.http_port};", "port 80"),
            (r"listen 443 ssl", f"listen 127.0.0.1:{self.port} ssl", "port 443 with TLS"),
            (r"/etc/nginx/certs/", f"{tmp}/certs/", "the certificates in /etc/nginx/certs/"),
        ]:
            site, replaced = re.subn(pattern, replacement, site)
            assert replaced, f"deploy/nginx.conf no longer has {what}"
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

    def make_certificate(self) -> None:
        self.certificate.parent.mkdir(exist_ok=True)
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(self.certificate.parent / "privkey.pem"),
                "-out", str(self.certificate),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def start(self) -> NginxProcess:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.make_certificate()
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
