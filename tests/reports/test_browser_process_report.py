"""The process report as an organiser meets it, on a phone: from the representation
page to "Prepare the report", built by a real tasks worker while the page follows it,
then its tables and chart, the PDF and the workbook downloaded and read back. The
programme report is reached from "My events"."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests import factories
from tests.consult.factories import make_member, make_process
from tests.representation.world import join, open_poll, vote
from tests.servers import TasksWorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def tasks_worker(transactional_db):
    worker = TasksWorkerProcess(interval=0.1).start()
    yield worker
    worker.stop()


def test_an_organiser_prepares_reads_and_downloads_the_process_report(
    daphne_server, tasks_worker, browser, page_problems
):
    owner = make_member(organiser=True)
    process = make_process(owner=owner)
    session = factories.make_session(
        event=factories.make_event(owner=owner, process=process, title="Kinshasa forum")
    )
    poll = open_poll(session)
    for _ in range(6):
        vote(poll, join(session, stakeholder_group="policy", country="CD"))
    base = daphne_server.base_url
    context = browser.new_context(locale="en-GB", **PHONE)
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
    page.goto(f"{base}/processes/{process.slug}/representation/")
    page.locator("#process-report-link").click()
    page.get_by_role("button", name="Prepare the report").click()
    expect(page.locator("#report-xlsx")).to_be_visible(timeout=60_000)

    report = page.locator("article.report")
    expect(report.get_by_role("heading", level=1)).to_have_text(f"Process report: {process.title}")
    events = report.locator("section").filter(
        has=page.get_by_role("heading", name="Events", exact=True)
    )
    expect(events.locator("tbody tr")).to_have_count(1)
    expect(events.locator("tbody tr")).to_contain_text("Kinshasa forum")
    chart = report.locator("figure.chart img").first
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    # The page does not get wider than the phone: wide tables scroll on their own.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    with page.expect_download() as download:
        page.locator("#report-pdf").click()
    with open(download.value.path(), "rb") as pdf:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert "Kinshasa forum" in text
    with page.expect_download() as download:
        page.locator("#report-xlsx").click()
    assert download.value.suggested_filename == f"process-report-{process.slug}-en.xlsx"
    with open(download.value.path(), "rb") as xlsx:
        book = load_workbook(io.BytesIO(xlsx.read()))
    assert book["Events"]["B3"].value == "Kinshasa forum"
    assert book["Events"]["E3"].value == 6  # joined live

    page.goto(f"{base}/dashboard/")
    page.locator("#programme-report-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme report")
