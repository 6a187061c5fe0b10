"""Every refusal of the API in its one shape (docs/api.md):
``{"error": {"code", "message", "fields"?}}``, as JSON, whatever refused it: a
serializer, a service, the authentication, CSRF, a missing object or address, the
content negotiation, a body that cannot be read, or a throttle (with Retry-After)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from consult import selectors, services
from consult.models import Comment
from sessions import services as session_services
from sessions.models import Participant, Session
from tests import factories
from tests.caches import clear_cache
from tests.consult.factories import make_consultation, make_member
from tests.factories import login_cookie

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_cache()


@pytest.fixture
def world():
    consultation = make_consultation()
    version = selectors.latest_version(consultation)
    section = version.texts.order_by("position")[0].section
    participant = make_member()
    comment = services.add_comment(section=section, author=participant, body="Mine")
    return SimpleNamespace(
        consultation=consultation, section=section, participant=participant, comment=comment
    )


def logged_in(user) -> tuple[Client, dict[str, str]]:
    """A browser's client: the session cookie, and the CSRF token it sends with writes."""
    client = Client(enforce_csrf_checks=True)
    token = get_random_string(32)
    client.cookies[settings.SESSION_COOKIE_NAME] = login_cookie(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client, {"X-CSRFToken": token}


def post_json(client, url, body, headers=None):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def error(response, status: int) -> dict:
    """The error of a refusal, after checking it is one in the one shape."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) <= {"code", "message", "fields"}
    assert {"code", "message"} <= set(body["error"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def comments_url(section) -> str:
    return f"/api/sections/{section.pk}/comments/"


def test_a_refused_value_names_its_field(world):
    client, csrf = logged_in(world.participant)
    response = post_json(client, comments_url(world.section), {"body": ""}, csrf)
    assert error(response, 400) == {
        "code": "invalid",
        "message": "Correct the values named in fields.",
        "fields": {"body": ["This field may not be blank."]},
    }
    response = post_json(client, comments_url(world.section), {"body": "x", "parent": 10**20}, csrf)
    assert error(response, 400)["fields"] == {"parent": ["The comment you replied to is gone."]}


def test_a_refusal_of_a_service_keeps_its_message_and_code(world):
    owner = world.consultation.process.owner
    round_ = services.open_round(
        consultation=world.consultation,
        by=owner,
        version=selectors.latest_version(world.consultation),
    )
    services.close_round(round=round_, by=owner)
    client, csrf = logged_in(world.participant)
    body = {"section": world.section.pk, "verdict": "agree"}
    response = post_json(client, f"/api/rounds/{round_.pk}/answers/", body, csrf)
    assert error(response, 400) == {"code": "closed", "message": "This validation round is closed."}


def test_a_flood_of_comments_is_refused_with_the_rule_s_code(world):
    for i in range(services.COMMENT_RATE[0] - 1):  # the world's comment is the first
        services.add_comment(section=world.section, author=world.participant, body=f"C{i}")
    client, csrf = logged_in(world.participant)
    response = post_json(client, comments_url(world.section), {"body": "One more"}, csrf)
    refused = error(response, 400)
    assert refused["code"] == "rate_limited"
    assert "wait a few minutes" in refused["message"] and "fields" not in refused


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"{not json"),
        ("multipart/form-data", b"no boundary"),  # what no form encoder sends
    ],
)
def test_a_body_that_cannot_be_read_is_a_parse_error(world, content_type, body):
    client, csrf = logged_in(world.participant)
    response = client.generic(
        "POST", comments_url(world.section), body, content_type=content_type, headers=csrf
    )
    assert error(response, 400)["code"] == "parse_error"
    assert not Comment.objects.filter(section=world.section).exclude(body="Mine").exists()


def test_an_empty_multipart_form_is_refused_for_what_it_lacks(world):
    client, csrf = logged_in(world.participant)
    response = client.generic(
        "POST",
        comments_url(world.section),
        b"--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        headers=csrf,
    )
    assert error(response, 400)["fields"] == {"body": ["This field is required."]}


def test_refusals_of_who_is_asking_are_403(world):
    anonymous = post_json(Client(), comments_url(world.section), {"body": "Hello"})
    assert error(anonymous, 403) == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
    }
    client, csrf = logged_in(world.participant)
    body = {"comment": world.comment.pk, "decision": "accepted", "response": "Yes."}
    not_organiser = post_json(client, "/api/dispositions/", body, csrf)
    assert error(not_organiser, 403) == {
        "code": "permission_denied",
        "message": "Only the organisers of this process can do this.",
    }
    no_token = post_json(client, comments_url(world.section), {"body": "Hello"})
    refused = error(no_token, 403)
    assert refused["code"] == "permission_denied"
    assert refused["message"].startswith("CSRF Failed")


def test_what_is_not_there_is_404_in_the_same_shape(world):
    not_found = {"code": "not_found", "message": "Not found."}
    client = Client()
    assert error(client.get(f"/api/comments/{world.comment.pk + 1000}/"), 404) == not_found
    assert error(client.get("/api/processes/not-a-number/"), 404) == not_found
    # Addresses no API route matches, too; pages keep their page, and an API address
    # without its slash is still redirected to the one with it.
    assert error(client.get("/api/comments/-1/"), 404) == not_found
    assert error(client.get("/api/no-such-thing"), 404) == not_found
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")
    assert client.get("/api/consultations")["Location"] == "/api/consultations/"
    unknown = post_json(client, "/api/sessions/ZZZZZZ/join", {})
    assert error(unknown, 404)["code"] == "unknown_code"


def test_a_method_or_a_format_the_api_does_not_offer(world):
    client, csrf = logged_in(world.participant)
    assert error(client.get("/api/dispositions/"), 405)["code"] == "method_not_allowed"
    xml = client.get("/api/processes/", headers={"Accept": "application/xml"})
    assert error(xml, 406)["code"] == "not_acceptable"
    text = client.generic(
        "POST", comments_url(world.section), b"Hello", content_type="text/plain", headers=csrf
    )
    assert error(text, 415)["code"] == "unsupported_media_type"


def test_joining_a_closed_session_is_410():
    session = factories.make_session()
    session_services.set_session_status(session=session, status=Session.Status.CLOSED)
    response = post_json(Client(), f"/api/sessions/{session.code}/join", {})
    assert error(response, 410) == {"code": "session_closed", "message": "This session has ended."}
    assert not Participant.objects.exists()


def test_a_throttled_request_says_when_to_come_back(world):
    client, csrf = logged_in(world.participant)
    for _ in range(30):  # the comment throttle's rate per minute, each refused as empty
        assert post_json(client, comments_url(world.section), {"body": ""}, csrf).status_code == 400
    throttled = post_json(client, comments_url(world.section), {"body": "One more"}, csrf)
    assert error(throttled, 429)["code"] == "throttled"
    assert 1 <= int(throttled["Retry-After"]) <= 60
