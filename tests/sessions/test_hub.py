"""The hub on its own (sessions/hub.py): what it does when it starts, how it takes local
sockets in and out of a room, counts presence for the facilitators (also when another
process dies), and how long it waits for a missing seq before it fills the gap with a
fresh snapshot (the fan-out itself is tested through the consumer and real servers;
tallies across processes in test_tally_stream.py)."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time

import pytest
from channels.db import database_sync_to_async

from sessions import hub_context, room_events
from sessions.hub import (
    GAP_WAIT_MAX_S,
    GAP_WAIT_MIN_S,
    PRESENCE_EXPIRY_S,
    PRESENCE_REPORT_S,
    close_hub,
    get_hub,
)
from sessions.kinds import Role
from tests import factories
from tests.sessions.hub_sockets import Socket, close_other, die, other_process_hub

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# Rooms with no row in the database, for what needs none (membership, presence).
_room_ids = itertools.count(2 * 10**9)


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
    assert hub.snapshots_pushed == 1


async def presence_reaches(socket: Socket, count: int, *, timeout: float) -> float:
    """Seconds until ``socket`` is told ``count`` participants are connected (every
    other message it is sent in between is a presence count too)."""
    began = time.monotonic()
    deadline = began + timeout
    while True:
        message = await socket.next(timeout=max(deadline - time.monotonic(), 0.001))
        assert message["type"] == "presence", message
        if message["connected"] == count:
            return time.monotonic() - began


async def test_a_dead_process_stops_counting_within_two_seconds(hub):
    """A killed process sends no goodbye: its last report counts until it expires, and
    the survivors tell their facilitators the new total then, without waiting for any
    new report."""
    assert PRESENCE_REPORT_S < PRESENCE_EXPIRY_S < 2.0
    session_id = next(_room_ids)
    other = await other_process_hub()
    try:
        facilitator = Socket(Role.FACILITATOR)
        await hub.attach(session_id, facilitator.conn)
        await facilitator.conn.start(0)
        here = Socket(Role.PARTICIPANT)
        await hub.attach(session_id, here.conn)
        there = [Socket(Role.PARTICIPANT) for _ in range(3)]
        for participant in there:
            await other.attach(session_id, participant.conn)
        await presence_reaches(facilitator, 4, timeout=5.0)
        # The other process keeps its count fresh: it still counts after the expiry.
        await asyncio.sleep(PRESENCE_EXPIRY_S + PRESENCE_REPORT_S)
        assert hub.connected(session_id) == 4
        assert facilitator.texts.empty()

        await die(other)
        took = await presence_reaches(facilitator, 1, timeout=2.0)
        assert took < 2.0
        assert hub.connected(session_id) == 1
    finally:
        await close_other(other)


async def test_the_gap_wait_is_twice_the_recent_lateness_within_bounds(hub):
    assert hub.gap_wait() == GAP_WAIT_MIN_S  # nothing measured yet
    now = time.monotonic()
    hub.lateness.extend((now, 0.01) for _ in range(50))
    assert hub.gap_wait() == GAP_WAIT_MIN_S
    # The 95th percentile, not the mean: a few late events are what the wait is for.
    hub.lateness.extend((now, 0.5) for _ in range(10))
    assert hub.gap_wait() == pytest.approx(1.0)
    hub.lateness.extend((now, 30.0) for _ in range(10))
    assert hub.gap_wait() == GAP_WAIT_MAX_S
    # Only recent lateness counts.
    hub.lateness.clear()
    hub.lateness.extend((now - 3600, 0.8) for _ in range(10))
    assert hub.gap_wait() == GAP_WAIT_MIN_S


async def screen_in_room(hub, events: int) -> tuple[Socket, list[dict]]:
    """A room with ``events`` stamped events not yet sent, and a screen waiting for them."""
    session = await database_sync_to_async(factories.make_session)()
    stamp = database_sync_to_async(room_events.stamp_room)
    stamped = [await stamp(session.pk) for _ in range(events)]
    screen = Socket(Role.SCREEN)
    await hub.attach(session.pk, screen.conn)
    await screen.conn.start(stamped[0]["seq"] - 1)
    return screen, stamped


async def test_an_event_that_arrives_out_of_order_is_measured_and_delivered_in_order(hub):
    screen, events = await screen_in_room(hub, 3)
    session_id = events[0]["session"]
    for message in (events[0], events[2]):
        await room_events.send_to_room(hub.layer, session_id, message)
    assert (await screen.next(skip="presence"))["seq"] == events[0]["seq"]
    late = 0.1  # (well within the wait)
    await asyncio.sleep(late)
    await room_events.send_to_room(hub.layer, session_id, events[1])
    for message in events[1:]:
        got = await screen.next(skip="presence")
        assert (got["type"], got["seq"]) == ("event", message["seq"])
    assert hub.snapshots_pushed == 0
    assert hub.late_events == 0
    assert [late <= lateness < GAP_WAIT_MIN_S for _when, lateness in hub.lateness] == [True]


async def test_after_late_events_the_hub_waits_longer_before_a_snapshot(hub):
    # Out-of-order events were recently up to 0.5 s late: wait 1 s for a missing one.
    hub.lateness.extend((time.monotonic(), 0.5) for _ in range(20))
    screen, events = await screen_in_room(hub, 3)
    session_id = events[0]["session"]
    for message in (events[0], events[2]):
        await room_events.send_to_room(hub.layer, session_id, message)
    assert (await screen.next(skip="presence"))["seq"] == events[0]["seq"]
    # Later than the least wait, within this one: no snapshot, the events in order.
    await asyncio.sleep(GAP_WAIT_MIN_S + 0.2)
    await room_events.send_to_room(hub.layer, session_id, events[1])
    for message in events[1:]:
        got = await screen.next(skip="presence")
        assert (got["type"], got["seq"]) == ("event", message["seq"])
    assert hub.snapshots_pushed == 0


async def test_an_event_that_arrives_after_its_snapshot_counts_as_late(hub):
    screen, events = await screen_in_room(hub, 4)
    session_id = events[0]["session"]
    for message in (events[0], events[2]):
        await room_events.send_to_room(hub.layer, session_id, message)
    assert (await screen.next(skip="presence"))["seq"] == events[0]["seq"]
    snapshot = await screen.next(skip="presence")
    assert (snapshot["type"], snapshot["seq"]) == ("snapshot", events[3]["seq"])
    assert (hub.snapshots_pushed, hub.late_events) == (1, 0)
    # The snapshot covered the missing event: when it comes after all, it is dropped
    # (the next event shows it was handled), and its lateness counts.
    await room_events.send_to_room(hub.layer, session_id, events[1])
    following = await database_sync_to_async(room_events.stamp_room)(session_id)
    await room_events.send_to_room(hub.layer, session_id, following)
    got = await screen.next(skip="presence")
    assert (got["type"], got["seq"]) == ("event", following["seq"])
    assert (hub.snapshots_pushed, hub.late_events) == (1, 1)
    assert [lateness >= GAP_WAIT_MIN_S for _when, lateness in hub.lateness] == [True]
