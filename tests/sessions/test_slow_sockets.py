"""Slow sockets (sessions/connections.py, sessions/wire.py): a socket whose reader falls
behind stops being written to; its connection holds the frames, in order, a newer tally
replacing an unsent older one (the client is told the replaced seqs with ``skipped``);
past the bound it drops the backlog and gets a fresh snapshot once it has drained.

The transport here is Twisted's own ``FileDescriptor`` (its buffering and producer
calls, unchanged) over a peer that reads only when the test says so.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct

import pytest
from channels.db import database_sync_to_async as sync_to_async
from twisted.internet.abstract import FileDescriptor
from twisted.web.http import HTTPChannel
from websockets.asyncio.client import connect as websocket_connect

from sessions import services
from sessions.connections import SKIPPED_PER_HELD, RoomConnection, send_fresh_snapshot
from sessions.kinds import Role
from sessions.wire import Frame
from tests import factories
from tests.e2e.client import RoomClient, join

LIMIT = 1000  # SOCKET_BUFFER_BYTES in these tests
HELD_MAX = 6


class NoReactor:
    """What a FileDescriptor asks of its reactor; the test drives reading and writing."""

    def addWriter(self, _):
        pass

    def removeWriter(self, _):
        pass

    def addReader(self, _):
        pass

    def removeReader(self, _):
        pass


class PeerTransport(FileDescriptor):
    """A TCP transport as Twisted buffers it, whose peer reads only in ``read_all``."""

    TLS = False
    socket = None  # write_prepared then hands each frame to the protocol, as with TLS

    def __init__(self) -> None:
        super().__init__(reactor=NoReactor())
        self.connected = 1
        self.reading = False
        self.received = bytearray()

    def writeSomeData(self, data) -> int:
        if not self.reading:
            return 0
        self.received += bytes(data)
        return len(data)

    def read_once(self) -> None:
        """The peer reads what is buffered now: Twisted sends it all and resumes its
        producer, which may write more."""
        self.reading = True
        self.doWrite()
        self.reading = False

    def read_all(self) -> None:
        """The peer reads until nothing is left to send."""
        self.read_once()
        while self.dataBuffer or self._tempDataLen:
            self.read_once()

    def texts(self) -> list[str]:
        """The text frames received so far (unmasked server frames), consumed."""
        data, out = bytes(self.received), []
        self.received.clear()
        while data:
            length, start = data[1] & 0x7F, 2
            if length == 126:
                (length,), start = struct.unpack(">H", data[2:4]), 4
            elif length == 127:
                (length,), start = struct.unpack(">Q", data[2:10]), 10
            out.append(data[start : start + length].decode())
            data = data[start + length :]
        return out


class DaphneWire:
    """Daphne's protocol object as RoomConnection and write_prepared use it."""

    STATE_OPEN = 3

    def __init__(self, transport) -> None:
        self.state = self.STATE_OPEN
        self.transport = transport
        self._perMessageCompress = None

    def sendPreparedMessage(self, prepared) -> None:
        self.transport.write(prepared.payloadHybi)


def upgraded_transport() -> PeerTransport:
    """A transport after Daphne's upgrade: Twisted's HTTPChannel is its producer."""
    transport = PeerTransport()
    channel = HTTPChannel()
    channel.timeOut = None
    channel.makeConnection(transport)
    assert transport.producer is channel
    return transport


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LIVE_ROOM = {
        **settings.LIVE_ROOM,
        "SOCKET_BUFFER_BYTES": LIMIT,
        "SOCKET_HELD_MAX": HELD_MAX,
    }


async def unused_send_text(text: str) -> None:
    raise AssertionError("the fast path does not use the ASGI send")


def connection(transport: PeerTransport, **kwargs) -> RoomConnection:
    conn = RoomConnection(
        role=Role.PARTICIPANT,
        send_text=unused_send_text,
        wire=DaphneWire(transport),
        ready=True,
        last_sent=0,
        **kwargs,
    )
    assert conn.watch.registered
    return conn


