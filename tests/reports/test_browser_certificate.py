"""Certificates of participation in the system Chromium against a real Daphne process:
the invitee's personal page shows a QR code (read back from a screenshot, as a phone
camera would), an organiser opens the address it encodes and taps "Check in", and the
invitee's page then offers the certificate, downloaded and read back; the same person
signed in downloads it from "My certificates"; the organiser asks for everyone's in
French from the attendance list, a real tasks worker builds the PDF while the page
follows it, and the organiser downloads it. No page may log an error or a CSP
violation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from outreach.models import Attendance, Invitation
from people.models import ExportLog
from tests.factories import login_cookie, make_user
from tests.outreach.factories import make_person, make_process_world
from tests.servers import TasksWorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def invited(transactional_db):
    world = make_process_world()
    world.ana = make_person(name="Ana Invitee", stakeholder_group="policy")
    world.ana_user = make_user()
    world.ana.user = world.ana_user
    world.ana.save(update_fields=["user"])
    world.invitation = Invitation.objects.create(
        process=world.process, person=world.ana, event=world.event
    )
    return world


@pytest.fixture
def tasks_worker(transactional_db):
    worker = TasksWorkerProcess(interval=0.1).start()
    yield worker
    worker.stop()


def decode_qr(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, found
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


def pdf_pages(path: str | Path) -> list[str]:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def signed_in(browser, base: str, user, **options):
    context = browser.new_context(**options)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": login_cookie(user), "url": base}]
    )
    return context


def download(page, link) -> list[str]:
    with page.expect_download() as info:
        link.click()
    return pdf_pages(info.value.path())


def test_checked_in_by_qr_code_the_invitee_downloads_their_certificate(
    daphne_server, invited, browser, page_problems
):
    base = daphne_server.base_url
    invitation = invited.invitation

    # Before the event: the pass for the door, no certificate yet.
    invitee = browser.new_context(**PHONE).new_page()
    page_problems.watch(invitee)
    invitee.goto(f"{base}/i/{invitation.token}/")
    qr = invitee.locator("svg.qr")
    expect(qr).to_be_visible()
    certificate = invitee.get_by_role("link", name="Download your certificate of participation")
    expect(certificate).to_have_count(0)
    url = decode_qr(qr.screenshot())

    # At the door: the organiser's phone opens the QR code's address and checks them in.
    door = signed_in(browser, base, invited.organiser, **PHONE).new_page()
    page_problems.watch(door)
    door.goto(url)
    door.get_by_role("button", name="Check in").tap()
    expect(door.get_by_role("status").first).to_contain_text("Checked in: Ana Invitee at")
    assert Attendance.objects.get().mode == Attendance.Mode.IN_ROOM

    # After: the personal page offers the certificate.
    invitee.reload()
    expect(certificate).to_be_visible()
    (page,) = download(invitee, certificate)
    assert "Certificate of participation" in page
    assert "Ana Invitee" in page
    assert "took part in Nairobi forum in the room" in page

    # The same person, signed in: "My data" leads to "My certificates".
    account = signed_in(browser, base, invited.ana_user).new_page()
    page_problems.watch(account)
    account.goto(f"{base}/me/data/")
    account.get_by_role("link", name="My certificates").click()
    expect(account.get_by_role("heading", level=1)).to_have_text("My certificates")
    expect(account.get_by_role("heading", level=2)).to_have_text("Nairobi forum")
    link = account.get_by_role("link", name="Download certificate (PDF)")
    link.focus()
    expect(link).to_be_focused()
    (page,) = download(account, link)
    assert "Ana Invitee" in page and "Nairobi forum" in page


def test_the_organiser_prints_everyones_certificates_in_french(
    daphne_server, tasks_worker, invited, browser, page_problems
):
    base = daphne_server.base_url
    ben = make_person(name="王芳")
    Attendance.objects.create(
        invitation=invited.invitation, mode="in_room", checked_in_at="2026-12-01T08:00Z"
    )
    Attendance.objects.create(
        invitation=Invitation.objects.create(
            process=invited.process, person=ben, session=invited.session
        ),
        mode="remote",
        checked_in_at="2026-12-01T08:05Z",
    )
    page = signed_in(browser, base, invited.organiser, **PHONE).new_page()
    page_problems.watch(page)
    page.goto(f"{base}/processes/{invited.process.slug}/events/{invited.event.pk}/attendance")
    page.get_by_label("Language of the certificates").select_option("fr")
    page.get_by_role("button", name="Certificates (PDF)").tap()
    # The certificates' page follows the worker's build and offers the PDF once made.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Certificates of participation")
    link = page.get_by_role("link", name="Download the certificates (PDF)")
    expect(link).to_be_visible(timeout=60_000)
    expect(page.locator("#report-status")).to_contain_text("2 certificates in Français")
    assert ExportLog.objects.count() == 0
    link.focus()
    expect(link).to_be_focused()
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename == f"certificates-{invited.event.pk}-fr.pdf"
    pages = pdf_pages(info.value.path())
    assert len(pages) == 2
    assert "Ana Invitee" in pages[0] and "1 décembre 2026" in pages[0]
    assert "王芳" in pages[1]
    assert ExportLog.objects.get().rows == 2
