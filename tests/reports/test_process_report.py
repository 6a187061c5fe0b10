"""The process report and the programme report on a small process whose answers are
known: events by kind and date, people reached by group against the target and over
time (new per quarter, the mix so far, small groups suppressed), contributions by kind,
inputs answered per group, validation outcomes; the PDF's text and the workbook's cells;
the page's flow from asking to downloading."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from consult import services as consult
from consult.models import Comment, ProcessRole, Section, ValidationAnswer
from outreach.models import Invitation
from reports import process_build, services
from reports.models import ProcessReport
from representation.selectors import GROUP, process_scope
from representation.timeline import reach_over_time
from sessions.models import CommandReceipt, Event, Participant
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import login_cookie
from tests.representation.world import invite, join, make_person, open_poll, set_targets, vote

pytestmark = pytest.mark.django_db

Q1 = dt.datetime(2026, 2, 10, 9, tzinfo=dt.UTC)
Q3 = dt.datetime(2026, 8, 20, 9, tzinfo=dt.UTC)


def _at(model, pks, when):
    model.objects.filter(pk__in=pks).update(**{_time_field(model): when})


def _time_field(model) -> str:
    return {
        Participant: "joined_at",
        CommandReceipt: "created_at",
        Comment: "created_at",
        ValidationAnswer: "updated_at",
    }[model]


@pytest.fixture
def world():
    """A process (target mix 50 % policy, 50 % civil society) with:
    - a forum in February (Q1 2026): 6 policy participants (4 vote) and 2 civil society;
    - a workshop in August (Q3): 5 civil society participants, 3 of them new, 2 of them
      the same directory people as in February (counted once over time);
    - a consultation: 6 members of research comment (2 comments answered), 1 of
      finance comments (unanswered), and a validation round with 5 answers on one
      section (3 agree, 2 disagree);
    and another process whose people must not count."""
    owner = make_member()
    process = make_process(owner=owner)
    process.title = "Cobalt roadmap 2026"
    process.save(update_fields=["title"])
    set_targets(process, GROUP, {"policy": "50", "civil_society": "50"})

    forum = factories.make_event(
        owner=factories.make_user(organiser=True),
        process=process,
        title="Kinshasa forum",
        kind=Event.Kind.ROADMAP_WORKSHOP,
        starts_on=dt.date(2026, 2, 10),
        ends_on=dt.date(2026, 2, 11),
    )
    session = factories.make_session(event=forum, title="Plenary")
    poll = open_poll(session)
    policy = [join(session, stakeholder_group="policy", country="CD") for _ in range(6)]
    for participant in policy[:4]:
        vote(poll, participant)
    civil_people = [make_person(group="civil_society") for _ in range(2)]
    for person in civil_people:
        invite(person, process=process, event=forum, answer="in_person")
    civil = [
        join(session, person=person, stakeholder_group="civil_society", country="CD")
        for person in civil_people
    ]
    _at(Participant, [p.pk for p in policy + civil], Q1)
    Invitation.objects.filter(process=process).update(created_at=Q1)
    _at(CommandReceipt, CommandReceipt.objects.values("pk"), Q1)

    workshop = factories.make_event(
        owner=forum.owner,
        process=process,
        title="Lubumbashi workshop",
        kind=Event.Kind.CONFERENCE,
        starts_on=dt.date(2026, 8, 20),
        ends_on=dt.date(2026, 8, 20),
    )
    second = factories.make_session(event=workshop, title="Working groups")
    again = [
        join(second, person=person, stakeholder_group="civil_society", country="CD")
        for person in civil_people
    ]
    new = [join(second, stakeholder_group="civil_society", country="ZM") for _ in range(3)]
    _at(Participant, [p.pk for p in again + new], Q3)

    consultation = make_consultation(process=process, title="Cobalt draft")
    section = Section.objects.filter(consultation=consultation).order_by("pk").first()
    researchers = [make_member(group="research") for _ in range(6)]
    comments = [
        consult.add_comment(section=section, author=user, body=f"Point {n}")
        for n, user in enumerate(researchers)
    ]
    for comment in comments[:2]:
        consult.set_disposition(
            by=owner, comment=comment, decision="accepted", response="Added to section 2."
        )
    finance = make_member(group="finance")
    comments.append(consult.add_comment(section=section, author=finance, body="Fund it"))
    _at(Comment, [c.pk for c in comments], Q3)
    version = consultation.versions.order_by("-number").first()
    round_ = consult.open_round(consultation=consultation, by=owner, version=version, title="R1")
    for n, user in enumerate(researchers[:5]):
        consult.answer_section(
            round=round_,
            section=section,
            user=user,
            verdict="agree" if n < 3 else "disagree",
            reason="" if n < 3 else "Too vague",
        )
    _at(ValidationAnswer, ValidationAnswer.objects.values("pk"), Q3)

    elsewhere = make_process()
    other = factories.make_session(
        event=factories.make_event(owner=forum.owner, process=elsewhere, title="Elsewhere")
    )
    join(other, stakeholder_group="finance", country="KE")
    return {
        "owner": owner,
        "process": process,
        "forum": forum,
        "workshop": workshop,
        "elsewhere": elsewhere,
        "section": section,
        "consultation": consultation,
    }


def build(**lookup) -> ProcessReport:
    report = services.request_process_report(language="en", **lookup)
    assert services.build_process_report(report_id=report.pk, generation=report.generation)
    return ProcessReport.objects.get(pk=report.pk)


def table(content, key):
    return next(t for t in content["tables"] if t["key"] == key)


def rows_by_label(t):
    return {row[0]: row[1:] for row in t["rows"]}


def test_the_events_are_listed_by_date_with_who_joined_and_contributed(world):
    content = build(process=world["process"]).content
    events = table(content, "events")
    assert events["head"] == [
        "Starts on",
        "Event",
        "Kind",
        "Live sessions",
        "Joined live",
        "Contributed live",
    ]
    assert events["rows"] == [
        ["2026-02-10", "Kinshasa forum", "Roadmap workshop", 1, 8, 4],
        ["2026-08-20", "Lubumbashi workshop", "Conference", 1, 5, 0],
    ]
    assert rows_by_label(table(content, "events_by_kind")) == {
        "Conference": [1, 1, 5],
        "Roadmap workshop": [1, 1, 8],
    }


def test_people_reached_by_group_against_the_target_with_small_groups_suppressed(world):
    content = build(process=world["process"]).content
    reached = table(content, "reached_stakeholder_group")
    head = reached["head"]
    assert head[0] == "Stakeholder group" and head[-1] == "Target share"
    rows = rows_by_label(reached)
    joined = head.index("Joined live") - 1
    contributed_online = head.index("Contributed to the consultation") - 1
    # 6 policy guests and 5 civil society people (2 of them twice): all shown.
    assert rows["Government / policy maker"][joined] == 6
    assert rows["Civil society / NGO"][joined] == 5
    assert rows["Government / policy maker"][-1] == 50.0
    # Research: 6 commenters; finance: 1, suppressed.
    assert rows["Research / academia"][contributed_online] == 6
    assert rows["Finance / investors"][contributed_online] is None


def test_reach_over_time_counts_each_person_once_in_the_quarter_they_first_came(world):
    content = build(process=world["process"]).content
    over_time = table(content, "over_time")
    assert over_time["head"] == [
        "Quarter",
        "Invited",
        "Joined live",
        "Contributed live",
        "Contributed to the consultation",
        "Took part (live or in a consultation)",
    ]
    rows = rows_by_label(over_time)
    assert list(rows) == ["2026, quarter 1", "2026, quarter 2", "2026, quarter 3"]
    # Q1: 8 joined (4 voted); Q3: 3 new live people and 7 consultation contributors.
    assert rows["2026, quarter 1"][1:] == [8, 4, 0, 8]
    assert rows["2026, quarter 2"][1:] == [0, 0, 0, 0]
    assert rows["2026, quarter 3"][1:] == [3, 0, 7, 10]

    mix = rows_by_label(table(content, "mix_over_time_stakeholder_group"))
    mix_head = table(content, "mix_over_time_stakeholder_group")["head"]
    policy, civil = (
        mix_head.index("Government / policy maker") - 1,
        mix_head.index("Civil society / NGO") - 1,
    )
    research = mix_head.index("Research / academia") - 1
    # End of Q1: 6 policy of 8 (75 %); 2 civil society, fewer than 5: suppressed, and so
    # is nothing else (two hidden values: the total does not give one away).
    assert mix["2026, quarter 1"][policy] == 75.0
    assert mix["2026, quarter 1"][civil] is None
    assert mix["2026, quarter 1"][-1] == 8
    # End of Q3: 6 policy, 5 civil society, 6 research, 1 finance = 18.
    assert mix["2026, quarter 3"][-1] == 18
    assert mix["2026, quarter 3"][policy] == round(100 * 6 / 18, 1)
    assert mix["2026, quarter 3"][civil] == round(100 * 5 / 18, 1)
    assert mix["2026, quarter 3"][research] == round(100 * 6 / 18, 1)
    assert mix["Target"][policy] == 50.0 and mix["Target"][civil] == 50.0


def test_the_timeline_merges_a_directory_person_across_the_live_and_consultation_sides(world):
    person = make_person(group="civil_society")
    user = make_member(group="civil_society")
    person.user = user
    person.save(update_fields=["user"])
    session = world["workshop"].sessions.get()
    join(session, person=person, stakeholder_group="civil_society", country="CD")
    consult.add_comment(section=world["section"], author=user, body="Same person")
    timeline = reach_over_time(scope=process_scope(world["process"]))
    took_part = sum(counts[-1] for counts in timeline.new)
    assert took_part == 18 + 1  # joined live and commented: one person


def test_contributions_answers_and_validation_outcomes(world):
    content = build(process=world["process"]).content
    contributions = {(row[0], row[1]): row[2:] for row in table(content, "contributions")["rows"]}
    assert contributions[("Live session", "Single choice")] == [4, 4]
    assert contributions[("Consultation", "Comments")] == [7, 7]
    assert contributions[("Consultation", "Validation answers")] == [5, 5]
    assert contributions[("Consultation", "Replies")] == [0, 0]

    answered = rows_by_label(table(content, "answered"))
    # Research: 6 comments (2 answered) and 2 reasons (none): 8 inputs from 6 people.
    assert answered["Research / academia"] == [8, 2, 25.0]
    assert answered["Finance / investors"] == [None, None, None]  # one person
    assert answered["All inputs"] == [9, 2, round(100 * 2 / 9, 1)]

    validation = table(content, "validation")
    assert validation["head"][:4] == ["Consultation", "Validation round", "Section", "Answers"]
    # Every section of the version under validation, answered or not.
    assert [r[3] for r in validation["rows"]] == [5, 0, 0]
    row = validation["rows"][0]
    assert row[:3] == ["Cobalt draft", "R1", world["section"].texts.get().heading]
    shares = dict(zip(validation["head"][4:], row[4:], strict=True))
    assert shares["Agree (%)"] == 60.0 and shares["Disagree (%)"] == 40.0


def test_the_pdf_and_the_workbook_hold_the_same_tables(world):
    report = build(process=world["process"])
    pages = PdfReader(io.BytesIO(report.pdf)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    for expected in (
        "Process report: Cobalt roadmap 2026",
        "Kinshasa forum",
        "Lubumbashi workshop",
        "People reached for the first time, per quarter",
        "Validation outcomes per section",
        "Who had taken part by the end of each quarter, by stakeholder group (%)",
    ):
        assert expected in text, expected
    # The mix at the end of the first quarter: 75 % policy (the fourth group), the rest
    # suppressed (an en dash), 8 people in all.
    dash = "\u2013"
    assert f"2026, quarter 1 {dash} {dash} {dash} 75.0 % {' '.join([dash] * 5)} 8" in text
    book = load_workbook(io.BytesIO(report.xlsx))
    assert len(book.sheetnames) == len(report.content["tables"])
    events = book["Events"]
    assert events["A1"].value == "Events"
    assert [c.value for c in events[2]][:3] == ["Starts on", "Event", "Kind"]
    assert events["A3"].value == dt.datetime(2026, 2, 10)
    assert [c.value for c in events[3]][1:] == ["Kinshasa forum", "Roadmap workshop", 1, 8, 4]
    mix = book["Who had taken part by the end o"]
    assert mix["A1"].value.startswith("Who had taken part by the end of each quarter")
    assert (mix["E3"].value, mix["E3"].number_format) == (75.0, "0.0")  # policy, Q1
    assert mix["B3"].value is None  # suppressed: an empty cell


def test_a_chinese_process_title_renders_in_the_pdf(world):
    process = world["process"]
    process.title = "钴供应链路线图"
    process.save(update_fields=["title"])
    text = PdfReader(io.BytesIO(build(process=process).pdf)).pages[0].extract_text()
    assert "钴供应链路线图" in text


def test_the_programme_report_counts_a_person_once_across_processes(world):
    owner = world["owner"]
    ProcessRole.objects.create(
        process=world["elsewhere"], user=owner, role=ProcessRole.Role.ORGANISER
    )
    content = build(owner=owner).content
    assert content["programme"] is True
    assert sorted(content["processes"]) == sorted(
        [world["process"].title, world["elsewhere"].title]
    )
    events = table(content, "events")
    assert events["head"][3] == "Process"
    assert "Elsewhere" in [row[1] for row in events["rows"]]
    figures = rows_by_label(table(content, "key_figures"))
    assert figures["Processes"] == [2]
    assert figures["Events"] == [3]
    assert figures["People who took part (live or in a consultation)"] == [19]
    # A programme mixes processes with their own targets: no target row.
    assert "Target" not in rows_by_label(table(content, "mix_over_time_stakeholder_group"))


def test_an_empty_process_gives_a_report_that_says_so(world):
    report = build(process=make_process())
    content = report.content
    assert table(content, "events")["rows"] == []
    assert table(content, "over_time")["rows"] == []
    assert content["charts"] == []
    text = PdfReader(io.BytesIO(report.pdf)).pages[0].extract_text()
    assert "Nothing to count yet." in text


def test_a_newer_request_makes_the_running_build_stale(world):
    first = services.request_process_report(process=world["process"], language="en")
    second = services.request_process_report(process=world["process"], language="fr")
    assert second.pk == first.pk and second.generation == first.generation + 1
    assert not services.build_process_report(report_id=first.pk, generation=first.generation)
    assert ProcessReport.objects.get(pk=first.pk).status == ProcessReport.Status.QUEUED
    assert services.build_process_report(report_id=first.pk, generation=second.generation)
    report = ProcessReport.objects.get(pk=first.pk)
    assert (report.status, report.language, report.progress) == ("ready", "fr", 100)
    assert report.content["language"] == "fr"


def test_a_failed_build_says_so_and_can_be_asked_again(world, monkeypatch):
    monkeypatch.setattr(process_build, "content", lambda **kw: 1 / 0)
    report = services.request_process_report(process=world["process"], language="en")
    assert not services.build_process_report(report_id=report.pk, generation=report.generation)
    report.refresh_from_db()
    assert report.status == "failed" and "could not be built" in report.error


def test_the_page_asks_the_worker_and_offers_the_files_once_built(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.cookies["sessionid"] = login_cookie(world["owner"])
    slug = world["process"].slug
    page = reverse("reports:process_page", args=[slug])
    response = client.get(page)
    assert response.status_code == 200 and b"No report yet." in response.content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(page, {"language": "es"})
    assert response.status_code == 302 and len(callbacks) == 1
    report = ProcessReport.objects.get(process=world["process"])
    assert (report.language, report.status) == ("es", "queued")
    status = client.get(reverse("reports:process_status", args=[slug])).json()
    assert status["status"] == "queued" and status["generation"] == report.generation
    assert client.get(reverse("reports:process_pdf", args=[slug])).status_code == 404

    services.build_process_report(report_id=report.pk, generation=report.generation)
    response = client.get(page)
    assert response.status_code == 200
    assert b'id="report-pdf"' in response.content and b'id="report-xlsx"' in response.content
    assert 'lang="es"' in response.content.decode()
    pdf = client.get(reverse("reports:process_pdf", args=[slug]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f"process-report-{slug}-es.pdf" in pdf["Content-Disposition"]
    xlsx = client.get(reverse("reports:process_xlsx", args=[slug]))
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames
    chart = client.get(reverse("reports:process_chart", args=[slug, 1]))
    assert chart["Content-Type"].startswith("image/svg+xml") and b"<svg" in chart.content
    assert client.get(reverse("reports:process_chart", args=[slug, 9])).status_code == 404


def test_a_bad_language_is_refused_with_a_clear_error(world):
    client = Client()
    client.cookies["sessionid"] = login_cookie(world["owner"])
    page = reverse("reports:process_page", args=[world["process"].slug])
    response = client.post(page, {"language": "xx"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not ProcessReport.objects.exists()


def test_figures_on_the_page_follow_the_reports_language(world):
    report = services.request_process_report(process=world["process"], language="fr")
    services.build_process_report(report_id=report.pk, generation=report.generation)
    client = Client()
    client.cookies["sessionid"] = login_cookie(world["owner"])
    body = client.get(reverse("reports:process_page", args=[world["process"].slug])).content
    assert "75,0\u202f%".encode() in body
