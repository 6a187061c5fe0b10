"""The workshop report as a facilitator meets it: asked for on its page, built by a real
tasks worker while the page says so, then shown with its charts (each an image whose
figures follow as a table), downloaded as a PDF, published and read by a participant
through the share link."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from sessions import services as session_services
from tests import factories
from tests.servers import TasksWorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tasks_worker(transactional_db):
    worker = TasksWorkerProcess(interval=0.1).start()
    yield worker
    worker.stop()


def test_a_facilitator_prepares_publishes_and_shares_the_report(
    daphne_server, tasks_worker, browser, page_problems
):
    owner = factories.make_user(organiser=True)
    session = factories.make_session(
        event=factories.make_event(owner=owner, title="Battery minerals forum"), title="Day 1"
    )
    poll = factories.make_activity(
        session=session, title="Which minerals first?", config={"options": ["Lithium", "Cobalt"]}
    )
    session_services.open_activity(activity=poll)
    for choice in (0, 1, 1):
        voter = factories.make_participant(session=session)
        session_services.perform_command(
            participant=voter, activity_id=poll.pk, action="vote", data=choice, key="k"
        )
    base = daphne_server.base_url
    context = browser.new_context(locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": factories.login_cookie(owner),
                "url": base,
            }
        ]
    )
    page = context.new_page()
    page_problems.watch(page)
    page.goto(f"{base}/console/{session.code}/")
    page.locator("#workshop-report").click()
    expect(page).to_have_url(re.compile(f"/console/{session.code}/report$"))
    page.get_by_role("button", name="Prepare the report").click()
    # The worker builds it; the page follows and shows it when it is ready.
    expect(page.locator("#report-pdf")).to_be_visible(timeout=60_000)
    report = page.locator("article.report")
    expect(report.get_by_role("heading", name="Battery minerals forum")).to_be_visible()
    expect(report.get_by_role("heading", name="1. Which minerals first?")).to_be_visible()
    chart = report.locator("figure.chart img").first
    expect(chart).to_have_attribute("alt", re.compile("The figures are in the table below"))
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(report.locator("figure.chart table.figures").first).to_contain_text("Cobalt")

    with page.expect_download() as download:
        page.locator("#report-pdf").click()
    assert download.value.suggested_filename == f"report-{session.code}-en.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.locator("#report-publish").click()
    link = page.locator("#report-share")
    expect(link).to_be_visible()
    shared = link.get_attribute("href")

    # A participant (no account) reads it through the link.
    reader = browser.new_context().new_page()
    page_problems.watch(reader)
    reader.goto(f"{base}{shared}")
    expect(reader.get_by_role("heading", name="1. Which minerals first?")).to_be_visible()
    expect(reader.locator("#report-pdf")).to_be_visible()
