"""Query counts that must not grow with the data: the section page, the comments API
and the "you said, we did" page take the same number of queries with one batch of
inputs as with three, for every kind of reader.

Each batch has what a busy section has: threads down to the deepest reply, reactions,
a deleted and a hidden comment, an author without a profile, dispositions (one
pointing at where it was addressed) and validation answers with reasons. The times
themselves are measured by ``make bench ARGS="--scenario consultation"``."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import selectors, services
from consult.models import ProcessRole
from tests.consult.factories import make_consultation, make_member
from tests.factories import make_user

pytestmark = pytest.mark.django_db

GROUPS = ["civil_society", "industry_upstream", "", "research"]


class World:
    def __init__(self) -> None:
        self.consultation = make_consultation()
        self.owner = self.consultation.process.owner
        self.version = selectors.latest_version(self.consultation)
        self.text = self.version.texts.order_by("position")[0]
        self.section = self.text.section
        self.round = services.open_round(
            consultation=self.consultation, by=self.owner, version=self.version
        )
        self.moderator = make_member(
            role=ProcessRole.Role.MODERATOR, process=self.consultation.process
        )
        self.participant = make_member(group="policy")
        services.add_comment(section=self.section, author=self.participant, body="My view.")
        self.batches = 0

    def grow(self) -> None:
        """One more batch of everything."""
        n = self.batches = self.batches + 1
        section, owner = self.section, self.owner
        author = make_member(group=GROUPS[n % len(GROUPS)])
        other = make_user()  # an account without a profile (made in the admin)
        top = services.add_comment(section=section, author=author, body=f"**Point** {n}")
        reply = services.add_comment(section=section, author=other, body="Why?", parent=top)
        deeper = services.add_comment(section=section, author=author, body="So.", parent=reply)
        services.add_comment(section=section, author=other, body="Deepest.", parent=deeper)
        services.add_comment(section=section, author=self.participant, body=f"Also {n}", parent=top)
        services.toggle_reaction(comment=top, user=other, kind="agree")
        services.toggle_reaction(comment=top, user=self.participant, kind="insightful")
        services.toggle_reaction(comment=reply, user=author, kind="disagree")
        services.set_disposition(
            by=owner, comment=top, decision="partly", response="Taken up.", addressed_in=self.text
        )
        services.set_disposition(by=owner, comment=reply, decision="out_of_scope", response="No.")
        gone = services.add_comment(section=section, author=author, body="Oops.")
        services.delete_comment(comment=gone, by=author)
        spam = services.add_comment(section=section, author=other, body="BUY NOW")
        services.hide_comment(comment=spam, by=self.moderator, reason="Advertising")
        answer = services.answer_section(
            round=self.round, section=section, user=author, verdict="disagree", reason="Later."
        )
        services.set_disposition(by=owner, answer=answer, decision="accepted", response="Moved.")
        services.answer_section(
            round=self.round, section=section, user=other, verdict="agree_with_changes",
            reason="Say who.",
        )  # fmt: skip

    def urls(self) -> dict[str, str]:
        args = [self.consultation.process.slug, self.consultation.slug]
        return {
            "section page": reverse("consult:section", args=[*args, self.section.pk]),
            "comments API": reverse("api-section-comments", args=[self.section.pk]),
            "you said, we did": reverse("consult:you_said_we_did", args=args),
        }


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("reader", ["anonymous", "participant", "moderator", "organiser"])
def test_pages_and_the_api_take_the_same_queries_with_three_times_the_inputs(reader):
    world = World()
    client = Client()
    if reader != "anonymous":
        client.force_login(
            {"participant": world.participant, "moderator": world.moderator}.get(
                reader, world.owner
            )
        )
    world.grow()
    urls = world.urls()
    for url in urls.values():
        client.get(url)  # one-off work of a first request (session, permissions)
    small = {name: count_queries(client, url) for name, url in urls.items()}
    world.grow()
    world.grow()
    large = {name: count_queries(client, url) for name, url in urls.items()}
    assert large == small, f"{reader}: {small} with one batch, {large} with three"
    # And the pages show what was added (the counts are not those of an empty page).
    page = client.get(urls["section page"]).content.decode()
    assert page.count('class="comment"') == 1 + 3 * 7
    assert page.count("Hidden by a moderator: Advertising") == 3
    report = client.get(urls["you said, we did"]).content.decode()
    # Visible comments, and the reasons of the running round for those who may see them.
    reasons = 3 * 2 if reader in ("moderator", "organiser") else 0
    assert report.count('id="input-') == 1 + 3 * 5 + reasons


def test_the_manage_page_takes_the_same_queries_with_more_versions_and_rounds():
    """consult:manage (consult/manage_views.py): versions and rounds, with their counts of
    sections, answers and people, in a fixed number of queries."""
    world = World()
    client = Client()
    client.force_login(world.owner)
    args = [world.consultation.process.slug, world.consultation.slug]
    url = reverse("consult:manage", args=args)

    def more() -> None:
        """One more version and one more round on it, with answers."""
        services.close_round(round=world.round, by=world.owner)
        version = services.publish_version(
            consultation=world.consultation, by=world.owner, title="Next",
            sections=[{"heading": "Vision 2050", "body": "Changed.",
                       "section": world.section.pk}],
        )  # fmt: skip
        world.round = services.open_round(
            consultation=world.consultation, by=world.owner, version=version
        )
        for group in GROUPS:
            services.answer_section(
                round=world.round, section=world.section, user=make_member(group=group),
                verdict="agree",
            )  # fmt: skip

    more()
    client.get(url)  # one-off work of a first request (session, permissions)
    small = count_queries(client, url)
    more()
    more()
    large = count_queries(client, url)
    assert large == small, f"{small} queries with two versions, {large} with four"
    page = client.get(url).content.decode()
    assert page.count("Close the round<span") == 1
    assert len(re.findall(r'href="[^"]*/rounds/\d+/"', page)) == 4  # results of each round
    assert page.count('<th scope="row">Validation of') == 4