def event(seq: int, kind: str = "items", size: int = 0) -> Frame:
    return Frame(json.dumps({"type": "event", "seq": seq, "kind": kind, "pad": "x" * size}))


class Client:
    """What a client does with events and ``skipped``: seqs applied in order, gaps counted."""

    def __init__(self, seq: int = 0) -> None:
        self.seq = seq
        self.gaps = 0
        self.applied: list[int] = []
        self.snapshots: list[int] = []

    def read(self, texts: list[str]) -> None:
        for text in texts:
            message = json.loads(text)
            if message["type"] == "snapshot":
                self.seq = message["seq"]
                self.snapshots.append(message["seq"])
            elif message["type"] == "skipped":
                for seq in message["seqs"]:
                    if seq == self.seq + 1:
                        self.seq = seq
                    elif seq > self.seq:
                        self.gaps += 1
            elif message["seq"] > self.seq:
                if message["seq"] != self.seq + 1:
                    self.gaps += 1
                self.seq = message["seq"]
                self.applied.append(message["seq"])


async def fill(conn: RoomConnection, transport: PeerTransport, seq: int = 1) -> None:
    """Push event ``seq`` big enough to pass the limit: Twisted pauses the connection."""
    await conn.push(seq, event(seq, size=LIMIT))
    assert conn.paused
    assert transport.received == b""


@pytest.mark.asyncio
async def test_a_socket_that_keeps_up_gets_every_frame_as_it_comes():
    transport = upgraded_transport()
    conn = connection(transport)
    for seq in range(1, 6):
        await conn.push(seq, event(seq), supersedes="tally:1")
    transport.read_all()
    assert [json.loads(t)["seq"] for t in transport.texts()] == [1, 2, 3, 4, 5]
    assert (conn.paused, len(conn.held), conn.superseded, conn.last_sent) == (False, 0, 0, 5)


@pytest.mark.asyncio
async def test_a_stuck_socket_holds_frames_and_a_newer_tally_replaces_the_unsent_one():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    await conn.push(2, event(2, "tally 1"), supersedes="tally:1")
    await conn.push(3, event(3, "items"))
    await conn.push(4, event(4, "tally 1"), supersedes="tally:1")
    await conn.push(5, event(5, "tally 2"), supersedes="tally:2")
    await conn.push(6, event(6, "tally 1"), supersedes="tally:1")
    await conn.push(7, event(7, "tally 2"), supersedes="tally:2")
    assert transport.received == b""
    assert (conn.last_sent, conn.superseded, conn.held_frames) == (7, 3, 3)

    transport.read_all()
    texts = transport.texts()
    assert [json.loads(t) for t in texts[1:]] == [
        {"type": "skipped", "seqs": [2]},  # in its place: before items 3
        json.loads(event(3, "items").text),
        {"type": "skipped", "seqs": [4, 5]},  # neighbours merged
        json.loads(event(6, "tally 1").text),
        json.loads(event(7, "tally 2").text),
    ]
    client = Client()
    client.read(texts)
    assert (client.seq, client.gaps, client.applied) == (7, 0, [1, 3, 6, 7])
    assert (conn.paused, len(conn.held), conn.held_frames, conn.held_skipped) == (False, 0, 0, 0)
    # Delivery goes on directly.
    await conn.push(8, event(8))
    transport.read_all()
    assert [json.loads(t)["seq"] for t in transport.texts()] == [8]


@pytest.mark.asyncio
async def test_frames_without_a_seq_queue_behind_the_held_events_and_can_be_replaced():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    await conn.write(Frame('{"type":"panel","n":1}'), supersedes="panel:a")
    await conn.push(2, event(2, "tally 1"), supersedes="tally:1")
    await conn.write(Frame('{"type":"panel","n":2}'), supersedes="panel:a")
    await conn.push(3, event(3, "tally 1"), supersedes="tally:1")
    await conn.write(Frame('{"type":"presence","connected":4}'))
    transport.read_all()
    assert transport.texts()[1:] == [
        '{"type":"skipped","seqs":[2]}',
        '{"type":"panel","n":2}',
        event(3, "tally 1").text,
        '{"type":"presence","connected":4}',
    ]
    assert conn.superseded == 2


