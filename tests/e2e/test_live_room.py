"""The live room end to end: a real Daphne process, real WebSocket clients, the test
PostgreSQL and Redis. Participants join through the HTTP API; the facilitator uses a
Django session cookie; every wait is on a message, bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import Counter
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async as sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from people.vocabularies import Gender, Sector, StakeholderGroup
from polls.models import Ballot
from sessions import services
from sessions.kinds import get_kind
from sessions.models import Activity, CommandReceipt, Participant
from tests import factories
from tests.e2e.client import RequestError, RoomClient, in_step, join
from tests.sessions.item_invariant import difference, fresh_room

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

WAIT = 15.0  # generous bound for any single awaited message


# --------------------------------------------------------------------------- set-up


@dataclass
class Room:
    code: str
    session_id: int
    activities: list[int]
    options: list[int]  # number of options per activity
    cookie: str  # the organiser's sessionid


@sync_to_async
def make_room(*kinds: str) -> Room:
    session = factories.make_session()
    # Participants see tallies live: these rooms test the tally's way to every role.
    activities = [
        factories.make_activity(session=session, kind=kind, results_visibility="live")
        for kind in kinds
    ]
    return Room(
        code=session.code,
        session_id=session.pk,
        activities=[a.pk for a in activities],
        options=[len(a.config.get("options", [])) for a in activities],
        cookie=factories.login_cookie(session.event.owner),
    )


def profile(i: int) -> dict[str, str]:
    """A varied stakeholder profile, "prefer not to say" included."""
    return {
        "display_name": f"Participant {i}",
        "stakeholder_group": StakeholderGroup.values[i % len(StakeholderGroup.values)],
        "country": ["DE", "KE", "BR", "", "CL"][i % 5],
        "sector": Sector.values[i % len(Sector.values)],
        "gender": Gender.values[i % len(Gender.values)],
        "organisation": f"Org {i}" if i % 3 else "",
    }


async def join_participants(server, room: Room, n: int) -> list[RoomClient]:
    """Join ``n`` participants over HTTP and return (unconnected) clients for them."""
    answers = await asyncio.gather(
        *(join(server.base_url, room.code, **profile(i)) for i in range(n))
    )
    clients = []
    for i, (status, body) in enumerate(answers):
        assert status == 201, body
        assert body["session"] == room.code
        assert body["websocket"] == f"/ws/s/{room.code}/"
        client = RoomClient(server.base_url, room.code, token=body["token"], name=f"p{i}")
        client.participant = body["participant"]
        clients.append(client)
    return clients


def facilitator_for(server, room: Room) -> RoomClient:
    return RoomClient(
        server.base_url, room.code, role="facilitator", cookie=room.cookie, name="facilitator"
    )


def screen_for(server, room: Room) -> RoomClient:
    return RoomClient(server.base_url, room.code, role="screen", name="screen")


@sync_to_async
def database_results(activity_id: int) -> dict:
    """What the database says: ballot count, per-option counts and the kind's tally."""
    activity = Activity.objects.get(pk=activity_id)
    per_option = Counter()
    choices = list(Ballot.objects.filter(activity=activity).values_list("choice", flat=True))
    for choice in choices:
        per_option.update(choice if isinstance(choice, list) else [choice])
    return {
        "count": len(choices),
        "options": [per_option[i] for i in range(len(activity.config["options"]))],
        "tally": json.loads(json.dumps(get_kind(activity.kind).tally(activity))),
    }


def counts_of(ballots: dict[int, object], options: int) -> list[int]:
    """Per-option counts of the latest acked ballot of each participant."""
    per_option = Counter()
    for choice in ballots.values():
        per_option.update(choice if isinstance(choice, list) else [choice])
    return [per_option[i] for i in range(options)]


def shows(activity: int, count: int, options: list[int]):
    """Predicate: the client's latest tally of ``activity`` has these counts."""
    return lambda c: (
        (c.tally(activity) or {}).get("count") == count and c.option_counts(activity) == options
    )


