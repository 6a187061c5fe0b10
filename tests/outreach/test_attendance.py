"""Attendance: the check-in code of a personal link (signed, not the link's token), the
check-in at the door (once), remote attendance recorded when an invitee joins the live
session, and an event's attendance list with its CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from outreach import attendance as att
from outreach import services
from outreach.models import Attendance, Invitation
from people import services as people_services
from people.models import ExportLog
from tests.consult.factories import make_member
from tests.factories import make_event, make_session
from tests.outreach.factories import make_person, make_process_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = make_process_world()
    w.ana = make_person(name="Ana Invitee", stakeholder_group="policy", country="KE")
    w.ben = make_person(name="Ben Remote", stakeholder_group="civil_society")
    w.cleo = make_person(name="=Cleo Formula", stakeholder_group="industry")
    org = people_services.create_organisation(name="Ministry of Mining", country="KE")
    people_services.add_affiliation(person=w.ana, organisation=org, role="Director")
    now = timezone.now()
    w.ana_event = Invitation.objects.create(
        process=w.process, person=w.ana, event=w.event, sent_at=now
    )
    w.ben_session = Invitation.objects.create(
        process=w.process, person=w.ben, session=w.session, sent_at=now
    )
    w.cleo_event = Invitation.objects.create(
        process=w.process, person=w.cleo, event=w.event, sent_at=now
    )
    w.ana_consultation = Invitation.objects.create(
        process=w.process, person=w.ana, consultation=w.consultation, sent_at=now
    )
    return w


def join(invitation: Invitation):
    return services.join_from_invitation(
        invitation=invitation,
        display_name=invitation.person.name,
        stakeholder_group=invitation.person.stakeholder_group,
        country="",
        sector="",
        gender="",
        organisation="",
    )


# --------------------------------------------------------------------------- the code


def test_the_code_names_the_invitation_and_is_not_its_token(world):
    code = att.checkin_code(world.ana_event)
    assert re.fullmatch(rf"{world.ana_event.pk}-[A-Z2-7]{{10}}", code)
    assert world.ana_event.token not in code
    assert att.invitation_for_code(code) == world.ana_event
    # Typed by hand in lower case with spaces, or the whole address pasted.
    assert att.invitation_for_code(f" {code[:4].lower()} {code[4:]} ") == world.ana_event
    assert att.invitation_for_code(code.lower()) == world.ana_event
    assert att.invitation_for_code(f"https://example.org/checkin/{code}/") == world.ana_event


def test_a_forged_or_borrowed_code_names_nothing(world):
    code = att.checkin_code(world.ana_event)
    pk, signature = code.split("-")
    forged = f"{pk}-{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert att.invitation_for_code(forged) is None
    # Another invitation's signature with this id.
    other_signature = att.checkin_code(world.cleo_event).split("-")[1]
    assert att.invitation_for_code(f"{pk}-{other_signature}") is None
    assert att.invitation_for_code("") is None
    assert att.invitation_for_code(world.ana_event.token) is None
    # A consultation has no door.
    assert att.invitation_for_code(att.checkin_code(world.ana_consultation)) is None


# --------------------------------------------------------------------------- services


def test_checking_in_twice_records_one_attendance(world):
    first = att.check_in(invitation=world.ana_event, by=world.organiser)
    second = att.check_in(invitation=world.ana_event, by=world.owner)
    assert first.done_now and not second.done_now
    assert second.attendance.pk == first.attendance.pk
    row = Attendance.objects.get()
    assert (row.invitation, row.mode, row.checked_in_by) == (
        world.ana_event,
        Attendance.Mode.IN_ROOM,
        world.organiser,
    )


def test_joining_the_live_session_from_the_invitation_records_remote_attendance(world):
    participant = join(world.ben_session)
    assert participant.person == world.ben
    row = Attendance.objects.get()
    assert (row.invitation, row.mode, row.checked_in_by) == (
        world.ben_session,
        Attendance.Mode.REMOTE,
        None,
    )
    # Joining again (another device) adds nothing.
    assert att.record_remote(invitation=world.ben_session) is None
    assert Attendance.objects.count() == 1
    # Checked in at the door afterwards: in the room now, still one row.
    result = att.check_in(invitation=world.ben_session, by=world.organiser)
    assert result.done_now
    row.refresh_from_db()
    assert (row.mode, row.checked_in_by) == (Attendance.Mode.IN_ROOM, world.organiser)
    assert Attendance.objects.count() == 1


def test_joining_after_the_check_in_keeps_the_person_in_the_room(world):
    att.check_in(invitation=world.ben_session, by=world.organiser)
    join(world.ben_session)
    assert list(Attendance.objects.values_list("mode", flat=True)) == ["in_room"]


# --------------------------------------------------------------------------- pages


def test_the_personal_link_shows_the_qr_code_and_the_code(client, world):
    response = client.get(reverse("outreach:invitation", args=[world.ana_event.token]))
    body = response.content.decode()
    code = att.checkin_code(world.ana_event)
    assert response.status_code == 200
    assert re.search(r"<svg [^>]*class=\"qr\"", body) and "QR code to check in at the door" in body
    assert f'<span class="checkin-code">{code}</span>' in body
    # A session invitation too; not a consultation, not a webinar.
    body = client.get(reverse("outreach:invitation", args=[world.ben_session.token])).content
    assert att.checkin_code(world.ben_session).encode() in body
    body = client.get(reverse("outreach:invitation", args=[world.ana_consultation.token])).content
    assert b'class="qr"' not in body
    webinar = Invitation.objects.create(
        process=world.process, person=world.ben, event=world.webinar
    )
    body = client.get(reverse("outreach:invitation", args=[webinar.token])).content
    assert b'class="qr"' not in body


def test_the_check_in_page_names_the_person_and_checks_in_once(client, world):
    client.force_login(world.organiser)
    url = reverse("outreach:checkin", args=[att.checkin_code(world.ana_event)])
    page = client.get(url).content.decode()
    assert "Ana Invitee" in page and "Nairobi forum" in page
    assert re.search(
        r'<button type="submit" class="checkin-button" autofocus>Check in</button>', page
    )
    response = client.post(url, follow=True)
    at = att.local_time(world.event, Attendance.objects.get().checked_in_at).strftime("%H:%M")
    assert f"Checked in: Ana Invitee at {at}." in response.content.decode()
    assert f"Checked in at {at}." in response.content.decode()
    response = client.post(url, follow=True)
    assert f"Ana Invitee was already checked in at {at}." in response.content.decode()
    assert Attendance.objects.count() == 1


def test_the_check_in_page_refuses_forged_codes_members_and_strangers(client, world):
    url = reverse("outreach:checkin", args=[att.checkin_code(world.ana_event)])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(make_member(password=None))
    assert client.post(url).status_code == 403
    client.force_login(world.organiser)
    forged = reverse("outreach:checkin", args=[f"{world.ana_event.pk}-AAAAAAAAAA"])
    assert client.get(forged).status_code == 404
    assert client.post(forged).status_code == 404
    assert not Attendance.objects.exists()


def test_a_typed_code_opens_the_check_in_page(client, world):
    client.force_login(world.organiser)
    url = reverse("outreach:event_checkin", args=[world.process.slug, world.event.pk])
    assert 'name="code"' in client.get(url).content.decode()
    code = att.checkin_code(world.ben_session)  # a session of this event
    response = client.get(url, {"code": code.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:checkin", args=[code])
    response = client.get(url, {"code": f"{world.ana_event.pk}-AAAAAAAAAA"})
    assert response.status_code == 400 and b"This code is not valid" in response.content
    other = make_event(owner=world.event.owner, process=world.process, title="Lima forum")
    response = client.get(
        reverse("outreach:event_checkin", args=[world.process.slug, other.pk]), {"code": code}
    )
    assert response.status_code == 400 and b"This code is for another event." in response.content


def _attended(world):
    att.check_in(invitation=world.ana_event, by=world.organiser)
    att.check_in(invitation=world.cleo_event, by=world.organiser)
    join(world.ben_session)


def test_the_attendance_list_by_mode(client, world):
    _attended(world)
    client.force_login(world.organiser)
    url = reverse("outreach:attendance", args=[world.process.slug, world.event.pk])
    page = client.get(url).content.decode()
    assert page.index("Ana Invitee") < page.index("Ben Remote")  # in the room first
    assert "Ministry of Mining" in page
    page = client.get(url, {"mode": "remote"}).content.decode()
    assert "Ben Remote" in page and "Ana Invitee" not in page


def test_the_attendance_list_as_csv_and_xlsx_is_logged(client, world):
    _attended(world)
    client.force_login(world.organiser)
    url = reverse("outreach:attendance", args=[world.process.slug, world.event.pk])
    times = {
        a.invitation.person.name: att.local_time(world.event, a.checked_in_at).strftime(
            "%Y-%m-%d %H:%M"
        )
        for a in Attendance.objects.select_related("invitation__person")
    }
    response = client.get(url, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["name", "organisation", "stakeholder_group", "mode", "checked_in_at"],
        ["Ana Invitee", "Ministry of Mining", "policy", "in_room", times["Ana Invitee"]],
        ["'=Cleo Formula", "", "industry", "in_room", times["=Cleo Formula"]],
        ["Ben Remote", "", "civil_society", "remote", times["Ben Remote"]],
    ]
    response = client.get(url, {"format": "xlsx", "mode": "remote"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells == [
        ["Name", "Organisation", "Stakeholder group", "Attendance", "Time"],
        ["Ben Remote", None, "Civil society / NGO", "Remote", times["Ben Remote"]],
    ]
    logs = list(ExportLog.objects.order_by("pk").values_list("user", "what", "rows", "scope"))
    assert logs == [
        (
            world.organiser.pk,
            "attendance list (csv): Nairobi forum",
            3,
            f"process:{world.process.pk}",
        ),
        (
            world.organiser.pk,
            "attendance list (xlsx, remote): Nairobi forum",
            1,
            f"process:{world.process.pk}",
        ),
    ]
    # Only the organisers.
    client.force_login(make_member(password=None))
    assert client.get(url, {"format": "csv"}).status_code == 403
    assert ExportLog.objects.count() == 2


def test_a_person_invited_to_the_event_and_its_session_counts_once(world):
    both = Invitation.objects.create(process=world.process, person=world.ana, session=world.session)
    join(both)
    att.check_in(invitation=world.ana_event, by=world.organiser)
    rows = att.attendance_rows(event=world.event)
    assert [(r["name"], r["mode"]) for r in rows] == [("Ana Invitee", "in_room")]


def test_an_event_of_another_process_has_no_list_here(client, world):
    client.force_login(world.organiser)
    elsewhere = make_event(title="Elsewhere")
    make_session(event=elsewhere)
    url = reverse("outreach:attendance", args=[world.process.slug, elsewhere.pk])
    assert client.get(url).status_code == 404
