"""POST /api/sessions/<code>/join (docs/protocol.md, "Getting a participant token")."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sessions import selectors, services
from sessions.models import Participant, Session
from tests import factories
from tests.sessions.live import ballots, db

PROFILE = {
    "display_name": "Ama Owusu",
    "stakeholder_group": "community_labour",
    "country": "GH",
    "sector": "mining",
    "gender": "woman",
    "organisation": "Artisanal Miners' Association",
}


def join_url(code: str) -> str:
    return f"/api/sessions/{code}/join"


def post(client, code, body=None, **extra):
    return client.post(
        join_url(code),
        data=json.dumps(body if body is not None else {}),
        content_type="application/json",
        **extra,
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_token_from_the_api_opens_the_room(hub, live, async_client):
    poll = await db(factories.make_activity)(open=True)
    session = await db(Session.objects.get)(pk=poll.session_id)
    response = await async_client.post(
        join_url(session.code), data=PROFILE, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"participant", "token", "session", "websocket"}
    assert body["session"] == session.code
    assert body["websocket"] == f"/ws/s/{session.code}/"
    participant = await db(Participant.objects.get)(pk=body["participant"])
    assert participant.session_id == session.pk

    client = await live.join(session.code, token=body["token"])
    assert client.welcome["me"] == {
        "participant": body["participant"],
        "display_name": "Ama Owusu",
        "ballots": {},
    }
    ack = await client.vote(poll.pk, 0, key="first")
    assert ack["result"] == {"activity": poll.pk, "ballot": 0, "duplicate": False}
    assert await ballots(poll.pk) == [0]


@pytest.mark.django_db
def test_join_stores_the_profile_on_the_participant(client):
    session = factories.make_session()
    response = post(client, session.code, {**PROFILE, "display_name": "  Ama Owusu  "})
    assert response.status_code == 201
    participant = Participant.objects.get(pk=response.json()["participant"])
    assert (
        participant.display_name,
        participant.stakeholder_group,
        participant.country.code,
        participant.sector,
        participant.gender,
        participant.organisation,
        participant.user,
    ) == (
        "Ama Owusu",
        "community_labour",
        "GH",
        "mining",
        "woman",
        "Artisanal Miners' Association",
        None,
    )
    token = response.json()["token"]
    assert selectors.participant_from_token(token, session=session) == participant


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, dict.fromkeys(PROFILE, "")])
def test_every_profile_value_is_optional(client, body):
    session = factories.make_session()
    response = post(client, session.code, body)
    assert response.status_code == 201
    participant = Participant.objects.get(pk=response.json()["participant"])
    assert [getattr(participant, f) for f in PROFILE] == ["", "", "", "", "", ""]


@pytest.mark.django_db
def test_guests_need_no_csrf_token_or_account():
    session = factories.make_session()
    response = post(Client(enforce_csrf_checks=True), session.code, PROFILE)
    assert response.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["{lower}", "{code}"])
def test_the_code_in_the_address_is_normalised(client, typed):
    session = factories.make_session()
    response = post(client, typed.format(code=session.code, lower=session.code.lower()))
    assert response.status_code == 201
    assert response.json()["session"] == session.code
    assert Participant.objects.get().session == session


@pytest.mark.django_db
def test_an_unknown_code_is_404(client):
    factories.make_session()
    response = post(client, "ZZZZZZ", PROFILE)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_code"
    assert response.json()["error"]["message"]
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_a_locked_session_is_403(client):
    session = factories.make_session()
    services.set_session_locked(session=session, locked=True)
    response = post(client, session.code, PROFILE)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "session_locked"
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_a_closed_session_is_410(client):
    session = factories.make_session()
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    response = post(client, session.code, PROFILE)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "session_closed"
    assert not Participant.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"stakeholder_group": "aliens"}, {"stakeholder_group"}),
        ({"sector": "space"}, {"sector"}),
        ({"gender": "robot"}, {"gender"}),
        ({"country": "XX"}, {"country"}),
        ({"country": "GHA"}, {"country"}),
        ({"display_name": "n" * 61}, {"display_name"}),
        ({"organisation": "o" * 121}, {"organisation"}),
        ({"display_name": ["Ama"]}, {"display_name"}),
        ({"display_name": {"first": "Ama"}}, {"display_name"}),
        ({"gender": True}, {"gender"}),
        ({"display_name": "Ama\u0000"}, {"display_name"}),
        ({"sector": "space", "gender": "robot"}, {"sector", "gender"}),
    ],
)
def test_bad_profile_values_are_400_with_the_fields_named(client, changes, fields):
    session = factories.make_session()
    response = post(client, session.code, {**PROFILE, **changes})
    assert response.status_code == 400
    named = response.json()["error"]["fields"]
    assert set(named) == fields
    assert all(isinstance(named[f], list) and named[f] for f in fields)
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_names_at_the_limits_are_accepted(client):
    session = factories.make_session()
    response = post(client, session.code, {"display_name": "n" * 60, "organisation": "o" * 120})
    assert response.status_code == 201
    participant = Participant.objects.get()
    assert (len(participant.display_name), len(participant.organisation)) == (60, 120)


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["[1, 2]", '"Ama"', "{not json"])
def test_a_body_that_is_not_a_json_object_is_400(client, raw):
    session = factories.make_session()
    response = client.post(join_url(session.code), data=raw, content_type="application/json")
    assert response.status_code == 400
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_only_post_is_allowed(client):
    session = factories.make_session()
    assert client.get(join_url(session.code)).status_code == 405
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_each_join_is_a_new_participant(client):
    session = factories.make_session()
    first = post(client, session.code, PROFILE).json()
    second = post(client, session.code, PROFILE).json()
    assert first["participant"] != second["participant"]
    assert first["token"] != second["token"]
    assert Participant.objects.filter(session=session).count() == 2