@pytest.mark.asyncio
async def test_skipped_seqs_that_meet_when_a_frame_between_them_is_replaced_go_as_one():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    await conn.push(2, event(2, "tally"), supersedes="tally:1")
    await conn.write(Frame('{"type":"panel","n":1}'), supersedes="panel:a")
    await conn.push(3, event(3, "tally"), supersedes="tally:1")
    await conn.push(4, event(4, "tally"), supersedes="tally:1")
    assert [(e.seq, e.skipped) for e in conn.held] == [
        (None, [2]),
        (None, []),
        (None, [3]),
        (4, []),
    ]
    await conn.write(Frame('{"type":"panel","n":2}'), supersedes="panel:a")
    assert [(e.seq, e.skipped) for e in conn.held] == [(None, [2, 3]), (4, []), (None, [])]
    transport.read_all()
    assert transport.texts()[1:] == [
        '{"type":"skipped","seqs":[2,3]}',
        event(4, "tally").text,
        '{"type":"panel","n":2}',
    ]


@pytest.mark.asyncio
async def test_a_socket_that_pauses_again_mid_flush_keeps_the_rest_in_order():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    await conn.push(2, event(2, size=LIMIT))  # will pause the socket again when written
    await conn.push(3, event(3))
    transport.read_once()
    assert conn.paused
    assert [json.loads(t)["seq"] for t in transport.texts()] == [1]
    assert [entry.seq for entry in conn.held] == [3]
    await conn.push(4, event(4))
    transport.read_all()
    transport.read_all()
    assert [json.loads(t)["seq"] for t in transport.texts()] == [2, 3, 4]
    assert not conn.paused and not conn.held


@pytest.mark.asyncio
async def test_past_the_bound_the_backlog_is_dropped_for_a_fresh_snapshot_after_the_drain():
    transport = upgraded_transport()
    asked: list[int] = []
    snapshot_ready = asyncio.Event()
    room_seq = {"seq": 0}

    async def snapshot(session_id: int) -> tuple[int, dict[str, str]]:
        asked.append(session_id)
        await snapshot_ready.wait()
        seq = room_seq["seq"]
        return seq, {"participant": json.dumps({"type": "snapshot", "seq": seq, "data": {}})}

    async def on_resync(conn: RoomConnection) -> None:
        await send_fresh_snapshot(conn, snapshot=snapshot)

    conn = connection(transport, on_resync=on_resync, session_id=42)
    await fill(conn, transport)
    for seq in range(2, 2 + HELD_MAX):
        await conn.push(seq, event(seq))
    assert (conn.held_frames, conn.overflows) == (HELD_MAX, 0)
    await conn.push(2 + HELD_MAX, event(2 + HELD_MAX))  # one more than the bound
    assert (conn.overflows, conn.needs_snapshot, len(conn.held)) == (1, True, 0)
    # Still stuck: later events are left to the snapshot too, nothing is held.
    await conn.push(20, event(20))
    await conn.write(Frame('{"type":"presence","connected":3}'))
    assert (len(conn.held), conn.snapshot_floor, conn.last_sent) == (0, 20, 20)

    transport.read_all()  # drained: the snapshot is asked for
    await asyncio.sleep(0)  # the resync task starts
    assert asked == [42]
    assert conn.resyncing and not conn.paused
    # Events while the snapshot is read wait behind it; those it covers are dropped.
    await conn.push(21, event(21, "tally 1"), supersedes="tally:1")
    await conn.push(22, event(22, "tally 1"), supersedes="tally:1")
    await conn.push(23, event(23))
    assert [json.loads(t)["seq"] for t in transport.texts()] == [1]
    room_seq["seq"] = 21
    snapshot_ready.set()
    await conn.resync_task
    transport.read_all()
    texts = transport.texts()
    assert [json.loads(t) for t in texts] == [
        {"type": "snapshot", "seq": 21, "data": {}},
        json.loads(event(22, "tally 1").text),
        json.loads(event(23).text),
    ]
    assert (conn.needs_snapshot, conn.resyncing, conn.last_sent) == (False, False, 23)
    client = Client(seq=1)
    client.read(texts)
    assert (client.seq, client.gaps, client.snapshots) == (23, 0, [21])
    await conn.push(24, event(24))
    transport.read_all()
    assert [json.loads(t)["seq"] for t in transport.texts()] == [24]


