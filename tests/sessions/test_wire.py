"""The Daphne fast path (sessions/wire.py): the protocol object found behind Daphne's
``send``, pre-framed broadcasts sent straight to the socket when it can take them, the
rest handed to Twisted's buffer in order; a socket that holds too much unsent is
watched (Twisted's producer calls, or its unsent bytes polled)."""

import asyncio
import socket
from functools import partial

import pytest
from autobahn.websocket.protocol import PreparedMessage

from sessions import wire as wire_module
from sessions.wire import (
    Frame,
    WireMiddleware,
    fast_path_enabled,
    fast_path_problem,
    unsent_bytes,
    watch_socket,
    wire_of,
    write_prepared,
)


class FakeTransport:
    """The attributes of ``twisted.internet.tcp.Server`` the fast path reads."""

    TLS = False

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock
        self.connected = True
        self.disconnecting = False
        self.dataBuffer = b""
        self.offset = 0
        self._tempDataLen = 0
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))
        self._tempDataLen += len(data)


class FakeWire:
    def __init__(self, transport: FakeTransport) -> None:
        self.transport = transport
        self._perMessageCompress = None
        self.prepared_sent: list[PreparedMessage] = []

    def sendPreparedMessage(self, prepared: PreparedMessage) -> None:
        self.prepared_sent.append(prepared)


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    server.setblocking(False)
    client.setblocking(False)
    yield server, client
    server.close()
    client.close()


def receive_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_an_idle_socket_gets_the_frame_directly(pair):
    server, client = pair
    wire = FakeWire(FakeTransport(server))
    frame = Frame('{"type":"event","seq":1}')
    write_prepared(wire, frame.prepared)
    assert receive_all(client) == frame.prepared.payloadHybi
    assert wire.transport.written == []
    assert wire.prepared_sent == []


def test_what_does_not_fit_goes_to_twisted_in_order(pair):
    server, client = pair
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    wire = FakeWire(FakeTransport(server))
    frame = Frame("x" * 200_000)
    write_prepared(wire, frame.prepared)
    direct = receive_all(client)
    assert 0 < len(direct) < len(frame.prepared.payloadHybi)
    assert direct + b"".join(wire.transport.written) == frame.prepared.payloadHybi
    # With bytes now queued in Twisted, the next frame must queue behind them.
    second = Frame('{"seq":2}')
    write_prepared(wire, second.prepared)
    assert wire.prepared_sent == [second.prepared]
    assert receive_all(client) == b""


@pytest.mark.parametrize(
    "change",
    [
        lambda w: setattr(w.transport, "TLS", True),
        lambda w: setattr(w, "_perMessageCompress", object()),
        lambda w: setattr(w.transport, "disconnecting", True),
        lambda w: setattr(w.transport, "dataBuffer", b"pending"),
        lambda w: setattr(w.transport, "socket", None),
    ],
    ids=["tls", "compression", "closing", "buffered", "no-socket"],
)
def test_other_transports_take_the_normal_path(pair, change):
    server, client = pair
    wire = FakeWire(FakeTransport(server))
    change(wire)
    frame = Frame('{"seq":3}')
    write_prepared(wire, frame.prepared)
    assert wire.prepared_sent == [frame.prepared]
    assert receive_all(client) == b""


def test_a_broken_socket_is_left_for_twisted_to_close(pair):
    server, client = pair
    client.close()
    wire = FakeWire(FakeTransport(server))
    frame = Frame('{"seq":4}')
    write_prepared(wire, frame.prepared)
    assert b"".join(wire.transport.written) == frame.prepared.payloadHybi


class DaphneProtocol:
    def sendPreparedMessage(self, prepared: PreparedMessage) -> None:
        raise AssertionError("not sent in these tests")


class DaphneServer:
    async def handle_reply(self, protocol, message: dict) -> None:
        raise AssertionError("not sent in these tests")


def daphne_send(protocol):
    """Daphne's ASGI ``send`` for a connection, as ``daphne.server`` makes it."""
    return partial(DaphneServer().handle_reply, protocol)


async def plain_send(message):
    pass


def test_the_protocol_behind_daphnes_send_is_found():
    protocol = DaphneProtocol()
    assert wire_of(daphne_send(protocol)) is protocol


@pytest.mark.parametrize(
    "send",
    [plain_send, daphne_send(object()), partial(plain_send)],
    ids=["another-server", "not-a-websocket-protocol", "no-bound-argument"],
)
def test_other_servers_have_no_wire(send):
    assert wire_of(send) is None


@pytest.mark.asyncio
async def test_the_middleware_puts_the_wire_in_a_copy_of_the_scope():
    seen = []

    async def inner(scope, receive, send):
        seen.append((scope, send))

    protocol = DaphneProtocol()
    send = daphne_send(protocol)
    scope = {"type": "websocket", "path": "/ws/s/ABC/"}
    await WireMiddleware(inner)(scope, None, send)
    assert seen == [({**scope, "live_wire": protocol}, send)]
    assert "live_wire" not in scope
    await WireMiddleware(inner)(scope, None, plain_send)
    assert seen[1][0]["live_wire"] is None


# --------------------------------------------------------------------------- start-up check


@pytest.fixture
def fresh_check():
    """The once-per-process check computed again, and again after the test."""
    fast_path_enabled.cache_clear()
    yield
    fast_path_enabled.cache_clear()