def assert_acked(reply: dict, activity: int, ballot, *, duplicate: bool = False) -> None:
    assert reply["type"] == "ack", reply
    assert reply["result"] == {"activity": activity, "ballot": ballot, "duplicate": duplicate}
    assert isinstance(reply["at"], float)


def assert_no_server_errors(server) -> None:
    log = server.log()
    assert "Traceback" not in log, log[-4000:]


# --------------------------------------------------------------------------- 1


async def test_join_and_vote_every_client_converges_on_the_database(daphne_server):
    server = daphne_server
    room = await make_room("single_choice")
    (poll,) = room.activities
    people = await join_participants(server, room, 10)

    # The profiles were stored as sent.
    stored = await sync_to_async(
        lambda: {
            p.pk: {
                "display_name": p.display_name,
                "stakeholder_group": p.stakeholder_group,
                "country": str(p.country.code or ""),
                "sector": p.sector,
                "gender": p.gender,
                "organisation": p.organisation,
            }
            for p in Participant.objects.filter(session_id=room.session_id)
        }
    )()
    assert stored == {c.participant: profile(i) for i, c in enumerate(people)}

    facilitator, screen = facilitator_for(server, room), screen_for(server, room)
    everyone = [facilitator, screen, *people]
    welcomes = await asyncio.gather(*(c.connect() for c in everyone))
    for client, welcome in zip(everyone, welcomes, strict=True):
        assert welcome["resumed"] is False
        assert welcome["role"] == client.role
        assert welcome["data"]["code"] == room.code
        assert welcome["data"]["current_activity"] is None
    assert [a["id"] for a in facilitator.room["activities"]] == [poll]
    assert facilitator.room["activities"][0]["status"] == "draft"
    assert screen.room["activities"] == []
    for i, client in enumerate(people):
        assert client.me == {
            "participant": client.participant,
            "display_name": f"Participant {i}",
            "ballots": {},
        }

    opened = await facilitator.control("open_activity", poll)
    assert opened == {
        "type": "ack",
        "ref": opened["ref"],
        "result": {"action": "open_activity", "message": "Opened: participants see it now."},
    }

    def opened_by_event(c: RoomClient) -> bool:
        return any(e["name"] == "room" and e["data"]["current_activity"] == poll for e in c.events)

    await asyncio.gather(*(c.wait_for(opened_by_event, timeout=WAIT) for c in everyone))
    for client in people:
        (activity,) = client.room["activities"]
        assert activity["id"] == poll
        assert activity["status"] == "open"
        assert activity["kind"] == "single_choice"
        assert activity["config"] == {"options": ["Yes", "No", "Not sure"]}
        assert activity["count"] == 0
        assert activity["tally"]["total"] == 0  # results_visibility "live"
    # Not revealed yet: the projector sees the question, not the results.
    assert screen.current_activity["id"] == poll
    assert "tally" not in screen.current_activity

    revealed = await facilitator.control("reveal", poll, True)
    assert revealed["result"] == {
        "action": "reveal",
        "message": "Results shown on the projector.",
    }
    await screen.wait_for(
        lambda c: c.current_activity["results_revealed"] and "tally" in c.current_activity,
        timeout=WAIT,
    )

    # Everyone votes; four change their mind with a new key.
    first = await asyncio.gather(
        *(c.vote(poll, i % 3, key=f"{c.name}-first") for i, c in enumerate(people))
    )
    for i, reply in enumerate(first):
        assert_acked(reply, poll, i % 3)
    changers = people[:4]
    second = await asyncio.gather(
        *(c.vote(poll, (i + 1) % 3, key=f"{c.name}-second") for i, c in enumerate(changers))
    )
    for i, reply in enumerate(second):
        assert_acked(reply, poll, (i + 1) % 3)

    acked = {c.participant: r["result"]["ballot"] for c, r in zip(people, first, strict=True)}
    acked.update(
        {c.participant: r["result"]["ballot"] for c, r in zip(changers, second, strict=True)}
    )
    expected = counts_of(acked, room.options[0])
    assert expected == [3, 4, 3]
    await asyncio.gather(*(c.wait_for(shows(poll, 10, expected), timeout=WAIT) for c in everyone))

    database = await database_results(poll)
    assert database["count"] == 10
    assert database["options"] == expected
    latest = [c.tally(poll) for c in everyone]
    assert all(t == {"activity": poll, "count": 10, "tally": database["tally"]} for t in latest)
    assert database["tally"]["options"][1] == {"label": "No", "count": 4, "percent": 40.0}

    # The ack's promise: an event whose as_of is later than a vote's "at" includes it.
    first_at = [r["at"] for r in first]
    last_at = max(r["at"] for r in (*first, *second))
    for client in everyone:
        tally_events = client.tally_events[poll]
        assert tally_events, client
        for event in tally_events:
            assert event["data"]["count"] >= sum(at < event["as_of"] for at in first_at)
            if event["as_of"] > last_at:
                assert event["data"]["tally"] == database["tally"]
        # In seq order with no gap on a single server; tallies at most every 200 ms.
        seqs = [e["seq"] for e in client.events]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        assert client.gaps == 0
        stamps = [e["ts"] for e in tally_events]
        assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(stamps))
    # Every client got the same broadcasts (each in its role's view).
    assert len({tuple(e["seq"] for e in c.tally_events[poll]) for c in everyone}) == 1

    await asyncio.gather(*(c.close() for c in everyone))
    assert_no_server_errors(server)


