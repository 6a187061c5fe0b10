"""Who may open the site's search page, and what each person finds: anyone searches (no
account needed); a consultation appears only to those who may read it. Roles:
``anonymous``; ``member`` (signed in, organises nothing: also reads the consultations
not public); ``organiser`` (of the process: also finds its drafts); ``other_organiser``
(owner of another process: not this one's drafts)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from consult.models import ProcessRole
from knowledge import urls_search
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import login_cookie
from tests.knowledge.factories import make_case
from tests.matrix import (
    Matrix,
    Outcome,
    assert_rows_for_every_route,
    login,
    module_world,
    perform,
    route_names,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "organiser", "other_organiser")
PUBLIC, MEMBERS, DRAFT = "Public zinc draft", "Members-only zinc draft", "Zinc draft in preparation"


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.process = make_process()
    w.organiser = make_member(role=ProcessRole.Role.ORGANISER, process=w.process)
    w.member = make_member()
    w.other_organiser = make_process().owner
    make_consultation(process=w.process, title=PUBLIC)
    make_consultation(process=w.process, title=MEMBERS, is_public=False)
    make_consultation(process=w.process, title=DRAFT, status="draft")
    make_case(name="Zinc smelter case")
    w.cookies = {
        role: login_cookie(getattr(w, role)) for role in ("member", "organiser", "other_organiser")
    }
    return w


world = module_world(build_world)

TABLES: dict = {}  # the page writes nothing

MATRIX = Matrix(ROLES)
rows = MATRIX.rows

rows(
    "knowledge:search",
    "GET",
    anonymous=Outcome(200, says=PUBLIC),
    member=Outcome(200, says=MEMBERS),
    organiser=Outcome(200, says=DRAFT),
    other_organiser=Outcome(200, says=MEMBERS),
)
rows("knowledge:search", "POST", **dict.fromkeys(ROLES, Outcome(405)))

# What each role finds, and what it never sees.
SEES = {
    "anonymous": {PUBLIC},
    "member": {PUBLIC, MEMBERS},
    "organiser": {PUBLIC, MEMBERS, DRAFT},
    "other_organiser": {PUBLIC, MEMBERS},
}


def address(route: str) -> str:
    return f"{reverse(route)}?q=zinc"


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, case):
    login(client, world, case.role)
    perform(client, case, address=address(case.route), data={}, tables=TABLES)


def test_every_search_route_has_rows():
    names = route_names("knowledge", urls_search.urlpatterns)
    assert_rows_for_every_route(names, MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_finds_exactly_the_consultations_it_may_read(world, client: Client, role):
    login(client, world, role)
    for kind in ("", "consultation"):
        response = client.get(reverse("knowledge:search"), {"q": "zinc", "kind": kind})
        text = response.content.decode()
        assert response.status_code == 200
        assert {title for title in (PUBLIC, MEMBERS, DRAFT) if title in text} == SEES[role]
        assert f"Consultations ({len(SEES[role])})" in text
        assert ("Zinc smelter case" in text) == (kind == "")
