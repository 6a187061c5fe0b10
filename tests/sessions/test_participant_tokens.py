"""Participant tokens (docs/protocol.md, "Getting a participant token"): the browser's
is in its HTTP-only room cookie, which the WebSocket handshake carries (the page never
holds it); a token lives ``PARTICIPANT_TOKEN_MAX_AGE_S`` and a closed session's are
refused with close 4410."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client

from sessions import selectors, services
from sessions.models import Participant, Session
from tests.sessions.live import ballots, db, make_room

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@db
def join_in_a_browser(code: str, name: str = "Ana") -> tuple[dict[str, str], Participant]:
    """Join through the join page as a browser does: its room cookie, and the participant."""
    browser = Client()
    response = browser.post(f"/j/{code}", {"display_name": name})
    assert response.status_code == 302
    cookie = browser.cookies[selectors.participant_cookie_name(code)]
    assert cookie["httponly"]
    participant = Participant.objects.get(session__code=code, display_name=name)
    return {cookie.key: cookie.value}, participant


def token_signed_ago(participant: Participant, seconds: int) -> str:
    """A participant token as ``participant_token`` makes it, signed ``seconds`` ago."""

    class Then(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - seconds)

    return Then(salt=selectors.TOKEN_SALT).sign_object(
        {"p": participant.pk, "s": participant.secret}
    )


async def refused(live, code: str, *, token=None, cookies=None) -> tuple[str, int]:
    client = await live.connect(code, cookies=cookies)
    hello = {"type": "hello", "id": "me", "role": "participant"}
    if token is not None:
        hello["token"] = token
    await client.send(hello)
    error = await client.receive()
    assert (error["type"], error["ref"]) == ("error", "me")
    return error["code"], await client.close_code()


async def test_a_participant_joins_the_room_with_the_cookie_alone(hub, live):
    room = await make_room(n=0)
    cookies, participant = await join_in_a_browser(room.code)
    client = await live.join(room.code, cookies=cookies)  # a hello without a token
    assert client.welcome["me"] == {
        "participant": participant.pk,
        "display_name": "Ana",
        "ballots": {},
    }
    assert (await client.vote(room.activity.pk, 1, key="k"))["type"] == "ack"
    assert await ballots(room.activity.pk) == [1]


async def test_a_token_in_the_hello_is_used_rather_than_the_cookie(hub, live):
    room = await make_room(n=1)
    cookies, _ana = await join_in_a_browser(room.code)
    client = await live.join(room.code, token=room.tokens[0], cookies=cookies)
    assert client.welcome["me"]["participant"] == room.participants[0].pk
    assert await refused(live, room.code, token="forged", cookies=cookies) == (
        "invalid_token",
        4401,
    )


async def test_a_cookie_for_another_session_or_a_forged_one_is_refused(hub, live):
    room, other = await make_room(n=0), await make_room(n=0)
    theirs, _ = await join_in_a_browser(other.code)
    # The other session's cookie under this session's name: its signature names the other.
    moved = {selectors.participant_cookie_name(room.code): next(iter(theirs.values()))}
    assert await refused(live, room.code, cookies=moved) == ("invalid_token", 4401)
    forged = {selectors.participant_cookie_name(room.code): "forged"}
    assert await refused(live, room.code, cookies=forged) == ("invalid_token", 4401)
    assert await refused(live, room.code) == ("invalid_token", 4401)  # no cookie, no token


async def test_a_closed_sessions_tokens_and_cookies_are_refused_with_4410(hub, live):
    room = await make_room(n=1)
    cookies, _ = await join_in_a_browser(room.code)
    await db(services.set_session_status)(session=room.session, status=Session.Status.CLOSED)
    assert await refused(live, room.code, token=room.tokens[0]) == ("session_closed", 4410)
    assert await refused(live, room.code, cookies=cookies) == ("session_closed", 4410)
    # The projector still shows the ended session.
    screen = await live.join(room.code, role="screen")
    assert screen.welcome["data"]["status"] == "closed"
    # Opened again, the same tokens work again.
    await db(services.set_session_status)(session=room.session, status=Session.Status.OPEN)
    assert (await live.join(room.code, token=room.tokens[0])).welcome["type"] == "welcome"
    assert (await live.join(room.code, cookies=cookies)).welcome["type"] == "welcome"


async def test_an_expired_token_is_refused(hub, live, settings):
    settings.PARTICIPANT_TOKEN_MAX_AGE_S = 3600
    room = await make_room(n=1)
    participant = room.participants[0]
    old = token_signed_ago(participant, 3601)
    assert await refused(live, room.code, token=old) == ("invalid_token", 4401)
    assert await db(selectors.participant_from_token)(old, session=room.session) is None
    recent = token_signed_ago(participant, 3500)
    client = await live.join(room.code, token=recent)
    assert client.welcome["me"]["participant"] == participant.pk


async def test_the_room_cookie_lives_as_long_as_the_token(hub, settings):
    settings.PARTICIPANT_TOKEN_MAX_AGE_S = 7200
    room = await make_room(n=0)

    @db
    def join():
        browser = Client()
        browser.post(f"/j/{room.code}", {})
        return browser.cookies[selectors.participant_cookie_name(room.code)]

    assert int((await join())["max-age"]) == 7200
