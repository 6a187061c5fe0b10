"""Who may use each route of privacy/urls.py: anonymous visitors are sent to log in, a
signed-in person only ever reaches their own data (the routes take no id, and nothing
in the request can point them at someone else's). ``test_every_route_has_rows`` fails
when a route is added without rows here."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, reverse

from consult.models import Comment
from people.models import ExportLog
from privacy import urls

from .world import ALICE_COMMENT, BOB_COMMENT, BOB_REPLY, build

pytestmark = pytest.mark.django_db

# (route, method) -> status for anonymous, status for a signed-in person (own data)
MATRIX = {
    ("privacy:overview", "GET"): (302, 200),
    ("privacy:overview", "POST"): (302, 405),
    ("privacy:download", "GET"): (302, 200),
    ("privacy:download", "POST"): (302, 405),
    ("privacy:correct", "GET"): (302, 200),
    ("privacy:correct", "POST"): (302, 400),  # an empty form: refused, with messages
    ("privacy:erase", "GET"): (302, 200),
    ("privacy:erase", "POST"): (302, 400),  # no confirmation: refused
}


@pytest.fixture
def world():
    return build()


def _call(client, route: str, method: str, **params):
    url = reverse(route)
    return client.get(url, params) if method == "GET" else client.post(url, params)


@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_anonymous_visitors_are_sent_to_log_in_and_nothing_happens(client, world, route, method):
    response = _call(client, route, method)
    assert response.status_code == MATRIX[route, method][0]
    assert response["Location"].startswith(reverse("account_login") + "?next=/me/data/")
    assert ExportLog.objects.count() == 0
    assert User.objects.filter(pk=world.alice.pk, is_active=True).exists()


@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_a_signed_in_person_reaches_only_their_own_data(client, world, route, method):
    """Bob, even naming Alice in every way a request could, sees and changes only his."""
    client.force_login(world.bob)
    aimed = {"user": world.alice.pk, "username": "alice", "id": world.alice.pk}
    response = _call(client, route, method, **aimed)
    assert response.status_code == MATRIX[route, method][1]
    body = response.content.decode()
    assert ALICE_COMMENT not in body and world.alice.email not in body
    if route == "privacy:download" and method == "GET":
        assert [c["text"] for c in json.loads(body)["comments"]] == [BOB_COMMENT, BOB_REPLY]
    if route == "privacy:overview" and method == "GET":
        assert BOB_COMMENT in body
    # Alice and her data are untouched whatever Bob sent.
    assert User.objects.filter(pk=world.alice.pk, is_active=True).exists()
    assert Comment.objects.get(pk=world.alice_comment.pk).body == ALICE_COMMENT
    assert (
        world.alice.profile.display_name
        == type(world.alice.profile).objects.get(user=world.alice).display_name
    )


def test_no_route_takes_an_id_or_any_other_parameter():
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        assert pattern.pattern.converters == {}, pattern.pattern
        assert "<" not in str(pattern.pattern), pattern.pattern


def test_every_route_has_rows_in_the_matrix():
    names = {f"privacy:{p.name}" for p in urls.urlpatterns}
    covered = {route for route, _method in MATRIX}
    assert names - covered == set(), "routes with no rows in the permission matrix"
    assert covered - names == set(), "rows for routes that no longer exist"
    for name in names:
        assert {m for r, m in MATRIX if r == name} == {"GET", "POST"}, name
