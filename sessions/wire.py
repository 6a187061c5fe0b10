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

A socket that cannot keep up is found with :func:`watch_socket`: Twisted pauses a
streaming producer while the socket holds more than a set number of unsent bytes and
resumes it once all are sent; the connection then holds its frames itself
(``connections``). Where no producer can be registered, the unsent bytes are read from
the transport after each write and polled until they are sent.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

logger = logging.getLogger(__name__)

# What write_prepared and watch_socket read of a Twisted transport (a FileDescriptor).
TRANSPORT_ATTRIBUTES = (
    "_tempDataLen",
    "dataBuffer",
    "offset",
    "connected",
    "disconnecting",
    "bufferSize",
    "producer",
)

# How often a socket watched without a producer is checked while it holds unsent bytes.
POLL_S = 0.05


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


def unsent_bytes(transport: Any) -> int:
    """The bytes a Twisted transport holds that the kernel has not taken yet."""
    return (
        len(getattr(transport, "dataBuffer", b""))
        - getattr(transport, "offset", 0)
        + getattr(transport, "_tempDataLen", 0)
    )


class SocketWatch:
    """Tells a writer when a Daphne socket holds too much unsent: see :func:`watch_socket`.

    Registered as a Twisted streaming producer (``pauseProducing``,
    ``resumeProducing``, ``stopProducing``) when the transport allows it
    (``registered``); otherwise :meth:`written` reads the unsent bytes after each write
    and, past the limit, pauses and polls every ``POLL_S`` until they are all sent.
    """

    def __init__(
        self,
        wire: Any,
        *,
        limit: int,
        on_pause: Callable[[], None],
        on_resume: Callable[[], None],
        on_stop: Callable[[], None],
    ) -> None:
        self.wire = wire
        self.limit = limit
        self.on_pause = on_pause
        self.on_resume = on_resume
        self.on_stop = on_stop
        self.registered = False
        self.polling: asyncio.TimerHandle | None = None

    # IPushProducer: called by Twisted on the event loop's thread (Daphne runs Twisted
    # on asyncio).
    def pauseProducing(self) -> None:
        self.on_pause()

    def resumeProducing(self) -> None:
        self.on_resume()

    def stopProducing(self) -> None:
        self.stop()
        self.on_stop()

    def written(self) -> None:
        """After a write: without a producer, pause when too much is left unsent."""
        if self.registered or self.polling is not None:
            return
        if unsent_bytes(self.wire.transport) > self.limit:
            self.on_pause()
            self.polling = asyncio.get_running_loop().call_later(POLL_S, self._poll)

    def _poll(self) -> None:
        self.polling = None
        transport = self.wire.transport
        if not getattr(transport, "connected", False) or transport.disconnecting:
            self.on_stop()
        elif unsent_bytes(transport):
            self.polling = asyncio.get_running_loop().call_later(POLL_S, self._poll)
        else:
            self.on_resume()

    def stop(self) -> None:
        if self.polling is not None:
            self.polling.cancel()
            self.polling = None


def watch_socket(
    wire: Any,
    *,
    limit: int,
    on_pause: Callable[[], None],
    on_resume: Callable[[], None],
    on_stop: Callable[[], None],
) -> SocketWatch:
    """Watch a Daphne socket: ``on_pause`` when it holds more than ``limit`` unsent
    bytes, ``on_resume`` once it has sent them all, ``on_stop`` when it is gone.

    Registered as a streaming producer with Twisted when it can be: on the transport
    itself, or, after Daphne's upgrade from HTTP, with Twisted's ``HTTPChannel``,
    which stays the transport's producer and passes pause and resume on to the producer
    registered with it. The transport's ``bufferSize`` is set to ``limit``: Twisted
    pauses its producer past it.
    """
    watch = SocketWatch(wire, limit=limit, on_pause=on_pause, on_resume=on_resume, on_stop=on_stop)
    transport = wire.transport
    for consumer in (transport, getattr(transport, "producer", None)):
        register = getattr(consumer, "registerProducer", None)
        if register is None or not _passes_pauses_on(consumer, transport):
            continue
        try:
            register(watch, True)
        except RuntimeError:  # another producer holds it
            continue
        transport.bufferSize = limit
        watch.registered = True
        break
    return watch


def _passes_pauses_on(consumer: Any, transport: Any) -> bool:
    """Whether a producer registered with ``consumer`` is paused by ``transport``: the
    transport itself, or Twisted's HTTPChannel registered with it."""
    if consumer is transport:
        return hasattr(transport, "bufferSize")
    try:
        from twisted.web.http import HTTPChannel
    except ImportError:
        return False
    return isinstance(consumer, HTTPChannel)


class _FormattedWhenLogged:
    """``pprint.pformat`` put off until a log line that shows it is written."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __str__(self) -> str:
        from pprint import pformat

        return pformat(self.value)


def defer_autobahn_debug_formatting() -> bool:
    """autobahn pretty-prints every new connection's forty settings for a debug log
    line (``WebSocketProtocol._connectionMade``) even when debug logging is off: 3 % of
    a reconnect storm's samples on the process taking the clients of a dead one
    (docs/performance.md, "Losing a process"). Its module's ``pformat`` is made lazy.
    Whether it was (False if autobahn no longer looks as measured: nothing changed)."""
    from pprint import pformat

    from autobahn.websocket import protocol

    if getattr(protocol, "pformat", None) is not pformat:
        return False
    protocol.pformat = _FormattedWhenLogged
    return True
