"""Who may open each newsletter route. Roles: ``anonymous``; ``member`` (signed in,
manages nothing); ``manager`` (``people.manage_directory``). The sign-up, confirmation
and unsubscribe pages are public (the token is the key); the mailings are for directory
managers only: anyone not logged in is sent to log in, a member gets a 403 saying why."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consult.models import OutgoingMail
from outreach import newsletter_urls
from outreach.models import Mailing, Subscription
from people.models import Person
from tests.factories import login_cookie, make_user
from tests.matrix import (
    Matrix,
    Outcome,
    assert_rows_for_every_route,
    module_world,
    perform,
    route_names,
)
from tests.people.factories import make_manager, make_person

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "manager")
NOT_A_MANAGER = "Only directory managers can write and send the newsletter."
LOGIN = Outcome(302, location="/accounts/login/")
FORBIDDEN = Outcome(403, says=NOT_A_MANAGER)
NOT_ALLOWED = Outcome(405)


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.member = make_user()
    w.manager = make_manager()
    w.pending = Subscription.objects.create(
        email="pending@example.org",
        language="en",
        consent_text_version="newsletter-2026-1",
        requested_at=timezone.now(),
        token="pending-token",
    )
    person = make_person(name="Sub Scriber", emails=["subscribed@example.org"])
    w.subscribed = Subscription.objects.create(
        email="subscribed@example.org",
        person=person,
        language="en",
        consent_text_version="newsletter-2026-1",
        confirmed_at=timezone.now(),
        token="subscribed-token",
    )
    w.mailing = Mailing.objects.create(subject="Matrix news", body="Hello", created_by=w.manager)
    w.cookies = {"member": login_cookie(w.member), "manager": login_cookie(w.manager)}
    return w


world = module_world(build_world)

TABLES = {
    "subscriptions": lambda: list(
        Subscription.objects.order_by("pk").values_list("pk", "confirmed_at", "unsubscribed_at")
    ),
    "people": lambda: list(Person.objects.order_by("pk").values_list("pk", "basis")),
    "mailings": lambda: list(
        Mailing.objects.order_by("pk").values_list("pk", "sent_at", "recipients")
    ),
    "mail": lambda: list(OutgoingMail.objects.order_by("pk").values_list("pk", flat=True)),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


def managers(outcome: Outcome) -> dict[str, Outcome]:
    return {"anonymous": LOGIN, "member": FORBIDDEN, "manager": outcome}


rows("newsletter:signup", "GET", **everyone(Outcome(200, says="Subscribe to the newsletter")))
rows("newsletter:signup", "POST", **everyone(
    Outcome(200, says="Check your inbox", effect={"subscriptions": 1, "mail": 1})
))  # fmt: skip
rows("newsletter:confirm", "GET", **everyone(Outcome(200, says="Confirm my subscription")))
rows("newsletter:confirm", "POST", **everyone(
    Outcome(200, says="You are subscribed", effect={"subscriptions": "changed", "people": 1})
))  # fmt: skip
rows("newsletter:unsubscribe", "GET", **everyone(Outcome(200, says="Stop sending")))
rows("newsletter:unsubscribe", "POST", **everyone(
    Outcome(200, says="no more newsletters", effect={"subscriptions": "changed"})
))  # fmt: skip
rows("newsletter:mailings", "GET", **managers(Outcome(200, says="1 subscriber")))
rows("newsletter:mailings", "POST", **managers(
    Outcome(302, location="/directory/newsletter/", effect={"mailings": 1})
))  # fmt: skip
rows("newsletter:mailing", "GET", **managers(Outcome(200, says="Send to every subscriber")))
rows("newsletter:mailing", "POST", **managers(NOT_ALLOWED))
rows("newsletter:send", "GET", **managers(NOT_ALLOWED))
rows("newsletter:send", "POST", **managers(
    Outcome(302, effect={"mailings": "changed", "mail": 1})
))  # fmt: skip

DATA = {
    "newsletter:signup": {"email": "new@example.org", "language": "en", "consent": "on"},
    "newsletter:mailings": {"subject": "Spring news", "body": "Three cases published."},
}


def address(w, route: str) -> str:
    args = {
        "newsletter:confirm": [w.pending.token],
        "newsletter:unsubscribe": [w.subscribed.token],
        "newsletter:mailing": [w.mailing.pk],
        "newsletter:send": [w.mailing.pk],
    }.get(route, [])
    return reverse(route, args=args)


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, settings, case):
    settings.EMAIL_BACKEND = "consult.mail.QueuedEmailBackend"  # mail goes to the outbox
    client.cookies.clear()
    if case.role in world.cookies:
        client.cookies["sessionid"] = world.cookies[case.role]
    perform(
        client,
        case,
        address=address(world, case.route),
        data=DATA.get(case.route, {}),
        tables=TABLES,
    )


def test_every_route_has_rows():
    names = route_names("newsletter", newsletter_urls.urlpatterns)
    covered = assert_rows_for_every_route(names, MATRIX)
    for name, methods in covered.items():
        assert methods >= {"GET", "POST"}, f"{name} needs a GET and a POST row"


def test_every_role_is_in_every_row_group():
    groups: dict[tuple, set[str]] = {}
    for case in MATRIX:
        groups.setdefault((case.route, case.method), set()).add(case.role)
    assert all(found == set(ROLES) for found in groups.values())
