"""Who may open each route of the mapping matrix: everyone may read it (no account
needed), nobody may write to it. Roles: ``anonymous``; ``member`` (signed in, manages
nothing); ``manager`` (``knowledge.manage_knowledge``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from knowledge.models import Case, CaseIssue, ImpactIssue
from tests.factories import login_cookie, make_user
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager
from tests.matrix import Matrix, Outcome, module_world, perform

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "manager")


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    area = make_area("Transparency")
    w.issue = make_issue(area, "Third-party audit")
    make_case(name="Audited chain", issues=(w.issue,))
    make_case(name="Hidden proposal", status=Case.Status.PROPOSED, issues=(w.issue,))
    w.member = make_user()
    w.manager = make_manager()
    w.cookies = {role: login_cookie(getattr(w, role)) for role in ROLES[1:]}
    return w


world = module_world(build_world)

TABLES = {
    "cases": lambda: list(Case.objects.order_by("pk").values_list("pk", "status", "version")),
    "mappings": lambda: list(CaseIssue.objects.order_by("pk").values_list("pk", "note")),
    "issues": lambda: list(ImpactIssue.objects.order_by("pk").values_list("pk", "title")),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
NOT_ALLOWED = Outcome(405)


def everyone(ok: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, ok)


rows("knowledge:matrix", "GET", **everyone(Outcome(200, says="Audited chain")))
rows("knowledge:matrix_issue", "GET", **everyone(Outcome(200, says="1 case addresses this issue")))
rows("knowledge:matrix_xlsx", "GET", **everyone(Outcome(200)))
for route in ("knowledge:matrix", "knowledge:matrix_issue", "knowledge:matrix_xlsx"):
    rows(route, "POST", **everyone(NOT_ALLOWED))


def address(w, route: str) -> str:
    args = [w.issue.pk] if route == "knowledge:matrix_issue" else []
    return reverse(route, args=args)


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, case):
    client.cookies.clear()
    if case.role in world.cookies:
        client.cookies["sessionid"] = world.cookies[case.role]
    perform(client, case, address=address(world, case.route), data={}, tables=TABLES)
    if case.method == "GET":
        assert "Hidden proposal" not in client.get(address(world, case.route)).content.decode(
            errors="replace"
        )


def test_every_matrix_route_has_rows():
    from django.urls import get_resolver

    from tests.matrix import assert_rows_for_every_route

    names = {
        f"knowledge:{p.name}"
        for p in get_resolver().namespace_dict["knowledge"][1].url_patterns
        if p.name and p.name.startswith("matrix")
    }
    assert names == {"knowledge:matrix", "knowledge:matrix_issue", "knowledge:matrix_xlsx"}
    assert_rows_for_every_route(names, MATRIX)
