"""The process's queue of participant commands (sessions/command_queue.py): batches form
while a batch commits, one person's commands are never in two batches at once, and
past its bound the queue answers ``busy`` with a retry time (docs/protocol.md, "Over
capacity")."""

from __future__ import annotations

import asyncio
import threading

import pytest

from polls.models import Ballot
from sessions import command_queue
from sessions.command_queue import RETRY_AFTER_MS, Busy, get_command_queue
from sessions.kinds import Command
from tests import factories
from tests.sessions.live import ballots, db, make_room

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


class Gate:
    """Holds the queue's batches on their database thread until opened, recording
    each batch's participants."""

    def __init__(self, monkeypatch) -> None:
        self.opened = threading.Event()
        self.batches: list[list[int]] = []
        self.started = threading.Semaphore(0)
        real = command_queue.perform_commands

        def held(*, commands):
            self.batches.append([c.participant.pk for c in commands])
            self.started.release()
            assert self.opened.wait(15), "the test never opened the gate"
            return real(commands=commands)

        monkeypatch.setattr(command_queue, "perform_commands", held)

    async def batch_started(self) -> None:
        assert await asyncio.to_thread(self.started.acquire, True, 15)


def vote(participant, activity, choice, key):
    return Command(
        participant=participant,
        activity_id=activity.pk,
        action="vote",
        data=choice,
        key=key,
        language="en",
    )


@db
def open_poll(n):
    poll = factories.make_activity(open=True)
    return poll, [factories.make_participant(session=poll.session) for _ in range(n)]


def limits(settings, **values):
    settings.LIVE_ROOM = {**settings.LIVE_ROOM, **values}


async def test_commands_arriving_during_a_batch_form_the_next_batch(hub, settings, monkeypatch):
    limits(settings, COMMAND_WORKERS=1)
    gate = Gate(monkeypatch)
    poll, people = await open_poll(6)
    queue = get_command_queue(hub=hub)
    first = asyncio.ensure_future(queue.submit(vote(people[0], poll, 0, "a")))
    await gate.batch_started()
    rest = [asyncio.ensure_future(queue.submit(vote(p, poll, 1, "b"))) for p in people[1:]]
    await asyncio.sleep(0)  # let them reach the queue
    gate.opened.set()
    results = await asyncio.gather(first, *rest)
    assert [r["duplicate"] for r in results] == [False] * 6
    assert gate.batches == [[people[0].pk], [p.pk for p in people[1:]]]
    assert sorted(await ballots(poll.pk)) == [0, 1, 1, 1, 1, 1]


async def test_one_persons_commands_never_run_in_two_batches_at_once(hub, settings, monkeypatch):
    limits(settings, COMMAND_WORKERS=2)
    gate = Gate(monkeypatch)
    poll, (a, b) = await open_poll(2)
    queue = get_command_queue(hub=hub)
    a_first = asyncio.ensure_future(queue.submit(vote(a, poll, 0, "a1")))
    await gate.batch_started()
    a_second = asyncio.ensure_future(queue.submit(vote(a, poll, 2, "a2")))
    b_only = asyncio.ensure_future(queue.submit(vote(b, poll, 1, "b1")))
    # The second worker takes b's command and leaves a's second one waiting.
    await gate.batch_started()
    assert gate.batches == [[a.pk], [b.pk]]
    assert not a_second.done()
    gate.opened.set()
    assert (await b_only)["ballot"] == 1
    assert [(await a_first)["ballot"], (await a_second)["ballot"]] == [0, 2]
    assert gate.batches[2:] == [[a.pk]]

    @db
    def a_ballot():
        return Ballot.objects.get(participant=a).choice

    assert await a_ballot() == 2


async def test_past_its_bound_the_queue_answers_busy_with_a_retry_time(hub, settings, monkeypatch):
    limits(settings, COMMAND_WORKERS=1, COMMAND_QUEUE_MAX=2)
    gate = Gate(monkeypatch)
    poll, people = await open_poll(4)
    queue = get_command_queue(hub=hub)
    in_flight = asyncio.ensure_future(queue.submit(vote(people[0], poll, 0, "k")))
    await gate.batch_started()
    waiting = [asyncio.ensure_future(queue.submit(vote(p, poll, 0, "k"))) for p in people[1:3]]
    await asyncio.sleep(0)
    with pytest.raises(Busy) as refused:
        await queue.submit(vote(people[3], poll, 0, "k"))
    assert refused.value.code == "busy"
    assert RETRY_AFTER_MS[0] <= refused.value.retry_after_ms <= RETRY_AFTER_MS[1]
    assert refused.value.extra == {"retry_after_ms": refused.value.retry_after_ms}
    gate.opened.set()
    assert len(await asyncio.gather(in_flight, *waiting)) == 3
    # Nothing of the refused command was stored; sent again, it is carried out.
    assert len(await ballots(poll.pk)) == 3
    again = await queue.submit(vote(people[3], poll, 0, "k"))
    assert again["duplicate"] is False and len(await ballots(poll.pk)) == 4


async def test_a_busy_room_says_so_over_the_socket_and_the_resend_is_carried_out(
    hub, live, settings
):
    limits(settings, COMMAND_QUEUE_MAX=0)
    room = await make_room(n=1)
    voter = await live.join(room.code, token=room.tokens[0])
    error = await voter.vote(room.activity.pk, 1, key="k", ref="v1")
    assert (error["type"], error["code"], error["ref"]) == ("error", "busy", "v1")
    assert RETRY_AFTER_MS[0] <= error["retry_after_ms"] <= RETRY_AFTER_MS[1]
    assert error["message"]
    assert await ballots(room.activity.pk) == []
    get_command_queue(hub=hub).limit = 10
    ack = await voter.vote(room.activity.pk, 1, key="k", ref="v1")
    assert ack["type"] == "ack" and ack["result"]["duplicate"] is False
    assert await ballots(room.activity.pk) == [1]