@pytest.mark.asyncio
async def test_replaced_tallies_count_against_the_bound_only_through_their_skipped_seqs():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    # One activity's tallies alone: each replaces the last, one frame held.
    last = 1 + SKIPPED_PER_HELD * HELD_MAX
    for seq in range(2, last + 1):
        await conn.push(seq, event(seq, "tally"), supersedes="tally:1")
    assert (conn.held_frames, conn.held_skipped, conn.overflows) == (1, last - 2, 0)
    assert len(conn.held) == 2  # one merged skipped, one tally
    await conn.push(last + 1, event(last + 1, "tally"), supersedes="tally:1")
    await conn.push(last + 2, event(last + 2, "tally"), supersedes="tally:1")
    assert conn.overflows == 1 and conn.needs_snapshot


@pytest.mark.asyncio
async def test_without_a_resync_hook_delivery_resumes_and_the_client_finds_the_gap():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    for seq in range(2, 3 + HELD_MAX):
        await conn.push(seq, event(seq))
    assert conn.needs_snapshot
    transport.read_all()
    await conn.push(20, event(20))
    transport.read_all()
    client = Client()
    client.read(transport.texts())
    assert (client.seq, client.gaps) == (20, 1)  # the client asks for a snapshot


@pytest.mark.asyncio
async def test_a_room_wide_snapshot_replaces_the_held_events_it_covers():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    for seq in (2, 3, 4):
        await conn.push(seq, event(seq))
    await conn.resync(3, Frame('{"type":"snapshot","seq":3}'))
    await conn.push(5, event(5))
    transport.read_all()
    assert transport.texts()[1:] == ['{"type":"snapshot","seq":3}', event(4).text, event(5).text]


@pytest.mark.asyncio
async def test_a_socket_gone_while_stuck_drops_what_it_held():
    transport = upgraded_transport()
    conn = connection(transport)
    await fill(conn, transport)
    await conn.push(2, event(2))
    transport.connectionLost(None)  # Twisted tells the producer to stop
    assert conn.closed and not conn.held
    await conn.push(3, event(3))
    assert not conn.held


@pytest.mark.asyncio
async def test_the_portable_path_writes_through_the_asgi_send_without_a_bound():
    sent: list[str] = []

    async def send_text(text: str) -> None:
        sent.append(text)

    conn = RoomConnection(role=Role.SCREEN, send_text=send_text, ready=True)
    assert conn.watch is None
    for seq in range(1, 3 + HELD_MAX):
        await conn.push(seq, event(seq), supersedes="tally:1")
    await conn.resync(4, Frame("snapshot"))
    assert [json.loads(t)["seq"] for t in sent[:-1]] == list(range(1, 3 + HELD_MAX))
    assert sent[-1] == "snapshot"
    assert conn.superseded == 0 and conn.last_sent == 2 + HELD_MAX


class ForeignProducer:
    """A producer that is no consumer: nothing can be registered behind it."""

    def pauseProducing(self):
        pass

    def resumeProducing(self):
        pass

    def stopProducing(self):
        pass


