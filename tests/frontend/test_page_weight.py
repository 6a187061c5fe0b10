"""The participant page stays light for weak mobile networks: at most 60 KB compressed
on first load (HTML, CSS and JS together, the translation catalogue included), in every
language of the interface, measured in Chromium."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests import factories
from tests.frontend.first_load import record_first_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 60 * 1024
# Each interface language, as the browser locale that asks for it.
LOCALES = {"en": "en-GB", "es": "es-ES", "fr": "fr-FR", "pt": "pt-BR", "zh-hans": "zh-CN"}


@pytest.fixture
def joined_room(transactional_db):
    session = factories.make_session()
    factories.make_activity(session=session, kind="ranking", open=True)
    return session


@pytest.mark.parametrize("language", LOCALES)
def test_participant_room_first_load_is_under_budget(
    language, joined_room, daphne_server, browser, page_problems
):
    session = joined_room
    base = daphne_server.base_url
    context = browser.new_context(locale=LOCALES[language])
    page = context.new_page()
    page_problems.watch(page)
    # Join through the page, so the room itself is the first load measured below.
    page.goto(f"{base}/j/{session.code}")
    with translation.override(language):
        enter = gettext("Enter the session")
    page.get_by_role("button", name=enter).click()
    expect(page.locator("body")).to_have_attribute("data-status", "live")

    fresh = browser.new_context(locale=LOCALES[language])
    fresh.add_cookies(context.cookies())
    room = fresh.new_page()
    page_problems.watch(room)
    load = record_first_load(fresh, room)

    room.goto(f"{base}/s/{session.code}/", wait_until="load")
    expect(room.locator("body")).to_have_attribute("data-status", "live")
    expect(room.locator("html")).to_have_attribute("lang", language)
    expect(room.locator("ol.ranking li")).to_have_count(3)

    loaded = load.loaded
    assert any(u.endswith(f"/s/{session.code}/") for u in loaded)
    assert any(".js" in u for u in loaded) and any(".css" in u for u in loaded)
    assert load.total <= BUDGET, f"first load transferred {load.total} bytes: {loaded}"
    load.assert_compressed(".js", ".css", "/")
    print(f"participant room first load ({language}): {load.total} bytes, {load.requests} requests")
    context.close()
    fresh.close()
