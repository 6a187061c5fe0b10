"""Who may open each route of the public calendar (frontend/calendar_urls.py): everyone
may read, no one may write. Roles: ``anonymous``; ``member`` (signed in, organises
nothing); ``organiser`` (``live.organise``, the owner of every event here, public or
not). A non-public event is nowhere in the calendar for anyone, its organiser included
(they see it on their dashboard)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frontend import calendar_urls
from sessions.models import Event
from tests.consult.factories import make_consultation, make_process
from tests.factories import login_cookie, make_event, make_user
from tests.matrix import (
    Matrix,
    Outcome,
    assert_rows_for_every_route,
    module_world,
    perform,
    route_names,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "organiser")


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    today = timezone.localdate()
    w.member = make_user()
    w.organiser = make_user(organiser=True)
    w.process = make_process(owner=w.organiser)
    w.public = make_event(
        owner=w.organiser,
        process=w.process,
        title="Kinshasa cobalt forum",
        starts_on=today + dt.timedelta(days=7),
        ends_on=today + dt.timedelta(days=8),
        location="Kinshasa",
        public=True,
    )
    w.hidden = make_event(
        owner=w.organiser,
        process=w.process,
        title="Organisers retreat",
        starts_on=today + dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=3),
    )
    w.consultation = make_consultation(process=w.process, title="Cobalt roadmap draft")
    w.members_only = make_consultation(process=w.process, title="Members draft", is_public=False)
    w.cookies = {"member": login_cookie(w.member), "organiser": login_cookie(w.organiser)}
    return w


world = module_world(build_world)

TABLES = {
    "events": lambda: list(
        Event.objects.order_by("pk").values_list("pk", "title", "public", "location")
    ),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
NOT_ALLOWED = Outcome(405)


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


rows("calendar:calendar", "GET", **everyone(Outcome(200, says="Kinshasa cobalt forum")))
rows("calendar:feed", "GET", **everyone(Outcome(200, says="SUMMARY:Kinshasa cobalt forum")))
rows("calendar:event_ics", "GET", **everyone(Outcome(200, says="LOCATION:Kinshasa")))
rows("calendar:open_consultations", "GET", **everyone(Outcome(200, says="Cobalt roadmap draft")))
for route in ("calendar", "feed", "event_ics", "open_consultations"):
    rows(f"calendar:{route}", "POST", **everyone(NOT_ALLOWED))


def address(w, route: str) -> str:
    return reverse(route, args=[w.public.pk] if route == "calendar:event_ics" else [])


def sign_in(client: Client, w, role: str) -> None:
    client.cookies.clear()
    if role in w.cookies:
        client.cookies["sessionid"] = w.cookies[role]


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, case):
    sign_in(client, world, case.role)
    perform(client, case, address=address(world, case.route), data={}, tables=TABLES)


def test_every_calendar_route_has_rows():
    names = route_names("calendar", calendar_urls.urlpatterns)
    assert names == {
        "calendar:calendar",
        "calendar:feed",
        "calendar:event_ics",
        "calendar:open_consultations",
    }
    covered = assert_rows_for_every_route(names, MATRIX)
    assert all(methods == {"GET", "POST"} for methods in covered.values())


@pytest.mark.parametrize("role", ROLES)
def test_a_non_public_event_is_nowhere_for_anyone(world, client: Client, role):
    sign_in(client, world, role)
    hidden = reverse("calendar:event_ics", args=[world.hidden.pk])
    assert client.get(hidden).status_code == 404
    pages = [
        client.get(reverse("calendar:calendar")),
        client.get(reverse("calendar:calendar"), {"past": "1"}),
        client.get(reverse("calendar:feed")),
        client.get(reverse("calendar:calendar"), {"process": world.process.slug}),
        client.get(reverse("calendar:feed"), {"process": world.process.slug}),
    ]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        assert "Organisers retreat" not in text
        assert f"event-{world.hidden.pk}" not in text


@pytest.mark.parametrize(
    ("role", "sees"), [("anonymous", False), ("member", True), ("organiser", True)]
)
def test_consultations_not_readable_without_an_account_need_one(world, client: Client, role, sees):
    sign_in(client, world, role)
    html = client.get(reverse("calendar:open_consultations")).content.decode()
    assert ("Members draft" in html) is sees
    assert "Cobalt roadmap draft" in html
