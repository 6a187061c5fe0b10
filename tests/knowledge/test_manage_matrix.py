"""Who may open each of the managers' and proposal routes, with the status and the
effect. Roles: ``anonymous``; ``member`` (signed in, proposed nothing); ``proposer``
(proposed the case the managers asked changes to); ``manager`` (has
``knowledge.manage_knowledge``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from consult.models import Notification
from knowledge.models import Case, CaseIssue, CaseLink, CaseVersion, ImpactArea, ImpactIssue
from tests.consult.factories import make_member
from tests.factories import login_cookie
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager
from tests.matrix import Matrix, Outcome, module_world, perform

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "proposer", "manager")
ONLY_MANAGERS = "Only the managers of the knowledge repository can do this."


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.member = make_member()
    w.proposer = make_member()
    w.manager = make_manager()
    w.area = make_area("Transparency")
    w.issue = make_issue(w.area, "Third-party audit")
    w.case = make_case(
        name="Matrix case",
        status=Case.Status.CHANGES_REQUESTED,
        proposed_by=w.proposer,
        review_note="Please add a source.",
        issues=(w.issue,),
    )
    w.cookies = {role: login_cookie(getattr(w, role)) for role in ROLES[1:]}
    return w


world = module_world(build_world)

TABLES = {
    "cases": lambda: list(
        Case.objects.order_by("pk").values_list("pk", "status", "summary", "version")
    ),
    "versions": lambda: list(CaseVersion.objects.order_by("pk").values_list("pk", "number")),
    "links": lambda: list(CaseLink.objects.order_by("pk").values_list("pk", "url")),
    "mappings": lambda: list(CaseIssue.objects.order_by("pk").values_list("pk", "note")),
    "areas": lambda: list(ImpactArea.objects.order_by("pk").values_list("pk", "title")),
    "issues": lambda: list(ImpactIssue.objects.order_by("pk").values_list("pk", "title")),
    "notifications": lambda: list(Notification.objects.order_by("pk").values_list("pk")),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
LOGIN = Outcome(302, location="/accounts/login/")
NOT_ALLOWED = Outcome(405)


def managers(ok: Outcome) -> dict[str, Outcome]:
    refused = Outcome(403, says=ONLY_MANAGERS)
    return {"anonymous": LOGIN, "member": refused, "proposer": refused, "manager": ok}


def signed_in(ok: Outcome) -> dict[str, Outcome]:
    return {"anonymous": LOGIN, "member": ok, "proposer": ok, "manager": ok}


def proposer_only(ok: Outcome) -> dict[str, Outcome]:
    # Someone else's proposal is not found (no telling which proposals exist).
    return {"anonymous": LOGIN, "member": Outcome(404), "proposer": ok,
            "manager": Outcome(404)}  # fmt: skip


SAVED = Outcome(302, effect={"cases": "changed", "versions": 1, "links": "may"})
CREATED = Outcome(302, effect={"cases": 1, "versions": 1, "links": "may"})

rows("knowledge:manage_cases", "GET", **managers(Outcome(200, says="Matrix case")))
rows("knowledge:manage_cases", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("knowledge:manage_case_new", "GET", **managers(Outcome(200, says="New case")))
rows("knowledge:manage_case_new", "POST", **managers(CREATED))
rows("knowledge:manage_case", "GET", **managers(Outcome(200, says="Third-party audit")))
rows("knowledge:manage_case", "POST", **managers(SAVED))
rows("knowledge:manage_versions", "GET", **managers(Outcome(200, says="Matrix case")))
rows("knowledge:manage_versions", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("knowledge:manage_review", "GET", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows(
    "knowledge:manage_review",
    "POST",
    **managers(Outcome(302, effect={"cases": "changed", "notifications": 1})),
)
rows("knowledge:manage_translate", "GET", **managers(Outcome(200, says="Matrix case")))
rows(
    "knowledge:manage_translate",
    "POST",
    **managers(Outcome(302, effect={"cases": "changed", "versions": 1})),
)
rows("knowledge:manage_vocabulary", "GET", **managers(Outcome(200, says="Third-party audit")))
rows("knowledge:manage_vocabulary", "POST", **managers(Outcome(302, effect={"areas": 1})))
rows("knowledge:propose", "GET", **signed_in(Outcome(200, says="Propose a case")))
# The repository's manager is told of a proposal (not of their own).
PROPOSED = Outcome(302, effect={**CREATED.effect, "notifications": 1})
rows("knowledge:propose", "POST", **{**signed_in(PROPOSED), "manager": CREATED})
rows("knowledge:my_cases", "GET", **{
    **signed_in(Outcome(200, says="You have not proposed any case yet.")),
    "proposer": Outcome(200, says="Please add a source."),
})  # fmt: skip
rows("knowledge:my_cases", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows("knowledge:my_case_edit", "GET", **proposer_only(Outcome(200, says="Please add a source.")))
rows("knowledge:my_case_edit", "POST", **proposer_only(
    Outcome(302, effect={**SAVED.effect, "notifications": 1})
))  # fmt: skip


def case_data(name: str) -> dict:
    return {
        "name": name,
        "summary": "A changed description of what it does.",
        "case_type": "company_technology",
        "maturity": "emerging",
        "status": "accepted",
        "minerals": ["cobalt"],
        "links": "https://example.org/case",
    }


def post_data(w, route: str) -> dict:
    if route == "knowledge:manage_case":
        return case_data("Matrix case") | {f"issue-{w.issue.pk}": "on"}
    if route == "knowledge:my_case_edit":
        return case_data("Matrix case")
    if route in ("knowledge:manage_case_new", "knowledge:propose"):
        return case_data("A new matrix case")
    if route == "knowledge:manage_review":
        return {"review-decision": "accept", "review-note": ""}
    if route == "knowledge:manage_translate":
        return {"language": "fr", "text-0": "Cas de la matrice", "text-1": ""}
    if route == "knowledge:manage_vocabulary":
        return {"action": "add_area", "title": "Environment"}
    return {}


def address(w, route: str) -> str:
    if route in ("knowledge:manage_cases", "knowledge:manage_case_new",
                 "knowledge:manage_vocabulary", "knowledge:propose", "knowledge:my_cases"):  # fmt: skip
        return reverse(route)
    return reverse(route, args=[w.case.pk])


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, case):
    client.cookies.clear()
    if case.role in world.cookies:
        client.cookies["sessionid"] = world.cookies[case.role]
    data = post_data(world, case.route) if case.method == "POST" else {}
    perform(client, case, address=address(world, case.route), data=data, tables=TABLES)


def test_every_manage_route_has_rows():
    from knowledge import urls_manage
    from tests.matrix import assert_rows_for_every_route

    routes = [f"knowledge:{pattern.name}" for pattern in urls_manage.urlpatterns]
    covered = assert_rows_for_every_route(routes, MATRIX)
    assert all(methods >= {"GET", "POST"} for methods in covered.values())