@pytest.mark.asyncio
async def test_without_a_producer_the_unsent_bytes_are_watched_and_polled():
    transport = PeerTransport()
    transport.registerProducer(ForeignProducer(), True)
    conn = RoomConnection(
        role=Role.PARTICIPANT,
        send_text=unused_send_text,
        wire=DaphneWire(transport),
        ready=True,
        last_sent=0,
    )
    assert not conn.watch.registered
    resumed = asyncio.Event()
    resume = conn.watch.on_resume

    def on_resume() -> None:
        resume()
        resumed.set()

    conn.watch.on_resume = on_resume
    await conn.push(1, event(1))
    assert not conn.paused  # under the limit
    await conn.push(2, event(2, size=LIMIT))
    assert conn.paused and conn.watch.polling is not None
    await conn.push(3, event(3, "tally"), supersedes="tally:1")
    await conn.push(4, event(4, "tally"), supersedes="tally:1")
    transport.read_all()
    await asyncio.wait_for(resumed.wait(), 5)
    assert not conn.paused and conn.watch.polling is None
    transport.read_all()
    client = Client()
    client.read(transport.texts())
    assert (client.seq, client.gaps, client.applied) == (4, 0, [1, 2, 4])


# --------------------------------------------------------------------------- a real Daphne

POLLS = 60  # a facilitator's room event holds them all: ~2.7 kB each
FILLS = 40  # room events the stuck socket is sent before the votes
VOTES = 12
WAIT = 15.0
OPTION = "Option {i}: " + "a long answer that fills the room event; " * 2


@sync_to_async
def make_big_room() -> tuple[str, int, str]:
    """A session whose facilitators' room events are large; the first poll open with
    its results live. Returns (code, the open poll's id, the organiser's cookie)."""
    session = factories.make_session()
    polls = [
        factories.make_activity(
            session=session,
            title=f"Question {n} " + "t" * 180,
            config={"options": [OPTION.format(i=i)[:110] for i in range(20)]},
            results_visibility="live",
        )
        for n in range(POLLS)
    ]
    services.open_activity(activity=polls[0])
    return session.code, polls[0].pk, factories.login_cookie(session.event.owner)


