"""Live results reach a participant's screen reader politely and without flooding: the
results box is not a live region (a redraw per tally would be read out without end);
one short sentence in the polite announcer says the latest count, at most every ten
seconds however fast votes arrive, and never over something just said. The page's clock
is Playwright's, so the test waits for no real time."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions import services
from tests import factories
from tests.threads import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cast(activity, n: int) -> None:
    for _ in range(n):
        voter = factories.make_participant(session=activity.session)
        services.perform_command(
            participant=voter, activity_id=activity.pk, action="vote", data=0, key="k"
        )


def test_results_are_announced_at_most_every_ten_seconds(daphne_server, browser, page_problems):
    session = factories.make_session()
    poll = in_thread(
        lambda: factories.make_activity(session=session, results_visibility="live", open=True)
    )
    page = browser.new_context(locale="en-GB").new_page()
    page_problems.watch(page)
    page.clock.install()
    page.goto(f"{daphne_server.base_url}/j/{session.code}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    results, announcer = page.locator("#results"), page.locator("#announce")
    expect(results).not_to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_attribute("aria-live", "polite")
    # The question's opening results are not said over its "New question".
    expect(announcer).to_have_text(f"New question: {poll.title}")

    # A new vote is drawn at once and said once the question has been heard (three
    # seconds after it); the next ones within ten seconds are drawn at once and said
    # (the latest count) when the ten seconds are up.
    in_thread(lambda: cast(poll, 1))
    expect(page.locator("#count")).to_have_text("1 vote")
    expect(announcer).to_have_text(f"New question: {poll.title}")
    page.clock.run_for(3000)
    expect(announcer).to_have_text("Results updated: 1 response.")
    page.clock.run_for(1000)
    in_thread(lambda: cast(poll, 2))
    expect(page.locator("#count")).to_have_text("3 votes")
    expect(announcer).to_have_text("Results updated: 1 response.")
    page.clock.run_for(9500)
    expect(announcer).to_have_text("Results updated: 3 responses.")

    # Focus stays where the participant put it while the results change.
    chosen = page.get_by_label("Not sure")
    chosen.focus()
    in_thread(lambda: cast(poll, 1))
    expect(page.locator("#count")).to_have_text("4 votes")
    assert page.evaluate("document.activeElement.id") == chosen.get_attribute("id")
