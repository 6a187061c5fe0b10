"""One tally stream per room whatever the number of processes (sessions/hub.py with
``room_events.stamp_tally_due``): two hubs on Redis, standing for two server processes,
both hear of changes to one activity many times a second. Together they stamp at most
one tally per ``TALLY_INTERVAL_MS``, the last change is covered, and the room's seq runs
without a gap on either process."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from sessions import room_events
from sessions.kinds import Role
from sessions.models import Session
from tests import factories
from tests.sessions.hub_sockets import Socket, close_other, other_process_hub

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CHANGES_FOR_S = 1.0
CHANGE_EVERY_S = 0.01
TIMEOUT = 15.0


async def tallies_until(socket: Socket, covered: float) -> list[dict]:
    """The events ``socket`` is sent, up to the first tally read after ``covered``."""
    events = []
    while True:
        event = await socket.next(skip="presence", timeout=TIMEOUT)
        events.append(event)
        if event["as_of"] >= covered:
            return events


async def test_two_processes_send_one_tally_stream_that_covers_every_change(hub):
    interval = settings.LIVE_ROOM["TALLY_INTERVAL_MS"] / 1000
    activity = await database_sync_to_async(factories.make_activity)(open=True)
    session_id = activity.session_id
    start = await database_sync_to_async(lambda: Session.objects.get(pk=session_id).seq)()
    other = await other_process_hub()
    try:
        screens = [Socket(Role.SCREEN), Socket(Role.SCREEN)]
        for each_hub, screen in zip((hub, other), screens, strict=True):
            await each_hub.attach(session_id, screen.conn)
            await screen.conn.start(start)

        # Votes arrive on both processes, each notice an activity's tally is due.
        changes = []
        began = time.time()
        while time.time() - began < CHANGES_FOR_S:
            for each_hub in (hub, other):
                changes.append(time.time())
                each_hub.mark_dirty(session_id, activity.pk)
            await asyncio.sleep(CHANGE_EVERY_S)
        last_change = changes[-1]

        streams = [await tallies_until(screen, last_change) for screen in screens]
    finally:
        await close_other(other)

    # Both processes delivered the same events: the tallies, seq after seq.
    seqs = [[event["seq"] for event in stream] for stream in streams]
    assert seqs[0] == seqs[1] == list(range(start + 1, start + 1 + len(seqs[0])))
    tallies = streams[0]
    assert {event["name"] for event in tallies} == {"tally"}
    assert {event["data"]["activity"] for event in tallies} == {activity.pk}

    # One stream: consecutive tallies at least an interval apart, whoever stamped them
    # (each process on its own would have stamped about twice as many).
    read_at = [event["as_of"] for event in tallies]
    gaps = [later - earlier for earlier, later in itertools.pairwise(read_at)]
    assert min(gaps) >= interval - 0.001, gaps
    span = read_at[-1] - changes[0]
    assert len(tallies) <= span / interval + 1

    # Every change is covered by a tally read after it, soon after it.
    assert read_at[-1] >= last_change
    for changed in changes:
        covering = next(at for at in read_at if at >= changed)
        assert covering - changed < 1.0


async def test_a_change_after_the_last_tally_is_sent_although_earlier_ones_were_covered(hub):
    """Changes heard while another tally was being read: that tally covers the earlier
    ones only, so the later ones still get a tally of their own."""
    interval = settings.LIVE_ROOM["TALLY_INTERVAL_MS"] / 1000
    activity = await database_sync_to_async(factories.make_activity)(open=True)
    session_id = activity.session_id
    screen = Socket(Role.SCREEN)
    await hub.attach(session_id, screen.conn)
    before = await database_sync_to_async(lambda: Session.objects.get(pk=session_id).seq)()
    await screen.conn.start(before)
    # Another process stamps and sends a tally, reading the votes at ``read``.
    stamped = await database_sync_to_async(room_events.stamp_tally)(session_id, activity.pk)
    await room_events.send_to_room(hub.layer, session_id, stamped)
    read = (await screen.next(skip="presence"))["as_of"]
    # This process heard of one vote before that read and one after it.
    hub.mark_dirty(session_id, activity.pk, read - 0.05)
    later = time.time()
    hub.mark_dirty(session_id, activity.pk)
    tally = await screen.next(skip="presence", timeout=5.0)
    assert (tally["name"], tally["seq"]) == ("tally", stamped["seq"] + 1)
    assert tally["as_of"] >= later
    assert tally["as_of"] - read >= interval - 0.001
