"""Every route of representation/urls.py for every role, with the status *and* the
effect: who sees every figure, who sees small counts suppressed, who is refused (and
then sees no figure at all), and that a refused write changes nothing.

Roles: anonymous; a signed-in member who organises nothing; a moderator of the
process; the facilitator of its event (who may organise events, not this process);
an organiser of the process (who does not facilitate the event).

One world is built once for the module inside a transaction rolled back at the end;
each case runs in its own savepoint. ``test_every_route_has_rows`` fails when a route
is added to representation/urls.py without rows here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from consult import services as consult_services
from consult.models import ProcessRole, RepresentationSettings, TargetShare
from representation import urls
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.matrix import module_world
from tests.representation.world import invite, join, make_person, set_targets, vote

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "moderator", "facilitator", "organiser")
SECRET_NAME = "Zawadi Notyetasked"  # a directory person only organisers may see


def build_world() -> SimpleNamespace:
    process = make_process(owner=make_member(password=None))
    set_targets(process, "stakeholder_group", {"policy": "50", "research": "50"})
    facilitator = factories.make_user(organiser=True)
    event = factories.make_event(owner=facilitator, process=process)
    session = factories.make_session(event=event)
    poll = factories.make_activity(session=session, open=True)
    for group, n in [("policy", 6), ("research", 2)]:
        for _ in range(n):
            vote(poll, join(session, stakeholder_group=group, country="KE"))
    consultation = make_consultation(process=process, slug="draft")
    section = consultation.sections.first()
    for group, n in [("policy", 6), ("research", 2)]:
        for _ in range(n):
            consult_services.add_comment(section=section, author=make_member(group=group),
                                         body="A point.")  # fmt: skip
    invite(make_person(group="policy", name="Ana Answered"), process=process, event=event,
           answer="remote")  # fmt: skip
    make_person(group="research", name=SECRET_NAME)
    users = {
        "member": make_member(),
        "moderator": make_member(role=ProcessRole.Role.MODERATOR, process=process),
        "facilitator": facilitator,
        "organiser": make_member(role=ProcessRole.Role.ORGANISER, process=process),
    }
    return SimpleNamespace(process=process, event=event, session=session,
                           consultation=consultation, users=users)  # fmt: skip


world = module_world(build_world)


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    status: int
    figures: str = ""  # "full", "suppressed" or "" (none shown)
    says: str = ""


LOGIN = Outcome(302)
REFUSED = Outcome(403)
FULL = Outcome(200, "full")
SUPPRESSED = Outcome(200, "suppressed")
PEOPLE = Outcome(200, says=SECRET_NAME)
SAVED = Outcome(302, says="saved")
TARGETS = Outcome(200, says='name="stakeholder_group-mode"')
NOT_ALLOWED = Outcome(405)


def roles(anonymous, member, moderator, facilitator, organiser) -> dict[str, Outcome]:
    return dict(zip(ROLES, (anonymous, member, moderator, facilitator, organiser), strict=True))


def url_of(route: str, w) -> str:
    slug = w.process.slug
    scope = {
        "process": [slug],
        "event": [slug, w.event.pk],
        "session": [slug, w.session.code],
        "consultation": [slug, w.consultation.slug],
    }
    if route == "targets":
        return reverse("representation:targets", args=[slug])
    if route in ("session_json", "session_projector_json"):
        return reverse(f"representation:{route}", args=scope["session"])
    kind, page = route.rsplit("_", 1)
    if page == "people":
        return reverse(route_name(route), args=[*scope[kind], "stakeholder_group", "research"])
    return reverse(route_name(route), args=scope[kind])


def route_name(route: str) -> str:
    return f"representation:{route}"


MATRIX: list[tuple[str, str, str, Outcome]] = []


def rows(route: str, method: str, outcomes: dict[str, Outcome]) -> None:
    MATRIX.extend((route, method, role, outcomes[role]) for role in ROLES)


rows("targets", "GET", roles(LOGIN, REFUSED, REFUSED, REFUSED, TARGETS))
rows("targets", "POST", roles(LOGIN, REFUSED, REFUSED, REFUSED, SAVED))
rows("targets", "PUT", roles(*[NOT_ALLOWED] * 5))
rows("process_page", "GET", roles(LOGIN, REFUSED, SUPPRESSED, REFUSED, FULL))
rows("consultation_page", "GET", roles(LOGIN, REFUSED, SUPPRESSED, REFUSED, FULL))
for kind in ("event", "session"):
    rows(f"{kind}_page", "GET", roles(LOGIN, REFUSED, SUPPRESSED, SUPPRESSED, FULL))
for kind in ("process", "event", "session", "consultation"):
    rows(f"{kind}_people", "GET", roles(LOGIN, REFUSED, REFUSED, REFUSED, PEOPLE))
    rows(f"{kind}_page", "POST", roles(*[NOT_ALLOWED] * 5))
    rows(f"{kind}_people", "POST", roles(*[NOT_ALLOWED] * 5))
# The console's JSON is for the session's facilitators; an organiser who does not
# facilitate it is refused, and the facilitator, who does not organise the process,
# gets small counts suppressed. The projector's is always suppressed.
for route in ("session_json", "session_projector_json"):
    rows(route, "GET", roles(REFUSED, REFUSED, REFUSED, SUPPRESSED, REFUSED))
    rows(route, "POST", roles(*[NOT_ALLOWED] * 5))


def test_every_route_has_rows():
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {route for route, _m, _r, _o in MATRIX}
    for route in names:
        for method in ("GET",):
            assert {r for n, m, r, _o in MATRIX if n == route and m == method} == set(ROLES)


NEW_MIX = {
    "alert_gap_points": "20",
    "stakeholder_group-mode": "custom",
    "stakeholder_group-finance": "100",
    "region-mode": "none",
    "gender-mode": "none",
}


def state(process) -> tuple:
    mix = tuple(
        TargetShare.objects.filter(process=process).order_by("dimension", "value")
        .values_list("dimension", "value", "share")
    )  # fmt: skip
    return mix, RepresentationSettings.objects.get(process=process).alert_gap_points


@pytest.mark.parametrize(
    ("route", "method", "role", "outcome"),
    MATRIX,
    ids=[f"{r} {m} {role} -> {o.status}" for r, m, role, o in MATRIX],
)
def test_matrix(world, route, method, role, outcome):
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    url = url_of(route, world)
    before = state(world.process)
    data = NEW_MIX if method == "POST" else None
    response = client.generic(method, url, data=None) if method == "PUT" else (
        client.post(url, data) if method == "POST" else client.get(url)
    )  # fmt: skip

    assert response.status_code == outcome.status
    after = state(world.process)
    if outcome.says == "saved":
        assert after == (((("stakeholder_group", "finance", Decimal("100.00"))),), 20)
        assert response["Location"] == url
    else:
        assert after == before  # nothing else writes
    if outcome.status == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")
    body = response.content.decode()
    if route.endswith("json") and outcome.status != 405:
        data = response.json()
        if outcome.figures:
            assert data["suppressed"] is (outcome.figures == "suppressed")
            research = next(r for r in data["dimensions"][0]["rows"] if r["value"] == "research")
            count = research["cells"]["joined"]["count"]
            assert count == (2 if outcome.figures == "full" else None)
        elif outcome.status == 403:
            assert "dimensions" not in data and data["error"]
    elif route.endswith("_page"):
        if outcome.figures == "full":
            assert 'class="suppressed"' not in body
            assert "25.0 %" in body  # research: 2 of 8, not hidden
        elif outcome.figures == "suppressed":
            assert 'class="suppressed"' in body and "fewer than 5" in body
            assert "25.0 %" not in body
        else:
            assert "25.0 %" not in body and "Research / academia" not in body
    elif route.endswith("_people"):
        assert (SECRET_NAME in body) is (outcome.status == 200)
    if outcome.says and outcome.says != "saved":
        assert outcome.says in body


def test_a_forged_post_changes_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["organiser"])
    before = state(world.process)
    response = client.post(url_of("targets", world), NEW_MIX)
    assert response.status_code == 403
    assert state(world.process) == before
