"""The hub's bookkeeping of local sockets (sessions/connections.py): a connection holds
events back until its client has a starting state and then sends each seq once, in
order, on the fast path when it has one; a room keeps its sockets per role and counts
the presence every process reported."""

from __future__ import annotations

import pytest
from django.conf import settings

from sessions.connections import LocalRoom, RoomConnection
from sessions.kinds import Role
from sessions.wire import Frame


class Socket:
    """The ASGI side of one socket: what was sent through ``send_text``."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


class ClosedTransport:
    socket = None


class DaphneWire:
    """What RoomConnection and the fast path read of Daphne's protocol object."""

    STATE_OPEN = 3

    def __init__(self, state: int = STATE_OPEN) -> None:
        self.state = state
        self.transport = ClosedTransport()  # no socket: the fast path hands over
        self._perMessageCompress = None
        self.prepared_sent: list = []

    def sendPreparedMessage(self, prepared) -> None:
        self.prepared_sent.append(prepared)


@pytest.mark.asyncio
async def test_events_wait_for_the_starting_state_then_go_out_once_in_seq_order():
    socket = Socket()
    conn = RoomConnection(role=Role.PARTICIPANT, send_text=socket.send_text)
    for seq in (4, 2, 3):
        await conn.push(seq, Frame(f"event {seq}"))
    assert socket.sent == []
    await conn.start(2)  # the client's snapshot already holds seq 2
    assert socket.sent == ["event 3", "event 4"]
    assert (conn.ready, conn.last_sent) == (True, 4)
    await conn.push(4, Frame("event 4 again"))
    await conn.push(3, Frame("event 3 late"))
    await conn.push(5, Frame("event 5"))
    assert socket.sent == ["event 3", "event 4", "event 5"]


@pytest.mark.asyncio
async def test_a_socket_with_a_daphne_wire_gets_the_frame_prepared_once():
    socket = Socket()
    wire = DaphneWire()
    conn = RoomConnection(role=Role.SCREEN, send_text=socket.send_text, wire=wire)
    other = RoomConnection(role=Role.SCREEN, send_text=socket.send_text, wire=DaphneWire())
    frame = Frame('{"type":"event","seq":1}')
    await conn.write(frame)
    await other.write(frame)
    assert wire.prepared_sent == [frame.prepared]
    assert other.wire.prepared_sent[0] is wire.prepared_sent[0]
    assert socket.sent == []


@pytest.mark.asyncio
async def test_a_closed_daphne_socket_is_not_written_to():
    socket = Socket()
    wire = DaphneWire(state=DaphneWire.STATE_OPEN + 1)
    conn = RoomConnection(role=Role.SCREEN, send_text=socket.send_text, wire=wire)
    await conn.write(Frame("late"))
    assert wire.prepared_sent == []
    assert socket.sent == []


def test_a_room_registers_sockets_per_role_and_is_empty_without_them():
    room = LocalRoom(session_id=7)
    assert room.empty()
    assert set(room.conns) == set(Role)
    facilitator = RoomConnection(role=Role.FACILITATOR, send_text=Socket().send_text)
    room.conns[facilitator.role].add(facilitator)
    assert not room.empty()
    assert room.conns[Role.FACILITATOR] == {facilitator}
    room.conns[facilitator.role].discard(facilitator)
    assert room.empty()
    assert room.buffer.maxlen == settings.LIVE_ROOM["REPLAY_BUFFER"]
