"""Who may open each certificate route (reports/certificate_urls.py), with the status and
the effect. Roles: ``anonymous``; ``member`` (signed in, no attendance); ``attendee``
(signed in, their account linked to the directory person who attended); ``organiser``
(of the event's process); ``other_organiser`` (organiser of another process). The
organisers' PDF of the event is built (by calling the worker's build) in the world."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from consult.models import ProcessRole
from outreach.models import Attendance, Invitation
from people.models import ExportLog
from reports import certificate_urls
from reports import certificates as cert
from reports.models import CertificateBatch
from tests.consult.factories import make_member, make_process
from tests.factories import login_cookie
from tests.matrix import (
    Matrix,
    Outcome,
    assert_rows_for_every_route,
    module_world,
    perform,
    route_names,
)
from tests.outreach.factories import make_person, make_process_world

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "attendee", "organiser", "other_organiser")
ONLY_ORGANISERS = "Only the organisers of this process can do this."
PDF = Outcome(200, says="%PDF-")
LOGIN = Outcome(302, location="/accounts/login/")
NOT_ALLOWED = Outcome(405)
NOT_YOURS = Outcome(404, says="You have no certificate at this address.")
NOTHING_YET = Outcome(200, says="No attendance recorded yet")


def build_world() -> SimpleNamespace:
    w = make_process_world()
    w.member = make_member(password=None)
    w.attendee = make_member(password=None)
    w.other_organiser = make_member(
        role=ProcessRole.Role.ORGANISER, process=make_process(), password=None
    )
    w.ana = make_person(name="Ana Invitee")
    w.ana.user = w.attendee
    w.ana.save(update_fields=["user"])
    w.invitation = Invitation.objects.create(process=w.process, person=w.ana, event=w.event)
    w.attendance = Attendance.objects.create(
        invitation=w.invitation,
        mode=Attendance.Mode.IN_ROOM,
        checked_in_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
    )
    w.batch = cert.request_certificates(event=w.event, mode="", language="en", by=w.organiser)
    assert cert.build_certificates(batch_id=w.batch.pk, generation=w.batch.generation)
    w.cookies = {
        role: login_cookie(getattr(w, role))
        for role in ("member", "attendee", "organiser", "other_organiser")
    }
    return w


world = module_world(build_world)

TABLES = {
    "exports": lambda: list(ExportLog.objects.order_by("pk").values_list("pk", "rows", "scope")),
    "attendance": lambda: list(Attendance.objects.order_by("pk").values_list("pk", "mode")),
    "batches": lambda: list(
        CertificateBatch.objects.order_by("pk").values_list("pk", "generation", "status")
    ),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows


def signed_in(**outcomes: Outcome) -> dict[str, Outcome]:
    return {"anonymous": LOGIN, **outcomes}


def organisers(ok: Outcome) -> dict[str, Outcome]:
    refused = Outcome(403, says=ONLY_ORGANISERS)
    return {
        "anonymous": LOGIN,
        "member": refused,
        "attendee": refused,
        "organiser": ok,
        "other_organiser": refused,
    }


# The attendee's list: everyone signed in sees their own (empty for all but the attendee).
rows("certificates:mine", "GET", **signed_in(
    member=NOTHING_YET, attendee=Outcome(200, says="Download certificate (PDF)"),
    organiser=NOTHING_YET, other_organiser=NOTHING_YET))  # fmt: skip
rows("certificates:mine", "POST", **signed_in(
    member=NOT_ALLOWED, attendee=NOT_ALLOWED, organiser=NOT_ALLOWED,
    other_organiser=NOT_ALLOWED))  # fmt: skip
# One's own attendance only: anyone else's id is "not found" (even the organisers').
rows("certificates:mine_pdf", "GET", **signed_in(
    member=NOT_YOURS, attendee=PDF, organiser=NOT_YOURS, other_organiser=NOT_YOURS))  # fmt: skip
rows("certificates:mine_pdf", "POST", **signed_in(
    member=NOT_ALLOWED, attendee=NOT_ALLOWED, organiser=NOT_ALLOWED,
    other_organiser=NOT_ALLOWED))  # fmt: skip
# The personal link: the token is the credential, whoever holds it.
rows("certificates:invitation_pdf", "GET", **dict.fromkeys(ROLES, PDF))
rows("certificates:invitation_pdf", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))
# Everyone's certificates: the process's organisers. The page asks the worker for the
# PDF (POST: the batch is queued again); its download is logged as an export.
rows("certificates:event_certificates", "GET", **organisers(Outcome(
    200, says="Download the certificates (PDF)")))  # fmt: skip
rows("certificates:event_certificates", "POST", **organisers(Outcome(
    302, location="/certificates/", says="The certificates are being prepared.",
    effect={"batches": "changed"})))  # fmt: skip
rows("certificates:event_status", "GET", **organisers(Outcome(200, says='"status": "ready"')))
rows("certificates:event_status", "POST", **organisers(NOT_ALLOWED))
rows("certificates:event_pdf", "GET", **organisers(Outcome(200, says="%PDF-",
                                                           effect={"exports": 1})))  # fmt: skip
rows("certificates:event_pdf", "POST", **organisers(NOT_ALLOWED))

# The personal link of an unknown token, or of an invitation not attended: not found.
NO_CERTIFICATE = Matrix(ROLES)
NO_CERTIFICATE.rows("certificates:invitation_pdf", "GET", **dict.fromkeys(
    ROLES, Outcome(404, says="There is no certificate yet")))  # fmt: skip
UNKNOWN = Matrix(ROLES)
UNKNOWN.rows("certificates:invitation_pdf", "GET", **dict.fromkeys(
    ROLES, Outcome(404, says="This invitation link is not valid.")))  # fmt: skip


def address(w, route: str, *, token: str | None = None) -> str:
    if route == "certificates:mine":
        return reverse(route)
    if route == "certificates:mine_pdf":
        return reverse(route, args=[w.attendance.pk])
    if route == "certificates:invitation_pdf":
        return reverse(route, args=[token or w.invitation.token])
    return reverse(route, args=[w.process.slug, w.event.pk])


def run(w, client: Client, case, *, token: str | None = None) -> None:
    client.cookies.clear()
    if case.role in w.cookies:
        client.cookies["sessionid"] = w.cookies[case.role]
    data = {"language": "en", "mode": ""} if case.method == "POST" else {}
    perform(client, case, address=address(w, case.route, token=token), data=data, tables=TABLES)


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client, case):
    run(world, client, case)


@pytest.mark.parametrize("case", NO_CERTIFICATE, ids=lambda case: case.id)
def test_invitation_without_attendance(world, client, case):
    not_attended = Invitation.objects.create(
        process=world.process, person=world.ana, session=world.session
    )
    run(world, client, case, token=not_attended.token)


@pytest.mark.parametrize("case", UNKNOWN, ids=lambda case: case.id)
def test_unknown_token(world, client, case):
    run(world, client, case, token="not-a-real-token")


def test_every_route_has_rows():
    names = route_names("certificates", certificate_urls.urlpatterns)
    assert_rows_for_every_route(names, MATRIX)