# --------------------------------------------------------------------------- 2


async def test_reconnect_resumes_with_the_missed_events(daphne_server):
    server = daphne_server
    room = await make_room("single_choice", "multiple_choice")
    poll, multi = room.activities
    leaver, stayer, late = await join_participants(server, room, 3)
    facilitator = facilitator_for(server, room)
    await asyncio.gather(facilitator.connect(), leaver.connect(), stayer.connect())

    assert (await facilitator.control("open_activity", poll))["type"] == "ack"
    assert_acked(await leaver.vote(poll, 0, key="leaver-1"), poll, 0)
    assert_acked(await stayer.vote(poll, 2, key="stayer-1"), poll, 2)
    await asyncio.gather(
        *(c.wait_for(shows(poll, 2, [1, 0, 1]), timeout=WAIT) for c in (leaver, stayer))
    )

    last_seq = leaver.seq
    seen = len(leaver.events)
    await leaver.close()

    # While it is away: the poll closes, a multiple-choice poll opens, someone votes.
    assert (await facilitator.control("close_activity", poll))["type"] == "ack"
    assert (await facilitator.control("open_activity", multi))["type"] == "ack"
    assert_acked(await stayer.vote(multi, [2, 0], key="stayer-2"), multi, [0, 2])
    await stayer.wait_for(shows(multi, 1, [1, 0, 1, 0]), timeout=WAIT)
    assert stayer.seq > last_seq + 2

    missed = stayer.seq
    welcome = await leaver.connect()  # hello with last_seq
    assert welcome["resumed"] is True
    assert welcome["seq"] == last_seq
    assert "data" not in welcome
    assert welcome["me"]["ballots"] == {str(poll): 0}
    await in_step(leaver, stayer, timeout=WAIT)
    replayed = [e["seq"] for e in leaver.events[seen:]]
    assert replayed[: missed - last_seq] == list(range(last_seq + 1, missed + 1))
    assert replayed == list(range(last_seq + 1, leaver.seq + 1))  # and nothing skipped since
    assert leaver.gaps == 0
    assert leaver.room["current_activity"] == multi
    assert leaver.current_activity["kind"] == "multiple_choice"
    assert leaver.room == stayer.room
    assert leaver.tally(multi) == stayer.tally(multi)
    assert leaver.tally(poll) == stayer.tally(poll)
    database = await database_results(multi)
    assert leaver.tally(multi) == {"activity": multi, "count": 1, "tally": database["tally"]}

    # A last_seq the server cannot vouch for gets the whole room instead.
    for bogus in (10**12, 0):
        before = stayer.seq
        welcome = await late.connect(last_seq=bogus)
        assert welcome["resumed"] is False, bogus
        assert welcome["seq"] >= before
        assert welcome["data"]["current_activity"] == multi
        await in_step(late, stayer, timeout=WAIT)
        assert late.room == stayer.room
        await late.close()

    await asyncio.gather(facilitator.close(), leaver.close(), stayer.close())
    assert_no_server_errors(server)


