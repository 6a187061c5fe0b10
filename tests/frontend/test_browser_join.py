"""The one-tap join on a phone, in the system Chromium against a real Daphne process:
the code field has the focus, the profile is one short screen whose button is in view
without scrolling, the optional rest opens with the keyboard, and the room links to the
profile to change it later."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sessions.models import Participant
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True}


def assert_in_view_without_scrolling(page, locator) -> None:
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["y"] >= 0 and box["x"] >= 0
    assert box["y"] + box["height"] <= viewport["height"], (box, viewport)
    assert box["x"] + box["width"] <= viewport["width"], (box, viewport)


@pytest.fixture
def live_session(transactional_db):
    event = factories.make_event(title="Mobility roadmap workshop")
    return factories.make_session(event=event, title="Vision for critical raw materials 2050")


def test_a_phone_joins_in_one_short_screen_and_edits_the_profile_from_the_room(
    daphne_server, live_session, browser, page_problems
):
    base = daphne_server.base_url
    code = live_session.code
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page_problems.watch(page)

    # The join page: the code field has the focus; typing and Enter is all it takes.
    page.goto(f"{base}/join")
    code_field = page.get_by_label("Session code")
    expect(code_field).to_be_focused()
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/j/{code}")

    # One short screen: the button to enter is in view without scrolling.
    enter = page.get_by_role("button", name="Enter the session")
    expect(enter).to_be_visible()
    assert_in_view_without_scrolling(page, enter)
    expect(page.get_by_label("Country")).to_be_hidden()  # "more about me" is skippable

    # The optional rest opens with the keyboard.
    page.get_by_label("Your name as others see it").fill("Ana")
    page.get_by_label("Stakeholder group").select_option("civil_society")
    page.get_by_text("More about me (optional)").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Country")).to_be_visible()
    page.get_by_label("Country").select_option("BR")
    enter.click()
    expect(page).to_have_url(re.compile(f"/s/{code}/$"))
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    expect(page.locator("header")).to_contain_text("Ana")

    # Later, from the room: the profile, filled in, to change.
    page.get_by_role("link", name="Edit my profile").click()
    expect(page.get_by_label("Your name as others see it")).to_have_value("Ana")
    expect(page.get_by_label("Country")).to_have_value("BR")
    page.get_by_label("Your name as others see it").fill("Ana M.")
    page.get_by_label("Sector").select_option("mobility")
    page.get_by_role("button", name="Save my profile").click()
    expect(page).to_have_url(re.compile(f"/s/{code}/$"))
    expect(page.get_by_role("status").first).to_contain_text("Your profile is saved.")
    expect(page.locator("header")).to_contain_text("Ana M.")
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    participant = Participant.objects.get(session=live_session)
    assert (participant.display_name, participant.country.code, participant.sector) == (
        "Ana M.",
        "BR",
        "mobility",
    )
    context.close()


def test_a_phone_sees_a_locked_session_before_any_form(
    daphne_server, live_session, browser, page_problems
):
    live_session.locked = True
    live_session.save(update_fields=["locked"])
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page_problems.watch(page)
    page.goto(f"{daphne_server.base_url}/j/{live_session.code}")
    expect(page.get_by_role("alert")).to_have_text(
        "This session is not accepting new participants."
    )
    expect(page.get_by_role("button", name="Enter the session")).to_have_count(0)
    expect(page.get_by_label("Your name as others see it")).to_have_count(0)
    context.close()
