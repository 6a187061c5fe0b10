"""The idea board through the room consumer (WebsocketCommunicator, real Redis layer and
PostgreSQL): who receives which note, the reveal, refused commands."""

from __future__ import annotations

import pytest

from boards.models import Note, NoteVote
from tests.boards.boards import board_room, db_state
from tests.sessions.live import db, next_ref

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

make_room = db(board_room)
state = db(db_state)


async def act(client, activity, action, data):
    ref = next_ref()
    await client.send(
        {"type": "act", "id": ref, "key": ref, "activity": activity, "action": action, "data": data}
    )
    return await client.reply(ref)


def is_item(m):
    return m["type"] == "event" and m["name"] == "item"


def board_of(room_event):
    (activity,) = [a for a in room_event["data"]["activities"] if a["kind"] == "idea_board"]
    return activity


async def test_a_private_board_shows_a_note_to_its_author_and_the_facilitator_until_revealed(
    hub, live
):
    room = await make_room(n=2, mode="private")
    board = room.activity.pk
    a, b = [await live.join(room.code, token=t) for t in room.tokens]
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    assert board_of(b.welcome)["items"] == {"notes": [], "clusters": []}
    assert board_of(b.welcome)["config"]["mode"] == "private"

    ack = await act(a, board, "post", {"column": 1, "text": "Shared traceability data"})
    assert ack["type"] == "ack", ack
    (mine,) = ack["result"]["ballot"]["notes"]
    assert mine["text"] == "Shared traceability data"
    note_id = mine["id"]

    seen = await facilitator.until(is_item)
    assert seen["data"] == {
        "activity": board,
        "note": {
            "id": note_id,
            "column": 1,
            "text": "Shared traceability data",
            "language": "en",
            "cluster": None,
            "author": "P0",
            "hidden": False,
            "merged_into": None,
        },
    }
    for client in (b, screen, a):
        withheld = await client.until(is_item)
        assert withheld["seq"] == seen["seq"] and withheld["data"] is None
    assert "Shared traceability data" not in str(b.seen + screen.seen)

    ack = await facilitator.control("moderate", board, {"action": "reveal", "data": True})
    assert ack["result"] == {"action": "moderate", "message": "Moderation saved."}
    for client in (a, b, screen):
        event = await client.event(
            "room", lambda m: board_of(m)["config"]["state"]["revealed"] is True
        )
        assert board_of(event)["items"]["notes"] == [
            {
                "id": note_id,
                "column": 1,
                "text": "Shared traceability data",
                "language": "en",
                "cluster": None,
                "author": "P0",
            }
        ]
    # After the reveal, new notes reach everyone at once.
    await act(b, board, "post", {"column": 0, "text": "Audit smelters"})
    for client in (a, screen):
        event = await client.until(lambda m: is_item(m) and m["data"] is not None)
        assert event["data"]["note"]["text"] == "Audit smelters"
        assert "hidden" not in event["data"]["note"]


async def test_an_open_board_sends_notes_and_their_removal_as_items(hub, live):
    room = await make_room(n=2)
    board = room.activity.pk
    a, b = [await live.join(room.code, token=t) for t in room.tokens]
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    ack = await act(a, board, "post", {"column": 0, "text": "Rubbish"})
    note_id = ack["result"]["ballot"]["notes"][0]["id"]
    event = await b.until(is_item)
    assert event["data"]["note"]["text"] == "Rubbish"
    tally = await b.event("tally", lambda m: m["data"]["count"] == 1)
    assert tally["data"]["tally"] == {
        "notes": 1,
        "votes": {},
        "voting": False,
        "budget": 3,
        "locked": False,
        "revealed": False,
    }
    await facilitator.control("moderate", board, {"action": "hide", "data": {"note": note_id}})
    removed = await b.until(is_item)
    assert removed["data"] == {"activity": board, "removed": note_id}
    hidden = await facilitator.until(lambda m: is_item(m) and m["data"]["note"]["hidden"])
    assert hidden["seq"] == removed["seq"]
    await b.event("tally", lambda m: m["data"]["count"] == 0)


