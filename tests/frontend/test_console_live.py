"""The facilitator console in the system Chromium against a real Daphne process: every
command goes over the live connection and the page updates in place (no reload, focus
and scroll kept), compact cards that expand one at a time, reordering by keyboard and by
drag and drop, the session's states; and without JavaScript the forms still post. No
page may log an error or a CSP violation (the page_problems fixture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.models import Activity, Session
from tests import factories
from tests.frontend.test_browser import PASSWORD, log_in, open_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agenda(transactional_db):
    """A session not yet open with ten activities, none opened."""
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Mobility roadmap workshop")
    session = factories.make_session(event=event, title="Vision")
    activities = [
        factories.make_activity(session=session, title=f"Activity {n}") for n in range(1, 11)
    ]
    return session, activities


def order(session) -> list[int]:
    return list(
        Activity.objects.filter(session=session)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )


def card(page, activity):
    return page.locator(f"#activity-{activity.pk}")


def click_and_keep_focus(page, selector: str, becomes: str):
    """Click a command button: it (or its replacement, with the same id) says ``becomes``
    and still has the focus."""
    page.locator(selector).click()
    expect(page.locator(selector)).to_have_text(becomes)
    expect(page.locator(selector)).to_be_focused()


def test_commands_update_the_console_in_place(agenda, daphne_server, browser, page_problems):
    session, activities = agenda
    a1, a2, a3 = activities[:3]
    a8 = activities[7]
    context, console = open_console(browser, daphne_server.base_url, session, page_problems)
    console.set_viewport_size({"width": 1280, "height": 800})
    console.evaluate("window.__marker = 'still here'")
    navigations: list[str] = []
    console.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == console.main_frame else None,
    )

    # Compact cards: none expanded (nothing is current); they expand one at a time.
    expect(console.locator("details.activity-more[open]")).to_have_count(0)
    card(console, a1).locator("summary").click()
    expect(card(console, a1).locator("details")).to_have_attribute("open", "")
    card(console, a2).locator("summary").click()
    expect(card(console, a2).locator("details")).to_have_attribute("open", "")
    expect(console.locator("details.activity-more[open]")).to_have_count(1)
    # Ten activities, one expanded, fit in far less than the old page (about 8,000 px).
    height = console.locator("#agenda").evaluate("n => n.getBoundingClientRect().height")
    assert height < 2000, height

    # A session not yet open offers only "Open session".
    expect(console.locator('[data-part="session"] button')).to_have_text(["Open session"])
    click_and_keep_focus(console, "#cmd-session", "Close session")
    expect(console.locator("#announce")).to_have_text("Session opened.")
    expect(console.locator('[data-part="session"] button')).to_have_text(
        ["Close session", "Lock against new joiners"]
    )
    assert Session.objects.get(pk=session.pk).status == "open"

    # Parts that did not change are kept as they are (the same nodes).
    untouched = f'[data-part="head-{activities[8].pk}"]'
    console.locator(untouched).evaluate("n => { n.keptNode = true; }")
    click_and_keep_focus(console, "#cmd-lock", "Let new participants join")
    expect(console.locator("#announce")).to_have_text("Session locked: nobody new can join.")
    expect(console.locator(".session-state")).to_contain_text("locked against new joiners")
    assert Session.objects.get(pk=session.pk).locked

    click_and_keep_focus(console, "#cmd-panel-representation", "Take off the projector")
    expect(console.locator("#announce")).to_have_text("Shown on the projector.")
    assert "representation" in Session.objects.get(pk=session.pk).screen_panels

    # Opening an activity: its button becomes Close, its card is current and expanded.
    click_and_keep_focus(console, f"#cmd-status-{a3.pk}", "Close")
    expect(card(console, a3)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(card(console, a3).locator(".badge")).to_have_text("current")
    expect(card(console, a3)).to_have_attribute("aria-current", "step")
    expect(card(console, a3).locator("details")).to_have_attribute("open", "")
    expect(console.locator("details.activity-more[open]")).to_have_count(1)
    expect(console.locator("#announce")).to_have_text("Opened: participants see it now.")
    a3.refresh_from_db()
    assert a3.status == "open" and Session.objects.get(pk=session.pk).current_activity_id == a3.pk

    click_and_keep_focus(console, f"#cmd-reveal-{a3.pk}", "Hide from projector")
    expect(console.locator("#announce")).to_have_text("Results shown on the projector.")
    assert Activity.objects.get(pk=a3.pk).results_revealed
    assert console.locator(untouched).evaluate("n => n.keptNode === true")

    # The visibility form, sent live: the select and the button keep their places.
    card(console, a3).get_by_label("Participants see results").select_option("live")
    console.locator(f"#vis-save-{a3.pk}").click()
    expect(console.locator("#announce")).to_have_text("Result visibility saved.")
    expect(card(console, a3).locator(".activity-controls")).to_contain_text(
        "participants see results: live"
    )
    expect(console.locator(f"#vis-save-{a3.pk}")).to_be_focused()
    assert Activity.objects.get(pk=a3.pk).results_visibility == "live"

    # Reordering by keyboard: Alt+Arrow Up on the handle; the handle keeps the focus.
    handle = console.locator(f"#handle-{a3.pk}")
    handle.focus()
    console.keyboard.press("Alt+ArrowUp")
    expect(console.locator("#announce")).to_have_text("Moved: “Activity 3” is now number 2 of 10.")
    expect(console.locator("#agenda > li").nth(1)).to_have_id(f"activity-{a3.pk}")
    expect(handle).to_be_focused()
    assert order(session)[:3] == [a1.pk, a3.pk, a2.pk]

    # ... and by dragging a card's handle onto another card, whose place it takes.
    card(console, a3).locator("summary").click()  # collapsed again: both cards in view
    expect(console.locator("details.activity-more[open]")).to_have_count(0)
    console.locator(f"#handle-{a2.pk}").drag_to(card(console, a1))
    expect(console.locator("#agenda > li").first).to_have_id(f"activity-{a2.pk}")
    expect(console.locator("#announce")).to_have_text("Moved: “Activity 2” is now number 1 of 10.")
    assert order(session)[:3] == [a2.pk, a1.pk, a3.pk]
    # The moved card's results box is the same node room.js draws into.
    expect(card(console, a3).locator(f'[data-results-for="{a3.pk}"]')).to_have_count(1)

    # Scrolled down, a command keeps the card where it was on the screen.
    target = console.locator(f"#cmd-status-{a8.pk}")
    target.scroll_into_view_if_needed()
    console.evaluate("window.scrollBy(0, 200)")
    before = card(console, a8).evaluate("n => n.getBoundingClientRect().top")
    scrolled = console.evaluate("window.scrollY")
    assert scrolled > 0
    click_and_keep_focus(console, f"#cmd-status-{a8.pk}", "Close")
    expect(card(console, a8).locator("details")).to_have_attribute("open", "")
    expect(card(console, a8)).to_have_attribute("aria-current", "step")
    expect(card(console, a3)).not_to_have_attribute("aria-current", "step")
    after = card(console, a8).evaluate("n => n.getBoundingClientRect().top")
    assert abs(after - before) <= 2, (before, after)

    # Closing the session: the console says it has ended.
    console.locator("#cmd-session").scroll_into_view_if_needed()
    click_and_keep_focus(console, "#cmd-session", "Open the session again")
    expect(console.locator(".session-state .ended")).to_have_text(
        re.compile("This session has ended.")
    )
    expect(console.locator("#cmd-lock")).to_have_count(0)
    assert Session.objects.get(pk=session.pk).status == "closed"

    assert console.evaluate("window.__marker") == "still here"
    assert navigations == []
    context.close()


def test_without_javascript_the_command_forms_post(agenda, daphne_server, browser, page_problems):
    session, activities = agenda
    base = daphne_server.base_url
    context = browser.new_context(java_script_enabled=False)
    console = log_in(context, base, page_problems)
    console.goto(f"{base}/console/{session.code}/")
    expect(console.locator(".handle")).to_have_count(10)
    expect(console.locator(".handle").first).to_be_hidden()  # nothing to drag without script

    console.locator(f"#cmd-status-{activities[1].pk}").click()
    expect(console).to_have_url(re.compile(rf"/console/{session.code}/$"))
    expect(
        console.get_by_role("status").filter(has_text="Opened: participants see it now.")
    ).to_be_visible()
    expect(console.locator(f"#cmd-status-{activities[1].pk}")).to_have_text("Close")
    # The session opened with it: the console now offers closing and locking.
    expect(console.locator('[data-part="session"] button')).to_have_text(
        ["Close session", "Lock against new joiners"]
    )
    assert Activity.objects.get(pk=activities[1].pk).status == "open"
    assert Session.objects.get(pk=session.pk).status == "open"
    context.close()
