"""The live room in the system Chromium: a facilitator, three participants in separate
browser contexts and a projector, against a real Daphne process."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workshop(transactional_db):
    owner = factories.make_user(
        organiser=True, username="facilitator", password="a-long-pass-phrase"
    )
    event = factories.make_event(owner=owner, title="Mobility roadmap workshop")
    session = factories.make_session(event=event, title="Vision")
    poll = factories.make_activity(
        session=session,
        kind="single_choice",
        title="Which minerals first?",
        config={"options": ["Battery minerals", "Traditional metals", "Rare earths"]},
    )
    return session, poll


def log_in(context, base_url: str):
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Login").fill("facilitator")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="My events")).to_be_visible()
    return page


def join(browser, base_url: str, code: str, name: str, group: str, problems):
    context = browser.new_context()
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base_url}/j/{code}")
    page.get_by_label("Your name as others see it").fill(name)
    page.get_by_label("Stakeholder group").select_option(group)
    page.get_by_label("Country").select_option("BR")
    page.get_by_role("button", name="Enter the session").click()
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    return context, page


def test_three_participants_vote_and_the_projector_updates_without_reload(
    workshop, daphne_server, browser, page_problems
):
    session, poll = workshop
    base = daphne_server.base_url
    facilitator = browser.new_context()
    console = log_in(facilitator, base)
    page_problems.watch(console)
    console.goto(f"{base}/console/{session.code}/")
    expect(console.locator("body")).to_have_attribute("data-status", "live")

    projector_context = browser.new_context()
    projector = projector_context.new_page()
    page_problems.watch(projector)
    projector.goto(f"{base}/s/{session.code}/screen")
    expect(projector.locator(".big-code")).to_have_text(session.code)
    expect(projector.locator("img.qr")).to_have_attribute("src", re.compile("^data:image/svg"))

    people = [
        join(browser, base, session.code, name, group, page_problems)
        for name, group in (
            ("Ana", "civil_society"),
            ("Ben", "industry_upstream"),
            ("Chi", "research"),
        )
    ]
    for _, page in people:
        expect(page.get_by_text("Waiting for the facilitator")).to_be_visible()
    expect(projector.locator("#connected")).to_have_text("3")
    expect(console.locator("#connected")).to_have_text("3")

    # The facilitator opens the poll and shows it on the projector; it appears by itself.
    item = console.locator(f"#activity-{poll.pk}")
    item.get_by_role("button", name="Open").click()
    console.locator(f"#activity-{poll.pk}").get_by_role(
        "button", name="Show results on projector"
    ).click()
    expect(projector.get_by_role("heading", name="Which minerals first?")).to_be_visible()

    for index, (_, page) in enumerate(people):
        expect(page.get_by_role("heading", name="Which minerals first?")).to_be_visible()
        page.get_by_label(["Battery minerals", "Rare earths", "Battery minerals"][index]).check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("status").filter(has_text="Vote recorded")).to_be_visible()

    expect(projector.locator("#count")).to_have_text("3 votes")
    results = projector.locator("table.tally")
    expect(results.get_by_role("row", name=re.compile("Battery minerals"))).to_contain_text("2")
    expect(results.get_by_role("row", name=re.compile("Rare earths"))).to_contain_text("1")
    expect(console.locator(f'[data-count-for="{poll.pk}"]')).to_have_text("3")

    # Closing the tab and coming back keeps the same participant and their vote.
    context, page = people[1]
    page.close()
    again = context.new_page()
    again.goto(f"{base}/j/{session.code}")
    expect(again).to_have_url(re.compile(f"/s/{session.code}/$"))
    expect(again.get_by_label("Rare earths")).to_be_checked()
    expect(again.get_by_role("status").filter(has_text="You have voted")).to_be_visible()
    assert session.participants.count() == 3

    for context, _ in people:
        context.close()
    facilitator.close()
    projector_context.close()
