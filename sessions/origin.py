"""Which pages may open the live room's WebSocket.

A browser sends its cookies with a WebSocket handshake whatever page opens it, so a page
elsewhere could act as the facilitator with their cookie. The handshake's ``Origin``
(scheme, host and port: the page that opens the socket) must therefore be this site's
own origin (the scheme the request came in by, and its ``Host``, which must be one of
``ALLOWED_HOSTS``) or one of ``CSRF_TRUSTED_ORIGINS``, compared in full: another port or
scheme of an allowed host is another site. Behind a TLS proxy the scheme is read from
``SECURE_PROXY_SSL_HEADER`` as Django reads it for HTTP requests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_parts(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as ``https://example.org:8443``; None for
    anything that is not an http(s) origin (``null``, a path, garbage)."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _headers(scope: dict[str, Any]) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def _came_by_tls(scope: dict[str, Any], headers: dict[bytes, bytes]) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy:
        return False
    name, value = proxy
    header = name.removeprefix("HTTP_").replace("_", "-").lower().encode()
    said = headers.get(header, b"").decode("latin1").split(",")[0].strip()
    return said == value


def site_origin(scope: dict[str, Any]) -> tuple[str, str, int] | None:
    """This site's origin as the handshake reached it; None if its Host is not allowed."""
    headers = _headers(scope)
    host = headers.get(b"host", b"").decode("latin1")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if _came_by_tls(scope, headers) else "http"
    return _origin_parts(f"{scheme}://{host}")


def origin_allowed(scope: dict[str, Any]) -> bool:
    origin = _headers(scope).get(b"origin")
    if origin is None:
        return False
    wanted = _origin_parts(origin.decode("latin1"))
    if wanted is None:
        return False
    trusted = {_origin_parts(o) for o in settings.CSRF_TRUSTED_ORIGINS} - {None}
    return wanted == site_origin(scope) or wanted in trusted


class SameOriginValidator:
    """ASGI middleware: refuses (closes before accepting) a WebSocket handshake whose
    Origin is not this site's (see the module's docstring)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
