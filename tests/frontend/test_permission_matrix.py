"""The permission matrix of the live pages a participant uses (frontend/urls.py): every
such route, for every role, with the status code *and* the effect (a write that is
allowed changes exactly what it should; a refusal changes nothing).

Roles: ``anonymous`` (no account, no cookie), ``participant`` (holding this session's
room cookie), ``outsider`` (a participant of another session, holding that session's
cookie and, copied under this session's cookie name, its value), ``organiser`` (signed
in, the event's owner, no room cookie: running a session does not make one its
participant). On these routes the room cookie is the only credential a participant has.

The facilitators' routes (``ORGANISER_ROUTES``: log-in and ``may_run_events`` first,
then ``can_facilitate``) have their refusals tested in test_views.py;
``test_every_route_has_rows`` fails when a route is added to frontend/urls.py in
neither place."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from frontend import urls as frontend_urls
from sessions import selectors
from sessions.models import Participant
from tests import factories
from tests.factories import login_cookie
from tests.matrix import (
    Case,
    Matrix,
    Outcome,
    Tables,
    assert_rows_for_every_route,
    module_world,
    perform,
    route_names,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "participant", "outsider", "organiser")

ORGANISER_ROUTES = {
    "frontend:dashboard",
    "frontend:event",
    "frontend:console",
    "frontend:present",
    "frontend:add_activity",
    "frontend:console_action",
    "frontend:attach_evidence",
    "frontend:export_csv",
    "frontend:export_json",
    "frontend:activity_translations",
}


def room_cookie(participant: Participant) -> tuple[str, str]:
    """(name, value) of the room cookie the join page sets for ``participant``."""
    response = HttpResponse()
    selectors.set_participant_cookie(response, participant=participant, secure=False)
    name = selectors.participant_cookie_name(participant.session.code)
    return name, response.cookies[name].value


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.owner = factories.make_user(organiser=True)
    event = factories.make_event(owner=w.owner, title="Mobility roadmap workshop")
    w.session = factories.make_session(event=event, title="Vision")
    w.other = factories.make_session(event=event, title="Breakout")
    w.hidden = factories.make_activity(session=w.session, title="Which minerals first?")
    w.ana = factories.make_participant(
        session=w.session, display_name="Ana Participant", stakeholder_group="policy"
    )
    w.ben = factories.make_participant(session=w.other, display_name="Ben Outsider")
    name, value = room_cookie(w.ana)
    other_name, other_value = room_cookie(w.ben)
    w.cookies = {
        "anonymous": {},
        "participant": {name: value},
        "outsider": {other_name: other_value, name: other_value},
        "organiser": {settings.SESSION_COOKIE_NAME: login_cookie(w.owner)},
    }
    return w


world = module_world(build_world)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client()


TABLES: Tables = {
    "participants": lambda: list(
        Participant.objects.order_by("pk").values_list(
            "pk", "session", "display_name", "stakeholder_group", "country", "secret"
        )
    ),
}


MATRIX = Matrix(ROLES)
rows = MATRIX.rows


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


TO_JOIN = Outcome(302, location="/j/")
TO_ROOM = Outcome(302, location="/s/")
JOINS = Outcome(302, effect={"participants": 1}, location="/s/")
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)


def participant_only(ok: Outcome) -> dict[str, Outcome]:
    """The room cookie of this session opens it; nothing else does (to the join page)."""
    return {"anonymous": TO_JOIN, "participant": ok, "outsider": TO_JOIN, "organiser": TO_JOIN}


rows("frontend:home", "GET", **everyone(Outcome(200, says="Session code")))
rows("frontend:jsi18n", "GET", **everyone(Outcome(200, says="gettext")))
rows("frontend:join", "GET", **everyone(Outcome(200, says="autofocus")))
rows("frontend:join", "POST", **everyone(Outcome(302, location="/j/")))
rows("frontend:join_code", "GET", **{
    "anonymous": Outcome(200, says="Enter the session"),
    "participant": TO_ROOM,
    "outsider": Outcome(200, says="Enter the session"),
    "organiser": Outcome(200, says="Enter the session"),
})  # fmt: skip
rows("frontend:join_code", "POST", **{
    "anonymous": JOINS, "participant": TO_ROOM, "outsider": JOINS, "organiser": JOINS,
})  # fmt: skip
rows("frontend:room", "GET", **participant_only(Outcome(200, says="Ana Participant")))
rows("frontend:participant_profile", "GET", **participant_only(
    Outcome(200, says='value="Ana Participant"')))  # fmt: skip
rows("frontend:participant_profile", "POST", **participant_only(
    Outcome(302, effect={"participants": "changed"}, says="Your profile is saved.",
            location="/s/")))  # fmt: skip
rows("frontend:participant_profile", "PUT", **everyone(NOT_ALLOWED))
rows("frontend:screen", "GET", **everyone(Outcome(200, says="QR code")))
rows("frontend:activity_results", "GET", **{
    "anonymous": NOT_FOUND, "participant": NOT_FOUND, "outsider": NOT_FOUND,
    "organiser": Outcome(200, says="Which minerals first?"),
})  # fmt: skip


def build_url(w, case: Case) -> str:
    code = w.session.code
    return {
        "frontend:home": lambda: reverse("frontend:home"),
        "frontend:jsi18n": lambda: reverse("frontend:jsi18n"),
        "frontend:join": lambda: reverse("frontend:join"),
        "frontend:activity_results": lambda: reverse(
            "frontend:activity_results", args=[code, w.hidden.pk]
        ),
    }.get(case.route, lambda: reverse(case.route, args=[code]))()


def payload(w, case: Case) -> dict:
    return {
        "frontend:join": {"code": w.session.code},
        "frontend:join_code": {"display_name": "New", "stakeholder_group": "civil_society"},
        "frontend:participant_profile": {
            "display_name": "Changed",
            "stakeholder_group": "civil_society",
            "country": "BR",
        },
    }.get(case.route, {})


def run(w, client: Client, case: Case) -> None:
    client.cookies.clear()
    for name, value in w.cookies[case.role].items():
        client.cookies[name] = value
    perform(client, case, address=build_url(w, case), data=payload(w, case), tables=TABLES)


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client, case: Case):
    run(world, client, case)


def test_a_profile_edit_changes_the_cookie_holder_s_row_only(world, client):
    """The one write a participant's cookie allows, to the row it names."""
    case = next(
        c
        for c in MATRIX
        if (c.route, c.method, c.role) == ("frontend:participant_profile", "POST", "participant")
    )
    run(world, client, case)
    ana = Participant.objects.get(pk=world.ana.pk)
    assert (ana.display_name, ana.stakeholder_group, ana.country.code) == (
        "Changed",
        "civil_society",
        "BR",
    )
    assert Participant.objects.get(pk=world.ben.pk).display_name == "Ben Outsider"


def test_every_route_has_rows():
    names = route_names("frontend", frontend_urls.urlpatterns)
    assert names >= ORGANISER_ROUTES, sorted(ORGANISER_ROUTES - names)
    assert_rows_for_every_route(names - ORGANISER_ROUTES, MATRIX)
