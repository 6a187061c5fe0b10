"""The hub on its own (sessions/hub.py): what it does when it starts, how it takes local
sockets in and out of a room, counts presence for the facilitators and fills a gap in
the seq with a fresh snapshot (the fan-out itself is tested through the consumer and
real servers)."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys

import pytest
from channels.db import database_sync_to_async

from sessions import hub_context, room_events
from sessions.connections import RoomConnection
from sessions.hub import close_hub, get_hub
from sessions.kinds import Role
from tests import factories

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

TIMEOUT = 15.0  # generous for a loaded machine; only a failing test waits this long
# Rooms with no row in the database, for what needs none (membership, presence).
_room_ids = itertools.count(2 * 10**9)


class Socket:
    """A local socket: every text the hub writes to it, to be awaited in order."""

    def __init__(self, role: Role) -> None:
        self.texts: asyncio.Queue[str] = asyncio.Queue()
        self.conn = RoomConnection(role=role, send_text=self.send_text)

    async def send_text(self, text: str) -> None:
        await self.texts.put(text)

    async def next(self, *, skip: str | None = None) -> dict:
        """The next message written to this socket (past any of type ``skip``)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.texts.get(), TIMEOUT))
            if message["type"] != skip:
                return message


async def test_a_hub_starting_keeps_the_configured_thread_switch_interval():
    """asgi.py sets LIVE_SWITCH_INTERVAL_MS for the process; a room opening later must
    not put CPython's default (or anything else) back."""
    from channels.layers import channel_layers

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0025)
    channel_layers.backends.clear()
    try:
        await get_hub()
        assert sys.getswitchinterval() == pytest.approx(0.0025)
        await close_hub()
    finally:
        sys.setswitchinterval(before)
        channel_layers.backends.clear()


async def test_a_started_hub_is_the_process_hub_that_request_threads_notify(hub):
    assert hub_context.process_hub is hub
    hub.mark_panels(12345)  # no room with facilitators here: nothing becomes due
    assert hub.panels_due == set()


async def test_attaching_registers_a_socket_and_the_last_detach_drops_the_room(hub):
    session_id = next(_room_ids)
    first, second = Socket(Role.PARTICIPANT), Socket(Role.SCREEN)
    room = await hub.attach(session_id, first.conn)
    assert await hub.attach(session_id, second.conn) is room
    assert hub.rooms == {session_id: room}
    assert first.conn.session_id == second.conn.session_id == session_id
    assert room.conns[Role.PARTICIPANT] == {first.conn}
    assert room.conns[Role.SCREEN] == {second.conn}
    await hub.detach(first.conn)
    assert room.conns[Role.PARTICIPANT] == set()
    assert hub.rooms == {session_id: room}
    await hub.detach(second.conn)
    assert hub.rooms == {}


async def test_participants_are_counted_for_the_facilitators_of_their_room(hub):
    session_id = next(_room_ids)
    facilitator = Socket(Role.FACILITATOR)
    await hub.attach(session_id, facilitator.conn)
    await facilitator.conn.start(0)
    participants = [Socket(Role.PARTICIPANT) for _ in range(2)]
    for participant in participants:
        await hub.attach(session_id, participant.conn)

    async def presence(count: int) -> None:
        while (message := await facilitator.next()) != {"type": "presence", "connected": count}:
            assert message["type"] == "presence", message

    await presence(2)
    assert hub.connected(session_id) == 2
    await hub.detach(participants[0].conn)
    await presence(1)
    assert hub.connected(session_id) == 1
    assert all(participant.texts.empty() for participant in participants)


async def test_a_gap_in_the_seq_is_filled_with_a_fresh_snapshot(hub):
    session = await database_sync_to_async(factories.make_session)()
    stamp = database_sync_to_async(room_events.stamp_room)
    events = [await stamp(session.pk) for _ in range(3)]
    screen = Socket(Role.SCREEN)
    await hub.attach(session.pk, screen.conn)
    await screen.conn.start(events[0]["seq"] - 1)
    # The second event is lost on its way; the third reveals the gap.
    for message in (events[0], events[2]):
        await room_events.send_to_room(hub.layer, session.pk, message)
    # (The screen is also told how many are connected: none.)
    first = await screen.next(skip="presence")
    assert (first["type"], first["seq"]) == ("event", events[0]["seq"])
    snapshot = await screen.next(skip="presence")
    assert (snapshot["type"], snapshot["seq"]) == ("snapshot", events[2]["seq"])
    assert snapshot["data"] == json.loads(events[2]["texts"][Role.SCREEN.value])["data"]
    assert hub.rooms[session.pk].last_seq == events[2]["seq"]
