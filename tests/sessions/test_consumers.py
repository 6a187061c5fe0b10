"""The room consumer through Channels' WebsocketCommunicator, on the real Redis layer and
PostgreSQL (docs/protocol.md is the spec)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import pytest

from sessions import selectors, services
from sessions.hub import RoomHub, get_hub
from sessions.kinds import CommandError
from sessions.models import Activity, Event, Participant, Session
from tests import factories
from tests.sessions.live import (
    MISSING,
    ballots,
    db,
    db_tally,
    is_tally,
    make_room,
    receipts,
    room_view,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@db
def session_row(session_id):
    return Session.objects.get(pk=session_id)


@db
def activity_row(activity_id):
    return Activity.objects.get(pk=activity_id)


# --------------------------------------------------------------------------- joining


async def test_the_participant_welcome_holds_the_current_activity_and_their_ballots(hub, live):
    room = await make_room(n=2)
    later = await db(factories.make_activity)(session=room.session, kind="scale")
    await db(services.perform_command)(
        participant=room.participants[0],
        activity_id=room.activity.pk,
        action="vote",
        data=1,
        key="early",
    )
    before = time.time()
    client = await live.join(room.code, token=room.tokens[0])
    welcome = client.welcome
    assert (welcome["role"], welcome["resumed"]) == ("participant", False)
    # The server's clock, for the countdown: read while answering this hello.
    assert before <= welcome["now"] <= time.time()
    assert welcome["seq"] == (await session_row(room.session.pk)).seq
    assert "connected" not in welcome
    assert welcome["me"] == {
        "participant": room.participants[0].pk,
        "display_name": "P0",
        "ballots": {str(room.activity.pk): 1},
    }
    data = welcome["data"]
    assert data == await room_view(room.session.pk, "participant")
    assert data["current_activity"] == room.activity.pk
    assert [a["id"] for a in data["activities"]] == [room.activity.pk]  # not `later`
    (current,) = data["activities"]
    assert current["count"] == 1
    assert [o["count"] for o in current["tally"]["options"]] == [0, 1, 0]  # live results
    assert later.pk not in [a["id"] for a in data["activities"]]


async def test_the_screen_welcome_has_no_tally_until_revealed(hub, live):
    room = await make_room(n=1)
    screen = await live.join(room.code, role="screen")
    welcome = screen.welcome
    assert (welcome["role"], welcome["me"], welcome["resumed"]) == ("screen", None, False)
    assert isinstance(welcome["connected"], int)
    (current,) = welcome["data"]["activities"]
    assert current["count"] == 0 and "tally" not in current
    await db(services.reveal_results)(activity=room.activity, revealed=True)
    event = await screen.event("room")
    assert event["data"]["activities"][0]["tally"]["total"] == 0
    revealed = await live.join(room.code, role="screen")
    assert "tally" in revealed.welcome["data"]["activities"][0]


async def test_the_facilitator_welcome_has_the_agenda_and_the_connected_count(hub, live):
    room = await make_room(n=1, results_visibility=Activity.Visibility.HIDDEN)
    draft = await db(factories.make_activity)(session=room.session, kind="ranking")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    welcome = facilitator.welcome
    assert (welcome["role"], welcome["me"]) == ("facilitator", None)
    assert isinstance(welcome["connected"], int) and welcome["connected"] >= 0
    data = welcome["data"]
    assert data == await room_view(room.session.pk, "facilitator")
    assert [a["id"] for a in data["activities"]] == [room.activity.pk, draft.pk]
    assert data["activities"][0]["tally"]["total"] == 0  # hidden from others, not from them
    assert "count" not in data["activities"][1] and "tally" not in data["activities"][1]


async def test_welcome_snapshots_differ_by_role_for_the_same_state(hub, live):
    room = await make_room(n=1, results_visibility=Activity.Visibility.AFTER_CLOSE)
    participant = await live.join(room.code, token=room.tokens[0])
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    seqs = {c.welcome["seq"] for c in (participant, screen, facilitator)}
    assert len(seqs) == 1
    assert "tally" not in participant.welcome["data"]["activities"][0]
    assert "tally" not in screen.welcome["data"]["activities"][0]
    assert "tally" in facilitator.welcome["data"]["activities"][0]


# --------------------------------------------------------------------------- voting


async def test_a_vote_is_acked_with_its_result_then_its_tally_reaches_everyone(hub, live):
    room = await make_room(n=3, revealed=True)
    voter, *others = [await live.join(room.code, token=t) for t in room.tokens]
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)

    ack = await voter.vote(room.activity.pk, 2, key="k1", ref="v1")
    assert ack["type"] == "ack" and ack["ref"] == "v1"
    assert ack["result"] == {"activity": room.activity.pk, "ballot": 2, "duplicate": False}
    assert isinstance(ack["at"], float)
    assert await ballots(room.activity.pk) == [2]

    expected = await db_tally(room.activity.pk)
    assert [o["count"] for o in expected["options"]] == [0, 0, 1]
    for client in [voter, *others, screen, facilitator]:
        event = await client.event("tally", lambda m: m["data"]["count"] == 1)
        assert event["data"] == {"activity": room.activity.pk, "count": 1, "tally": expected}
        assert isinstance(event["seq"], int) and event["ts"] >= event["as_of"]


async def test_events_stamped_after_the_ack_include_the_vote(hub, live):
    room = await make_room(n=1)
    voter = await live.join(room.code, token=room.tokens[0])
    ack = await voter.vote(room.activity.pk, 0, key="k")
    event = await voter.event("tally", lambda m: m["as_of"] > ack["at"])
    assert event["data"]["count"] == 1
    # Earlier tally events may or may not include it; later ones must.
    for message in voter.seen:
        if is_tally(message) and message["as_of"] > ack["at"]:
            assert message["data"]["count"] == 1


async def test_a_resent_key_is_answered_as_a_duplicate_and_counted_once(hub, live):
    room = await make_room(n=1)
    voter = await live.join(room.code, token=room.tokens[0])
    first = await voter.vote(room.activity.pk, 2, key="same")
    again = await voter.vote(room.activity.pk, 0, key="same")
    assert first["result"]["duplicate"] is False
    assert again["type"] == "ack"
    assert again["result"] == {"activity": room.activity.pk, "ballot": 2, "duplicate": True}
    # The resend's "at" is when it was answered: after the original commit, so the
    # rule "every event with a later as_of includes the command" holds for it too.
    assert again["at"] >= first["at"]
    assert await ballots(room.activity.pk) == [2]
    assert await receipts(room.activity.pk) == 1
    # After a reconnect (a new socket), the same key is still a duplicate.
    await voter.comm.disconnect()
    back = await live.join(room.code, token=room.tokens[0])
    assert back.welcome["me"]["ballots"] == {str(room.activity.pk): 2}
    resent = await back.vote(room.activity.pk, 1, key="same")
    assert resent["result"]["duplicate"] is True and resent["result"]["ballot"] == 2
    assert await ballots(room.activity.pk) == [2]


async def test_changing_a_vote_replaces_it_and_the_tally_follows(hub, live):
    room = await make_room(kind="multiple_choice", n=1)
    voter = await live.join(room.code, token=room.tokens[0])
    await voter.vote(room.activity.pk, [0, 1], key="a")
    ack = await voter.vote(room.activity.pk, [3], key="b")
    assert ack["result"]["ballot"] == [3]
    event = await voter.event("tally", lambda m: m["data"]["tally"]["options"][3]["count"] == 1)
    assert [o["count"] for o in event["data"]["tally"]["options"]] == [0, 0, 0, 1]
    assert await ballots(room.activity.pk) == [[3]]


async def test_a_second_vote_is_refused_when_changes_are_not_allowed(hub, live):
    room = await make_room(n=1, allow_change=False)
    voter = await live.join(room.code, token=room.tokens[0])
    await voter.vote(room.activity.pk, 1, key="a")
    error = await voter.vote(room.activity.pk, 2, key="b", ref="second")
    assert (error["type"], error["code"], error["ref"]) == ("error", "already_voted", "second")
    assert await ballots(room.activity.pk) == [1]


async def test_many_quick_votes_are_coalesced_into_few_tally_events(hub, live):
    room = await make_room(n=20)
    voters = [await live.join(room.code, token=t) for t in room.tokens]
    observer = await live.join(room.code, role="facilitator", cookie=room.cookie)
    for i, voter in enumerate(voters):
        await voter.send(
            {
                "type": "act",
                "id": i,
                "activity": room.activity.pk,
                "action": "vote",
                "data": i % 3,
                "key": f"k{i}",
            }
        )
    for i, voter in enumerate(voters):
        assert (await voter.reply(i))["type"] == "ack"
    tallies = [await observer.event("tally")]
    while tallies[-1]["data"]["count"] < 20:
        tallies.append(await observer.event("tally"))
    assert len(tallies) <= 8, [t["data"]["count"] for t in tallies]
    assert tallies[-1]["data"]["tally"] == await db_tally(room.activity.pk)
    assert [o["count"] for o in tallies[-1]["data"]["tally"]["options"]] == [7, 7, 6]
    seqs = [t["seq"] for t in tallies]
    assert seqs == sorted(set(seqs))
    # At most one tally per activity per interval (200 ms by default).
    gaps = [b["ts"] - a["ts"] for a, b in itertools.pairwise(tallies)]
    assert all(gap >= 0.15 for gap in gaps), gaps
    # Nothing new once the full state is sent. On a loaded machine the connected count
    # (coalesced on its own interval) may still arrive, and so may one more tally: a
    # vote's notice reaching the hub after the tally that already counted it makes it
    # send the same full state again (tallies are states, so that is harmless).
    left = []
    while not await observer.nothing(0.5):
        left.append(json.loads((await observer.comm.receive_output(1))["text"]))
    final = tallies[-1]["data"]
    assert [
        m
        for m in left
        if m["type"] != "presence"
        and not (m["type"] == "event" and m["name"] == "tally" and m["data"] == final)
    ] == [], left


# --------------------------------------------------------------------------- controls


async def test_open_activity_moves_everyone_to_it(hub, live):
    room = await make_room(n=1)
    second = await db(factories.make_activity)(session=room.session, kind="scale")
    participant = await live.join(room.code, token=room.tokens[0])
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    ack = await facilitator.control("open_activity", second.pk, ref=11)
    assert ack == {
        "type": "ack",
        "ref": 11,
        "result": {"action": "open_activity", "message": "Opened: participants see it now."},
    }
    event = await participant.event("room", lambda m: m["data"]["current_activity"] == second.pk)
    (current,) = event["data"]["activities"]
    assert (current["id"], current["status"], current["kind"]) == (second.pk, "open", "scale")
    assert current["config"] == {
        "min": 1,
        "max": 5,
        "min_label": "Not at all",
        "max_label": "Fully",
    }
    assert (await activity_row(room.activity.pk)).status == "closed"
    assert (await session_row(room.session.pk)).current_activity_id == second.pk
    # Votes now go to the new one; the old one is closed.
    assert (await participant.vote(second.pk, 4, key="s"))["type"] == "ack"
    late = await participant.vote(room.activity.pk, 0, key="late")
    assert late["code"] == "activity_closed"


async def test_close_activity_stops_votes(hub, live):
    room = await make_room(n=2)
    early, late = [await live.join(room.code, token=t) for t in room.tokens]
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    await early.vote(room.activity.pk, 0, key="e")
    assert (await facilitator.control("close_activity", room.activity.pk))["type"] == "ack"
    event = await late.event("room", lambda m: m["data"]["activities"][0]["status"] == "closed")
    assert event["data"]["activities"][0]["count"] == 1
    error = await late.vote(room.activity.pk, 1, key="l", ref="too-late")
    assert (error["code"], error["ref"]) == ("activity_closed", "too-late")
    assert await ballots(room.activity.pk) == [0]


async def test_reveal_puts_the_tally_on_the_screen(hub, live):
    room = await make_room(n=1)
    voter = await live.join(room.code, token=room.tokens[0])
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    await voter.vote(room.activity.pk, 1, key="k")
    before = await screen.event("tally", lambda m: m["data"]["count"] == 1)
    assert before["data"] == {"activity": room.activity.pk, "count": 1}  # no tally yet
    await facilitator.control("reveal", room.activity.pk, True)
    event = await screen.event("room", lambda m: m["data"]["activities"][0]["results_revealed"])
    assert event["data"]["activities"][0]["tally"] == await db_tally(room.activity.pk)
    await voter.vote(room.activity.pk, 2, key="k2")
    after = await screen.event("tally", lambda m: m["data"]["tally"]["options"][2]["count"] == 1)
    assert after["data"]["tally"] == await db_tally(room.activity.pk)
    # Hiding again takes it away.
    await facilitator.control("reveal", room.activity.pk, False)
    hidden = await screen.event(
        "room", lambda m: not m["data"]["activities"][0]["results_revealed"]
    )
    assert "tally" not in hidden["data"]["activities"][0]
    error = await facilitator.control("reveal", room.activity.pk, "yes")
    assert error["code"] == "invalid_value"


async def test_lock_refuses_new_joiners_and_keeps_the_joined(hub, live):
    room = await make_room(n=1)
    participant = await live.join(room.code, token=room.tokens[0])
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    assert (await facilitator.control("lock", value=True))["type"] == "ack"
    event = await participant.event("room", lambda m: m["data"]["locked"])
    assert event["data"]["locked"] is True
    with pytest.raises(CommandError) as exc:
        await db(services.join_session)(code=room.code)
    assert exc.value.code == "session_locked"
    assert (await participant.vote(room.activity.pk, 0, key="k"))["type"] == "ack"
    error = await facilitator.control("lock", value="no")
    assert error["code"] == "invalid_value"
    assert (await session_row(room.session.pk)).locked is True
    await facilitator.control("lock", value=False)
    await participant.event("room", lambda m: not m["data"]["locked"])
    assert (await db(services.join_session)(code=room.code)).session_id == room.session.pk


async def test_move_reorders_the_facilitators_agenda(hub, live):
    room = await make_room(n=0)
    b = await db(factories.make_activity)(session=room.session)
    c = await db(factories.make_activity)(session=room.session)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    assert (await facilitator.control("move", c.pk, 0))["type"] == "ack"
    event = await facilitator.event("room")
    assert [(a["id"], a["position"]) for a in event["data"]["activities"]] == [
        (c.pk, 0),
        (room.activity.pk, 1),
        (b.pk, 2),
    ]
    for bad in (-1, "first", True, None):
        assert (await facilitator.control("move", c.pk, bad))["code"] == "invalid_value"
    positions = await db(
        lambda: list(Activity.objects.order_by("position").values_list("pk", flat=True))
    )()
    assert positions == [c.pk, room.activity.pk, b.pk]


async def test_hidden_visibility_keeps_tallies_from_participants(hub, live):
    room = await make_room(n=2)
    voter, watcher = [await live.join(room.code, token=t) for t in room.tokens]
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    ack = await facilitator.control("set_visibility", room.activity.pk, "hidden")
    assert ack["result"] == {"action": "set_visibility", "message": "Result visibility saved."}
    room_event = await watcher.event(
        "room", lambda m: m["data"]["activities"][0]["results_visibility"] == "hidden"
    )
    assert "tally" not in room_event["data"]["activities"][0]
    await voter.vote(room.activity.pk, 0, key="k")
    seen = await watcher.event("tally", lambda m: m["data"]["count"] == 1)
    assert seen["data"] == {"activity": room.activity.pk, "count": 1}
    full = await facilitator.event("tally", lambda m: m["data"]["count"] == 1)
    assert full["data"]["tally"]["options"][0]["count"] == 1
    assert (await activity_row(room.activity.pk)).results_visibility == "hidden"
    error = await facilitator.control("set_visibility", room.activity.pk, "everyone")
    assert error["code"] == "invalid_value"
    assert (await activity_row(room.activity.pk)).results_visibility == "hidden"


async def test_moderation_hides_an_entry_from_every_tally(hub, live):
    room = await make_room(kind="word_cloud", n=2, revealed=True)
    a, b = [await live.join(room.code, token=t) for t in room.tokens]
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    await a.vote(room.activity.pk, ["Rubbish", "Traceability"], key="a")
    await b.vote(room.activity.pk, "rubbish", key="b")
    await facilitator.event("tally", lambda m: m["data"]["count"] == 2)
    ack = await facilitator.control(
        "moderate", room.activity.pk, {"action": "hide_entry", "data": "RUBBISH"}
    )
    assert ack["result"] == {"action": "moderate", "message": "Moderation saved."}
    expected = {"total_entries": 1, "words": [{"text": "traceability", "count": 1}]}
    for client in (a, b, screen, facilitator):
        event = await client.event("tally", lambda m: m["data"]["tally"]["total_entries"] == 1)
        assert event["data"]["tally"] == expected
    assert (await activity_row(room.activity.pk)).config["hidden"] == ["rubbish"]
    assert len(await ballots(room.activity.pk)) == 2
    await facilitator.control(
        "moderate", room.activity.pk, {"action": "show_entry", "data": "rubbish"}
    )
    event = await b.event("tally", lambda m: m["data"]["tally"]["total_entries"] == 3)
    assert event["data"]["tally"]["words"][0] == {"text": "rubbish", "count": 2}


async def test_session_open_and_close(hub, live):
    room = await make_room(n=1)
    participant = await live.join(room.code, token=room.tokens[0])
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    await facilitator.control("close_session")
    event = await participant.event("room", lambda m: m["data"]["status"] == "closed")
    assert event["data"]["status"] == "closed"
    error = await participant.vote(room.activity.pk, 0, key="k")
    assert error["code"] == "session_closed"
    with pytest.raises(CommandError) as exc:
        await db(services.join_session)(code=room.code)
    assert exc.value.code == "session_closed"
    await facilitator.control("open_session")
    await participant.event("room", lambda m: m["data"]["status"] == "open")
    assert (await participant.vote(room.activity.pk, 0, key="k"))["type"] == "ack"


@pytest.mark.parametrize(
    ("action", "target", "value", "code"),
    [
        ("dance", "poll", MISSING, "unknown_action"),
        ("open_activity", None, MISSING, "unknown_activity"),
        ("open_activity", 10**9, MISSING, "unknown_activity"),
        ("open_activity", "other", MISSING, "unknown_activity"),
        ("close_activity", "other", MISSING, "unknown_activity"),
        ("reveal", "other", True, "unknown_activity"),
        ("moderate", "poll", {"action": "hide_entry", "data": "x"}, "unknown_action"),
        ("moderate", "poll", "hide_entry", "invalid_value"),
        ("moderate", "poll", {"data": "x"}, "invalid_value"),
        ("set_visibility", "poll", MISSING, "invalid_value"),
        ("set_visibility", "poll", ["live"], "invalid_value"),
        ("reveal", "poll", MISSING, "invalid_value"),
        ("reveal", "poll", 1, "invalid_value"),
        ("lock", None, MISSING, "invalid_value"),
        ("lock", None, "true", "invalid_value"),
    ],
)
async def test_refused_facilitator_commands_change_nothing(hub, live, action, target, value, code):
    room = await make_room(n=0)
    other = await make_room(n=0)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    activity = {"poll": room.activity.pk, "other": other.activity.pk, None: None}.get(
        target, target
    )
    error = await facilitator.control(action, activity, value)
    assert (error["type"], error["code"]) == ("error", code)
    assert error["message"]
    for activity_id in (room.activity.pk, other.activity.pk):
        row = await activity_row(activity_id)
        assert (row.status, row.results_revealed, row.results_visibility) == ("open", False, "live")
    assert (await session_row(room.session.pk)).locked is False
    await facilitator.ping()


# --------------------------------------------------------------------------- presence


async def test_presence_reaches_the_facilitator_and_the_screen(hub, live):
    room = await make_room(n=3)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    screen = await live.join(room.code, role="screen")
    participants = [await live.join(room.code, token=t) for t in room.tokens]
    for observer in (facilitator, screen):
        await observer.until(lambda m: m["type"] == "presence" and m["connected"] == 3)
    assert await participants[0].nothing(0.3)  # participants are not told who is there
    await participants[0].comm.disconnect()
    await facilitator.until(lambda m: m["type"] == "presence" and m["connected"] == 2)
    await participants[1].comm.disconnect()
    await participants[2].comm.disconnect()
    await facilitator.until(lambda m: m["type"] == "presence" and m["connected"] == 0)
    late = await live.join(room.code, role="facilitator", cookie=room.cookie)
    assert late.welcome["connected"] == 0


# --------------------------------------------------------------------------- resume, resync


async def test_reconnecting_with_last_seq_replays_the_missed_events_in_order(hub, live):
    room = await make_room(n=2)
    other = await db(factories.make_activity)(
        session=room.session, kind="multiple_choice", results_visibility="live"
    )
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    leaving = await live.join(room.code, token=room.tokens[0])
    staying = await live.join(room.code, token=room.tokens[1])
    await leaving.vote(room.activity.pk, 1, key="before")
    applied = await leaving.event("tally", lambda m: m["data"]["count"] == 1)
    last_seq = applied["seq"]
    await leaving.comm.disconnect()

    await facilitator.control("close_activity", room.activity.pk)
    await facilitator.control("open_activity", other.pk)
    await staying.vote(other.pk, [1], key="s")
    final = await staying.event("tally", lambda m: m["data"]["activity"] == other.pk)

    back = await live.join(room.code, token=room.tokens[0], last_seq=last_seq)
    welcome = back.welcome
    assert (welcome["resumed"], welcome["seq"], welcome["role"]) == (True, last_seq, "participant")
    assert isinstance(welcome["now"], float)
    assert "data" not in welcome
    assert welcome["me"]["ballots"] == {str(room.activity.pk): 1}
    replayed = [await back.until(lambda m: m["type"] == "event")]
    while replayed[-1]["seq"] < final["seq"]:
        replayed.append(await back.until(lambda m: m["type"] == "event"))
    assert [m["seq"] for m in replayed] == list(range(last_seq + 1, final["seq"] + 1))
    # The same events, in the same order, as the participant who stayed saw them.
    stayed = {m["seq"]: m for m in staying.seen if m["type"] == "event"}
    for message in replayed:
        assert message == stayed[message["seq"]]
    assert replayed[-1]["data"]["count"] == 1
    # And then live events continue from there.
    await staying.vote(other.pk, [0, 2], key="s2")
    nxt = await back.event("tally", lambda m: m["data"]["tally"]["options"][0]["count"] == 1)
    assert nxt["seq"] > final["seq"]


async def test_resuming_when_nothing_was_missed(hub, live):
    room = await make_room(n=1)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    first = await live.join(room.code, token=room.tokens[0])
    await facilitator.control("lock", value=False)  # this process now holds an event
    seq = (await first.event("room"))["seq"]
    await first.comm.disconnect()
    back = await live.join(room.code, token=room.tokens[0], last_seq=seq)
    assert back.welcome["resumed"] is True
    # A reconnect asks for a fresh tally (the process it was on may have died with one
    # pending); it comes as the next event, then the room goes on.
    tally = await back.event("tally")
    assert tally["seq"] == seq + 1 and tally["data"]["count"] == 0
    await facilitator.control("lock", value=True)
    event = await back.event("room")
    assert event["seq"] == seq + 2


async def test_a_resumed_facilitator_welcome_has_the_connected_count(hub, live):
    room = await make_room(n=2)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    await live.join(room.code, token=room.tokens[0])
    await live.join(room.code, token=room.tokens[1])
    await facilitator.until(lambda m: m["type"] == "presence" and m["connected"] == 2)
    await facilitator.control("lock", value=False)
    seq = (await facilitator.event("room"))["seq"]
    await facilitator.comm.disconnect()
    back = await live.join(room.code, role="facilitator", cookie=room.cookie, last_seq=seq)
    assert back.welcome["resumed"] is True and "data" not in back.welcome
    assert back.welcome["connected"] == 2  # the participants (docs/protocol.md "welcome")
    participant = await live.join(room.code, token=room.tokens[0], last_seq=seq)
    assert participant.welcome["resumed"] is True
    assert "connected" not in participant.welcome


async def test_resuming_from_a_seq_no_longer_held_gives_a_full_welcome(hub, live, settings):
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "REPLAY_BUFFER": 2}
    room = await make_room(n=1)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    leaving = await live.join(room.code, token=room.tokens[0])
    old_seq = leaving.welcome["seq"]
    await leaving.comm.disconnect()
    for locked in (True, False, True, False):
        await facilitator.control("lock", value=locked)
        await facilitator.event("room", lambda m, locked=locked: m["data"]["locked"] is locked)
    current = (await session_row(room.session.pk)).seq
    assert current == old_seq + 4
    back = await live.join(room.code, token=room.tokens[0], last_seq=old_seq)
    assert back.welcome["resumed"] is False
    # At least the current seq: the fresh tally a reconnect asks for may come first.
    assert back.welcome["seq"] in (current, current + 1)
    assert back.welcome["data"] == await room_view(room.session.pk, "participant")
    await back.ping()  # nothing stale was replayed before the pong
    assert all(m["seq"] > current for m in back.seen if m["type"] == "event")


@pytest.mark.parametrize("offset", [1, 10_000])
async def test_resuming_from_a_future_seq_gives_a_full_welcome(hub, live, offset):
    room = await make_room(n=1)
    await live.join(room.code, role="screen")  # keeps the room on this process
    first = await live.join(room.code, token=room.tokens[0])
    seq = first.welcome["seq"]
    back = await live.join(room.code, token=room.tokens[0], last_seq=seq + offset)
    assert back.welcome["resumed"] is False
    # The current seq, or one more: the fresh tally a reconnect asks for may come first.
    assert back.welcome["seq"] in (seq, seq + 1)
    assert back.welcome["data"]["current_activity"] == room.activity.pk


async def test_resuming_in_a_room_nobody_held_gives_a_full_welcome(hub, live):
    room = await make_room(n=1)
    first = await live.join(room.code, token=room.tokens[0])
    seq = first.welcome["seq"]
    await first.comm.disconnect()  # the last local socket: the process forgets the room
    back = await live.join(room.code, token=room.tokens[0], last_seq=seq)
    assert back.welcome["resumed"] is False and "data" in back.welcome


async def test_resync_answers_a_fresh_snapshot(hub, live):
    room = await make_room(n=1)
    participant = await live.join(room.code, token=room.tokens[0])
    await participant.vote(room.activity.pk, 2, key="k")
    await participant.event("tally", lambda m: m["data"]["count"] == 1)
    await participant.send({"type": "resync", "id": "again"})
    snapshot = await participant.reply("again")
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == (await session_row(room.session.pk)).seq
    assert snapshot["data"] == await room_view(room.session.pk, "participant")
    assert snapshot["me"]["ballots"] == {str(room.activity.pk): 2}
    screen = await live.join(room.code, role="screen")
    await screen.send({"type": "resync", "id": 5})
    shot = await screen.reply(5)
    assert shot["me"] is None and shot["data"] == await room_view(room.session.pk, "screen")


async def test_services_called_outside_the_room_still_broadcast(hub, live):
    room = await make_room(n=1)
    participant = await live.join(room.code, token=room.tokens[0])
    seq = participant.welcome["seq"]
    await db(services.close_activity)(activity=room.activity)
    event = await participant.event("room")
    assert event["seq"] == seq + 1
    assert event["data"]["activities"][0]["status"] == "closed"


async def test_a_rolled_back_change_is_never_broadcast(hub, live):
    room = await make_room(n=1)
    screen = await live.join(room.code, role="screen")
    seq = screen.welcome["seq"]

    @db
    def rolled_back():
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            services.close_activity(activity=Activity.objects.get(pk=room.activity.pk))
            raise RuntimeError("abort")

    await rolled_back()
    await db(services.set_session_locked)(session=room.session, locked=True)
    event = await screen.event("room")
    # The first event after the rollback is the lock, with the very next seq; the
    # activity is still open in it.
    assert event["seq"] == seq + 1
    assert event["data"]["locked"] is True
    assert event["data"]["activities"][0]["status"] == "open"


# --------------------------------------------------------------------------- bad input


def first_vote(room):
    return {
        "type": "act",
        "id": "ok",
        "activity": room.activity.pk,
        "action": "vote",
        "data": [0, 1],
        "key": "first",
    }


BAD_FRAMES = [
    ("{oops", "invalid_json", None),
    ('{"type": "ping"', "invalid_json", None),
    ("[]", "invalid_message", None),
    ('"hello"', "invalid_message", None),
    ("17", "invalid_message", None),
    ('{"id": "x1"}', "invalid_message", "x1"),
    ('{"type": "fly", "id": "x2"}', "unknown_type", "x2"),
    ('{"type": "act", "id": "x3", "activity": POLL}', "missing_field", "x3"),
    (
        '{"type": "act", "id": "x4", "activity": POLL, "action": "vote", "data": 0}',
        "missing_field",
        "x4",
    ),
    ('{"type": "control", "id": "x5"}', "missing_field", "x5"),
    (
        '{"type": "act", "id": 6, "activity": "one", "action": "vote", "key": "k"}',
        "invalid_field",
        6,
    ),
    (
        '{"type": "act", "id": 7, "activity": true, "action": "vote", "key": "k"}',
        "invalid_field",
        7,
    ),
    ('{"type": "act", "id": 8, "activity": POLL, "action": "vote", "key": 8}', "invalid_field", 8),
    (
        '{"type": "act", "id": [9], "activity": POLL, "action": "vote", "key": "k"}',
        "invalid_field",
        None,
    ),
    (
        '{"type": "act", "activity": POLL, "action": "vote", "key": "a\\u0000b"}',
        "invalid_message",
        None,
    ),
    ('{"type": "hello", "id": "h", "role": "participant"}', "already_joined", "h"),
    ('{"type": "hello", "id": "h2", "role": "screen"}', "already_joined", "h2"),
    ('{"type": "control", "id": "c", "action": "lock", "value": true}', "forbidden", "c"),
    (
        '{"type": "control", "id": "c2", "action": "close_activity", "activity": POLL}',
        "forbidden",
        "c2",
    ),
    (
        '{"type": "act", "id": "u", "activity": 999999999, "action": "vote", "data": [0], "key": "k"}',
        "unknown_activity",
        "u",
    ),
    (
        '{"type": "act", "id": "o", "activity": OTHER, "action": "vote", "data": [0], "key": "k"}',
        "unknown_activity",
        "o",
    ),
    (
        '{"type": "act", "id": "n", "activity": POLL, "action": "vote", "data": [7], "key": "k"}',
        "invalid_choice",
        "n",
    ),
    (
        '{"type": "act", "id": "t", "activity": POLL, "action": "vote", "data": [0, 1, 2], "key": "k"}',
        "too_many_choices",
        "t",
    ),
    (
        '{"type": "act", "id": "d", "activity": POLL, "action": "vote", "data": [1, 1], "key": "k"}',
        "invalid_choice",
        "d",
    ),
    (
        '{"type": "act", "id": "s", "activity": POLL, "action": "vote", "data": "0", "key": "k"}',
        "invalid_choice",
        "s",
    ),
    (
        '{"type": "act", "id": "e", "activity": POLL, "action": "vote", "data": [0], "key": ""}',
        "invalid_key",
        "e",
    ),
    (
        '{"type": "act", "id": "l", "activity": POLL, "action": "vote", "data": [0], "key": "KEY65"}',
        "invalid_key",
        "l",
    ),
    (
        '{"type": "act", "id": "a", "activity": POLL, "action": "hide_entry", "data": 0, "key": "k"}',
        "unknown_action",
        "a",
    ),
    (
        '{"type": "act", "id": "c3", "activity": CLOSED, "action": "vote", "data": 0, "key": "k"}',
        "activity_closed",
        "c3",
    ),
    (
        '{"type": "act", "id": "dr", "activity": DRAFT, "action": "vote", "data": 0, "key": "k"}',
        "activity_closed",
        "dr",
    ),
]


@pytest.mark.parametrize(("frame", "code", "ref"), BAD_FRAMES)
async def test_bad_messages_get_typed_errors_and_lose_nothing(hub, live, frame, code, ref):
    room = await make_room(kind="multiple_choice", n=1)  # max 2 of 4 options
    other = await make_room(n=0)
    closed = await db(factories.make_activity)(session=room.session)
    draft = await db(factories.make_activity)(session=room.session)
    await db(lambda: Activity.objects.filter(pk=closed.pk).update(status="closed"))()
    client = await live.join(room.code, token=room.tokens[0])
    await client.send(first_vote(room))
    assert (await client.reply("ok"))["type"] == "ack"

    frame = (
        frame.replace("POLL", str(room.activity.pk))
        .replace("OTHER", str(other.activity.pk))
        .replace("CLOSED", str(closed.pk))
        .replace("DRAFT", str(draft.pk))
        .replace("KEY65", "k" * 65)
    )
    await client.send_text(frame)
    error = await client.error()
    assert error["code"] == code
    assert error["message"]
    assert error.get("ref") == ref
    # The connection still works, and what was recorded is intact.
    await client.ping()
    assert await ballots(room.activity.pk) == [[0, 1]]
    assert await receipts(room.activity.pk) == 1
    assert (await client.vote(room.activity.pk, [2], key="after"))["type"] == "ack"
    assert await ballots(room.activity.pk) == [[2]]
    row = await session_row(room.session.pk)
    assert (row.status, row.locked) == ("open", False)


async def test_binary_and_oversized_frames_are_refused(hub, live, settings):
    room = await make_room(n=1)
    client = await live.join(room.code, token=room.tokens[0])
    await client.vote(room.activity.pk, 1, key="k")
    await client.send_bytes(b'{"type": "ping"}')
    assert (await client.error())["code"] == "invalid_message"
    limit = settings.LIVE_ROOM["MAX_FRAME_BYTES"]
    exactly = json.dumps({"type": "ping", "id": "fits", "pad": ""})
    exactly = exactly.replace('"pad": ""', '"pad": "' + "x" * (limit - len(exactly)) + '"')
    assert len(exactly.encode()) == limit
    await client.send_text(exactly)
    assert (await client.reply("fits"))["type"] == "pong"
    await client.send_text(json.dumps({"type": "ping", "pad": "x" * limit}))
    error = await client.error()
    assert error["code"] == "too_large" and str(limit) in error["message"]
    # Multi-byte characters count as bytes, not characters.
    await client.send_text(
        json.dumps({"type": "ping", "pad": "é" * (limit // 2)}, ensure_ascii=False)
    )
    assert (await client.error())["code"] == "too_large"
    await client.send_bytes(b"x" * (limit + 1))
    assert (await client.error())["code"] == "too_large"
    await client.ping()
    assert await ballots(room.activity.pk) == [1]


async def test_messages_before_hello_are_refused(hub, live):
    room = await make_room(n=1)
    client = await live.connect(room.code)
    for message in (
        {
            "type": "act",
            "id": 1,
            "activity": room.activity.pk,
            "action": "vote",
            "data": 0,
            "key": "k",
        },
        {"type": "control", "id": 2, "action": "lock", "value": True},
        {"type": "resync", "id": 3},
    ):
        await client.send(message)
        error = await client.error()
        assert (error["code"], error["ref"]) == ("not_joined", message["id"])
    await client.ping()  # ping needs no hello
    assert await ballots(room.activity.pk) == []
    assert (await session_row(room.session.pk)).locked is False
    await client.send({"type": "hello", "id": "r", "role": "king"})
    assert (await client.error())["code"] == "invalid_field"
    await client.send({"type": "hello", "role": "participant", "token": room.tokens[0]})
    assert (await client.receive())["type"] == "welcome"
    assert (await client.vote(room.activity.pk, 0, key="k"))["type"] == "ack"


async def test_deeply_nested_frames_get_a_typed_error(hub, live):
    room = await make_room(n=1)
    client = await live.join(room.code, token=room.tokens[0])
    await client.vote(room.activity.pk, 1, key="k")
    frame = '{"type": "ping", "id": "deep", "x": ' + "[" * 400 + "]" * 400 + "}"
    await client.send_text(frame)
    error = await client.error()
    await client.ping()
    assert await ballots(room.activity.pk) == [1]
    # docs/protocol.md: a malformed message gets a malformed-message code; server_error
    # is for failures on the server (and logs a traceback per frame).
    assert error["code"] in {"invalid_json", "invalid_message"}, error


# --------------------------------------------------------------------------- roles


async def test_a_participant_cannot_control_the_room(hub, live):
    room = await make_room(kind="word_cloud", n=1)
    participant = await live.join(room.code, token=room.tokens[0])
    await participant.vote(room.activity.pk, ["rubbish"], key="k")
    for action, activity, value in (
        ("lock", None, True),
        ("close_session", None, MISSING),
        ("close_activity", room.activity.pk, MISSING),
        ("reveal", room.activity.pk, True),
        ("set_visibility", room.activity.pk, "hidden"),
        ("move", room.activity.pk, 3),
        ("moderate", room.activity.pk, {"action": "hide_entry", "data": "rubbish"}),
    ):
        error = await participant.control(action, activity, value)
        assert (error["type"], error["code"]) == ("error", "forbidden")
    session = await session_row(room.session.pk)
    activity = await activity_row(room.activity.pk)
    assert (session.status, session.locked) == ("open", False)
    assert (activity.status, activity.results_revealed, activity.results_visibility) == (
        "open",
        False,
        "live",
    )
    assert activity.config["hidden"] == []
    # Nor moderate through `act`.
    await participant.send(
        {
            "type": "act",
            "id": "h",
            "activity": room.activity.pk,
            "action": "hide_entry",
            "data": "rubbish",
            "key": "h",
        }
    )
    assert (await participant.reply("h"))["code"] == "forbidden"
    assert (await activity_row(room.activity.pk)).config["hidden"] == []


async def test_the_screen_only_reads(hub, live):
    room = await make_room(n=0)
    screen = await live.join(room.code, role="screen", token="ignored")
    error = await screen.vote(room.activity.pk, 0, key="k")
    assert error["code"] == "forbidden"
    error = await screen.control("close_activity", room.activity.pk)
    assert error["code"] == "forbidden"
    assert await ballots(room.activity.pk) == []
    assert (await activity_row(room.activity.pk)).status == "open"


async def test_a_facilitator_cannot_vote(hub, live):
    room = await make_room(n=0)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    error = await facilitator.vote(room.activity.pk, 0, key="k")
    assert error["code"] == "forbidden"
    assert await ballots(room.activity.pk) == []


async def test_an_unknown_session_code_is_closed_with_4404(hub, live):
    await make_room(n=0)
    client = await live.connect("NOSUCH")
    error = await client.receive()
    assert (error["type"], error["code"]) == ("error", "unknown_session")
    assert await client.close_code() == 4404


@pytest.mark.parametrize(
    "case", ["other_session", "tampered", "wrong_secret", "missing", "empty", "deleted"]
)
async def test_invalid_participant_tokens_are_closed_with_4401(hub, live, case):
    room = await make_room(n=1)
    other = await make_room(n=1)
    token = room.tokens[0]
    if case == "other_session":
        token = other.tokens[0]
    elif case == "tampered":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif case == "wrong_secret":
        from django.core import signing

        token = signing.dumps(
            {"p": room.participants[0].pk, "s": "guess"}, salt=selectors.TOKEN_SALT
        )
    elif case == "missing":
        token = None
    elif case == "empty":
        token = ""
    elif case == "deleted":
        await db(lambda: Participant.objects.filter(pk=room.participants[0].pk).delete())()
    client = await live.connect(room.code)
    hello = {"type": "hello", "id": "me", "role": "participant"}
    if token is not None:
        hello["token"] = token
    await client.send(hello)
    error = await client.receive()
    assert (error["code"], error["ref"]) == ("invalid_token", "me")
    assert await client.close_code() == 4401


@pytest.mark.parametrize("who", ["anonymous", "other_organiser", "plain_user", "no_such_session"])
async def test_refused_facilitators_are_closed_with_4403(hub, live, who):
    room = await make_room(n=0)
    cookie = None
    if who == "other_organiser":
        cookie = await db(lambda: factories.login_cookie(factories.make_user(organiser=True)))()
    elif who == "plain_user":
        cookie = await db(lambda: factories.login_cookie(factories.make_user()))()
    elif who == "no_such_session":
        cookie = "notarealsessionkey"
    client = await live.connect(room.code, cookie=cookie)
    await client.send({"type": "hello", "id": 1, "role": "facilitator"})
    error = await client.receive()
    assert (error["code"], error["ref"]) == ("forbidden", 1)
    assert await client.close_code() == 4403


async def test_a_superuser_may_facilitate_any_session(hub, live):
    room = await make_room(n=0)
    cookie = await db(lambda: factories.login_cookie(factories.make_user(is_superuser=True)))()
    admin = await live.join(room.code, role="facilitator", cookie=cookie)
    assert (await admin.control("lock", value=True))["type"] == "ack"
    assert (await session_row(room.session.pk)).locked is True


@pytest.mark.parametrize("change", ["permission_revoked", "deactivated", "event_handed_over"])
async def test_facilitator_rights_are_checked_again_on_every_control(hub, live, change):
    room = await make_room(n=0)
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    assert (await facilitator.control("lock", value=True))["type"] == "ack"

    @db
    def take_rights_away():
        owner = room.session.event.owner
        if change == "permission_revoked":
            owner.user_permissions.clear()
        elif change == "deactivated":
            owner.is_active = False
            owner.save()
        else:
            Event.objects.filter(pk=room.session.event_id).update(
                owner=factories.make_user(organiser=True)
            )

    await take_rights_away()
    reply = await facilitator.control("lock", value=False)
    assert (await session_row(room.session.pk)).locked is True
    assert (reply["type"], reply.get("code")) == ("error", "forbidden")


# --------------------------------------------------------------------------- limits


async def test_flooding_is_rate_limited_then_closed_with_4008(hub, live, settings):
    settings.LIVE_ROOM = {
        **settings.LIVE_ROOM,
        "RATE_PER_SECOND": 0.01,
        "RATE_BURST": 2,
        "ABUSE_CLOSE_AFTER": 5,
    }
    room = await make_room(n=1)
    client = await live.connect(room.code)
    await client.send({"type": "hello", "role": "participant", "token": room.tokens[0]})
    assert (await client.receive())["type"] == "welcome"
    await client.send(
        {
            "type": "act",
            "id": "v",
            "activity": room.activity.pk,
            "action": "vote",
            "data": 2,
            "key": "k",
        }
    )
    assert (await client.reply("v"))["type"] == "ack"  # the burst's second message
    for i in range(8):
        await client.send({"type": "ping", "id": i})
    assert await client.close_code() == 4008
    answers = [(m["type"], m.get("code")) for m in client.seen[2:]]
    # Over the rate: dropped with rate_limited, and the fifth strike closes the socket.
    assert answers == [("error", "rate_limited")] * 4 + [("error", "flooding")]
    assert await ballots(room.activity.pk) == [2]


async def test_oversized_frames_count_as_strikes(hub, live, settings):
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, "ABUSE_CLOSE_AFTER": 3}
    room = await make_room(n=1)
    client = await live.join(room.code, token=room.tokens[0])
    await client.vote(room.activity.pk, 0, key="k")
    for _ in range(3):
        await client.send_text("x" * (settings.LIVE_ROOM["MAX_FRAME_BYTES"] + 1))
    assert await client.close_code() == 4008
    codes = [m.get("code") for m in client.seen if m["type"] == "error"]
    assert codes == ["too_large", "too_large", "flooding"]
    assert await ballots(room.activity.pk) == [0]


async def test_a_normal_pace_is_never_limited(hub, live):
    room = await make_room(n=1)
    client = await live.join(room.code, token=room.tokens[0])
    for i in range(15):  # within the default burst of 20
        await client.send({"type": "ping", "id": i})
    for i in range(15):
        assert (await client.reply(i))["type"] == "pong"
    assert not [m for m in client.seen if m["type"] == "error"]


@pytest.mark.parametrize(
    "origin",
    [
        (b"origin", b"http://evil.example"),
        (b"origin", b"http://127.0.0.1.evil.example"),
        (b"origin", b"null"),
        # Another port or scheme of the same host is another site (a page anyone may
        # serve there could use the facilitator's cookie).
        (b"origin", b"http://127.0.0.1:8001"),
        (b"origin", b"https://127.0.0.1"),
        (b"origin", b"http://localhost"),
        (b"origin", b"ws://127.0.0.1"),
        (b"origin", b"http://127.0.0.1/page"),
        None,
    ],
)
async def test_origins_other_than_the_sites_own_are_refused(live, origin):
    room = await make_room(n=1)
    await live.connect(room.code, origin=origin, expect=False)


@pytest.mark.parametrize(
    "origin", [b"http://127.0.0.1", b"http://127.0.0.1:80", b"HTTP://127.0.0.1"]
)
async def test_the_sites_own_origin_is_accepted(hub, live, origin):
    room = await make_room(n=0)
    client = await live.connect(room.code, origin=(b"origin", origin))
    await client.ping()


async def test_a_configured_trusted_origin_is_accepted_in_full(hub, live, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://pages.example.org:8443"]
    room = await make_room(n=0)
    client = await live.connect(room.code, origin=(b"origin", b"https://pages.example.org:8443"))
    await client.ping()
    await live.connect(room.code, origin=(b"origin", b"https://pages.example.org"), expect=False)


async def test_behind_a_tls_proxy_the_origin_must_be_https(hub, live, settings):
    """The proxy says the handshake came over TLS (SECURE_PROXY_SSL_HEADER): the page
    that opened it must be the https one."""
    from channels.testing import WebsocketCommunicator

    from tests.sessions.live import application

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    room = await make_room(n=0)
    for origin, accepted in [(b"https://127.0.0.1", True), (b"http://127.0.0.1", False)]:
        headers = [(b"host", b"127.0.0.1"), (b"x-forwarded-proto", b"https"), (b"origin", origin)]
        comm = WebsocketCommunicator(application, f"/ws/s/{room.code}/", headers=headers)
        connected, _ = await comm.connect()
        assert connected is accepted, origin
        await comm.disconnect()


# --------------------------------------------------------------------------- the hub


async def test_closing_the_hub_survives_a_swallowed_cancellation():
    """Python 3.11's asyncio.wait_for (used by redis-py for every command it sends)
    returns the inner result and drops a cancellation that arrives in the same loop
    iteration the send finishes. The hub's read loop then keeps receiving and
    RoomHub.close() awaits it for ever; in this suite that hung roughly every other hub
    teardown on the real Redis layer. A layer whose receive behaves the same way makes
    it deterministic."""

    class SwallowingLayer:
        def __init__(self):
            self.swallowed = 0
            self.receiving = asyncio.Event()

        async def new_channel(self, prefix="specific."):
            return prefix + "test!1"

        async def receive(self, channel):
            self.receiving.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.swallowed += 1  # the cancellation is lost, as in wait_for
            await asyncio.Event().wait()

        async def group_add(self, group, channel):
            pass

        async def group_discard(self, group, channel):
            pass

        async def group_send(self, group, message):
            pass

    hub = RoomHub()
    hub.layer = layer = SwallowingLayer()
    await hub.start()
    await asyncio.wait_for(layer.receiving.wait(), 5)  # the read loop waits in receive()
    closing = asyncio.ensure_future(hub.close())
    try:
        done, _ = await asyncio.wait({closing}, timeout=2)
        assert layer.swallowed == 1
        assert closing in done, "RoomHub.close() is still waiting for its read loop"
    finally:
        while not all(task.done() for task in hub.tasks):
            for task in hub.tasks:
                task.cancel()
            await asyncio.wait(hub.tasks, timeout=0.1)
        await asyncio.wait({closing}, timeout=1)


async def test_a_hub_serves_one_loop_and_is_replaced_after_closing(hub):
    assert await get_hub() is hub
    assert hub.channel and hub.ready.is_set()
    # No room is held without local sockets.
    assert hub.rooms == {}
    assert hub.replay_since(10**9, 0) is None
    assert hub.connected(10**9) == 0