# --------------------------------------------------------------------------- 3


@pytest.mark.parametrize("lose", ["close", "drop"])
async def test_a_vote_resent_after_a_reconnect_counts_once(daphne_server, lose):
    server = daphne_server
    room = await make_room("single_choice")
    (poll,) = room.activities
    (voter,) = await join_participants(server, room, 1)
    facilitator = facilitator_for(server, room)
    await asyncio.gather(facilitator.connect(), voter.connect())
    assert (await facilitator.control("open_activity", poll))["type"] == "ack"
    await voter.wait_for(lambda c: c.room["current_activity"] == poll, timeout=WAIT)

    vote = {"type": "act", "activity": poll, "action": "vote", "data": 1, "key": "only-once"}
    await voter.send(vote)
    if lose == "drop":
        await voter.drop()  # TCP reset straight after sending, no close handshake
    else:
        await voter.close(read=False)  # close handshake straight after sending, unread
    assert not voter.acks  # the first answer, if any, was never read

    await voter.reconnect(timeout=WAIT)
    resent = await voter.vote(poll, 1, key="only-once")
    assert resent["type"] == "ack", resent
    assert resent["result"]["activity"] == poll
    assert resent["result"]["ballot"] == 1
    assert isinstance(resent["result"]["duplicate"], bool)  # True unless the first was lost

    # Once the key is stored, every resend is answered from the receipt, whatever it carries.
    again = await voter.vote(poll, 2, key="only-once")
    assert_acked(again, poll, 1, duplicate=True)

    await asyncio.gather(
        *(c.wait_for(shows(poll, 1, [0, 1, 0]), timeout=WAIT) for c in (voter, facilitator))
    )
    ballots, receipts = await sync_to_async(
        lambda: (
            list(
                Ballot.objects.filter(
                    activity_id=poll, participant_id=voter.participant
                ).values_list("choice", flat=True)
            ),
            CommandReceipt.objects.filter(participant_id=voter.participant).count(),
        )
    )()
    assert ballots == [1]
    assert receipts == 1
    database = await database_results(poll)
    assert database["count"] == 1
    assert voter.tally(poll)["tally"] == database["tally"]
    snapshot = await voter.resync()
    assert snapshot["type"] == "snapshot"
    assert snapshot["me"]["ballots"] == {str(poll): 1}

    await asyncio.gather(facilitator.close(), voter.close())
    assert_no_server_errors(server)


# --------------------------------------------------------------------------- 4


