"""The presenter view stays light enough for a venue's network: at most 150 KB on first
load (the page and every style sheet and script it loads, compressed as the server sends
them), measured in Chromium; and it fits a 375 px phone, stacked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from boards.models import Note
from sessions import services
from tests import factories
from tests.boards.boards import make_board
from tests.frontend.first_load import record_first_load
from tests.frontend.test_browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 150 * 1024


@pytest.fixture
def running_session(transactional_db):
    """An open session whose current activity is an idea board with notes (its script and
    results are the heaviest), and a poll after it on the agenda."""
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    session = factories.make_session(event=factories.make_event(owner=owner))
    board = make_board(session=session, title="What stands in the way?")
    person = factories.make_participant(session=session, display_name="Ana")
    for n in range(3):
        services.perform_command(
            participant=person,
            activity_id=board.pk,
            action="post",
            data={"column": 0, "text": f"Note {n}"},
            key=f"k{n}",
        )
    factories.make_activity(session=session, kind="single_choice", title="Next question?")
    assert Note.objects.filter(activity=board).count() == 3
    return session


def test_the_presenter_view_first_load_is_under_budget(
    running_session, daphne_server, browser, page_problems
):
    session = running_session
    base = daphne_server.base_url
    context = browser.new_context()
    log_in(context, base, page_problems)

    fresh = browser.new_context()
    fresh.add_cookies(context.cookies())
    page = fresh.new_page()
    page_problems.watch(page)
    load = record_first_load(fresh, page)

    page.goto(f"{base}/console/{session.code}/present", wait_until="load")
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    expect(page.locator("#current-results .board-note")).to_have_count(3)
    expect(page.locator("#agenda-list li")).to_have_count(2)

    loaded = load.loaded
    assert any(u.endswith(f"/console/{session.code}/present") for u in loaded)
    assert any("presenter" in u and u.endswith(".js") for u in loaded)
    assert any("presenter" in u and u.endswith(".css") for u in loaded)
    assert load.total <= BUDGET, f"first load transferred {load.total} bytes: {loaded}"
    load.assert_compressed(".js", ".css", "/present")
    print(f"presenter view first load: {load.total} bytes over {load.requests} requests")

    # On a 375 px phone the page stacks: nothing wider than the screen, the controls
    # first, the agenda under the current activity.
    page.set_viewport_size({"width": 375, "height": 667})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    tops = page.evaluate(
        "() => ['controls', 'current-title', 'agenda-heading'].map("
        "id => document.getElementById(id).getBoundingClientRect().top)"
    )
    assert tops == sorted(tops), tops
    context.close()
    fresh.close()
