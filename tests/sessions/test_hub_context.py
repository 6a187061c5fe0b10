"""Where the services' on_commit notices go (sessions/hub_context.py): a change
committed in a database thread that a consumer's task started goes to that consumer's
hub, on the hub's loop; one from a thread no consumer started goes to the room's
channel-layer group at once; a join notice goes to the process's hub while it runs."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async

from sessions import hub_context, room_events, services
from sessions.db import db_call
from sessions.kinds import Role
from tests import factories

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

TIMEOUT = 15.0  # generous for a loaded machine; only a failing test waits this long


class Spy:
    """Stands in for one of the hub's methods: records each call and the thread it ran
    on, and lets the test await the first."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple, int]] = []
        self.called = asyncio.Event()

    def __call__(self, *args) -> None:
        self.calls.append((args, threading.get_ident()))
        self.called.set()

    async def wait(self) -> list[tuple[tuple, int]]:
        await asyncio.wait_for(self.called.wait(), TIMEOUT)
        return self.calls


@pytest.fixture
def nothing_sent(monkeypatch):
    """Fails the test if a notice stamps an event and sends it itself."""

    def refuse(message):
        raise AssertionError(f"sent past the hub: {message!r}")

    monkeypatch.setattr(room_events, "_send_sync", refuse)


@pytest_asyncio.fixture
async def room_group(hub):
    """``await room_group(session_id)``: a channel subscribed to the room's group, to
    receive what is sent there."""
    joined = []

    async def listen(session_id: int) -> str:
        # The hub's prefix: one layer instance reads its process-local channels through
        # one Redis list per prefix, and the hub's read loop is reading that one.
        channel = await hub.layer.new_channel("hub.")
        await hub.layer.group_add(room_events.group_name(session_id), channel)
        joined.append((session_id, channel))
        return channel

    yield listen
    for session_id, channel in joined:
        await hub.layer.group_discard(room_events.group_name(session_id), channel)


@pytest.mark.parametrize(
    ("notice", "method", "args"),
    [
        (room_events.item_changed, "mark_item", (41, 42, {"note": 43})),
        (room_events.tally_changed, "mark_dirty", (41, 42)),
    ],
    ids=["item", "tally"],
)
async def test_a_change_in_a_consumers_db_thread_goes_to_that_consumers_hub(
    hub, monkeypatch, nothing_sent, notice, method, args
):
    spy = Spy()
    monkeypatch.setattr(hub, method, spy)
    hub_context.current_hub.set(hub)  # as RoomConsumer does when a socket says hello

    def in_the_db_thread() -> int:
        notice(*args)  # as transaction.on_commit calls it after the command
        return threading.get_ident()

    db_thread = await db_call(in_the_db_thread)()
    [(called_with, thread)] = await spy.wait()
    assert called_with == args
    assert thread == threading.get_ident() != db_thread  # run on the hub's loop


async def test_a_closed_hub_is_passed_over(hub, monkeypatch):
    sent = []
    monkeypatch.setattr(room_events, "_send_sync", sent.append)
    monkeypatch.setattr(room_events, "stamp_tally", lambda *args: {"stamped": args})
    monkeypatch.setattr(hub, "mark_dirty", Spy())
    hub_context.current_hub.set(hub)
    hub.closed = True
    await db_call(room_events.tally_changed)(41, 42)
    assert sent == [{"stamped": (41, 42)}]
    assert hub.mark_dirty.calls == []
    hub.closed = False  # for the fixture's close


async def test_a_change_from_a_thread_no_consumer_started_goes_to_the_layer(hub, room_group):
    assert hub_context.current_hub.get() is None
    activity = await database_sync_to_async(services.add_activity)(
        session=await database_sync_to_async(factories.make_session)(),
        kind="qna",
        title="Ask the panel",
        config={},
    )
    listener = await room_group(activity.session_id)
    # Run from a task that set no hub, as for an HTTP request or a command.
    await db_call(room_events.item_changed)(activity.session_id, activity.pk, {"on_screen": True})
    message = await asyncio.wait_for(hub.layer.receive(listener), TIMEOUT)
    assert message["type"] == "room.event"
    assert message["session"] == activity.session_id
    event = json.loads(message["texts"][Role.PARTICIPANT.value])
    assert (event["name"], event["seq"]) == ("item", message["seq"])
    assert event["data"] == {"activity": activity.pk, "on_screen": None}


async def test_a_join_notice_goes_to_the_running_process_hub(hub, monkeypatch, nothing_sent):
    spy = Spy()
    monkeypatch.setattr(hub, "participants_changed", spy)
    assert hub_context.process_hub is hub
    await db_call(room_events.participants_changed)(41)  # as a join's request thread
    [(called_with, thread)] = await spy.wait()
    assert called_with == (41,)
    assert thread == threading.get_ident()


async def test_without_a_running_process_hub_a_join_notice_goes_to_the_layer(
    hub, monkeypatch, room_group
):
    monkeypatch.setattr(hub_context, "process_hub", None)
    listener = await room_group(41)
    await db_call(room_events.participants_changed)(41)
    message = await asyncio.wait_for(hub.layer.receive(listener), TIMEOUT)
    assert message == {"type": "room.panels_due", "session": 41}
