"""Certificates of participation (reports/certificates.py and certificate_views.py): what
the PDF says, one page per attendee in the attendance list's order, the language, the
organisers' PDF built by the tasks worker (its build called directly here), and the
refusals."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from consult.models import ProcessRole
from outreach.models import Attendance, Invitation
from people.models import ExportLog, Person
from reports import certificates as cert
from reports.models import CertificateBatch
from tests.consult.factories import make_member, make_process
from tests.factories import make_event, make_session, make_user
from tests.outreach.factories import make_person, make_process_world
from tests.reports.test_pdf import font_names

pytestmark = pytest.mark.django_db

CHINESE_NAME = "王芳"
CHINESE_TITLE = "负责任矿产采购路线图研讨会"
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- helpers


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, its line breaks as spaces."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def attend(
    invitation: Invitation, *, mode: str = Attendance.Mode.IN_ROOM, minutes: int = 0
) -> Attendance:
    """An attendance of ``invitation``, ``minutes`` after 08:00 on the event's first day."""
    return Attendance.objects.create(
        invitation=invitation, mode=mode, checked_in_at=T0 + dt.timedelta(minutes=minutes)
    )


def invite(world, person: Person, *, to=None) -> Invitation:
    to = to if to is not None else world.event
    kind = "session" if type(to).__name__ == "Session" else "event"
    return Invitation.objects.create(process=world.process, person=person, **{kind: to})


def link(person: Person, user) -> None:
    person.user = user
    person.save(update_fields=["user"])


@pytest.fixture
def world():
    w = make_process_world()
    w.event.starts_on, w.event.ends_on = dt.date(2026, 3, 5), dt.date(2026, 3, 6)
    w.event.save(update_fields=["starts_on", "ends_on"])
    w.event.owner.first_name, w.event.owner.last_name = "Grace", "Organiser"
    w.event.owner.save(update_fields=["first_name", "last_name"])
    w.ana = make_person(name="Ana Invitee")
    w.ana_user = make_user()
    link(w.ana, w.ana_user)
    w.ana_inv = invite(w, w.ana)
    return w


# --------------------------------------------------------------------------- the PDF


def test_a_certificate_says_who_took_part_in_what_how_when_and_who_organised_it(world):
    attendance = attend(world.ana_inv)
    pdf = cert.certificate_pdf(
        attendances=[attendance], language="en", issued_on=dt.date(2026, 3, 9)
    )
    (text,) = pages_text(pdf)
    assert text.startswith("Certificate of participation This certifies that Ana Invitee")
    assert "took part in Nairobi forum in the room" in text
    assert "5 March 2026 \u2013 6 March 2026" in text
    assert f"part of {world.process.title}" in text
    assert "Grace Organiser" in text
    assert "Issued on 9 March 2026" in text
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    # A4 landscape, in points.
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_a_remote_attendee_took_part_remotely_and_the_username_stands_for_a_nameless_owner(
    world,
):
    world.event.owner.first_name = world.event.owner.last_name = ""
    world.event.owner.save(update_fields=["first_name", "last_name"])
    attendance = attend(invite(world, world.ana, to=world.session), mode=Attendance.Mode.REMOTE)
    (text,) = pages_text(cert.certificate_pdf(attendances=[attendance], language="en"))
    assert "took part in Nairobi forum remotely" in text
    assert "in the room" not in text
    assert world.event.owner.username in text


def test_chinese_names_and_titles_are_drawn(world):
    world.event.title = CHINESE_TITLE
    world.event.save(update_fields=["title"])
    wang = make_person(name=CHINESE_NAME)
    attendance = attend(invite(world, wang))
    pdf = cert.certificate_pdf(attendances=[attendance], language="zh-hans")
    (text,) = pages_text(pdf)
    assert CHINESE_NAME in text
    assert CHINESE_TITLE in text
    assert "2026年3月5日" in text
    assert any("WenQuanYi" in name or "CJK" in name for name in font_names(pdf))


