"""The Daphne fast path: broadcasts framed once and written straight to the sockets.

A broadcast text is wrapped in a :class:`Frame`, which frames it for the WebSocket wire
at most once however many sockets get it. :class:`WireMiddleware` (outermost in
``asgi.py``) notes Daphne's protocol object behind each connection (``wire_of``) in
``scope["live_wire"]``; a connection that has one is written to with
``write_prepared``, which skips the per-socket ASGI message, encoding and framing and,
when the socket has nothing queued, Twisted's write buffering. Any other server (or the
test communicator) gets the portable path through the ASGI ``send``.

``write_prepared`` reads private attributes of Twisted's transport and autobahn's
protocol (pinned in pyproject.toml to the ranges it was measured with).
``fast_path_problem`` checks once, at start-up (``LiveConfig.ready``), that they are
there; if not, a warning is logged and every connection takes the portable path.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

logger = logging.getLogger(__name__)

# What write_prepared reads of a Twisted transport (an instance of FileDescriptor).
TRANSPORT_ATTRIBUTES = ("_tempDataLen", "dataBuffer", "offset", "connected", "disconnecting")


class Frame:
    """One broadcast text, framed for the wire at most once however many sockets get it."""

    __slots__ = ("_prepared", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._prepared = None

    @property
    def prepared(self):
        if self._prepared is None:
            from autobahn.websocket.protocol import PreparedMessage

            self._prepared = PreparedMessage(self.text.encode(), False, False, True)
        return self._prepared


def fast_path_problem() -> str:
    """What the fast path relies on that the installed Twisted, autobahn or Daphne
    lacks ("" when nothing is missing)."""
    try:
        from autobahn.twisted.websocket import WebSocketServerProtocol
        from autobahn.websocket.protocol import PreparedMessage
        from daphne.ws_protocol import WebSocketProtocol
        from twisted.internet.abstract import FileDescriptor
        from twisted.internet.tcp import Connection
    except ImportError as exc:
        return f"cannot import {exc.name}"
    transport = FileDescriptor()
    missing = [name for name in TRANSPORT_ATTRIBUTES if not hasattr(transport, name)]
    if missing:
        return "Twisted transports lack " + ", ".join(missing)
    if not hasattr(Connection, "TLS"):
        return "Twisted connections lack TLS"
    if not issubclass(WebSocketProtocol, WebSocketServerProtocol):
        return "Daphne's protocol is not autobahn's WebSocketServerProtocol"
    for name in ("sendPreparedMessage", "_connectionMade", "STATE_OPEN"):
        if not hasattr(WebSocketServerProtocol, name):
            return f"autobahn's protocol lacks {name}"
    sets = set()
    for cls in WebSocketServerProtocol.__mro__:
        code = getattr(cls.__dict__.get("_connectionMade"), "__code__", None)
        sets.update(code.co_names if code else ())
    if "_perMessageCompress" not in sets:
        return "autobahn's protocol no longer sets _perMessageCompress"
    if not hasattr(PreparedMessage(b"x", False, False, True), "payloadHybi"):
        return "autobahn's PreparedMessage lacks payloadHybi"
    return ""


@functools.cache
def fast_path_enabled() -> bool:
    """Whether connections use the fast path: checked once per process, with a warning
    naming what is missing when they do not."""
    problem = fast_path_problem()
    if problem:
        logger.warning(
            "Broadcasts take the portable path (slower): %s. Check the Twisted and "
            "autobahn versions pinned in pyproject.toml.",
            problem,
        )
    return not problem


def wire_of(send: Callable) -> Any:
    """Daphne's WebSocket protocol object behind the server's ASGI ``send``, or None.

    Under Daphne the hub writes pre-framed broadcasts straight to that protocol,
    skipping the per-socket ASGI message, UTF-8 encoding and framing. Any other
    server (or the test communicator) gets the portable path through ``send``.
    """
    if not fast_path_enabled():
        return None
    protocol = send.args[0] if isinstance(send, partial) and send.args else None
    if protocol is not None and hasattr(protocol, "sendPreparedMessage"):
        return protocol
    return None


def write_prepared(wire: Any, prepared: Any) -> None:
    """Send a pre-framed message on a Daphne socket.

    Twisted buffers every write and sends it on the next reactor turn, which costs
    two more ``epoll_ctl`` calls and a reactor callback per socket: a third of a
    2,000-socket broadcast. When the socket has nothing queued, this tries the
    ``send()`` at once, as asyncio does, and hands only what did not fit to Twisted,
    so order is kept. TLS, compressed or unusual transports take the normal path.
    """
    transport = wire.transport
    sock = getattr(transport, "socket", None)
    if (
        wire._perMessageCompress is not None
        or sock is None
        or getattr(transport, "TLS", True)
        or not getattr(transport, "connected", False)
        or transport.disconnecting
        or transport._tempDataLen
        or len(transport.dataBuffer) > transport.offset
    ):
        wire.sendPreparedMessage(prepared)
        return
    data = prepared.payloadHybi
    try:
        sent = sock.send(data)
    except (BlockingIOError, InterruptedError):
        sent = 0
    except OSError:
        # A broken socket: let Twisted find out and close it the usual way.
        sent = 0
    if sent < len(data):
        transport.write(data[sent:])


class WireMiddleware:
    """Outermost ASGI middleware: notes the server's own ``send`` (before session
    middleware wraps it) in ``scope["live_wire"]`` for the hub's fast path."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        return await self.inner({**scope, "live_wire": wire_of(send)}, receive, send)
