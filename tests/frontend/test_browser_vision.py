"""A dot vote in the system Chromium against a real Daphne process: participants spend
a budget of dots with +/- buttons and the projector and console show the statements in
their final order, live. No page may log an error or a CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from polls.models import Ballot
from sessions import services
from tests import factories
from tests.frontend.test_browser import PASSWORD, join, open_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENTS = (
    "Zero-waste mines\n"
    "Fair wages along the chain\n"
    "milestone 2030: Half of batteries recycled\n"
    "action industry: Publish supply chain audits"
)


@pytest.fixture
def dot_vote(transactional_db):
    """An open dot vote (4 dots, at most 3 on one) shown on the projector, set up before
    the browser starts (services broadcast through async_to_sync)."""
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery roadmap workshop")
    session = factories.make_session(event=event, title="Vision")
    activity = factories.make_activity(
        session=session,
        kind="dot_vote",
        title="Where should we focus?",
        config={"statements": STATEMENTS, "dots": 4, "max_per_statement": 3},
        open=True,
    )
    services.reveal_results(activity=activity, revealed=True)
    return session, activity


def add(page, text):
    page.get_by_role("button", name=f"Add a dot to “{text}”").click()


def remove(page, text):
    page.get_by_role("button", name=f"Remove a dot from “{text}”").click()


def test_participants_spend_their_dots_and_the_projector_shows_the_order(
    dot_vote, daphne_server, browser, page_problems
):
    session, activity = dot_vote
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    projector_context = browser.new_context()
    projector = projector_context.new_page()
    page_problems.watch(projector)
    projector.goto(f"{base}/s/{session.code}/screen")
    expect(projector.locator("body")).to_have_attribute("data-status", "live")
    expect(projector.get_by_role("heading", name="Where should we focus?")).to_be_visible()
    expect(projector.locator("#count")).to_have_text("0 voters")

    people = [
        join(browser, base, session.code, page_problems, name, group)
        for name, group in (
            ("Ana", "civil_society"),
            ("Ben", "industry_upstream"),
            ("", "research"),
        )
    ]
    ana = people[0][1]
    left = ana.locator(".dots-left")
    expect(ana.get_by_role("group", name=re.compile("Spread 4 dots"))).to_be_visible()
    expect(left).to_have_text("4 dots left")
    expect(left).to_have_attribute("aria-live", "polite")
    expect(
        ana.get_by_role("button", name="Remove a dot from “Fair wages along the chain”")
    ).to_be_disabled()
    add(ana, "Fair wages along the chain")
    expect(left).to_have_text("3 dots left")
    add(ana, "Fair wages along the chain")
    add(ana, "Fair wages along the chain")
    expect(left).to_have_text("1 dot left")
    # At most 3 on one statement: its + is disabled, the focus moved to its minus.
    plus = ana.get_by_role("button", name="Add a dot to “Fair wages along the chain”")
    expect(plus).to_be_disabled()
    minus = ana.get_by_role("button", name="Remove a dot from “Fair wages along the chain”")
    expect(minus).to_be_focused()
    # By keyboard: take one back, then spend the rest elsewhere.
    ana.keyboard.press("Enter")
    expect(left).to_have_text("2 dots left")
    add(ana, "Half of batteries recycled")
    add(ana, "Fair wages along the chain")
    expect(left).to_have_text("0 dots left")
    # The budget is spent: every plus is disabled, the minus buttons still work.
    expect(ana.locator(".vision-dots button.plus:enabled")).to_have_count(0)
    expect(
        ana.get_by_role("button", name="Remove a dot from “Half of batteries recycled”")
    ).to_be_enabled()
    ana.get_by_role("button", name="Send my answer").click()
    expect(ana.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")

    ben = people[1][1]
    for _ in range(3):
        add(ben, "Half of batteries recycled")
    add(ben, "Zero-waste mines")
    expect(ben.locator(".dots-left")).to_have_text("0 dots left")
    ben.get_by_role("button", name="Send my answer").click()
    expect(ben.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")

    third = people[2][1]
    add(third, "Fair wages along the chain")
    add(third, "Half of batteries recycled")
    add(third, "Half of batteries recycled")
    remove(third, "Fair wages along the chain")
    add(third, "Fair wages along the chain")
    expect(third.locator(".dots-left")).to_have_text("1 dot left")
    third.get_by_role("button", name="Send my answer").click()
    expect(third.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")

    # Totals: Half recycled 1 + 3 + 2 = 6, Fair wages 3 + 0 + 1 = 4, Zero-waste 1, Audits 0.
    expect(projector.locator("#count")).to_have_text("3 voters")
    table = projector.locator("table.vision-tally")
    expect(table.locator("tbody th")).to_have_text(
        [
            "Milestone 2030 Half of batteries recycled",
            "Vision Fair wages along the chain",
            "Vision Zero-waste mines",
            "Action: Industry Publish supply chain audits",
        ]
    )
    expect(table.locator("tbody td:nth-child(2)")).to_have_text(["6", "4", "1", "0"])
    expect(table.locator("tbody td:nth-child(3)")).to_have_text(["3", "2", "1", "0"])
    expect(table.locator("caption")).to_have_text("Results: 11 dots from 3 voters")
    # Side by side per group: each group has one respondent, so its figures are hidden.
    expect(table.locator("thead th")).to_have_text(
        [
            "Statement",
            "Dots",
            "Voters",
            "Industry: upstream (mining, processing) (1)",
            "Civil society / NGO (1)",
            "Research / academia (1)",
        ]
    )
    expect(table.locator("tbody tr").first.locator("td.hidden-group")).to_have_text(
        ["fewer than 5"] * 3
    )
    # The console and the participants (live results) see the same order.
    box = console.locator(f'[data-results-for="{activity.pk}"]')
    expect(box.locator("tbody td:nth-child(2)")).to_have_text(["6", "4", "1", "0"])
    expect(console.locator(f'[data-count-for="{activity.pk}"]')).to_have_text("3")
    expect(ana.locator("table.vision-tally tbody td:nth-child(2)")).to_have_text(
        ["6", "4", "1", "0"]
    )

    assert sorted(
        Ballot.objects.filter(activity=activity).values_list("choice", flat=True), key=repr
    ) == [
        {"0": 1, "2": 3},
        {"1": 1, "2": 2},
        {"1": 3, "2": 1},
    ]
    # A participant coming back sees their own dots again.
    context, page = people[0]
    page.reload()
    expect(page.locator(".dots-left")).to_have_text("0 dots left")
    expect(page.locator(".vision-dots li").nth(1).locator(".dot-count")).to_have_text("3 dots")
    expect(page.get_by_role("status").filter(has_text="You have voted")).to_be_visible()

    for context, _ in people:
        context.close()
    facilitator.close()
    projector_context.close()
