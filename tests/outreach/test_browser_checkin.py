"""Check-in at the door, in the system Chromium against a real Daphne process: the
invitee's personal page shows a QR code (read back from a screenshot of it, as a phone
camera would), and an organiser signed in on another browser opens the address it
encodes and taps "Check in". No page may log an error or a CSP violation."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from outreach.attendance import checkin_code
from outreach.models import Attendance, Invitation
from tests.factories import login_cookie
from tests.outreach.factories import make_person, make_process_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def invited(transactional_db):
    world = make_process_world()
    ana = make_person(name="Ana Invitee", stakeholder_group="policy")
    world.invitation = Invitation.objects.create(
        process=world.process, person=ana, event=world.event
    )
    return world


def decode_qr(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, found
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


def test_the_organiser_scans_the_invitees_qr_code_and_checks_them_in(
    daphne_server, invited, browser, page_problems
):
    base = daphne_server.base_url
    invitation = invited.invitation

    # The invitee's personal page: the QR code and the code beside it.
    invitee = browser.new_context(**PHONE).new_page()
    page_problems.watch(invitee)
    invitee.goto(f"{base}/i/{invitation.token}/")
    qr = invitee.locator("svg.qr")
    expect(qr).to_be_visible()
    code = checkin_code(invitation)
    expect(invitee.locator(".checkin-code")).to_have_text(code)
    url = decode_qr(qr.screenshot())
    assert url == f"{base}/checkin/{code}"
    assert invitation.token not in url

    # The organiser's phone opens the address: the person, the event, one big button.
    context = browser.new_context(**PHONE)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": login_cookie(invited.organiser),
                "url": base,
            }
        ]
    )
    door = context.new_page()
    page_problems.watch(door)
    door.goto(url)
    expect(door.get_by_role("heading", level=1)).to_have_text("Ana Invitee")
    expect(door.locator("main")).to_contain_text("Nairobi forum")
    button = door.get_by_role("button", name="Check in")
    expect(button).to_be_focused()
    button.tap()
    expect(door.get_by_role("status").first).to_contain_text("Checked in: Ana Invitee at")
    expect(door.locator(".checked-in")).to_contain_text("Checked in at")
    expect(door.get_by_role("button", name="Check in")).to_have_count(0)

    attendance = Attendance.objects.get()
    assert (attendance.invitation_id, attendance.mode, attendance.checked_in_by_id) == (
        invitation.pk,
        Attendance.Mode.IN_ROOM,
        invited.organiser.pk,
    )
