"""Who may open each public route of the knowledge repository: everyone may read, no
one may write. Roles: ``anonymous``; ``member`` (signed in, manages nothing);
``manager`` (``knowledge.manage_knowledge``). A case not accepted is not found for
anyone, managers included (they read it on their own pages)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from knowledge.models import Case
from tests.factories import login_cookie, make_user
from tests.knowledge.factories import make_case, make_issue, make_manager
from tests.matrix import Matrix, Outcome, module_world, perform

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "manager")


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.member = make_user()
    w.manager = make_manager()
    issue = make_issue(title="Independent third-party audit")
    w.case = make_case(slug="matrix-case", name="Cobalt refinery audit", issues=(issue,))
    w.proposed = make_case(slug="matrix-proposed", status=Case.Status.PROPOSED)
    w.cookies = {"member": login_cookie(w.member), "manager": login_cookie(w.manager)}
    return w


world = module_world(build_world)

TABLES = {
    "cases": lambda: list(Case.objects.order_by("pk").values_list("pk", "status", "name")),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
NOT_ALLOWED = Outcome(405)


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


rows("knowledge:repository", "GET", **everyone(Outcome(200, says="Cobalt refinery audit")))
rows("knowledge:case", "GET", **everyone(Outcome(200, says="Independent third-party audit")))
rows("knowledge:cases_csv", "GET", **everyone(Outcome(200, says="matrix-case")))
rows("knowledge:cases_json", "GET", **everyone(Outcome(200, says='"slug": "matrix-case"')))
for route in ("repository", "case", "cases_csv", "cases_json"):
    rows(f"knowledge:{route}", "POST", **everyone(NOT_ALLOWED))


def address(w, route: str) -> str:
    return reverse(route, args=[w.case.slug] if route == "knowledge:case" else [])


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, case):
    client.cookies.clear()
    if case.role in world.cookies:
        client.cookies["sessionid"] = world.cookies[case.role]
    perform(client, case, address=address(world, case.route), data={}, tables=TABLES)


@pytest.mark.parametrize("role", ROLES)
def test_a_case_not_accepted_is_not_found_for_anyone(world, client: Client, role):
    client.cookies.clear()
    if role in world.cookies:
        client.cookies["sessionid"] = world.cookies[role]
    assert client.get(reverse("knowledge:case", args=[world.proposed.slug])).status_code == 404
    listing = client.get(reverse("knowledge:repository")).content.decode()
    assert "matrix-proposed" not in listing
