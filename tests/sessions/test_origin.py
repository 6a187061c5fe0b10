"""sessions/origin.py on its own: which handshakes count as this site's own pages (the
refusal itself is tested through the consumer and a real server)."""

from __future__ import annotations

import pytest

from sessions.origin import origin_allowed, site_origin


def scope(host: bytes | None, origin: bytes | None, *, scheme: str = "ws", **more: bytes):
    headers = [(b"host", host)] if host is not None else []
    if origin is not None:
        headers.append((b"origin", origin))
    headers += [(name.replace("_", "-").encode(), value) for name, value in more.items()]
    return {"type": "websocket", "scheme": scheme, "headers": headers}


@pytest.mark.parametrize(
    ("host", "origin", "allowed"),
    [
        (b"127.0.0.1:8000", b"http://127.0.0.1:8000", True),
        (b"127.0.0.1", b"http://127.0.0.1:80", True),
        (b"127.0.0.1:8000", b"http://127.0.0.1:8001", False),
        (b"127.0.0.1:8000", b"https://127.0.0.1:8000", False),
        (b"127.0.0.1:8000", b"http://localhost:8000", False),
        (b"evil.example", b"http://evil.example", False),  # Host not in ALLOWED_HOSTS
        (None, b"http://127.0.0.1", False),
        (b"127.0.0.1", b"http://user@127.0.0.1", False),
        (b"127.0.0.1", b"http://127.0.0.1:99999", False),
        (b"127.0.0.1", b"file://", False),
    ],
)
def test_the_origin_must_be_the_sites_own_in_full(host, origin, allowed):
    assert origin_allowed(scope(host, origin)) is allowed


def test_a_tls_handshake_is_the_https_origin():
    assert site_origin(scope(b"localhost", None, scheme="wss")) == ("https", "localhost", 443)
    assert origin_allowed(scope(b"localhost", b"https://localhost", scheme="wss"))
    assert not origin_allowed(scope(b"localhost", b"http://localhost", scheme="wss"))


def test_the_proxys_word_on_tls_counts_only_when_trusted(settings):
    forwarded = scope(b"localhost", b"https://localhost", x_forwarded_proto=b"https")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert not origin_allowed(forwarded)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert origin_allowed(forwarded)
