"""Joining on a hostile internet (sessions/join_limits.py; docs/protocol.md, "Limits"):
the client's address is the one the trusted proxy saw, wrong join codes count in one
counter per address on every way of trying one, and one address creates a bounded
number of participants per session."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from rest_framework.throttling import AnonRateThrottle

from sessions import join_limits, selectors, services
from sessions.join_limits import TooManyTries
from sessions.models import Participant
from tests import factories
from tests.sessions.live import db, make_room

ATTACKER = "198.51.100.7"
VENUE = "203.0.113.20"


def api_join(client: Client, code: str, address: str, **extra):
    return client.post(
        f"/api/sessions/{code}/join",
        data=json.dumps({}),
        content_type="application/json",
        REMOTE_ADDR=address,
        **extra,
    )


# --------------------------------------------------------------------------- the address


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.9", None, "10.0.0.9"),
        (0, "10.0.0.9", "6.6.6.6", "10.0.0.9"),  # no proxy: the header is the client's own
        (1, "10.0.0.9", None, "10.0.0.9"),
        (1, "10.0.0.9", "203.0.113.5", "203.0.113.5"),
        (1, "10.0.0.9", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client wrote 6.6.6.6
        (2, "10.0.0.9", "6.6.6.6, 203.0.113.5, 10.0.0.8", "203.0.113.5"),
        (2, "10.0.0.9", "203.0.113.5", "10.0.0.9"),  # fewer entries than proxies
        (1, "10.0.0.9", "", "10.0.0.9"),
        (1, "10.0.0.9", "6.6.6.6, ", "10.0.0.9"),  # an empty last entry
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_saw(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert join_limits.client_address(remote_addr=remote, forwarded_for=forwarded) == expected
    # An HTTP request and a WebSocket scope read the same.
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert join_limits.request_address(request=RequestFactory().get("/", **meta)) == expected
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    scope = {"client": [remote, 51000], "headers": [(b"host", b"x"), *headers]}
    assert join_limits.scope_address(scope=scope) == expected


def test_a_scope_with_repeated_forwarded_headers_reads_them_as_one_list(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    scope = {
        "client": ["10.0.0.9", 51000],
        "headers": [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.5"), (b"X-Forwarded-For", b"10.8")],
    }
    assert join_limits.scope_address(scope=scope) == "203.0.113.5"
    assert join_limits.scope_address(scope={"headers": []}) == ""


def test_an_ipv6_address_counts_as_its_64():
    assert join_limits.counted_as("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert join_limits.counted_as("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert join_limits.counted_as("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert join_limits.counted_as("::ffff:198.51.100.7") == "198.51.100.7"
    assert join_limits.counted_as("198.51.100.7") == "198.51.100.7"


# --------------------------------------------------------------------------- the API throttle


@pytest.mark.django_db
def test_a_new_forwarded_for_header_does_not_reset_the_api_throttle(client, monkeypatch):
    """No proxy configured (the default): DRF counts the socket's address, and ignores
    the X-Forwarded-For a client writes itself."""
    from django.conf import settings

    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    answers = [
        client.get("/api/processes/", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"10.1.1.{i}")
        for i in range(5)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert answers[3].json()["error"]["code"] == "throttled"
    assert int(answers[3]["Retry-After"]) > 0
    # Another address has its own count.
    assert client.get("/api/processes/", REMOTE_ADDR=VENUE).status_code == 200


@pytest.mark.django_db
def test_behind_one_proxy_the_api_throttle_counts_the_address_it_saw(client, settings, monkeypatch):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    proxy = "10.0.0.2"

    def get(forwarded):
        return client.get("/api/processes/", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)

    # The entries a client prepends change nothing: the proxy's last entry is counted.
    statuses = [get(f"10.9.9.{i}, {ATTACKER}").status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    assert get(VENUE).status_code == 200  # another client behind the same proxy


# --------------------------------------------------------------------------- wrong codes


@pytest.fixture
def low_limits(settings):
    settings.JOIN_LIMITS = {
        **settings.JOIN_LIMITS,
        "WRONG_CODES_PER_ADDRESS": 4,
        "WRONG_CODES_WINDOW_S": 600,
    }


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_wrong_codes_on_every_way_count_in_one_counter_per_address(hub, live, low_limits):
    room = await make_room(n=0)
    browser = Client()

    @db
    def page(path, address=ATTACKER, **query):
        return browser.get(path, query, REMOTE_ADDR=address)

    # Right codes are never counted, from any address.
    for _ in range(6):
        assert (await page("/join", code=room.code)).status_code == 302
    # One wrong code on each of the four ways: the join form, the join link, the API
    # and the WebSocket; each still answers "no such code".
    assert (await page("/join", code="WRONG1")).status_code == 400
    assert (await page("/j/WRONG2")).status_code == 404
    assert (await db(api_join)(browser, "WRONG3", ATTACKER)).status_code == 404
    socket = await live.connect("WRONG4", address=ATTACKER)
    assert (await socket.receive())["code"] == "unknown_session"
    assert await socket.close_code() == 4404

    # The fifth try is refused on every way, the right code too, before any lookup.
    form = await page("/join", code=room.code)
    link = await page(f"/j/{room.code}")
    for refused in (form, link):
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        html = refused.content.decode()
        assert "Too many wrong session codes were tried from your network" in html
        assert "check the code with the facilitator" in html
    assert (await page(f"/s/{room.code}/")).status_code == 429  # the room page
    assert (await page(f"/s/{room.code}/screen")).status_code == 429  # the projector's
    api = await db(api_join)(browser, room.code, ATTACKER)
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "too_many_tries"
    assert "check the code with the facilitator" in api.json()["error"]["message"]
    assert 0 < int(api["Retry-After"]) <= 600
    socket = await live.connect(room.code, address=ATTACKER)
    error = await socket.receive()
    assert (error["type"], error["code"]) == ("error", "too_many_tries")
    assert await socket.close_code() == 4429
    assert await db(Participant.objects.count)() == 0

    # Another address joins with the right code on every way.
    assert (await page("/join", address=VENUE, code=room.code)).status_code == 302
    joined = await db(api_join)(Client(), room.code, VENUE)
    assert joined.status_code == 201
    participant = await live.join(room.code, token=joined.json()["token"])
    assert participant.welcome["me"]["participant"] == joined.json()["participant"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_websocket_counts_wrong_codes_towards_the_pages(hub, live, low_limits):
    room = await make_room(n=0)
    for i in range(4):
        socket = await live.connect(f"NOPE{i}", address=ATTACKER)
        assert (await socket.receive())["code"] == "unknown_session"
    response = await db(Client().get)(f"/j/{room.code}", REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_who_already_knows_the_code_is_not_cut_off_by_a_venues_typos(hub, live, low_limits):
    """A participant with their room cookie, and a logged-in organiser (the console,
    the projector), keep the room while their shared address is over the limit."""
    room = await make_room(n=0)
    browser = Client()
    joined = await db(browser.post)(f"/j/{room.code}", {"display_name": "Ana"}, REMOTE_ADDR=VENUE)
    assert joined.status_code == 302
    cookie = {f"pt_{room.code}": browser.cookies[f"pt_{room.code}"].value}
    for i in range(4):
        assert (await db(Client().get)(f"/j/TYPO{i}", REMOTE_ADDR=VENUE)).status_code == 404
    assert (await db(Client().get)(f"/j/{room.code}", REMOTE_ADDR=VENUE)).status_code == 429

    assert (await db(browser.get)(f"/s/{room.code}/", REMOTE_ADDR=VENUE)).status_code == 200
    socket = await live.connect(room.code, cookies=cookie, address=VENUE)
    await socket.send({"type": "hello", "role": "participant"})
    assert (await socket.receive())["me"]["display_name"] == "Ana"
    facilitator = await live.connect(room.code, cookie=room.cookie, address=VENUE)
    await facilitator.send({"type": "hello", "role": "facilitator"})
    assert (await facilitator.receive())["type"] == "welcome"
    # A room cookie for another code proves nothing about this one.
    other = await make_room(n=0)
    stranger = await live.connect(other.code, cookies=cookie, address=VENUE)
    assert (await stranger.receive())["code"] == "too_many_tries"


@pytest.mark.django_db
def test_wrong_codes_are_not_limited_when_the_limit_is_off(client, settings):
    settings.JOIN_LIMITS = {**settings.JOIN_LIMITS, "WRONG_CODES_PER_ADDRESS": 0}
    for i in range(30):
        assert api_join(client, f"NONE{i:02d}", ATTACKER).status_code == 404


def test_the_wrong_code_limit_refuses_before_looking_the_code_up(settings):
    """No database here (no django_db mark: a query would raise): over the limit,
    nothing is looked up."""
    settings.JOIN_LIMITS = {**settings.JOIN_LIMITS, "WRONG_CODES_PER_ADDRESS": 1}
    join_limits.count_wrong_code(address=ATTACKER)
    with pytest.raises(TooManyTries) as refused:
        join_limits.session_for_code(code="ABCDEF", address=ATTACKER)
    assert refused.value.code == "too_many_tries"
    assert 0 < refused.value.retry_after <= settings.JOIN_LIMITS["WRONG_CODES_WINDOW_S"]


# --------------------------------------------------------------------------- participants


@pytest.fixture
def two_per_address(settings):
    settings.JOIN_LIMITS = {**settings.JOIN_LIMITS, "PARTICIPANTS_PER_ADDRESS": 2}


@pytest.mark.django_db
def test_one_address_creates_a_bounded_number_of_participants_per_session(client, two_per_address):
    session, other = factories.make_session(), factories.make_session()
    assert [api_join(client, session.code, ATTACKER).status_code for _ in range(2)] == [201, 201]
    refused = api_join(client, session.code, ATTACKER)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_participants"
    assert int(refused["Retry-After"]) > 0
    # Nor through the join page.
    page = Client().post(f"/j/{session.code}", {}, REMOTE_ADDR=ATTACKER)
    assert page.status_code == 429 and "Ask the facilitator" in page.content.decode()
    assert session.participants.count() == 2
    # Another address, and the same address in another session, are not affected.
    assert api_join(client, session.code, VENUE).status_code == 201
    assert api_join(client, other.code, ATTACKER).status_code == 201
    # Only created participants count: refusals of other rules do not.
    services.set_session_locked(session=other, locked=True)
    assert api_join(client, other.code, VENUE).status_code == 403


@pytest.mark.django_db
def test_the_join_page_counts_towards_the_same_bound(client, two_per_address):
    session = factories.make_session()
    for _ in range(2):
        assert Client().post(f"/j/{session.code}", {}, REMOTE_ADDR=ATTACKER).status_code == 302
    assert api_join(client, session.code, ATTACKER).status_code == 429
    assert session.participants.count() == 2


@pytest.mark.django_db
def test_in_process_joins_and_a_bound_of_0_are_not_limited(settings, two_per_address):
    session = factories.make_session()
    for _ in range(3):  # the bench's and commands' joins: no address
        services.join_session(code=session.code)
    settings.JOIN_LIMITS = {**settings.JOIN_LIMITS, "PARTICIPANTS_PER_ADDRESS": 0}
    for _ in range(3):
        services.join_session(code=session.code, address=ATTACKER)
    assert session.participants.count() == 6


@pytest.mark.django_db
def test_the_refusal_says_so_in_the_service(two_per_address):
    session = factories.make_session()
    for _ in range(2):
        services.join_session(code=session.code, address=ATTACKER)
    with pytest.raises(TooManyTries) as refused:
        services.join_session(code=session.code, address=ATTACKER)
    assert refused.value.code == "too_many_participants"
    assert refused.value.retry_after > 0
    assert session.participants.count() == 2
    assert selectors.participant_count(session) == 2
