"""Who may open each process and programme report route, with the status and the
effect. Roles: ``anonymous``; ``member`` (signed in, organises nothing); ``moderator``
(moderates the process, does not organise it); ``other`` (organises another process
only); ``organiser`` (organises the process). Both reports are built beforehand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from consult.models import ProcessRole
from reports import services
from reports.models import ProcessReport
from tests.consult.factories import make_member, make_process
from tests.factories import login_cookie
from tests.matrix import Matrix, Outcome, module_world, perform

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "moderator", "other", "organiser")
ONLY_ORGANISERS = "Only the organisers of this process can see this."
ONLY_PROGRAMME = "Only organisers of a process can see this."


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.organiser = make_member()
    w.process = make_process(owner=w.organiser)
    w.member = make_member()
    w.moderator = make_member(role=ProcessRole.Role.MODERATOR, process=w.process)
    w.other = make_member()
    make_process(owner=w.other)
    for lookup in ({"process": w.process}, {"owner": w.organiser}, {"owner": w.other}):
        report = services.request_process_report(language="en", **lookup)
        services.build_process_report(report_id=report.pk, generation=report.generation)
    w.cookies = {role: login_cookie(getattr(w, role)) for role in ROLES[1:]}
    return w


world = module_world(build_world)

TABLES = {
    "reports": lambda: list(
        ProcessReport.objects.order_by("pk").values_list("pk", "generation", "language")
    )
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
LOGIN = Outcome(302, location="/accounts/login/")
NOT_ALLOWED = Outcome(405)


def organisers(ok: Outcome) -> dict[str, Outcome]:
    refused = Outcome(403, says=ONLY_ORGANISERS)
    return {
        "anonymous": LOGIN,
        "member": refused,
        "moderator": refused,
        "other": refused,
        "organiser": ok,
    }


def programme(ok: Outcome) -> dict[str, Outcome]:
    refused = Outcome(403, says=ONLY_PROGRAMME)
    return {"anonymous": LOGIN, "member": refused, "moderator": refused, "other": ok,
            "organiser": ok}  # fmt: skip


BUILD = Outcome(302, effect={"reports": "changed"}, says="being prepared")
rows("reports:process_page", "GET", **organisers(Outcome(200, says="Key figures")))
rows("reports:process_page", "POST", **organisers(BUILD))
rows("reports:process_status", "GET", **organisers(Outcome(200, says='"status": "ready"')))
rows("reports:process_pdf", "GET", **organisers(Outcome(200)))
rows("reports:process_xlsx", "GET", **organisers(Outcome(200)))
# An empty process has no chart: asking for one is 404 for its organisers.
rows("reports:process_chart", "GET", **organisers(Outcome(404)))
rows("reports:programme_page", "GET", **programme(Outcome(200, says="Key figures")))
rows("reports:programme_page", "POST", **programme(BUILD))
rows("reports:programme_status", "GET", **programme(Outcome(200, says='"status": "ready"')))
rows("reports:programme_pdf", "GET", **programme(Outcome(200)))
rows("reports:programme_xlsx", "GET", **programme(Outcome(200)))
rows("reports:programme_chart", "GET", **programme(Outcome(404)))
for route in ("process_status", "process_pdf", "process_xlsx", "programme_status"):
    rows(f"reports:{route}", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))


def address(w, route: str) -> str:
    args: list = []
    if route.startswith("reports:process_"):
        args.append(w.process.slug)
    if route.endswith("_chart"):
        args.append(1)
    return reverse(route, args=args)


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, case):
    client.cookies.clear()
    if case.role in world.cookies:
        client.cookies["sessionid"] = world.cookies[case.role]
    data = {"language": "fr"} if case.method == "POST" else {}
    perform(client, case, address=address(world, case.route), data=data, tables=TABLES)
