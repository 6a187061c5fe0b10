"""In the system Chromium against a real Daphne process (issue 18): the kinds' scripts
write percentages in the page's language (frontend/locale.js), and the time zone the
browser reports reaches the server through the cookie locale.js keeps, so the next page
shows the deadline in the reader's zone, named. No page may log an error or a CSP
violation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from consult.time_zone import TIME_ZONE_COOKIE
from sessions import services
from tests import factories
from tests.consult.factories import make_consultation
from tests.frontend.conftest import PageProblems
from tests.threads import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Pages:
    """New pages, each in its own browser context, watched for errors."""

    def __init__(self, chromium, base: str) -> None:
        self.chromium, self.base = chromium, base
        self.problems = PageProblems()
        self.contexts: list[Any] = []

    def new(self, **options: Any) -> Page:
        context = self.chromium.new_context(**options)
        self.contexts.append(context)
        page = context.new_page()
        self.problems.watch(page)
        return page


@pytest.fixture
def pages(transactional_db, module_daphne, chromium) -> Iterator[Pages]:
    pages = Pages(chromium, module_daphne.base_url)
    yield pages
    for context in pages.contexts:
        context.close()
    assert pages.problems.errors == []


def poll_with_votes():
    """A single-choice poll on the projector, results shown: 6 of 11 for "Cobalt"
    (54.5 %), 5 for "Lithium" (45.5 %)."""
    owner = factories.make_user(organiser=True)
    event = factories.make_event(owner=owner, title="Battery roadmap workshop")
    session = factories.make_session(event=event, title="Results")
    activity = factories.make_activity(
        session=session,
        kind="single_choice",
        title="Which first?",
        config={**factories.DEFAULT_CONFIGS["single_choice"], "options": ["Cobalt", "Lithium"]},
    )
    services.open_activity(activity=activity)
    services.reveal_results(activity=activity, revealed=True)
    for i in range(11):
        voter = factories.make_participant(session=session)
        services.perform_command(
            participant=voter,
            activity_id=activity.pk,
            action="vote",
            data=0 if i < 6 else 1,
            key="k",
        )
    return session


@pytest.mark.parametrize(
    ("locale", "lang", "shares"),
    [
        ("fr-FR", "fr", ["54,5\u202f%", "45,5\u202f%"]),
        ("es-ES", "es", ["54,5\u00a0%", "45,5\u00a0%"]),
        ("zh-CN", "zh-hans", ["54.5%", "45.5%"]),
        ("en-GB", "en", ["54.5 %", "45.5 %"]),
    ],
)
def test_the_poll_script_writes_percentages_in_the_page_language(pages, locale, lang, shares):
    session = in_thread(poll_with_votes)
    projector = pages.new(locale=locale, viewport={"width": 1280, "height": 720})
    projector.goto(f"{pages.base}/s/{session.code}/screen")
    expect(projector.locator("html")).to_have_attribute("lang", lang)
    cells = projector.locator("#results table.tally tbody td:nth-child(3)")
    expect(cells).to_have_count(2)
    assert cells.evaluate_all("tds => tds.map(td => td.textContent)") == shares


def test_the_browser_zone_reaches_the_server_through_the_cookie(pages):
    closes = dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC)
    consultation = in_thread(
        lambda: make_consultation(opens_at=closes - dt.timedelta(days=20), closes_at=closes)
    )
    page = pages.new(locale="es-ES", timezone_id="America/Santiago")
    path = reverse("consult:consultation", args=[consultation.process.slug, consultation.slug])
    url = f"{pages.base}{path}"
    page.goto(url)
    # The first page knows no zone yet: the organisers' (UTC).
    expect(page.locator(".time-zone")).to_contain_text("UTC")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[TIME_ZONE_COOKIE] == "America/Santiago"
    page.reload()
    expect(page.locator(".time-zone")).to_contain_text("America/Santiago")
    expect(page.locator("main")).to_contain_text("6 de diciembre de 2026 a las 12:30")
    # The scripts format times in the same zone and language.
    shown = page.evaluate("() => window.LiveLocale.time('2026-12-06T15:30:00Z')")
    assert shown == "12:30"