async def test_a_participant_sending_a_moderation_command_is_forbidden(hub, live):
    room = await make_room(n=1)
    board = room.activity.pk
    (a,) = [await live.join(room.code, token=t) for t in room.tokens]
    ack = await act(a, board, "post", {"column": 0, "text": "Mine"})
    note_id = ack["result"]["ballot"]["notes"][0]["id"]
    before = await state(room.activity)
    for action, data in [
        ("hide", {"note": note_id}),
        ("reveal", True),
        ("lock", None),
        ("start_voting", {"budget": 50}),
        ("create_cluster", {"name": "Mine"}),
    ]:
        error = await act(a, board, action, data)
        assert (error["type"], error["code"]) == ("error", "forbidden")
    # Nor through the facilitator's message type.
    error = await a.control("moderate", board, {"action": "hide", "data": {"note": note_id}})
    assert (error["type"], error["code"]) == ("error", "forbidden")
    assert await state(room.activity) == before
    await a.ping()


async def test_upvotes_over_the_budget_are_refused(hub, live):
    room = await make_room(n=2)
    board = room.activity.pk
    a, b = [await live.join(room.code, token=t) for t in room.tokens]
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    ids = []
    for text in ("One", "Two"):
        ack = await act(a, board, "post", {"column": 0, "text": text})
        ids.append(ack["result"]["ballot"]["notes"][-1]["id"])
    error = await act(b, board, "upvote", {"note": ids[0]})
    assert error["code"] == "voting_closed"
    await facilitator.control("moderate", board, {"action": "start_voting", "data": {"budget": 1}})
    await b.event("room", lambda m: board_of(m)["config"]["state"]["voting"] is True)
    ack = await act(b, board, "upvote", {"note": ids[0]})
    assert ack["result"]["ballot"] == {"notes": [], "votes": [ids[0]], "remaining": 0}
    error = await act(b, board, "upvote", {"note": ids[1]})
    assert (error["type"], error["code"]) == ("error", "over_budget")
    assert error["message"]
    tally = await a.event("tally", lambda m: m["data"]["tally"]["votes"] != {})
    assert tally["data"]["tally"]["votes"] == {str(ids[0]): 1}
    assert await db(lambda: list(NoteVote.objects.values_list("note", flat=True)))() == [ids[0]]
    assert await db(Note.objects.count)() == 2


def _notes_without_broadcast(board, participant, texts):
    return [
        Note.objects.create(activity=board, participant=participant, column=0, text=text).pk
        for text in texts
    ]


async def test_a_burst_of_notes_in_one_tick_reaches_each_socket_as_one_event(hub, live):
    room = await make_room(n=2, mode="private")
    board = room.activity.pk
    a, b = [await live.join(room.code, token=t) for t in room.tokens]
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    texts = ["Shared data", "Audit smelters", "Living wages"]
    ids = await db(_notes_without_broadcast)(room.activity, room.participants[0], texts)
    # Three changes announced within one tick (no await in between), as a burst of
    # posts from many sockets would be, plus the first note announced twice.
    for note_id in [ids[0], *ids]:
        hub.mark_item(room.session.pk, board, {"note": note_id})

    event = await facilitator.event("items")
    assert event["data"]["activity"] == board
    assert [c["note"]["text"] for c in event["data"]["changes"]] == texts
    # The others may not see notes of a private board yet: one event, no data, same seq.
    for client in (a, b):
        withheld = await client.event("items")
        assert withheld["seq"] == event["seq"] and withheld["data"] is None
    # Nothing else was sent for these notes: the next event is the next seq.
    await facilitator.control("lock", value=True)
    room_event = await facilitator.event("room")
    assert room_event["seq"] == event["seq"] + 1