def test_the_language_writes_the_dates_and_tags_the_document():
    # Month names come from Django's own catalogues: no project translation needed.
    event = SimpleNamespace(starts_on=dt.date(2026, 3, 5), ends_on=dt.date(2026, 3, 5))
    found = {}
    for language in ("en", "fr", "es", "zh-hans"):
        with translation.override(language):
            found[language] = cert._dates(event)
    assert found == {
        "en": "5 March 2026",
        "fr": "5 mars 2026",
        "es": "5 de marzo de 2026",
        "zh-hans": "2026年3月5日",
    }


def test_the_document_is_in_the_chosen_language(world):
    attendance = attend(world.ana_inv)
    html = cert.certificate_html(attendances=[attendance], language="fr")
    assert '<html lang="fr">' in html
    assert "5 mars 2026 \u2013 6 mars 2026" in html
    (text,) = pages_text(cert.certificate_pdf(attendances=[attendance], language="es"))
    assert "5 de marzo de 2026 \u2013 6 de marzo de 2026" in text


def test_the_event_title_is_escaped(world):
    world.event.title = "<b>Forum</b> & lab"
    world.event.save(update_fields=["title"])
    html = cert.certificate_html(attendances=[attend(world.ana_inv)], language="en")
    assert "&lt;b&gt;Forum&lt;/b&gt; &amp; lab" in html
    assert "<b>Forum" not in html


def test_over_the_limit_the_pdf_is_refused(world, monkeypatch):
    monkeypatch.setattr(cert, "MAX_BULK", 1)
    attendances = [attend(world.ana_inv), attend(invite(world, make_person()))]
    with pytest.raises(cert.TooMany):
        cert.certificate_pdf(attendances=attendances, language="en")


# --------------------------------------------------------------------------- selectors


def test_bulk_has_one_page_per_attendee_in_the_order_of_the_attendance_list(world):
    ben, chen, dora = (make_person(name=n) for n in ("Ben Later", "Chen Remote", "Dora First"))
    attend(invite(world, ben), minutes=30)
    attend(invite(world, chen, to=world.session), mode=Attendance.Mode.REMOTE, minutes=1)
    attend(invite(world, dora), minutes=5)
    # Ana joined the session remotely first, then was checked in: once, in the room.
    attend(invite(world, world.ana, to=world.session), mode=Attendance.Mode.REMOTE, minutes=2)
    attend(world.ana_inv, minutes=10)
    # Someone at another event of the process is not on this event's certificates.
    other = make_event(owner=world.event.owner, process=world.process, title="Other")
    attend(invite(world, make_person(name="Elsewhere"), to=other))

    attendances = cert.event_certificates(event=world.event)
    names = [a.invitation.person.name for a in attendances]
    assert names == ["Dora First", "Ana Invitee", "Ben Later", "Chen Remote"]
    pages = pages_text(cert.certificate_pdf(attendances=attendances, language="en"))
    assert len(pages) == 4
    for name, page in zip(names, pages, strict=True):
        assert name in page
    assert "in the room" in pages[1] and "remotely" in pages[3]
    remote = cert.event_certificates(event=world.event, mode=Attendance.Mode.REMOTE)
    assert [a.invitation.person.name for a in remote] == ["Chen Remote"]


def test_my_certificates_one_per_event_newest_first(world):
    later = make_event(
        owner=world.event.owner,
        process=world.process,
        title="Lisbon lab",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2026, 9, 1),
    )
    attend(world.ana_inv)
    attend(invite(world, world.ana, to=world.session), mode=Attendance.Mode.REMOTE)
    attend(invite(world, world.ana, to=later), mode=Attendance.Mode.REMOTE)
    attend(invite(world, make_person(name="Someone else")))
    found = cert.certificates_of(user=world.ana_user)
    assert [(cert.attended_event(a).title, a.mode) for a in found] == [
        ("Lisbon lab", "remote"),
        ("Nairobi forum", "in_room"),
    ]
    assert cert.certificates_of(user=make_user()) == []


def test_language_values():
    assert cert.language_of("", default="fr") == "fr"
    assert cert.language_of("zh-hans", default="en") == "zh-hans"
    assert cert.language_of("ES", default="en") == "es"
    assert cert.language_of("xx", default="en") is None
    assert cert.language_of("fr-ca", default="en") is None


