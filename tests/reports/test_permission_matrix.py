"""Who may open each report route, with the status and the effect. Roles: ``anonymous``;
``member`` (signed in, may not run events); ``organiser`` (may run events, not this
session's); ``facilitator`` (the event's owner). The report is built and, for the
``published`` rows, published; the ``unpublished`` rows use a second, built but
unpublished report."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from reports import services
from reports import urls as report_urls
from reports.models import ReportNote, WorkshopReport
from tests import factories
from tests.factories import login_cookie
from tests.matrix import (
    Matrix,
    Outcome,
    assert_rows_for_every_route,
    module_world,
    perform,
    route_names,
)
from tests.reports.test_process_matrix import MATRIX as PROCESS_MATRIX

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "organiser", "facilitator")
ONLY_ORGANISERS = "Only organisers can do this."
ONLY_FACILITATORS = "Only this session&#x27;s facilitators can do this."  # as the page escapes it


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.owner = factories.make_user(organiser=True)
    w.member = factories.make_user()
    w.organiser = factories.make_user(organiser=True)
    w.session = factories.make_session(event=factories.make_event(owner=w.owner))
    w.poll = factories.make_activity(session=w.session, title="Which minerals first?")
    w.hidden = factories.make_session(event=factories.make_event(owner=w.owner))
    factories.make_activity(session=w.hidden, title="Which minerals next?")
    for session in (w.session, w.hidden):
        report = services.request_report(session=session, language="en")
        services.build(report_id=report.pk, generation=report.generation)
    w.report = WorkshopReport.objects.get(session=w.session)
    services.set_published(report=w.report, published=True)
    w.unpublished = WorkshopReport.objects.get(session=w.hidden)
    w.cookies = {
        "member": login_cookie(w.member),
        "organiser": login_cookie(w.organiser),
        "facilitator": login_cookie(w.owner),
    }
    return w


world = module_world(build_world)

TABLES = {
    "reports": lambda: list(
        WorkshopReport.objects.order_by("pk").values_list(
            "pk", "generation", "summary", "published_at"
        )
    ),
    "notes": lambda: list(ReportNote.objects.order_by("pk").values_list("pk", "text")),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
LOGIN = Outcome(302, location="/accounts/login/")
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)


def facilitators(ok: Outcome) -> dict[str, Outcome]:
    return {
        "anonymous": LOGIN,
        "member": Outcome(403, says=ONLY_ORGANISERS),
        "organiser": Outcome(403, says=ONLY_FACILITATORS),
        "facilitator": ok,
    }


rows("reports:workshop", "GET", **facilitators(Outcome(200, says="Which minerals first?")))
rows("reports:workshop", "POST", **facilitators(
    Outcome(302, effect={"reports": "changed"}, says="being prepared")))  # fmt: skip
rows("reports:notes", "POST", **facilitators(
    Outcome(302, effect={"reports": "changed", "notes": 1})))  # fmt: skip
rows("reports:notes", "GET", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("reports:publish", "POST", **facilitators(
    Outcome(302, effect={"reports": "changed"}, says="no longer published")))  # fmt: skip
rows("reports:publish", "GET", **dict.fromkeys(ROLES, NOT_ALLOWED))
# No section named: refused with a message, nothing attached (attaching: test_workshop_report).
rows("reports:attach", "POST", **facilitators(Outcome(302, says="Choose a section")))
rows("reports:attach", "GET", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("reports:status", "GET", **facilitators(Outcome(200, says='"status": "ready"')))
rows("reports:pdf", "GET", **facilitators(Outcome(200)))
# The shared copy: anyone with the link once published (the rows name the published one).
rows("reports:shared", "GET", **dict.fromkeys(ROLES, Outcome(200, says="Which minerals first?")))
rows("reports:shared", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("reports:shared_pdf", "GET", **dict.fromkeys(ROLES, Outcome(200)))
rows("reports:chart", "GET", **dict.fromkeys(ROLES, Outcome(200, says="<svg")))
# Unpublished: nothing for anyone but the facilitators (charts), 404 for the page.
UNPUBLISHED = Matrix(ROLES)
UNPUBLISHED.rows("reports:shared", "GET", **dict.fromkeys(ROLES, NOT_FOUND))
UNPUBLISHED.rows("reports:shared_pdf", "GET", **dict.fromkeys(ROLES, NOT_FOUND))
UNPUBLISHED.rows("reports:chart", "GET", anonymous=NOT_FOUND, member=NOT_FOUND,
                 organiser=NOT_FOUND, facilitator=Outcome(200, says="<svg"))  # fmt: skip

PAYLOADS = {
    "reports:workshop": {"language": "es"},
    "reports:notes": {"summary": "A good day."},
    "reports:publish": {"published": "0"},
}


def address(w, route: str, report: WorkshopReport) -> str:
    if route in ("reports:shared", "reports:shared_pdf"):
        return reverse(route, args=[report.share_token])
    if route == "reports:chart":
        return reverse(route, args=[report.share_token, 1])
    return reverse(route, args=[report.session.code])


def run(w, client: Client, case, report: WorkshopReport) -> None:
    client.cookies.clear()
    if case.role in w.cookies:
        client.cookies["sessionid"] = w.cookies[case.role]
    data = dict(PAYLOADS.get(case.route, {}))
    if case.route == "reports:notes":
        data[f"note-{w.poll.pk}"] = "Cobalt led."
    perform(client, case, address=address(w, case.route, report), data=data, tables=TABLES)


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client, case):
    run(world, client, case, world.report)


@pytest.mark.parametrize("case", UNPUBLISHED, ids=lambda case: case.id)
def test_unpublished(world, client, case):
    run(world, client, case, world.unpublished)


def test_every_route_has_rows():
    names = route_names("reports", report_urls.urlpatterns)
    assert_rows_for_every_route(names, [*MATRIX, *PROCESS_MATRIX])