class StuckReader:
    """A facilitator's tab on a slow network: a tiny receive buffer, and nothing read
    until :meth:`catch_up`, which then applies what it reads as docs/protocol.md says
    (``skipped`` included), asking for a snapshot when it finds a gap."""

    def __init__(self, ws, welcome: dict) -> None:
        self.ws = ws
        self.seq: int = welcome["seq"]
        self.counts: dict[int, int] = {}
        self.set_room(welcome["data"])
        self.held: dict[int, dict] = {}
        self.resyncing = False
        self.gaps = 0
        self.skipped: list[int] = []
        self.room_events = 0
        self.snapshots = 0

    @classmethod
    async def open(cls, server, code: str, cookie: str) -> StuckReader:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
        ws = await websocket_connect(
            f"{server.ws_base}/ws/s/{code}/",
            sock=sock,
            origin=server.base_url,
            additional_headers={"Cookie": f"sessionid={cookie}"},
            max_size=None,
            max_queue=1,  # past one message, it stops reading the socket
        )
        await ws.send(json.dumps({"type": "hello", "role": "facilitator"}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        assert welcome["type"] == "welcome", welcome
        return cls(ws, welcome)

    def set_room(self, data: dict) -> None:
        self.counts = {a["id"]: a["count"] for a in data["activities"] if "count" in a}

    async def catch_up(self, until, timeout: float = WAIT) -> None:
        async with asyncio.timeout(timeout):
            while not until(self):
                await self.apply(json.loads(await self.ws.recv()))

    async def apply(self, message: dict) -> None:
        kind = message["type"]
        if kind == "skipped":
            self.skipped.extend(message["seqs"])
            for seq in message["seqs"]:
                if seq == self.seq + 1:
                    self.seq = seq
            await self.drain()
        elif kind == "snapshot":
            self.snapshots += 1
            self.set_room(message["data"])
            self.seq = message["seq"]
            self.resyncing = False
            self.held = {s: e for s, e in self.held.items() if s > self.seq}
            await self.drain()
        elif kind == "event" and message["seq"] > self.seq:
            if message["seq"] != self.seq + 1:
                self.gaps += 1
                self.held[message["seq"]] = message
                if not self.resyncing:
                    self.resyncing = True
                    await self.ws.send(json.dumps({"type": "resync"}))
                return
            self.apply_event(message)
            await self.drain()

    def apply_event(self, event: dict) -> None:
        self.seq = event["seq"]
        if event["name"] == "room":
            self.room_events += 1
            self.set_room(event["data"])
        elif event["name"] == "tally":
            self.counts[event["data"]["activity"]] = event["data"]["count"]

    async def drain(self) -> None:
        while self.seq + 1 in self.held:
            self.apply_event(self.held.pop(self.seq + 1))
        if self.held and not self.resyncing:
            self.resyncing = True
            await self.ws.send(json.dumps({"type": "resync"}))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_under_daphne_a_reader_that_stops_holds_no_one_up_and_catches_up(daphne_server):
    """A facilitator's socket whose reader stops (a tiny receive buffer, nothing read)
    while the room goes on: the others keep getting every tally within a tick or two;
    once it reads again it ends on the current tally and seq with no gap, the tallies
    sent while it was stuck replaced by the last one."""
    server = daphne_server
    code, poll, cookie = await make_big_room()
    answers = await asyncio.gather(
        *(join(server.base_url, code, display_name=f"P{i}") for i in range(3))
    )
    people = [
        RoomClient(server.base_url, code, token=body["token"], name=f"p{i}")
        for i, (_s, body) in enumerate(answers)
    ]
    facilitator = RoomClient(server.base_url, code, role="facilitator", cookie=cookie)
    others = [facilitator, *people]
    await asyncio.gather(*(c.connect() for c in others))
    stuck = await StuckReader.open(server, code, cookie)

    # Room events of ~160 kB each to both facilitators: past the kernel's buffers
    # (megabytes on loopback) the stuck socket's transport fills up and pauses.
    for n in range(FILLS):
        reply = await facilitator.control("lock", value=n % 2 == 0)
        assert reply["type"] == "ack", reply
        await asyncio.sleep(1 / 9)  # under the facilitator's 10 messages a second
    room_events = sum(e["name"] == "room" for e in facilitator.events)
    assert room_events >= FILLS

    # Votes: every other socket gets each tally promptly.
    loop = asyncio.get_running_loop()
    delays = []
    for n in range(VOTES):
        voter = people[n % len(people)]
        reply = await voter.vote(poll, n % 20, key=f"{voter.name}-{n}")
        assert reply["type"] == "ack", reply
        acked = loop.time()
        count = min(n + 1, len(people))
        await asyncio.gather(
            *(
                c.wait_for(
                    lambda c, at=reply["at"]: any(
                        e["as_of"] >= at for e in c.tally_events.get(poll, [])
                    ),
                    timeout=WAIT,
                )
                for c in others
            )
        )
        delays.append(loop.time() - acked)
        assert all(c.tally(poll)["count"] == count for c in others)
    delays.sort()
    assert delays[-1] < 1.0, delays
    assert stuck.seq < facilitator.seq  # it has read nothing since its welcome

    await stuck.catch_up(
        lambda s: s.seq >= facilitator.seq and not s.held and not s.resyncing, timeout=60
    )
    assert stuck.counts[poll] == len(people)
    assert stuck.seq == facilitator.seq
    # Its tallies while stuck were replaced by the last one, owed as skipped seqs.
    assert stuck.skipped and (stuck.gaps, stuck.snapshots) == (0, 0)
    await asyncio.gather(*(c.close() for c in others))
    await stuck.ws.close()
    assert "Traceback" not in server.log(), server.log()[-4000:]
