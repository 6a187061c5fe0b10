"""Who may open each route of the action catalogue: anyone reads the catalogue; only the
repository's managers add, edit and delete actions; promoting a workshop's contribution
also needs its session's facilitator. Roles: ``anonymous``; ``member`` (signed in);
``facilitator`` (runs the workshop's session, manages nothing); ``manager`` (manages the
repository and runs the session); ``other_manager`` (manages, runs no session)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from knowledge import actions
from knowledge import urls_actions as action_urls
from knowledge.models import CaseAction
from tests.boards.boards import make_board, people, post
from tests.factories import login_cookie, make_event, make_session, make_user
from tests.knowledge.factories import make_case, make_issue, make_manager
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

ROLES = ("anonymous", "member", "facilitator", "manager", "other_manager")


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.manager = make_manager(organiser=True)
    w.other_manager = make_manager(organiser=True)
    w.member = make_user()
    w.facilitator = make_user(organiser=True)
    session = make_session(event=make_event(owner=w.manager, title="Lab"), title="Morning")
    w.board = make_board(session=session, title="What must change?")
    (person,) = people(w.board, 1)
    w.note = post(w.board, person, "Publish every smelter audit")
    # A board of a session the facilitator runs (who manages nothing).
    other = make_board(
        session=make_session(event=make_event(owner=w.facilitator)), title="Their board"
    )
    post(other, people(other, 1)[0], "Their note")
    w.case = make_case(name="Cobalt refinery audit")
    w.issue = make_issue()
    w.action = actions.create_action(
        by=w.manager, text="Audit every refinery", horizon=2030, case=w.case
    )
    w.cookies = {
        role: login_cookie(getattr(w, role))
        for role in ("member", "facilitator", "manager", "other_manager")
    }
    return w


world = module_world(build_world)

TABLES = {
    "actions": lambda: list(
        CaseAction.objects.order_by("pk").values_list(
            "pk", "text", "horizon", "actor", "case_id", "issue_id", "source_key"
        )
    ),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
LOGIN = Outcome(302, location="/accounts/login/")
FORBIDDEN = Outcome(403)
NOT_ALLOWED = Outcome(405)


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


def managers_only(outcome: Outcome, other_manager: Outcome | None = None) -> dict[str, Outcome]:
    return {
        "anonymous": LOGIN,
        "member": FORBIDDEN,
        "facilitator": FORBIDDEN,
        "manager": outcome,
        "other_manager": other_manager or outcome,
    }


rows("knowledge:actions", "GET", **everyone(Outcome(200, says="Audit every refinery")))
rows("knowledge:actions", "POST", **everyone(NOT_ALLOWED))
rows("knowledge:manage_actions", "GET", **managers_only(Outcome(200, says="Add an action")))
rows(
    "knowledge:manage_actions",
    "POST",
    **managers_only(Outcome(302, effect={"actions": +1}, says="Action added")),
)
rows("knowledge:manage_action", "GET", **managers_only(Outcome(200, says="Audit every refinery")))
rows(
    "knowledge:manage_action",
    "POST",
    **managers_only(Outcome(302, effect={"actions": "changed"}, says="Action saved.")),
)
rows(
    "knowledge:manage_action_delete",
    "POST",
    **managers_only(Outcome(302, effect={"actions": -1}, says="Action deleted.")),
)
rows("knowledge:manage_action_delete", "GET", **everyone(NOT_ALLOWED))
rows(
    "knowledge:manage_actions_promote",
    "GET",
    **managers_only(Outcome(200, says="Publish every smelter audit"), other_manager=FORBIDDEN),
)
rows(
    "knowledge:manage_actions_promote",
    "POST",
    **managers_only(
        Outcome(302, effect={"actions": +1}, says="Promoted into the action catalogue."),
        other_manager=FORBIDDEN,
    ),
)


def address(w, route: str) -> str:
    if route in ("knowledge:manage_action", "knowledge:manage_action_delete"):
        return reverse(route, args=[w.action.pk])
    if route == "knowledge:manage_actions_promote":
        return f"{reverse(route)}?activity={w.board.pk}"
    return reverse(route)


def data(w, route: str) -> dict:
    if route == "knowledge:manage_actions":
        return {"case": "", "issue": w.issue.pk, "text": "Collect batteries", "horizon": "2040"}
    if route == "knowledge:manage_action":
        return {"case": w.case.pk, "text": "Audit all refineries", "horizon": "2050"}
    if route == "knowledge:manage_actions_promote":
        return {
            "activity": w.board.pk,
            "key": f"boards.note:{w.note.pk}",
            "case": w.case.pk,
            "actor": "policy",
            "horizon": "2030",
        }
    return {}


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


def test_every_action_route_has_rows():
    names = route_names("knowledge", action_urls.urlpatterns)
    assert_rows_for_every_route(names, MATRIX)


@pytest.mark.parametrize("role", ["manager", "other_manager"])
def test_an_unknown_action_is_not_found(world, client: Client, role):
    login(client, world, role)
    assert client.get(reverse("knowledge:manage_action", args=[999999])).status_code == 404
    delete = reverse("knowledge:manage_action_delete", args=[999999])
    assert client.post(delete).status_code == 404


def test_the_promotion_page_lists_only_the_managers_own_sessions(world, client: Client):
    login(client, world, "manager")
    page = client.get(reverse("knowledge:manage_actions_promote")).content.decode()
    assert "What must change?" in page and "Their board" not in page
    login(client, world, "other_manager")
    page = client.get(reverse("knowledge:manage_actions_promote")).content.decode()
    assert "What must change?" not in page
    assert "None of the sessions you facilitate" in page
