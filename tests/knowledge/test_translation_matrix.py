"""Who may open the translation pages of the impact vocabulary and of an action: only
the repository's managers read and save them. Roles: ``anonymous``; ``member`` (signed
in, manages nothing); ``facilitator`` (runs events, manages nothing); ``manager``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from knowledge import actions
from knowledge import urls_translations as translation_urls
from knowledge.models import CaseAction, ImpactArea, ImpactIssue
from tests.factories import login_cookie, make_user
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager
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

ROLES = ("anonymous", "member", "facilitator", "manager")


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.manager = make_manager()
    w.member = make_user()
    w.facilitator = make_user(organiser=True)
    w.area = make_area(title="Transparency and due diligence")
    w.issue = make_issue(area=w.area, title="Third-party audits")
    w.action = actions.create_action(
        by=w.manager, text="Audit every refinery", horizon=2030, case=make_case()
    )
    w.cookies = {
        role: login_cookie(getattr(w, role)) for role in ("member", "facilitator", "manager")
    }
    return w


world = module_world(build_world)

TABLES = {
    "vocabulary": lambda: [
        *ImpactArea.objects.order_by("pk").values_list("pk", "title", "title_in_fr"),
        *ImpactIssue.objects.order_by("pk").values_list("pk", "title", "title_in_fr"),
    ],
    "actions": lambda: list(
        CaseAction.objects.order_by("pk").values_list("pk", "text", "text_in_fr")
    ),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
LOGIN = Outcome(302, location="/accounts/login/")
FORBIDDEN = Outcome(403)
NOT_ALLOWED = Outcome(405)
SAVED = "Translation into Français saved."


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


def managers_only(outcome: Outcome) -> dict[str, Outcome]:
    return {"anonymous": LOGIN, "member": FORBIDDEN, "facilitator": FORBIDDEN, "manager": outcome}


rows(
    "knowledge:manage_vocabulary_translate",
    "GET",
    **managers_only(Outcome(200, says="Issue of “Transparency and due diligence”")),
)
rows(
    "knowledge:manage_vocabulary_translate",
    "POST",
    **managers_only(
        Outcome(302, effect={"vocabulary": "changed"}, says=SAVED, location="?language=fr")
    ),
)
rows("knowledge:manage_vocabulary_translate", "PUT", **everyone(NOT_ALLOWED))
rows(
    "knowledge:manage_action_translate",
    "GET",
    **managers_only(Outcome(200, says="Audit every refinery")),
)
rows(
    "knowledge:manage_action_translate",
    "POST",
    **managers_only(
        Outcome(302, effect={"actions": "changed"}, says=SAVED, location="?language=fr")
    ),
)
rows("knowledge:manage_action_translate", "DELETE", **everyone(NOT_ALLOWED))


def address(w, route: str) -> str:
    args = {"knowledge:manage_action_translate": [w.action.pk]}.get(route, [])
    return reverse(route, args=args)


def data(w, route: str) -> dict:
    if route == "knowledge:manage_vocabulary_translate":
        return {"language": "fr", "text-0": "Transparence", "text-1": "Audits par des tiers"}
    return {"language": "fr", "text-0": "Auditer chaque raffinerie"}


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, client: Client, case):
    login(client, world, case.role)
    perform(
        client,
        case,
        address=address(world, case.route),
        data=data(world, case.route),
        tables=TABLES,
    )


def test_every_translation_route_has_rows():
    names = route_names("knowledge", translation_urls.urlpatterns)
    assert_rows_for_every_route(names, MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_an_unknown_action_is_not_found_or_refused(world, client: Client, role):
    login(client, world, role)
    response = client.get(reverse("knowledge:manage_action_translate", args=[999999]))
    expected = {"anonymous": 302, "member": 403, "facilitator": 403, "manager": 404}[role]
    assert response.status_code == expected
