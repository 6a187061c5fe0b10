"""The permission matrix of the invitation pages: every route of outreach/urls.py, for
every role, with the status code *and* the effect (a write that is allowed changes
exactly what it should; a refusal changes nothing).

Roles: ``anonymous`` (no account, no link), ``member`` (signed in, not an organiser of
the process), ``organiser`` (of the process), ``invitee`` (no account, holding the
personal link of an invitation). On the personal-link routes the token is the only
credential: the invitee requests them with their token, everyone else with a forged
one (an organiser gains nothing there without it). On the organisers' routes the
invitee is an anonymous browser: the link opens nothing else.

One world of test data is built once for the module (inside a transaction rolled back
at the end); each case runs in its own savepoint. ``test_every_route_has_rows`` fails
when a route is added to outreach/urls.py without rows here."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from outreach import urls as outreach_urls
from outreach.attendance import checkin_code
from outreach.models import Attendance, Invitation, InvitationText
from people.models import Person
from sessions.models import Participant
from tests.consult.factories import make_member
from tests.factories import login_cookie
from tests.matrix import (
    Case,
    Matrix,
    Outcome,
    Tables,
    assert_rows_for_every_route,
    module_world,
    perform,
)
from tests.outreach.factories import make_person, make_process_world

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "organiser", "invitee")
ONLY_ORGANISERS = "Only the organisers of this process can do this."


def build_world() -> SimpleNamespace:
    w = make_process_world()
    w.member = make_member(password=None)
    w.ana = make_person(name="Ana Invitee", stakeholder_group="policy", country="KE")
    w.ben = make_person(name="Ben Newcomer", stakeholder_group="civil_society")
    now = timezone.now()
    w.inv = {
        kind: Invitation.objects.create(
            process=w.process, person=w.ana, sent_at=now, **{kind: getattr(w, kind)}
        )
        for kind in ("event", "session", "consultation")
    }
    w.sessions = {"member": login_cookie(w.member), "organiser": login_cookie(w.organiser)}
    return w


world = module_world(build_world)


@pytest.fixture(scope="module")
def client() -> Client:
    return Client()


TABLES: Tables = {
    "invitations": lambda: list(
        Invitation.objects.order_by("pk").values_list(
            "pk", "answer", "sent_at", "reminder_due_at", "reminders"
        )
    ),
    "texts": lambda: list(
        InvitationText.objects.order_by("pk").values_list("pk", "subject", "body")
    ),
    "people": lambda: list(
        Person.objects.order_by("pk").values_list("pk", "do_not_contact", "user")
    ),
    "participants": lambda: list(Participant.objects.order_by("pk").values_list("pk", "person")),
    "users": lambda: list(User.objects.order_by("pk").values_list("pk", flat=True)),
    "attendance": lambda: list(
        Attendance.objects.order_by("pk").values_list("pk", "invitation", "mode", "checked_in_by")
    ),
}


MATRIX = Matrix(ROLES)
rows = MATRIX.rows


LOGIN = Outcome(302, location="/accounts/login/")
FORBIDDEN = Outcome(403, says=ONLY_ORGANISERS)
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)


def organisers(ok: Outcome) -> dict[str, Outcome]:
    return {"anonymous": LOGIN, "member": FORBIDDEN, "organiser": ok, "invitee": LOGIN}


def link_holder(ok: Outcome) -> dict[str, Outcome]:
    return {"anonymous": NOT_FOUND, "member": NOT_FOUND, "organiser": NOT_FOUND, "invitee": ok}


# The organisers' pages.
rows("outreach:list", "GET", **organisers(Outcome(200, says="Ana Invitee")))
rows("outreach:list", "POST", **organisers(NOT_ALLOWED))
rows("outreach:new", "GET", **organisers(Outcome(200, says="Will be invited")))
rows("outreach:new", "POST", **organisers(
    Outcome(302, effect={"invitations": 2}, says="2 invitations created")))  # fmt: skip
rows("outreach:texts", "GET", **organisers(Outcome(200, says="{link}")))
rows("outreach:texts", "POST", **organisers(
    Outcome(302, effect={"texts": 1}, says="The invitation texts are saved.")))  # fmt: skip
rows("outreach:translate_texts", "GET", **organisers(Outcome(200, says="Translate")))
# The world has no texts of its own: a translation saves nothing (its effect is tested in
# test_invitation_translations.py).
rows("outreach:translate_texts", "POST", **organisers(
    Outcome(302, says="Translation into Español saved.")))  # fmt: skip
rows("outreach:preview", "GET", **organisers(Outcome(200, says="Dear Ana Invitee")))
rows("outreach:preview", "POST", **organisers(NOT_ALLOWED))
rows("outreach:remind", "POST", **organisers(
    Outcome(302, effect={"invitations": "changed"}, says="3 reminders will be sent")))  # fmt: skip
rows("outreach:remind", "GET", **organisers(NOT_ALLOWED))

# The personal link.
rows("outreach:invitation", "GET", **link_holder(Outcome(200, says="Hello Ana Invitee")))
rows("outreach:invitation", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("outreach:answer", "POST", **link_holder(
    Outcome(302, effect={"invitations": "changed"}, says="your answer is saved")))  # fmt: skip
rows("outreach:answer", "GET", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("outreach:join", "GET", **link_holder(Outcome(200, says='value="Ana Invitee"')))
rows("outreach:join", "POST", **link_holder(
    Outcome(302, effect={"participants": 1, "invitations": "changed", "attendance": 1},
            location="/s/")))  # fmt: skip
rows("outreach:register", "GET", **link_holder(Outcome(200, says="Create my account")))
rows("outreach:register", "POST", **link_holder(
    Outcome(302, effect={"users": 1, "people": "changed", "invitations": "changed"},
            location="/c/")))  # fmt: skip
rows("outreach:opt_out", "GET", **link_holder(Outcome(200, says="Stop invitations")))
rows("outreach:opt_out", "POST", **link_holder(
    Outcome(200, effect={"people": "changed"}, says="no more invitations")))  # fmt: skip

# Attendance (outreach/attendance_views.py): the check-in address of the event
# invitation's QR code, the code typed by hand, the attendance list.
rows("outreach:checkin", "GET", **organisers(Outcome(200, says="Check in")))
rows("outreach:checkin", "POST", **organisers(
    Outcome(302, effect={"attendance": 1}, location="/checkin/")))  # fmt: skip
rows("outreach:event_checkin", "GET", **organisers(Outcome(302, location="/checkin/")))
rows("outreach:event_checkin", "POST", **organisers(NOT_ALLOWED))
rows("outreach:attendance", "GET", **organisers(Outcome(200, says="No one has been recorded")))
rows("outreach:attendance", "POST", **organisers(NOT_ALLOWED))

TOKEN_FOR = {"outreach:join": "session", "outreach:register": "consultation"}


def build_url(w, case: Case) -> str:
    name = case.route
    if name == "outreach:checkin":
        return reverse(name, args=[checkin_code(w.inv["event"])])
    if name in ("outreach:event_checkin", "outreach:attendance"):
        base = reverse(name, args=[w.process.slug, w.event.pk])
        if name == "outreach:event_checkin" and case.method == "GET":
            return base + "?code=" + checkin_code(w.inv["event"])
        return base
    if name.removeprefix("outreach:") in (
        "list",
        "new",
        "texts",
        "preview",
        "remind",
        "translate_texts",
    ):
        base = reverse(name, args=[w.process.slug])
        query = {
            "outreach:new": f"?target=event:{w.webinar.pk}",
            "outreach:preview": f"?person=Ana&target=event:{w.event.pk}",
        }.get(name, "")
        return base + (query if case.method == "GET" else "")
    token = w.inv[TOKEN_FOR.get(name, "event")].token if case.role == "invitee" else "forged"
    return reverse(name, args=[token])


def payload(w, case: Case) -> dict:
    return {
        "outreach:new": {"target": f"event:{w.webinar.pk}"},
        "outreach:texts": {"default-subject": "Welcome {name}", "default-body": "Hi {link}"},
        "outreach:remind": {"target": ""},
        "outreach:translate_texts": {"language": "es"},
        "outreach:answer": {"answer": "in_person"},
        "outreach:join": {"display_name": "Ana", "stakeholder_group": "policy"},
        "outreach:register": {
            "username": "ana-invitee",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
            "display_name": "Ana",
            "accept_terms": "on",
        },
    }.get(case.route, {})


def run(w, client: Client, case: Case) -> None:
    client.cookies.clear()
    if case.role in w.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[case.role]
    perform(client, case, address=build_url(w, case), data=payload(w, case), tables=TABLES)


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client, case: Case):
    run(world, client, case)


def _routes(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns)
        else:
            yield entry


def test_every_route_has_rows():
    names = {
        f"outreach:{p.name}"
        for p in _routes(outreach_urls.urlpatterns)
        if isinstance(p, URLPattern)
    }
    covered = assert_rows_for_every_route(names, MATRIX)
    for name, methods in covered.items():
        assert methods >= {"GET", "POST"}, f"{name} needs a GET and a POST row"


def test_every_role_is_in_every_row_group():
    groups: dict[tuple, set[str]] = {}
    for case in MATRIX:
        groups.setdefault((case.route, case.method), set()).add(case.role)
    assert all(found == set(ROLES) for found in groups.values())