async def test_after_a_server_restart_every_acked_vote_is_still_counted(daphne_server_with):
    # A 2 s tally interval makes the window certain: after the first vote's tally goes
    # out, the next tally waits 2 s, and the process dies inside that wait with five
    # acked votes whose tally was never broadcast.
    server = daphne_server_with(LIVE_TALLY_INTERVAL_MS="2000")
    room = await make_room("single_choice")
    (poll,) = room.activities
    people = await join_participants(server, room, 6)
    facilitator, screen = facilitator_for(server, room), screen_for(server, room)
    everyone = [facilitator, screen, *people]
    await asyncio.gather(*(c.connect() for c in everyone))
    assert (await facilitator.control("open_activity", poll))["type"] == "ack"
    assert (await facilitator.control("reveal", poll, True))["type"] == "ack"
    await asyncio.gather(
        *(c.wait_for(lambda c: c.current_activity is not None, timeout=WAIT) for c in everyone)
    )
    await screen.wait_for(lambda c: "tally" in c.current_activity, timeout=WAIT)

    replies = [await people[0].vote(poll, 0, key="p0-a")]
    await asyncio.gather(*(c.wait_for(shows(poll, 1, [1, 0, 0]), timeout=WAIT) for c in everyone))
    replies += await asyncio.gather(
        *(c.vote(poll, i % 3, key=f"{c.name}-a") for i, c in enumerate(people) if i)
    )
    for i, reply in enumerate(replies):
        assert_acked(reply, poll, i % 3)
    acked = {c.participant: i % 3 for i, c in enumerate(people)}
    assert all(c.tally(poll)["count"] == 1 for c in everyone)  # the next tally is pending

    server.kill()  # SIGKILL, with the tally of five acked votes still pending
    codes = await asyncio.gather(*(c.wait_closed(timeout=WAIT) for c in everyone))
    assert set(codes) == {1006}
    await asyncio.to_thread(server.start)

    # One after another, as clients with jittered backoff would come back.
    welcomes = [await c.reconnect(timeout=WAIT) for c in everyone]
    assert welcomes[0]["resumed"] is False  # a new process has no replay buffer yet
    expected = counts_of(acked, room.options[0])
    outcomes = await asyncio.gather(
        *(c.wait_for(shows(poll, 6, expected), timeout=5) for c in everyone),
        return_exceptions=True,
    )
    stale = [
        f"{c.name}: resumed={w['resumed']} from seq {w['seq']}, shows {c.tally(poll)['count']}"
        for c, w, outcome in zip(everyone, welcomes, outcomes, strict=True)
        if isinstance(outcome, Exception)
    ]
    assert not stale, f"acked votes missing after the restart (expected {expected}): {stale}"
    database = await database_results(poll)
    assert database["options"] == expected
    for client in everyone:
        assert client.tally(poll) == {"activity": poll, "count": 6, "tally": database["tally"]}

    # The restarted server carries on: a changed vote reaches everyone, and a key
    # used before the restart is still known.
    changer = people[0]
    assert_acked(await changer.vote(poll, 2, key="p0-b"), poll, 2)
    assert_acked(await changer.vote(poll, 1, key="p0-a"), poll, 0, duplicate=True)
    acked[changer.participant] = 2
    expected = counts_of(acked, room.options[0])
    await asyncio.gather(*(c.wait_for(shows(poll, 6, expected), timeout=WAIT) for c in everyone))
    assert (await database_results(poll))["options"] == expected

    await asyncio.gather(*(c.close() for c in everyone))
    assert_no_server_errors(server)


