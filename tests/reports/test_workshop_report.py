"""The workshop report: asked for by a facilitator, built by the worker (here called as
the worker would), read as a page and a PDF in the chosen language; the organisers'
summary and notes; publishing and the share link; stale builds; bad input."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from reports import selectors, services
from reports.models import ReportChart, ReportNote, WorkshopReport
from sessions import services as session_services
from tests import factories
from tests.consult.factories import make_process

pytestmark = pytest.mark.django_db


def vote(activity, choices):
    for choice in choices:
        voter = factories.make_participant(session=activity.session, stakeholder_group="research")
        session_services.perform_command(
            participant=voter, activity_id=activity.pk, action="vote", data=choice, key="k"
        )


@pytest.fixture
def workshop(django_user_model):
    owner = factories.make_user(organiser=True, first_name="Ana", last_name="Lima")
    session = factories.make_session(
        event=factories.make_event(owner=owner, title="Cobalt roadmap workshop"),
        title="Vision and priorities",
    )
    poll = factories.make_activity(
        session=session,
        title="Which minerals first?",
        config={"options": ["Lithium", "Cobalt", "Nickel"]},
        open=True,
    )
    vote(poll, [0, 0, 1, 1, 1, 2])
    scale = factories.make_activity(session=session, kind="scale", title="How well protected?")
    return session, poll, scale


def built(session, language="en"):
    report = services.request_report(session=session, language=language)
    assert services.build(report_id=report.pk, generation=report.generation)
    return WorkshopReport.objects.get(pk=report.pk)


def pdf_text(report) -> str:
    reader = PdfReader(io.BytesIO(bytes(report.pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_asking_enqueues_one_build(workshop, django_capture_on_commit_callbacks):
    session, _poll, _scale = workshop
    with django_capture_on_commit_callbacks(execute=True):
        report = services.request_report(session=session, language="fr")
    assert (report.status, report.language, report.generation) == ("queued", "fr", 1)
    job = DBTaskResult.objects.get()
    assert job.task_path == "reports.tasks.build_report"
    assert job.args_kwargs["kwargs"] == {"report_id": report.pk, "generation": 1}


def test_the_build_writes_every_activity_in_order_with_charts_and_a_pdf(workshop):
    session, poll, scale = workshop
    report = built(session)
    assert (report.status, report.progress) == ("ready", 100)
    content = report.content
    assert [a["title"] for a in content["activities"]] == [poll.title, scale.title]
    assert content["participation"]["joined"] == 6
    assert content["facilitators"] == ["Ana Lima"]
    first = content["activities"][0]
    figures = next(b for b in first["blocks"] if b["type"] == "figures")
    assert {r["label"]: r["value"] for r in figures["rows"]} == {
        "Lithium": 2,
        "Cobalt": 3,
        "Nickel": 1,
    }
    assert figures["chart"] == 1 and ReportChart.objects.filter(report=report).count() >= 1
    text = pdf_text(report)
    assert bytes(report.pdf).startswith(b"%PDF")
    for words in ("Cobalt roadmap workshop", poll.title, scale.title, "Cobalt", "50"):
        assert words in text, words
    # The print style sheet was applied: its footer numbers the pages.
    assert re.search(r"\b1 / \d+\b", text)


def test_a_report_in_chinese_renders_its_title_and_interface_text(workshop):
    session, poll, _scale = workshop
    poll.title = "哪些矿产优先"
    poll.save(update_fields=["title"])
    report = built(session, language="zh-hans")
    text = pdf_text(report)
    assert "哪些矿产优先" in text
    # The report's own words are in Chinese too.
    with translation.override("zh-hans"):
        heading = gettext("Who took part")
    assert heading != "Who took part" and heading in text


def test_a_stale_build_stops_and_changes_nothing(workshop):
    session, _poll, _scale = workshop
    first = services.request_report(session=session, language="en")
    services.request_report(session=session, language="es")
    assert not services.build(report_id=first.pk, generation=first.generation)
    report = WorkshopReport.objects.get(pk=first.pk)
    assert (report.status, report.content, report.pdf) == ("queued", {}, None)


def test_notes_and_summary_are_saved_checked_and_shown(workshop, client):
    session, poll, _scale = workshop
    report = built(session)
    with pytest.raises(ValidationError):
        services.save_notes(report=report, summary="x" * 10_001, notes={})
    with pytest.raises(ValidationError):
        services.save_notes(report=report, summary="ok", notes={999_999: "Not here"})
    assert ReportNote.objects.count() == 0 and WorkshopReport.objects.get().summary == ""
    services.save_notes(
        report=report, summary="A good day.", notes={poll.pk: "Cobalt led clearly."}
    )
    report = built(session)
    client.force_login(session.event.owner)
    html = client.get(reverse("reports:workshop", args=[session.code])).content.decode()
    assert "A good day." in html and "Cobalt led clearly." in html
    assert "Cobalt led clearly." in pdf_text(report)


def test_publishing_shares_the_page_the_pdf_and_the_charts(workshop, client):
    session, _poll, _scale = workshop
    queued = services.request_report(session=session)
    with pytest.raises(ValidationError):
        services.set_published(report=queued, published=True)
    report = built(session)
    shared = reverse("reports:shared", args=[report.share_token])
    chart = reverse("reports:chart", args=[report.share_token, 1])
    assert client.get(shared).status_code == 404
    assert client.get(chart).status_code == 404
    services.set_published(report=report, published=True)
    page = client.get(shared)
    assert page.status_code == 200 and "Which minerals first?" in page.content.decode()
    assert f'src="{chart}"' in page.content.decode()
    svg = client.get(chart)
    assert svg["Content-Type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert "style-src 'unsafe-inline'" in svg["Content-Security-Policy"]
    pdf = client.get(reverse("reports:shared_pdf", args=[report.share_token]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    services.set_published(report=report, published=False)
    assert client.get(shared).status_code == 404


def test_the_page_follows_the_build(workshop, client):
    session, _poll, _scale = workshop
    client.force_login(session.event.owner)
    url = reverse("reports:workshop", args=[session.code])
    assert "Prepare the report" in client.get(url).content.decode()
    response = client.post(url, {"language": "pt"})
    assert response.status_code == 302
    report = WorkshopReport.objects.get(session=session)
    status = client.get(reverse("reports:status", args=[session.code])).json()
    assert status["status"] == "queued" and status["progress"] == 0
    page = client.get(url).content.decode()
    assert 'id="report-progress"' in page and "reports/reports.js" in page
    services.build(report_id=report.pk, generation=report.generation)
    assert client.get(reverse("reports:status", args=[session.code])).json()["status"] == "ready"
    assert client.post(url, {"language": "klingon"}).status_code == 400
    assert WorkshopReport.objects.get().language == "pt"


def test_the_report_suppresses_small_groups_and_names_nobody(workshop):
    session, _poll, _scale = workshop
    named = factories.make_participant(session=session, display_name="Zanele Secretname")
    assert named.display_name
    report = built(session)
    assert "Zanele Secretname" not in str(report.content)
    rows = report.content["participation"]["tables"][0]["rows"]
    # Six researchers joined (shown); one participant without a group is "fewer than 5".
    by_label = {row[0]: row[1:] for row in rows}
    assert any(cell is None for cells in by_label.values() for cell in cells)


def test_selectors_give_nothing_for_a_bad_token():
    assert selectors.published_report("") is None
    assert selectors.published_report("x" * 65) is None


def test_a_published_report_is_attached_to_a_section_as_evidence(workshop):
    from consult.models import Evidence
    from tests.consult.factories import make_consultation

    session, _poll, _scale = workshop
    owner = session.event.owner
    consultation = make_consultation(process=make_process(owner))
    section = consultation.sections.order_by("pk").first()
    report = built(session)
    with pytest.raises(ValidationError):  # not published yet
        services.attach_to_section(report=report, section=section, by=owner)
    services.set_published(report=report, published=True)
    with pytest.raises(PermissionDenied):
        services.attach_to_section(
            report=report, section=section, by=factories.make_user(organiser=True)
        )
    services.attach_to_section(report=report, section=section, by=owner)
    evidence = Evidence.objects.get(section=section)
    assert evidence.url == reverse("reports:shared", args=[report.share_token])
    assert evidence.responses == 6
    assert [row["label"] for row in evidence.results][:2] == [
        "Which minerals first?",
        "How well protected?",
    ]


def test_the_ended_room_links_its_participants_to_the_published_report(workshop, client):
    session, _poll, _scale = workshop
    client.post(reverse("frontend:join_code", args=[session.code]), {"display_name": "Ana"})
    session_services.set_session_status(session=session, status="closed")
    room = reverse("frontend:room", args=[session.code])
    report = built(session)
    assert 'id="room-report"' not in client.get(room).content.decode()  # not published
    services.set_published(report=report, published=True)
    page = client.get(room).content.decode()
    assert "This session has ended." in page
    shared = reverse("reports:shared", args=[report.share_token])
    assert f'<a href="{shared}" id="room-report">Read the workshop report</a>' in page
