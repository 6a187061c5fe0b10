"""Several server processes on one room, and the faults the room must survive:
a process killed mid-vote, Redis stopped and restarted, a client flooding messages.

Real Daphne processes, a private Redis, the test PostgreSQL; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from channels.db import database_sync_to_async as sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from polls.models import Ballot
from sessions.kinds import get_kind
from sessions.models import Activity
from tests import factories
from tests.live_client import LiveClient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def make_room(participants: int):
    session = factories.make_session()
    poll = factories.make_activity(session=session, kind="single_choice", results_visibility="live")
    owner = session.event.owner
    people = [
        factories.make_participant(session=session, stakeholder_group="research")
        for _ in range(participants)
    ]
    return session, poll, factories.login_cookie(owner), [factories.token_for(p) for p in people]


@sync_to_async
def database_tally(activity_id: int) -> tuple[dict, int]:
    activity = Activity.objects.get(pk=activity_id)
    tally = json.loads(json.dumps(get_kind(activity.kind).tally(activity)))
    return tally, Ballot.objects.filter(activity=activity).count()


@sync_to_async
def ballots(activity_id: int) -> dict[int, int]:
    return dict(
        Ballot.objects.filter(activity_id=activity_id).values_list("participant_id", "choice")
    )


async def join_all(urls_for, code, tokens, **options) -> list[LiveClient]:
    clients = [LiveClient(urls_for(i), code, token=t, **options) for i, t in enumerate(tokens)]
    await asyncio.gather(*(c.open() for c in clients))
    return clients


def converged(expected: dict, count: int):
    return lambda c: (
        (c.tally_of(c.room["current_activity"]) or {}).get("tally") == expected
        and (c.tally_of(c.room["current_activity"]) or {}).get("count") == count
    )


async def test_two_processes_serve_one_room_with_the_same_state(two_servers):
    a, b = (s.base_url for s in two_servers)
    session, poll, cookie, tokens = await make_room(10)
    facilitator = LiveClient([a], session.code, role="facilitator", cookie=cookie)
    screen = LiveClient([b], session.code, role="screen")
    await facilitator.open()
    await screen.open()
    people = await join_all(lambda i: [a] if i % 2 else [b], session.code, tokens)

    # Presence is summed over both processes, for the facilitator on A and the screen on B.
    await facilitator.wait_for(lambda c: c.connected_count == 10)
    await screen.wait_for(lambda c: c.connected_count == 10)

    assert (await facilitator.control("open_activity", poll.pk))["type"] == "ack"
    assert (await facilitator.control("reveal", poll.pk, True))["type"] == "ack"
    for person in people:
        await person.wait_for(lambda c: c.room["current_activity"] == poll.pk)
    acks = await asyncio.gather(*(p.vote(poll.pk, i % 3) for i, p in enumerate(people)))
    assert all(ack["type"] == "ack" for ack in acks)

    expected, count = await database_tally(poll.pk)
    assert count == 10
    assert [o["count"] for o in expected["options"]] == [4, 3, 3]
    everyone = [*people, screen, facilitator]
    for client in everyone:
        await client.wait_for(converged(expected, 10))
    # Every client applies the same events in the same order, whichever process it is on:
    # each reaches the last sequence number any of them has seen (a tally with the same
    # state may still be on its way to some when the first ones converge), with the
    # same state.
    last = max(c.seq for c in everyone)
    for client in everyone:
        await client.wait_for(lambda c: c.seq >= last)
    assert {c.seq for c in everyone} == {last}
    assert all(converged(expected, 10)(c) for c in everyone)

    for person in people[:4]:
        await person.close()
    await facilitator.wait_for(lambda c: c.connected_count == 6)
    await screen.wait_for(lambda c: c.connected_count == 6)
    for client in [*people[4:], screen, facilitator]:
        await client.close()


async def test_killing_a_process_mid_vote_loses_no_acked_vote(two_servers):
    a, b = (s.base_url for s in two_servers)
    session, poll, cookie, tokens = await make_room(20)
    facilitator = LiveClient([b], session.code, role="facilitator", cookie=cookie)
    await facilitator.open()
    await facilitator.control("open_activity", poll.pk)
    # Half the room starts on A, half on B; each falls back to the other server.
    people = await join_all(lambda i: [a, b] if i % 2 else [b, a], session.code, tokens)
    for person in people:
        await person.wait_for(lambda c: c.room["current_activity"] == poll.pk)

    first = await asyncio.gather(*(p.vote(poll.pk, 0) for p in people[:10]))
    two_servers[0].kill()  # SIGKILL: no goodbye to anyone
    second = await asyncio.gather(*(p.vote(poll.pk, 1) for p in people[10:]))
    changes = await asyncio.gather(*(p.vote(poll.pk, 2) for p in people[:5]))

    assert all(ack["type"] == "ack" for ack in [*first, *second, *changes])
    moved = [p for i, p in enumerate(people) if i % 2]
    assert all(p.reconnects >= 1 and p.server == b for p in moved)
    stored = await ballots(poll.pk)
    assert len(stored) == 20  # every participant exactly once
    expected_choice = {
        **{i: 2 for i in range(5)},
        **{i: 0 for i in range(5, 10)},
        **{i: 1 for i in range(10, 20)},
    }
    participant_ids = [p.me["participant"] for p in people]
    assert {participant_ids[i]: c for i, c in expected_choice.items()} == stored

    expected, count = await database_tally(poll.pk)
    assert [o["count"] for o in expected["options"]] == [5, 10, 5]
    for client in [*people, facilitator]:
        await client.wait_for(converged(expected, count))
    for client in [*people, facilitator]:
        await client.close()


async def test_the_room_recovers_by_itself_after_redis_restarts(two_servers, private_redis):
    a, b = (s.base_url for s in two_servers)
    session, poll, cookie, tokens = await make_room(8)
    facilitator = LiveClient([a], session.code, role="facilitator", cookie=cookie)
    await facilitator.open()
    await facilitator.control("open_activity", poll.pk)
    people = await join_all(lambda i: [a] if i % 2 else [b], session.code, tokens)
    for person in people:
        await person.wait_for(lambda c: c.room["current_activity"] == poll.pk)
    await asyncio.gather(*(p.vote(poll.pk, 0) for p in people[:4]))

    private_redis.stop()
    # Votes are recorded in PostgreSQL while the broadcast path is down.
    during = await asyncio.gather(*(p.vote(poll.pk, 1) for p in people[4:]))
    assert all(ack["type"] == "ack" for ack in during)
    private_redis.start()

    expected, count = await database_tally(poll.pk)
    assert [o["count"] for o in expected["options"]] == [4, 4, 0]
    # No client action needed: the servers re-subscribe and push fresh state.
    for client in [*people, facilitator]:
        await client.wait_for(converged(expected, count), timeout=40)
    # And the room is live again afterwards. A process whose blocking read was cut by
    # the restart may take one more socket timeout and backoff to notice: the same
    # window as above.
    await people[0].vote(poll.pk, 2)
    expected, count = await database_tally(poll.pk)
    for client in [*people, facilitator]:
        await client.wait_for(converged(expected, count), timeout=40)
    for client in [*people, facilitator]:
        await client.close()


async def test_a_flooding_client_is_cut_off_and_the_others_carry_on(two_servers):
    a = two_servers[0].base_url
    session, poll, cookie, tokens = await make_room(6)
    facilitator = LiveClient([a], session.code, role="facilitator", cookie=cookie)
    await facilitator.open()
    await facilitator.control("open_activity", poll.pk)
    people = await join_all(lambda i: [a], session.code, tokens[1:])
    for person in people:
        await person.wait_for(lambda c: c.room["current_activity"] == poll.pk)

    ws_url = a.replace("http", "ws") + f"/ws/s/{session.code}/"
    async with connect(ws_url, origin=a) as flooder:
        await flooder.send(json.dumps({"type": "hello", "role": "participant", "token": tokens[0]}))
        assert json.loads(await flooder.recv())["type"] == "welcome"

        async def flood() -> list[dict]:
            ping = json.dumps({"type": "ping"})
            answers = []
            with contextlib.suppress(ConnectionClosed):
                for _ in range(2000):
                    await flooder.send(ping)
            with contextlib.suppress(ConnectionClosed):
                while True:  # the server closes the socket; read up to that
                    answers.append(json.loads(await flooder.recv()))
            return answers

        votes = asyncio.gather(*(p.vote(poll.pk, i % 2) for i, p in enumerate(people)))
        answers = await asyncio.wait_for(flood(), 30)
        acks = await votes
        assert flooder.close_code == 4008
        codes = [m.get("code") for m in answers if m["type"] == "error"]
        assert "rate_limited" in codes
        assert codes[-1] == "flooding"

    assert all(ack["type"] == "ack" for ack in acks)
    expected, count = await database_tally(poll.pk)
    assert count == 5
    for client in [*people, facilitator]:
        await client.wait_for(converged(expected, count))
    for client in [*people, facilitator]:
        await client.close()