async def test_clients_failing_over_to_a_surviving_process_see_every_acked_vote(
    daphne_server_with,
):
    # Two processes on one room (as behind a load balancer); participants on A, the
    # facilitator on B. A dies with the tally of three acked votes still pending; the
    # participants fail over to B, where the facilitator never disconnected.
    a = daphne_server_with(LIVE_TALLY_INTERVAL_MS="2000")
    b = daphne_server_with(LIVE_TALLY_INTERVAL_MS="2000")
    room = await make_room("single_choice")
    (poll,) = room.activities
    people = await join_participants(a, room, 4)
    facilitator = facilitator_for(b, room)
    everyone = [facilitator, *people]
    await asyncio.gather(*(c.connect() for c in everyone))
    assert (await facilitator.control("open_activity", poll))["type"] == "ack"
    await asyncio.gather(
        *(c.wait_for(lambda c: c.current_activity is not None, timeout=WAIT) for c in people)
    )
    replies = [await people[0].vote(poll, 0, key="p0-a")]
    await asyncio.gather(*(c.wait_for(shows(poll, 1, [1, 0, 0]), timeout=WAIT) for c in everyone))
    replies += await asyncio.gather(
        *(c.vote(poll, i % 3, key=f"{c.name}-a") for i, c in enumerate(people) if i)
    )
    for i, reply in enumerate(replies):
        assert_acked(reply, poll, i % 3)
    assert all(c.tally(poll)["count"] == 1 for c in everyone)  # the next tally is pending

    a.kill()
    await asyncio.gather(*(c.wait_closed(timeout=WAIT) for c in people))
    for client in people:
        client.base_url = client.origin = b.base_url
    welcomes = [await c.reconnect(timeout=WAIT) for c in people]
    expected = counts_of({c.participant: i % 3 for i, c in enumerate(people)}, room.options[0])
    outcomes = await asyncio.gather(
        *(c.wait_for(shows(poll, 4, expected), timeout=5) for c in everyone),
        return_exceptions=True,
    )
    stale = [
        f"{c.name}: shows {c.tally(poll)['count']}"
        + (f" (resumed={w['resumed']} from seq {w['seq']})" if w else " (never disconnected)")
        for c, w, outcome in zip(everyone, [None, *welcomes], outcomes, strict=True)
        if isinstance(outcome, Exception)
    ]
    assert not stale, f"acked votes missing after the failover (expected {expected}): {stale}"
    assert (await database_results(poll))["options"] == expected

    await asyncio.gather(*(c.close() for c in everyone))
    assert_no_server_errors(b)


# --------------------------------------------------------------------------- 5


async def test_cross_site_and_missing_origins_are_refused_at_the_handshake(daphne_server):
    server = daphne_server
    room = await make_room("single_choice")
    url = f"{server.ws_base}/ws/s/{room.code}/"

    elsewhere = [
        "http://evil.example",
        "null",
        "http://127.0.0.1.evil.example",
        None,
        # The same host on another port or scheme, or by another name: another site.
        f"http://127.0.0.1:{server.port + 1}",
        server.base_url.replace("http://", "https://"),
        server.base_url.replace("127.0.0.1", "localhost"),
    ]
    for origin in elsewhere:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, origin=origin, open_timeout=WAIT):
                pass
        assert refused.value.response.status_code == 403, origin

    for allowed in (server.base_url,):
        screen = RoomClient(server.base_url, room.code, role="screen", origin=allowed)
        welcome = await screen.connect()
        assert welcome["type"] == "welcome"
        assert welcome["role"] == "screen"
        assert welcome["data"]["code"] == room.code
        await screen.close()

    # Past the handshake, hello still checks who is who.
    forged = RoomClient(server.base_url, room.code, token="not-a-token", name="forged")
    with pytest.raises(RequestError) as refused_hello:
        await forged.connect()
    assert refused_hello.value.reply["code"] == "invalid_token"
    assert await forged.wait_closed(timeout=WAIT) == 4401
    anonymous = RoomClient(server.base_url, room.code, role="facilitator", name="anonymous")
    with pytest.raises(RequestError) as refused_hello:
        await anonymous.connect()
    assert refused_hello.value.reply["code"] == "forbidden"
    assert await anonymous.wait_closed(timeout=WAIT) == 4403
    assert_no_server_errors(server)


# --------------------------------------------------------------------------- 6


