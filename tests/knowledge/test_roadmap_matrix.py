"""Who may open each roadmap route: anyone reads the roadmaps and a process's public
page; only the organisers of the consultation's process publish a roadmap and cite
cases. Roles: ``anonymous``; ``member`` (signed in, organises nothing); ``organiser``
(of the roadmap's process, by role); ``other_organiser`` (owner of another process)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from consult import selectors
from consult.models import ProcessRole
from knowledge import roadmaps
from knowledge import urls_roadmaps as roadmap_urls
from knowledge.models import Roadmap, RoadmapCitation
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import login_cookie
from tests.knowledge.factories import make_case
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

ROLES = ("anonymous", "member", "organiser", "other_organiser")


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.process = make_process()
    w.process.title = "Mobility roadmap process"
    w.process.save()
    w.organiser = make_member(role=ProcessRole.Role.ORGANISER, process=w.process)
    w.member = make_member()
    w.other_organiser = make_process().owner
    consultation = make_consultation(process=w.process, status="closed", title="Final draft")
    w.roadmap = roadmaps.publish_roadmap(
        consultation=consultation,
        version=selectors.latest_version(consultation),
        by=w.process.owner,
    )
    w.section = selectors.latest_version(consultation).texts.order_by("position")[0].section
    # A closed consultation not yet published: what the publish route works on.
    w.unpublished = make_consultation(process=w.process, status="closed", title="Second draft")
    w.case = make_case(name="Cobalt refinery audit")
    w.cookies = {
        role: login_cookie(getattr(w, role)) for role in ("member", "organiser", "other_organiser")
    }
    return w


world = module_world(build_world)

TABLES = {
    "roadmaps": lambda: list(
        Roadmap.objects.order_by("pk").values_list("pk", "version_id", "published_at")
    ),
    "citations": lambda: list(
        RoadmapCitation.objects.order_by("pk").values_list("pk", "section_id", "case_id", "note")
    ),
}

MATRIX = Matrix(ROLES)
rows = MATRIX.rows
LOGIN = Outcome(302, location="/accounts/login/")
FORBIDDEN = Outcome(403)
NOT_ALLOWED = Outcome(405)


def everyone(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


def organisers_only(outcome: Outcome) -> dict[str, Outcome]:
    return {
        "anonymous": LOGIN,
        "member": FORBIDDEN,
        "organiser": outcome,
        "other_organiser": FORBIDDEN,
    }


rows("knowledge:roadmap_publish", "GET", **organisers_only(Outcome(200, says="Second draft")))
rows(
    "knowledge:roadmap_publish",
    "POST",
    **organisers_only(Outcome(302, effect={"roadmaps": +1}, location="/citations")),
)
rows(
    "knowledge:roadmap_citations",
    "GET",
    **organisers_only(Outcome(200, says="Cobalt refinery audit")),
)
rows(
    "knowledge:roadmap_citations",
    "POST",
    **organisers_only(Outcome(302, effect={"citations": +1}, says="Case cited.")),
)
rows("knowledge:roadmaps", "GET", **everyone(Outcome(200, says="Final draft")))
rows("knowledge:roadmap", "GET", **everyone(Outcome(200, says="Final draft")))
rows("knowledge:process_public", "GET", **everyone(Outcome(200, says="Mobility roadmap process")))
for route in ("roadmaps", "roadmap", "process_public"):
    rows(f"knowledge:{route}", "POST", **everyone(NOT_ALLOWED))


def address(w, route: str) -> str:
    args = {
        "knowledge:roadmap_publish": [w.process.slug, w.unpublished.slug],
        "knowledge:roadmap_citations": [w.roadmap.slug],
        "knowledge:roadmap": [w.roadmap.slug],
        "knowledge:process_public": [w.process.slug],
    }.get(route, [])
    return reverse(route, args=args)


def data(w, route: str) -> dict:
    if route == "knowledge:roadmap_publish":
        return {"version": selectors.latest_version(w.unpublished).pk}
    if route == "knowledge:roadmap_citations":
        return {"action": "cite", "section": w.section.pk, "case": w.case.pk, "note": "Audit"}
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


def test_every_roadmap_route_has_rows():
    names = route_names("knowledge", roadmap_urls.urlpatterns)
    assert_rows_for_every_route(names, MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_an_unpublished_roadmap_is_not_found_for_anyone(world, client: Client, role):
    login(client, world, role)
    assert client.get(reverse("knowledge:roadmap", args=["not-published"])).status_code == 404
    if role != "anonymous":
        address = reverse("knowledge:roadmap_citations", args=["not-published"])
        assert client.get(address).status_code == 404
    # The unpublished consultation is on no roadmap list.
    assert "Second draft" not in client.get(reverse("knowledge:roadmaps")).content.decode()
