"""Who may open each route of a case's evidence (knowledge/urls_evidence.py), with the
status and the effect. Roles: ``anonymous``; ``member`` (signed in, nothing else);
``runner`` (organises the process and runs its flagship lab, manages nothing);
``manager_only`` (manages the repository, organises and runs nothing: sees the page,
may remove a copy, may attach nothing); ``manager`` (manages the repository, organises
the process and runs its flagship lab)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import Consultation, ProcessRole
from knowledge import evidence
from knowledge import urls_evidence as evidence_urls
from knowledge.models import CaseEvidence, CaseValidation
from sessions.models import Event
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.evidence import act, voters
from tests.factories import login_cookie
from tests.knowledge.factories import make_case, make_manager
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

ROLES = ("anonymous", "member", "runner", "manager_only", "manager")
ONLY_MANAGERS = "Only the managers of the knowledge repository can do this."


def _closed_round(w, title: str):
    consultation = make_consultation(process=w.process, title=title)
    round_ = consult_services.open_round(
        consultation=consultation,
        by=w.manager,
        version=consult_selectors.latest_version(consultation),
    )
    return consult_services.close_round(round=round_, by=w.manager)


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.member = make_member()
    w.manager_only = make_manager()
    w.manager = make_manager(organiser=True)
    w.process = make_process(owner=w.manager)
    w.runner = factories.make_user(organiser=True)
    ProcessRole.objects.create(process=w.process, user=w.runner, role=ProcessRole.Role.ORGANISER)
    w.case = make_case(name="Smelter audit programme")
    # The manager's flagship lab; the runner's own lab.
    lab = factories.make_event(owner=w.manager, kind=Event.Kind.FLAGSHIP_LAB, process=w.process)
    w.poll = factories.make_activity(session=factories.make_session(event=lab), open=True)
    act(w.poll, voters(w.poll, 1)[0], 0)
    factories.make_event(owner=w.runner, kind=Event.Kind.FLAGSHIP_LAB, process=w.process)
    w.attached_round = _closed_round(w, "First validation")
    w.round = _closed_round(w, "Second validation")
    w.evidence = evidence.attach_round(case=w.case, round=w.attached_round, by=w.manager)
    w.cookies = {role: login_cookie(getattr(w, role)) for role in ROLES[1:]}
    return w


world = module_world(build_world)

TABLES = {
    "evidence": lambda: list(
        CaseEvidence.objects.order_by("pk").values_list("pk", "source_key", "responses")
    ),
    "consultations": lambda: list(Consultation.objects.order_by("pk").values_list("pk")),
    "validations": lambda: list(CaseValidation.objects.order_by("pk").values_list("pk")),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
LOGIN = Outcome(302, location="/accounts/login/")
NOT_ALLOWED = Outcome(405)
NOT_A_MANAGER = Outcome(403, says=ONLY_MANAGERS)


def managers(*, manager: Outcome, manager_only: Outcome) -> dict[str, Outcome]:
    return {
        "anonymous": LOGIN,
        "member": NOT_A_MANAGER,
        "runner": NOT_A_MANAGER,
        "manager_only": manager_only,
        "manager": manager,
    }


rows(
    "knowledge:manage_evidence",
    "GET",
    **managers(
        manager=Outcome(200, says="Second validation"),
        manager_only=Outcome(200, says="You organise no process yet"),
    ),
)
rows("knowledge:manage_evidence", "POST", **dict.fromkeys(ROLES, NOT_ALLOWED))
rows(
    "knowledge:manage_evidence_validate",
    "POST",
    **managers(
        manager=Outcome(
            302,
            effect={"consultations": +1, "validations": +1},
            says="A draft consultation “Validation: Smelter audit programme” was made",
        ),
        manager_only=Outcome(403, says="Only the organisers of this process can do this."),
    ),
)
rows(
    "knowledge:manage_evidence_round",
    "POST",
    **managers(
        manager=Outcome(302, effect={"evidence": +1}, says="Results of “Validation of"),
        manager_only=Outcome(403, says="Only the organisers of this process can do this."),
    ),
)
rows(
    "knowledge:manage_evidence_activity",
    "POST",
    **managers(
        manager=Outcome(302, effect={"evidence": +1}, says="attaching them again refreshes"),
        manager_only=Outcome(403, says="Only this session&#x27;s facilitators can do this."),
    ),
)
rows(
    "knowledge:manage_evidence_detach",
    "POST",
    **managers(
        manager=Outcome(302, effect={"evidence": -1}, says="is no longer evidence"),
        manager_only=Outcome(302, effect={"evidence": -1}, says="is no longer evidence"),
    ),
)
for route in ("validate", "round", "activity", "detach"):
    rows(f"knowledge:manage_evidence_{route}", "GET", **dict.fromkeys(ROLES, NOT_ALLOWED))


def address(w, route: str) -> str:
    if route == "knowledge:manage_evidence_detach":
        return reverse(route, args=[w.case.pk, w.evidence.pk])
    return reverse(route, args=[w.case.pk])


def data(w, route: str) -> dict:
    return {
        "knowledge:manage_evidence_validate": {"process": w.process.pk},
        "knowledge:manage_evidence_round": {"round": w.round.pk},
        "knowledge:manage_evidence_activity": {"activity": w.poll.pk},
    }.get(route, {})


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


def test_every_evidence_route_has_rows():
    names = route_names("knowledge", evidence_urls.urlpatterns)
    assert_rows_for_every_route(names, MATRIX)


@pytest.mark.parametrize("role", ["member", "runner", "manager_only", "manager"])
def test_an_unknown_case_is_never_found_by_a_manager_and_forbidden_to_others(
    world, client: Client, role
):
    login(client, world, role)
    missing = reverse("knowledge:manage_evidence", args=[987654])
    expected = 404 if role.startswith("manager") else 403
    assert client.get(missing).status_code == expected
    post = reverse("knowledge:manage_evidence_round", args=[987654])
    assert client.post(post, {"round": world.round.pk}).status_code == expected
    assert not CaseEvidence.objects.filter(case_id=987654).exists()