async def test_bad_input_gets_typed_errors_and_a_huge_frame_only_closes_its_socket(
    daphne_server,
):
    server = daphne_server
    room = await make_room("single_choice")
    (poll,) = room.activities
    sloppy, giant, voter = await join_participants(server, room, 3)
    facilitator = facilitator_for(server, room)
    everyone = [facilitator, sloppy, giant, voter]
    await asyncio.gather(*(c.connect() for c in everyone))
    assert (await facilitator.control("open_activity", poll))["type"] == "ack"

    await sloppy.send_raw('{"type": "ping", "id": 1')
    error = await sloppy.wait_for(lambda c: c.errors and c.errors[-1], timeout=WAIT)
    assert error["code"] == "invalid_json"
    assert error["message"]

    await sloppy.send_raw(json.dumps({"type": "ping", "id": "big", "pad": "x" * 10_000}))
    error = await sloppy.wait_for(lambda c: len(c.errors) == 2 and c.errors[-1], timeout=WAIT)
    assert error["code"] == "too_large"
    assert "4096" in error["message"]

    # Anything up to Daphne's limit reaches the consumer, which refuses it the same way.
    await sloppy.send_raw(json.dumps({"type": "ping", "id": "bigger", "pad": "x" * 1_000_000}))
    error = await sloppy.wait_for(lambda c: len(c.errors) == 3 and c.errors[-1], timeout=WAIT)
    assert error["code"] == "too_large"

    pong = await sloppy.ping()
    assert pong == {"type": "pong", "ref": pong["ref"]}
    assert_acked(await sloppy.vote(poll, 0, key="sloppy"), poll, 0)

    # Past Daphne's own 1 MiB limit the server drops the TCP connection (autobahn's
    # failByDrop: no close frame, so the client sees 1006)...
    with contextlib.suppress(ConnectionClosed):
        await giant.send_raw(json.dumps({"type": "ping", "pad": "x" * 2_000_000}))
    assert await giant.wait_closed(timeout=WAIT) == 1006

    # ...and nobody else notices.
    assert_acked(await voter.vote(poll, 2, key="voter"), poll, 2)
    others = (facilitator, sloppy, voter)
    await asyncio.gather(*(c.wait_for(shows(poll, 2, [1, 0, 1]), timeout=WAIT) for c in others))
    for client in others:
        assert (await client.ping())["type"] == "pong"
    assert len(sloppy.errors) == 3

    await asyncio.gather(*(c.close() for c in others))
    assert_no_server_errors(server)


# --------------------------------------------------------------------------- 7


@sync_to_async
def make_item_room() -> tuple[Room, int, int]:
    """A session with an idea board (open, current) and a Q&A (a draft): its room,
    the board's id and the Q&A's."""
    session = factories.make_session()
    board = services.add_activity(
        session=session, kind="idea_board", title="Ideas", config={"columns": ["Now", "Later"]}
    )
    qna = services.add_activity(session=session, kind="qna", title="Questions", config={})
    services.open_activity(activity=board)
    room = Room(
        code=session.code,
        session_id=session.pk,
        activities=[board.pk, qna.pk],
        options=[0, 0],
        cookie=factories.login_cookie(session.event.owner),
    )
    return room, board.pk, qna.pk


_act_keys = itertools.count(1)


async def act(client: RoomClient, activity: int, action: str, data: object) -> dict:
    """A participant's command on a board or a Q&A, acknowledged."""
    key = f"{client.name}-{next(_act_keys)}"
    reply = await client.request(
        {"type": "act", "activity": activity, "action": action, "data": data, "key": key}
    )
    assert reply["type"] == "ack", reply
    return reply["result"]["ballot"]


async def moderate(facilitator: RoomClient, activity: int, action: str, data: object = None):
    reply = await facilitator.control("moderate", activity, {"action": action, "data": data})
    assert reply["type"] == "ack", reply