def test_the_installed_twisted_and_autobahn_have_what_the_fast_path_reads(fresh_check):
    assert fast_path_problem() == ""
    assert fast_path_enabled() is True
    protocol = DaphneProtocol()
    assert wire_of(daphne_send(protocol)) is protocol


def test_a_missing_transport_attribute_turns_the_fast_path_off(fresh_check, monkeypatch, caplog):
    monkeypatch.setattr(
        wire_module, "TRANSPORT_ATTRIBUTES", (*wire_module.TRANSPORT_ATTRIBUTES, "_gone")
    )
    assert fast_path_problem() == "Twisted transports lack _gone"
    with caplog.at_level("WARNING", logger="sessions.wire"):
        assert fast_path_enabled() is False
        fast_path_enabled()  # checked once: one warning
    [record] = caplog.records
    assert "portable path" in record.getMessage()
    assert "Twisted transports lack _gone" in record.getMessage()
    # Every connection then takes the portable path (the ASGI send).
    assert wire_of(daphne_send(DaphneProtocol())) is None


def test_an_autobahn_without_prepared_messages_turns_the_fast_path_off(fresh_check, monkeypatch):
    from autobahn.websocket.protocol import WebSocketProtocol

    monkeypatch.delattr(WebSocketProtocol, "sendPreparedMessage")
    assert fast_path_problem() == "autobahn's protocol lacks sendPreparedMessage"
    assert wire_of(daphne_send(DaphneProtocol())) is None


# --------------------------------------------------------------------------- slow sockets


class Watched:
    """What watch_socket calls back, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def watch(self, wire, limit: int = 100):
        return watch_socket(
            wire,
            limit=limit,
            on_pause=lambda: self.calls.append("pause"),
            on_resume=lambda: self.calls.append("resume"),
            on_stop=lambda: self.calls.append("stop"),
        )


def test_a_transport_without_a_producer_gets_the_watch_and_the_limit():
    from twisted.internet.abstract import FileDescriptor

    transport = FileDescriptor()
    watched = Watched()
    watch = watched.watch(FakeWire(transport), limit=300)
    assert watch.registered
    assert (transport.producer, transport.streamingProducer) == (watch, True)
    assert transport.bufferSize == 300
    transport.producer.pauseProducing()
    transport.producer.resumeProducing()
    assert watched.calls == ["pause", "resume"]


def test_after_daphnes_upgrade_the_watch_registers_with_the_http_channel():
    from twisted.internet.abstract import FileDescriptor
    from twisted.web.http import HTTPChannel

    transport = FileDescriptor()
    transport.connected = 1
    channel = HTTPChannel()
    channel.timeOut = None
    transport.registerProducer(channel, True)  # as HTTPChannel.connectionMade does
    watched = Watched()
    watch = watched.watch(FakeWire(transport), limit=300)
    assert watch.registered
    assert transport.producer is channel
    assert transport.bufferSize == 300
    channel._networkProducer = transport
    channel._handlingRequest = True  # Daphne never finishes the upgrade request
    channel.pauseProducing()
    channel.resumeProducing()
    channel.stopProducing()
    assert watched.calls == ["pause", "resume", "stop"]


@pytest.mark.asyncio
async def test_a_transport_taken_by_another_producer_is_watched_by_its_unsent_bytes(pair):
    server, _client = pair
    transport = FakeTransport(server)
    transport.producer = object()  # not a consumer: nothing can be registered
    watched = Watched()
    watch = watched.watch(FakeWire(transport), limit=100)
    assert not watch.registered
    transport.dataBuffer, transport.offset, transport._tempDataLen = b"x" * 80, 30, 40
    assert unsent_bytes(transport) == 90
    watch.written()
    assert watched.calls == [] and watch.polling is None
    transport._tempDataLen = 60
    watch.written()
    assert watched.calls == ["pause"] and watch.polling is not None
    watch.stop()


@pytest.mark.asyncio
async def test_a_polled_watch_resumes_once_all_is_sent_and_stops_with_the_socket(pair):
    server, _client = pair
    transport = FakeTransport(server)
    resumed = asyncio.Event()
    calls: list[str] = []
    watch = watch_socket(
        FakeWire(transport),
        limit=10,
        on_pause=lambda: calls.append("pause"),
        on_resume=lambda: (calls.append("resume"), resumed.set()),
        on_stop=lambda: calls.append("stop"),
    )
    transport._tempDataLen = 11
    watch.written()
    transport._tempDataLen = 0
    await asyncio.wait_for(resumed.wait(), 5)
    assert calls == ["pause", "resume"] and watch.polling is None
    transport._tempDataLen = 11
    watch.written()
    transport.disconnecting = True
    watch.stop()  # the connection ended it: no more polls
    assert watch.polling is None
    assert calls == ["pause", "resume", "pause"]


def test_autobahn_formats_its_settings_only_for_a_written_debug_line():
    """The lazy stand-in for autobahn's ``pformat`` (installed at start-up) formats as
    ``pformat`` does, when turned into text, and not before."""
    from pprint import pformat

    from autobahn.websocket import protocol

    from sessions.wire import _FormattedWhenLogged, defer_autobahn_debug_formatting

    assert protocol.pformat is _FormattedWhenLogged  # LiveConfig.ready installed it
    assert defer_autobahn_debug_formatting() is False  # once only
    settings_list = [("openHandshakeTimeout", 5, "Factory"), ("autoPingInterval", 0, "Factory")]
    lazy = protocol.pformat(settings_list)
    assert f"\n{lazy}" == "\n" + pformat(settings_list)