# --------------------------------------------------------------------------- pages


def test_the_attendee_downloads_their_own_certificate_from_their_account(world, client):
    attendance = attend(world.ana_inv)
    client.force_login(world.ana_user)
    page = client.get(reverse("certificates:mine"))
    assert page.status_code == 200
    body = page.content.decode()
    url = reverse("certificates:mine_pdf", args=[attendance.pk])
    assert "Nairobi forum" in body and f'href="{url}"' in body
    assert "Download certificate (PDF)" in body
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    (text,) = pages_text(response.content)
    assert "Ana Invitee" in text and "Nairobi forum" in text


def test_the_account_page_follows_the_request_language(world, client):
    attendance = attend(world.ana_inv)
    client.force_login(world.ana_user)
    response = client.get(
        reverse("certificates:mine_pdf", args=[attendance.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 200
    assert "5 de marzo de 2026" in pages_text(response.content)[0]


def test_someone_elses_attendance_is_not_found(world, client):
    ben = make_person(name="Ben Other")
    theirs = attend(invite(world, ben))
    client.force_login(world.ana_user)
    response = client.get(reverse("certificates:mine_pdf", args=[theirs.pk]))
    assert response.status_code == 404
    assert "Ben Other" not in response.content.decode()
    missing = client.get(reverse("certificates:mine_pdf", args=[theirs.pk + 1000]))
    assert missing.status_code == 404
    # The same words for both: the ids reveal nothing.
    assert "You have no certificate at this address." in response.content.decode()
    assert "You have no certificate at this address." in missing.content.decode()


@pytest.mark.parametrize("linked", [True, False])
def test_the_account_page_says_when_there_is_nothing(world, client, linked):
    user = world.ana_user if linked else make_user()
    client.force_login(user)
    response = client.get(reverse("certificates:mine"))
    assert response.status_code == 200
    assert "No attendance recorded yet" in response.content.decode()
    assert "Download certificate" not in response.content.decode()


def test_the_personal_link_shows_and_serves_the_certificate_once_attended(world, client):
    personal = reverse("outreach:invitation", args=[world.ana_inv.token])
    url = reverse("certificates:invitation_pdf", args=[world.ana_inv.token])
    assert url == f"/i/{world.ana_inv.token}/certificate.pdf"
    assert "certificate of participation" not in client.get(personal).content.decode()
    missing = client.get(url)
    assert missing.status_code == 404
    assert "There is no certificate yet" in missing.content.decode()

    attend(world.ana_inv)
    body = client.get(personal).content.decode()
    assert "Download your certificate of participation" in body
    assert f'href="{url}"' in body
    response = client.get(url)
    assert response.status_code == 200
    (text,) = pages_text(response.content)
    assert "Ana Invitee" in text and "Nairobi forum in the room" in text


def test_an_unknown_token_is_not_found(client):
    response = client.get(reverse("certificates:invitation_pdf", args=["no-such-token"]))
    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()


# --------------------------------------------------------------------------- organisers' PDF


def bulk_url(world, name: str = "event_certificates", **query) -> str:
    url = reverse(f"certificates:{name}", args=[world.process.slug, world.event.pk])
    return f"{url}?{urlencode(query)}" if query else url


def build(batch: CertificateBatch) -> bool:
    """What the tasks worker runs for ``batch`` (reports.tasks.build_certificates)."""
    return cert.build_certificates(batch_id=batch.pk, generation=batch.generation)


def test_organisers_have_the_worker_build_everyones_certificates_and_downloads_are_logged(
    world, client, django_capture_on_commit_callbacks
):
    attend(world.ana_inv, minutes=5)
    attend(invite(world, make_person(name="Ben Second")), minutes=9)
    attend(invite(world, make_person(name="Chen Remote"), to=world.session), mode="remote")
    client.force_login(world.organiser)
    page = client.get(reverse("outreach:attendance", args=[world.process.slug, world.event.pk]))
    body = page.content.decode()
    assert "Certificates (PDF)" in body
    assert f'method="post" action="{bulk_url(world)}"' in body

    before = client.get(bulk_url(world))
    assert before.status_code == 200
    assert "3 people attended." in before.content.decode()
    assert client.get(bulk_url(world, "event_status")).status_code == 404
    assert client.get(bulk_url(world, "event_pdf")).status_code == 404

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(bulk_url(world), {"language": "fr", "mode": ""})
    assert response.status_code == 302 and response["Location"] == bulk_url(world)
    assert len(callbacks) == 1
    batch = CertificateBatch.objects.get()
    assert (batch.event, batch.mode, batch.language, batch.status, batch.requested_by) == (
        world.event,
        "",
        "fr",
        "queued",
        world.organiser,
    )
    (job,) = DBTaskResult.objects.all()
    assert job.task_path == "reports.tasks.build_certificates"
    assert job.args_kwargs["kwargs"] == {"batch_id": batch.pk, "generation": batch.generation}
    status = client.get(bulk_url(world, "event_status")).json()
    assert (status["status"], status["generation"]) == ("queued", batch.generation)
    queued = client.get(bulk_url(world)).content.decode()
    assert f'data-status-url="{bulk_url(world, "event_status")}"' in queued
    assert 'id="report-progress"' in queued
    assert client.get(bulk_url(world, "event_pdf")).status_code == 404
    assert ExportLog.objects.count() == 0

    assert build(batch)
    batch.refresh_from_db()
    assert (batch.status, batch.progress, batch.content) == ("ready", 100, {"count": 3})
    assert client.get(bulk_url(world, "event_status")).json()["status"] == "ready"
    ready = client.get(bulk_url(world)).content.decode()
    assert "3 certificates in Français" in ready
    assert f'href="{bulk_url(world, "event_pdf")}" id="report-pdf"' in ready

    response = client.get(bulk_url(world, "event_pdf"))
    assert response.status_code == 200
    assert f'filename="certificates-{world.event.pk}-fr.pdf"' in response["Content-Disposition"]
    pages = pages_text(response.content)
    assert len(pages) == 3
    assert ["Ana Invitee" in pages[0], "Ben Second" in pages[1], "Chen Remote" in pages[2]] == [
        True
    ] * 3
    assert "5 mars 2026" in pages[0]
    log = ExportLog.objects.get()
    assert (log.user, log.rows, log.scope) == (world.organiser, 3, f"process:{world.process.pk}")
    assert "certificates" in log.what and "Nairobi forum" in log.what

    # Those who took part remotely: a batch of their own, beside everyone's.
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(bulk_url(world), {"language": "en", "mode": "remote"})
    assert response["Location"] == bulk_url(world, mode="remote")
    remote = CertificateBatch.objects.get(mode="remote")
    assert build(remote)
    response = client.get(bulk_url(world, "event_pdf", mode="remote"))
    (only,) = pages_text(response.content)
    assert "Chen Remote" in only and "remotely" in only
    assert ExportLog.objects.count() == 2
    assert CertificateBatch.objects.get(mode="").language == "fr"


def test_the_build_says_how_far_it_is_and_writes_the_chunks_as_one_pdf(world, monkeypatch):
    monkeypatch.setattr(cert, "CHUNK", 2)
    for n, name in enumerate(("Ben", "Chen", "Dora", "Emil", CHINESE_NAME)):
        attend(invite(world, make_person(name=name)), minutes=n)
    steps = []
    progress = cert.services.document_progress

    def record(model, report_id, generation, percent, step):
        steps.append((percent, step))
        progress(model, report_id, generation, percent, step)

    monkeypatch.setattr(cert.services, "document_progress", record)
    batch = cert.request_certificates(event=world.event, mode="", language="en", by=None)
    assert build(batch)
    assert steps == [
        (0, "Gathering the attendees"),
        (5, "Certificate 1 of 5"),
        (39, "Certificate 3 of 5"),
        (73, "Certificate 5 of 5"),
        (90, "Writing the PDF"),
    ]
    pdf = bytes(CertificateBatch.objects.get().pdf)
    pages = pages_text(pdf)
    assert [p.split("This certifies that ")[1].split(" ")[0] for p in pages] == [
        "Ben",
        "Chen",
        "Dora",
        "Emil",
        CHINESE_NAME,
    ]
    # One subset of each font for the whole PDF, not one per chunk.
    fonts = [name.split("+", 1)[-1] for name in font_names(pdf)]
    assert len(fonts) == len(set(fonts))


def test_the_build_counts_the_attendees_again(world, monkeypatch):
    attendance = attend(world.ana_inv)
    attend(invite(world, make_person()))
    batch = cert.request_certificates(event=world.event, mode="", language="en", by=None)
    monkeypatch.setattr(cert, "MAX_BULK", 1)
    assert not build(batch)
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "2 people attended: one PDF holds at most 1 certificates." in batch.error
    monkeypatch.setattr(cert, "MAX_BULK", 5000)
    batch = cert.request_certificates(
        event=world.event, mode=Attendance.Mode.IN_ROOM, language="en", by=None
    )
    Attendance.objects.exclude(pk=attendance.pk).delete()
    attendance.mode = Attendance.Mode.REMOTE
    attendance.save(update_fields=["mode"])
    assert not build(batch)
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "there are no certificates to print" in batch.error
    assert batch.pdf is None


def test_a_newer_request_makes_the_running_build_stale(world, monkeypatch):
    monkeypatch.setattr(cert, "CHUNK", 1)
    for n in range(3):
        attend(invite(world, make_person(name=f"Person {n}")), minutes=n)
    first = cert.request_certificates(event=world.event, mode="", language="en", by=None)
    second = cert.request_certificates(event=world.event, mode="", language="es", by=None)
    assert second.pk == first.pk and second.generation == first.generation + 1
    assert not build(first)
    assert CertificateBatch.objects.get().status == "queued"

    # Asked again while the worker is at the second certificate: that build stops.
    progress = cert.services.document_progress

    def ask_again(model, report_id, generation, percent, step):
        progress(model, report_id, generation, percent, step)
        if step == "Certificado 2 de 3" or step == "Certificate 2 of 3":
            cert.request_certificates(event=world.event, mode="", language="fr", by=None)

    monkeypatch.setattr(cert.services, "document_progress", ask_again)
    assert not build(second)
    batch = CertificateBatch.objects.get()
    assert (batch.status, batch.language, batch.generation) == (
        "queued",
        "fr",
        second.generation + 1,
    )
    monkeypatch.setattr(cert.services, "document_progress", progress)
    assert build(batch)
    batch.refresh_from_db()
    assert batch.status == "ready" and len(pages_text(bytes(batch.pdf))) == 3


def test_a_failed_build_says_so_and_can_be_asked_again(world, monkeypatch):
    attend(world.ana_inv)
    batch = cert.request_certificates(event=world.event, mode="", language="en", by=None)
    monkeypatch.setattr(cert, "certificate_html", lambda **kw: 1 / 0)
    assert not build(batch)
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "The certificates could not be made. Try again" in batch.error
    monkeypatch.undo()
    batch = cert.request_certificates(event=world.event, mode="", language=None, by=None)
    assert (batch.status, batch.error, batch.language) == ("queued", "", "en")
    assert build(batch)


def test_the_page_language_is_the_default(world, client):
    attend(world.ana_inv)
    client.force_login(world.organiser)
    body = client.get(bulk_url(world), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<option value="es" selected>' in body
    with translation.override("es"):
        batch = cert.request_certificates(event=world.event, mode="", language=None, by=None)
    assert batch.language == "es"
    assert build(batch)
    assert "5 de marzo de 2026" in pages_text(bytes(CertificateBatch.objects.get().pdf))[0]


def test_bulk_refusals(world, client, monkeypatch):
    client.force_login(world.organiser)
    empty = client.post(bulk_url(world), {"language": "en", "mode": ""})
    assert empty.status_code == 400
    assert "there are no certificates to print" in empty.content.decode()
    attend(world.ana_inv)
    attend(invite(world, make_person()))
    attend(invite(world, make_person()))
    bad = client.post(bulk_url(world), {"language": "xx", "mode": ""})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()
    bad_mode = client.post(bulk_url(world), {"language": "en", "mode": "upside_down"})
    assert bad_mode.status_code == 400
    for name in ("event_certificates", "event_pdf", "event_status"):
        response = client.get(bulk_url(world, name, mode="upside_down"))
        assert response.status_code == 400
    monkeypatch.setattr(cert, "MAX_BULK", 2)
    over = client.post(bulk_url(world), {"language": "en", "mode": ""})
    assert over.status_code == 400
    assert "3 people attended: one PDF holds at most 2 certificates." in over.content.decode()
    remote = client.post(bulk_url(world), {"language": "en", "mode": "remote"})
    assert remote.status_code == 400
    assert not CertificateBatch.objects.exists()
    with pytest.raises(ValidationError):
        cert.request_certificates(event=world.event, mode="", language="xx", by=None)
    with pytest.raises(ValidationError):
        cert.request_certificates(event=world.event, mode="sideways", language="en", by=None)
    assert not CertificateBatch.objects.exists()
    not_ready = client.get(bulk_url(world, "event_pdf"))
    assert not_ready.status_code == 404
    assert ExportLog.objects.count() == 0
    # An event of another process under this process's address is not found.
    other = make_event(owner=world.event.owner, process=make_process(), title="Elsewhere")
    for name in ("event_certificates", "event_pdf", "event_status"):
        url = reverse(f"certificates:{name}", args=[world.process.slug, other.pk])
        assert client.get(url).status_code == 404


def test_only_the_organisers_of_the_process_print_in_bulk(world, client):
    attend(world.ana_inv)
    batch = cert.request_certificates(event=world.event, mode="", language="en", by=None)
    assert build(batch)
    stranger_process = make_process()
    elsewhere = make_member(role=ProcessRole.Role.ORGANISER, process=stranger_process)
    for user in (make_member(), world.ana_user, elsewhere):
        client.force_login(user)
        for name in ("event_certificates", "event_pdf", "event_status"):
            assert client.get(bulk_url(world, name)).status_code == 403
        assert client.post(bulk_url(world), {"language": "en"}).status_code == 403
    client.logout()
    assert client.get(bulk_url(world, "event_pdf")).status_code == 302
    assert ExportLog.objects.count() == 0
    assert CertificateBatch.objects.get().generation == batch.generation


def test_my_data_links_to_my_certificates(world, client):
    client.force_login(world.ana_user)
    body = client.get(reverse("privacy:overview")).content.decode()
    assert f'href="{reverse("certificates:mine")}"' in body


def test_a_session_invitation_of_a_live_session_gets_its_events_certificate(world, client):
    session = make_session(event=world.event, title="Afternoon")
    invitation = invite(world, make_person(name="Remote Rita"), to=session)
    attend(invitation, mode=Attendance.Mode.REMOTE)
    response = client.get(reverse("certificates:invitation_pdf", args=[invitation.token]))
    assert response.status_code == 200
    assert "Nairobi forum remotely" in pages_text(response.content)[0]


@pytest.mark.parametrize(
    "name, title",
    [
        ("Maria Fernanda de los Santos Oliveira-Rodrigues " * 3, "Regional forum " * 14),
        ("王芳李明张伟" * 20, "负责任矿产采购路线图研讨会" * 16),
        ("W" * 120, "M" * 200),
    ],
)
def test_the_longest_names_and_titles_stay_on_one_page_each(world, name, title):
    world.event.title = title[:200]
    world.event.save(update_fields=["title"])
    world.process.title = ("Responsible minerals roadmap 2050 " * 7)[:200]
    world.process.save(update_fields=["title"])
    first = make_person(name=name[:120])
    attendances = [attend(invite(world, first)), attend(world.ana_inv, minutes=1)]
    pages = pages_text(cert.certificate_pdf(attendances=attendances, language="en"))
    assert len(pages) == 2
    assert "Issued on" in pages[0] and "Ana Invitee" in pages[1]
