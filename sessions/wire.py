"""The Daphne fast path: broadcasts framed once and written straight to the sockets.

A broadcast text is wrapped in a :class:`Frame`, which frames it for the WebSocket wire
at most once however many sockets get it. :class:`WireMiddleware` (outermost in
``asgi.py``) notes Daphne's protocol object behind each connection (``wire_of``) in
``scope["live_wire"]``; a connection that has one is written to with
``write_prepared``, which skips the per-socket ASGI message, encoding and framing and,
when the socket has nothing queued, Twisted's write buffering. Any other server (or the
test communicator) gets the portable path through the ASGI ``send``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any


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


def wire_of(send: Callable) -> Any:
    """Daphne's WebSocket protocol object behind the server's ASGI ``send``, or None.

    Under Daphne the hub writes pre-framed broadcasts straight to that protocol,
    skipping the per-socket ASGI message, UTF-8 encoding and framing. Any other
    server (or the test communicator) gets the portable path through ``send``.
    """
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