async def holds_a_fresh_snapshot(client: RoomClient, session_id: int) -> None:
    """What ``client`` holds, from its welcome and the events it applied, is what a
    fresh snapshot of its role says, once the events of the last change have come: a
    snapshot read while they are on their way runs ahead of them, and they follow with
    later seqs (tests.sessions.item_invariant.settle)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        seq, views = await fresh_room(session_id)
        await client.wait_for(lambda c, seq=seq: c.seq >= seq, timeout=WAIT)
        if client.seq == seq:
            if client.room == views[client.role]:
                return
            try:
                await client.wait_for(
                    lambda c, seq=seq: c.seq > seq, timeout=max(0.1, deadline - loop.time())
                )
            except TimeoutError:
                raise AssertionError(
                    f"{client.name} at seq {seq}: {difference(client.room, views[client.role])}"
                ) from None


async def test_item_events_keep_every_client_on_a_fresh_snapshot(daphne_server):
    """Notes and questions arrive as item events only (the room is sent whole only
    when its state changes): every client, applying them, holds what a fresh snapshot
    of its role shows."""
    server = daphne_server
    room, board, qna = await make_item_room()
    people = await join_participants(server, room, 3)
    facilitator, screen = facilitator_for(server, room), screen_for(server, room)
    everyone = [facilitator, screen, *people]
    await asyncio.gather(*(c.connect() for c in everyone))

    # Notes from everyone at once (several may share an event), upvotes, moderation.
    posted = await asyncio.gather(
        *(
            act(c, board, "post", {"column": i % 2, "text": f"Idea {i}.{n}"})
            for n in range(2)
            for i, c in enumerate(people)
        )
    )
    # Each person's notes, from the ack of their last post.
    own = {i: [note["id"] for note in posted[3 + i]["notes"]] for i in range(3)}
    notes = sorted(n for ids in own.values() for n in ids)
    assert len(notes) == 6
    first, merged, hidden, clustered = own[0][0], own[1][0], own[2][0], own[1][1]
    await moderate(facilitator, board, "start_voting", {"budget": 2})
    await asyncio.gather(*(act(c, board, "upvote", {"note": first}) for c in people))
    await moderate(facilitator, board, "merge", {"note": merged, "into": first})
    await moderate(facilitator, board, "hide", {"note": hidden})
    await moderate(facilitator, board, "create_cluster", {"name": "Data"})
    await facilitator.wait_for(lambda c: c.room["activities"][0]["items"]["clusters"], timeout=WAIT)
    (cluster,) = facilitator.room["activities"][0]["items"]["clusters"]
    await moderate(facilitator, board, "assign", {"note": clustered, "cluster": cluster["id"]})
    await moderate(facilitator, board, "delete_cluster", {"cluster": cluster["id"]})
    await act(people[0], board, "delete", {"note": first})
    for client in everyone:
        await holds_a_fresh_snapshot(client, room.session_id)
    held = {n["id"]: n for n in facilitator.room["activities"][0]["items"]["notes"]}
    assert sorted(held) == [n for n in notes if n != first]
    assert held[merged]["hidden"] is True  # merged into the note deleted: hidden
    assert held[clustered]["cluster"] is None

    # Then the Q&A: asked, upvoted, put on the projector, hidden.
    await facilitator.control("open_activity", qna)
    asked = await asyncio.gather(
        *(act(c, qna, "ask", {"text": f"Who pays for step {i}?"}) for i, c in enumerate(people))
    )
    questions = [ballot["questions"][0]["id"] for ballot in asked]  # one per person
    await act(people[1], qna, "upvote", {"question": questions[0]})
    await moderate(facilitator, qna, "put_on_screen", {"question": questions[0]})
    await moderate(facilitator, qna, "mark_answered", {"question": questions[1]})
    await moderate(facilitator, qna, "hide", {"question": questions[0]})
    for client in everyone:
        await holds_a_fresh_snapshot(client, room.session_id)
    (questions_seen,) = [a for a in screen.room["activities"] if a["id"] == qna]
    assert [q["id"] for q in questions_seen["items"]] == sorted(questions[1:])
    assert questions_seen["config"]["on_screen"] is None

    # All of it came as item events, in order, with no gap and no resync.
    for client in everyone:
        assert client.gaps == 0 and client.snapshots == []
        names = {e["name"] for e in client.events}
        # Changes of one tick come as one "items" event, a lone change as "item": which
        # of the two depends on timing, so either counts as an item event.
        assert names >= {"tally", "room"} and names & {"item", "items"}, names
    await asyncio.gather(*(c.close() for c in everyone))
    assert_no_server_errors(server)
