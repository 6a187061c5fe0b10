"""The representation pages take the same number of queries with 5 participants as
with 60 (and as many invitations, comments and directory people): the figures are
counted by the database, not row by row in Python. The times themselves belong to
a benchmark, not to these tests."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import services as consult_services
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.representation.world import invite, join, make_person, set_targets, vote

pytestmark = pytest.mark.django_db

GROUPS = ["policy", "research", "civil_society", "", "finance"]
COUNTRIES = ["KE", "DE", "BR", "", "IN"]
GENDERS = ["woman", "man", "", "non_binary", "woman"]


class World:
    def __init__(self) -> None:
        self.process = make_process(owner=make_member())
        set_targets(self.process, "stakeholder_group", {"policy": "60", "research": "40"})
        set_targets(self.process, "gender", {"woman": "50", "man": "50"})
        owner = factories.make_user(organiser=True)
        self.event = factories.make_event(owner=owner, process=self.process)
        self.sessions = [factories.make_session(event=self.event, title=t) for t in "AB"]
        self.polls = [factories.make_activity(session=s, open=True) for s in self.sessions]
        self.consultation = make_consultation(process=self.process, slug="draft")
        self.section = self.consultation.sections.first()
        self.people = 0

    def grow(self, n: int) -> None:
        """``n`` more people everywhere: invited (some accepted), joined one or both
        sessions (some linked to their directory record, some voting), commenting."""
        for i in range(self.people, self.people + n):
            group, country, gender = GROUPS[i % 5], COUNTRIES[i % 5], GENDERS[i % 5]
            person = make_person(group=group, country=country, gender=gender)
            invite(person, process=self.process, event=self.event,
                   answer=["", "remote", "in_person", "declined"][i % 4])  # fmt: skip
            profile = {"stakeholder_group": group, "country": country, "gender": gender}
            first = join(self.sessions[0], person=person if i % 2 else None, **profile)
            if i % 3 == 0:
                vote(self.polls[0], first)
            if i % 4 == 0:
                vote(self.polls[1], join(self.sessions[1], person=person, **profile))
            if i % 2 == 0:
                consult_services.add_comment(section=self.section, author=make_member(group=group),
                                             body="A point.")  # fmt: skip
        self.people += n

    def urls(self) -> dict[str, str]:
        slug, code = self.process.slug, self.sessions[0].code
        return {
            "process": reverse("representation:process_page", args=[slug]),
            "event": reverse("representation:event_page", args=[slug, self.event.pk]),
            "session": reverse("representation:session_page", args=[slug, code]),
            "consultation": reverse("representation:consultation_page", args=[slug, "draft"]),
            "people": reverse(
                "representation:process_people", args=[slug, "stakeholder_group", "policy"]
            ),
            "targets": reverse("representation:targets", args=[slug]),
        }


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_pages_do_not_query_more_with_more_people():
    world = World()
    client = Client()
    client.force_login(world.process.owner)
    world.grow(5)
    small = {name: queries(client, url) for name, url in world.urls().items()}
    world.grow(55)
    large = {name: queries(client, url) for name, url in world.urls().items()}

    assert large == small
    # A handful: session and user, the scope, permission, targets, threshold, and one
    # query per stage family (invitations, live, consultation accounts and people).
    assert small["process"] <= 16, small


def test_the_session_json_does_not_query_more_with_more_people():
    world = World()
    owner = world.event.owner
    make_member()  # another account, not involved
    client = Client()
    client.force_login(owner)
    code = world.sessions[0].code
    urls = [
        reverse("representation:session_json", args=[world.process.slug, code]),
        reverse("representation:session_projector_json", args=[world.process.slug, code]),
    ]
    world.grow(5)
    small = [queries(client, url) for url in urls]
    world.grow(55)
    assert [queries(client, url) for url in urls] == small
