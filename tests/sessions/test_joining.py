"""Joining in batches (sessions/batches.py, sessions/joining.py): the handshakes and
hellos that arrive while a batch is read form the next one, each answer reaches its
own socket, a batch's queries do not grow with its size, and a participant's socket
never reads the logged-in user (sessions/lazy_user.py)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from django.contrib import auth
from django.core import signing
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from polls.models import Ballot
from sessions import joining, selectors, services
from sessions.batches import Batcher, batcher
from sessions.join_limits import CodeTry, TooManyTries, count_wrong_code, wrong_codes_waits
from sessions.models import Session
from tests import factories
from tests.sessions.live import db, make_room
from tests.sessions.test_participant_tokens import token_signed_ago

ADDRESS = "198.51.100.9"


class Gate:
    """A ``read`` for a Batcher that records each batch and holds it on its thread
    until opened."""

    def __init__(self, answer=lambda item: item * 10) -> None:
        self.opened = threading.Event()
        self.started = threading.Semaphore(0)
        self.batches: list[list] = []
        self.answer = answer

    def __call__(self, items):
        self.batches.append(list(items))
        self.started.release()
        assert self.opened.wait(15), "the test never opened the gate"
        return [self.answer(item) for item in items]

    async def batch_started(self) -> None:
        assert await asyncio.to_thread(self.started.acquire, True, 15)


# --------------------------------------------------------------------------- the batcher


async def asked_and_held(batches: Batcher, gate: Gate, item):
    """Ask ``item``: its future, once its batch is being read (and held by ``gate``)."""
    first = asyncio.ensure_future(batches.ask(item))
    await gate.batch_started()
    return first


@pytest.mark.asyncio
async def test_requests_arriving_during_a_batch_form_the_next_one():
    gate = Gate()
    batches = Batcher(gate)
    first = await asked_and_held(batches, gate, 1)
    rest = [asyncio.ensure_future(batches.ask(n)) for n in range(2, 7)]
    await asyncio.sleep(0)
    assert len(batches.waiting) == 5
    gate.opened.set()
    assert await asyncio.gather(first, *rest) == [10, 20, 30, 40, 50, 60]
    assert gate.batches == [[1], [2, 3, 4, 5, 6]]
    assert not batches.working


@pytest.mark.asyncio
async def test_a_batch_is_at_most_batch_max_requests():
    gate = Gate()
    batches = Batcher(gate, batch_max=3)
    first = await asked_and_held(batches, gate, 0)
    rest = [asyncio.ensure_future(batches.ask(n)) for n in range(1, 8)]
    await asyncio.sleep(0)
    gate.opened.set()
    assert await asyncio.gather(first, *rest) == [n * 10 for n in range(8)]
    assert gate.batches == [[0], [1, 2, 3], [4, 5, 6], [7]]


@pytest.mark.asyncio
async def test_an_answer_that_is_an_exception_is_raised_to_its_caller_alone():
    gate = Gate(answer=lambda item: ValueError(f"no {item}") if item == 2 else item)
    gate.opened.set()
    batches = Batcher(gate)
    results = await asyncio.gather(*(batches.ask(n) for n in (1, 2, 3)), return_exceptions=True)
    assert results[0] == 1 and results[2] == 3
    assert isinstance(results[1], ValueError) and str(results[1]) == "no 2"


@pytest.mark.asyncio
async def test_a_failed_read_fails_its_batch_and_the_next_batch_is_read():
    calls = []

    def read(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return list(items)

    batches = Batcher(read)
    failed = await asyncio.gather(batches.ask("a"), batches.ask("b"), return_exceptions=True)
    assert [str(e) for e in failed] == ["database gone", "database gone"]
    assert await batches.ask("c") == "c"
    assert calls == [["a", "b"], ["c"]]


@pytest.mark.asyncio
async def test_a_request_whose_socket_went_is_not_read():
    gate = Gate()
    batches = Batcher(gate)
    first = await asked_and_held(batches, gate, 1)
    gone = asyncio.ensure_future(batches.ask(2))
    kept = asyncio.ensure_future(batches.ask(3))
    await asyncio.sleep(0)
    gone.cancel()
    gate.opened.set()
    assert await first == 10
    assert await kept == 30
    assert gate.batches == [[1], [3]]


@pytest.mark.asyncio
async def test_each_event_loop_has_its_own_batcher_per_read():
    def read(items):
        return list(items)

    here = batcher(read)
    assert batcher(read) is here
    assert batcher(joining.find_sessions) is not here
    elsewhere = await asyncio.to_thread(asyncio.run, _batcher_elsewhere(read))
    assert elsewhere is not here


async def _batcher_elsewhere(read):
    return batcher(read)


# --------------------------------------------------------------------------- the reads


@pytest.mark.django_db
def test_codes_are_found_in_one_query_and_wrong_ones_counted(settings):
    settings.JOIN_LIMITS = {**settings.JOIN_LIMITS, "WRONG_CODES_PER_ADDRESS": 5}
    first, second = factories.make_session(), factories.make_session()
    tries = [
        CodeTry(first.code, ADDRESS),
        CodeTry("NOSUCH", ADDRESS),
        CodeTry(f" {first.code.lower()[:3]} {first.code.lower()[3:]} ", ADDRESS),
        CodeTry(second.code, None),
    ]
    with CaptureQueriesContext(connection) as queries:
        found = joining.find_sessions(tries)
    assert len(queries) == 1
    assert [s and s.pk for s in found] == [first.pk, None, first.pk, second.pk]
    assert found[0] is found[2]  # one row, shared by the sockets of its code
    assert not Session.event.is_cached(found[0])  # a socket never reads the event
    # The batch counted its one wrong code: three more leave the address at 4 of 5,
    # a fifth reaches the limit.
    for _ in range(3):
        count_wrong_code(address=ADDRESS)
    assert wrong_codes_waits(addresses=[ADDRESS])[ADDRESS] == 0
    count_wrong_code(address=ADDRESS)
    assert wrong_codes_waits(addresses=[ADDRESS])[ADDRESS] > 0


@pytest.mark.django_db
def test_an_address_over_its_limit_is_refused_unless_it_proves_it_knows_the_code(settings):
    settings.JOIN_LIMITS = {**settings.JOIN_LIMITS, "WRONG_CODES_PER_ADDRESS": 1}
    session = factories.make_session()
    count_wrong_code(address=ADDRESS)
    asked = []

    def proven(answer):
        def ask():
            asked.append(answer)
            return answer

        return ask

    found = joining.find_sessions(
        [
            CodeTry(session.code, ADDRESS, proven(False)),
            CodeTry(session.code, ADDRESS, proven(True)),
            CodeTry(session.code, ADDRESS),
            CodeTry(session.code, "192.0.2.1", proven(False)),
        ]
    )
    assert isinstance(found[0], TooManyTries) and found[0].code == "too_many_tries"
    assert found[1].pk == session.pk
    assert isinstance(found[2], TooManyTries)
    assert found[3].pk == session.pk
    assert asked == [False, True]  # asked only of the address over its limit


@pytest.mark.django_db
def test_tokens_are_read_in_one_query_and_only_valid_ones_name_someone(settings):
    session = factories.make_session()
    ana, ben = (factories.make_participant(session=session) for _ in range(2))
    stranger = factories.make_participant(session=factories.make_session())
    # Signed by this server, with a secret that is not ben's (a participant re-created).
    wrong_secret = signing.dumps({"p": ben.pk, "s": "not-his"}, salt=selectors.TOKEN_SALT)
    old = token_signed_ago(ana, settings.PARTICIPANT_TOKEN_MAX_AGE_S + 60)
    tokens = [
        factories.token_for(ana),
        factories.token_for(stranger),  # another session's
        None,
        "not a token",
        wrong_secret,
        old,
        factories.token_for(ben),
        12,
    ]
    with CaptureQueriesContext(connection) as queries:
        found = selectors.participants_from_tokens(tokens, session=session)
    assert len(queries) == 1
    assert [p and p.pk for p in found] == [ana.pk, None, None, None, None, None, ben.pk, None]
    assert found[0].session.status == session.status  # read fresh with the participant


def cast(activity, participant, choice, key):
    services.perform_command(
        participant=participant, activity_id=activity.pk, action="vote", data=choice, key=key
    )


def greeting_queries(session, participants, tokens) -> tuple[int, list]:
    hellos = [joining.Hello(session=session, token=t, cookies={}) for t in tokens]
    with CaptureQueriesContext(connection) as queries:
        greetings = joining.greet_participants(hellos)
    return len(queries), greetings


@pytest.mark.django_db
def test_greeting_many_participants_costs_the_same_queries_as_greeting_few():
    session = factories.make_session()
    first = factories.make_activity(session=session, kind="single_choice")
    second = factories.make_activity(session=session, kind="scale")
    factories.make_activity(session=session, kind="single_choice")  # a draft: not read
    people = [factories.make_participant(session=session) for _ in range(30)]
    services.open_activity(activity=first)
    for i, person in enumerate(people[:10]):
        cast(first, person, i % 2, f"a{i}")
    services.open_activity(activity=second)
    cast(second, people[0], 4, "s0")
    tokens = [factories.token_for(p) for p in people]

    few, greetings_few = greeting_queries(session, people[:2], tokens[:2])
    many, greetings = greeting_queries(session, people, tokens)
    # Participants, activities, and one per poll that is not a draft.
    assert few == many == 4
    assert greetings[0][1] == {
        "participant": people[0].pk,
        "display_name": people[0].display_name,
        "ballots": {str(first.pk): 0, str(second.pk): 4},
    }
    assert greetings[3][1]["ballots"] == {str(first.pk): 1}
    assert greetings[29][1]["ballots"] == {}
    assert greetings_few == greetings[:2]
    # What one participant's resync reads says the same.
    for person, (participant, me) in zip(people, greetings, strict=True):
        assert participant.pk == person.pk
        assert joining.me_of(participant) == me


@pytest.mark.django_db
def test_hellos_of_several_sessions_in_one_batch_each_get_their_own():
    one, two = factories.make_session(), factories.make_session()
    poll = factories.make_activity(session=one, open=True)
    ana = factories.make_participant(session=one)
    ben = factories.make_participant(session=two)
    cast(poll, ana, 1, "k")
    Session.objects.filter(pk=two.pk).update(status=Session.Status.CLOSED)
    cookies = {selectors.participant_cookie_name(one.code): room_cookie(ana)}
    greetings = joining.greet_participants(
        [
            joining.Hello(session=two, token=factories.token_for(ben), cookies={}),
            joining.Hello(session=one, token=None, cookies=cookies),
            joining.Hello(session=one, token=factories.token_for(ben), cookies={}),
            joining.Hello(session=two, token=None, cookies={}),
        ]
    )
    closed, by_cookie, wrong_session, nobody = greetings
    assert closed[0].pk == ben.pk and closed[0].session.status == Session.Status.CLOSED
    assert closed[1] is None  # the consumer refuses it with 4410
    assert by_cookie[0].pk == ana.pk and by_cookie[1]["ballots"] == {str(poll.pk): 1}
    assert wrong_session == (None, None)
    assert nobody == (None, None)


def room_cookie(participant) -> str:
    """The value of the room cookie the join pages set for ``participant``."""
    response = HttpResponse()
    selectors.set_participant_cookie(response, participant=participant, secure=False)
    return response.cookies[selectors.participant_cookie_name(participant.session.code)].value


# --------------------------------------------------------------------------- the room


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_hellos_arriving_together_are_greeted_in_one_batch(hub, live, monkeypatch):
    room = await make_room(n=12)
    await db(Ballot.objects.create)(
        activity=room.activity, participant=room.participants[5], choice=1
    )
    gate = Gate(answer=None)
    real = joining.greet_participants

    def held(hellos):
        gate.batches.append([h.token for h in hellos])
        gate.started.release()
        assert gate.opened.wait(15), "the test never opened the gate"
        return real(hellos)

    monkeypatch.setattr(joining, "greet_participants", held)
    hellos_asked = 0
    all_asked = asyncio.Event()
    real_ask = Batcher.ask

    async def ask(self, item):
        nonlocal hellos_asked
        if isinstance(item, joining.Hello):
            hellos_asked += 1
            if hellos_asked == len(room.tokens):
                all_asked.set()
        return await real_ask(self, item)

    monkeypatch.setattr(Batcher, "ask", ask)
    sockets = [await live.connect(room.code) for _ in room.tokens]
    await sockets[0].send({"type": "hello", "role": "participant", "token": room.tokens[0]})
    await gate.batch_started()
    for socket, token in zip(sockets[1:], room.tokens[1:], strict=True):
        await socket.send({"type": "hello", "role": "participant", "token": token})
    await asyncio.wait_for(all_asked.wait(), 15)
    assert len(batcher(held).waiting) == 11
    gate.opened.set()
    welcomes = [await socket.receive() for socket in sockets]
    assert [w["type"] for w in welcomes] == ["welcome"] * 12
    assert [w["me"]["participant"] for w in welcomes] == [p.pk for p in room.participants]
    assert welcomes[5]["me"]["ballots"] == {str(room.activity.pk): 1}
    assert welcomes[4]["me"]["ballots"] == {}
    assert gate.batches == [room.tokens[:1], room.tokens[1:]]
    vote = await sockets[3].vote(room.activity.pk, 0, key="after")
    assert vote["type"] == "ack"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_participants_socket_never_reads_the_logged_in_user(hub, live, monkeypatch):
    reads = []
    real = auth.get_user

    def counted(request):
        reads.append(request)
        return real(request)

    monkeypatch.setattr(auth, "get_user", counted)
    room = await make_room(n=1)
    participant = await live.join(room.code, token=room.tokens[0], cookie=room.cookie)
    assert participant.welcome["me"]["participant"] == room.participants[0].pk
    assert reads == []
    facilitator = await live.join(room.code, "facilitator", cookie=room.cookie)
    assert facilitator.welcome["role"] == "facilitator"
    assert len(reads) == 1  # read on first use, from a database thread
    stranger = await live.connect(room.code)
    await stranger.send({"type": "hello", "role": "facilitator"})
    assert (await stranger.receive())["code"] == "forbidden"
