"""A case's evidence (knowledge.evidence): putting an accepted case to validation with
experts, attaching a closed validation round and a peer-learning activity, who may, the
figures copied, refreshing, the results page made public, and the managers' page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import Consultation, Process, ProcessRole, ValidationAnswer, ValidationRound
from knowledge import evidence
from knowledge.models import Case, CaseEvidence, CaseValidation
from sessions import evidence as live_evidence
from sessions.models import Activity, Event, Session
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.evidence import act, voters
from tests.frontend.test_views import assert_strict_page
from tests.knowledge.factories import make_case, make_manager

pytestmark = pytest.mark.django_db


@dataclass
class World:
    manager: User  # manages the repository, owns the process, runs the flagship lab
    process: Process
    event: Event  # a flagship lab of the process
    session: Session
    case: Case  # accepted


@pytest.fixture
def w() -> World:
    manager = make_manager(organiser=True)
    process = make_process(owner=manager)
    event = factories.make_event(
        owner=manager, kind=Event.Kind.FLAGSHIP_LAB, process=process, title="Cobalt lab"
    )
    session = factories.make_session(event=event, title="Peer learning")
    case = make_case(
        name="Smelter audit programme",
        good_practice="Audits are **published**.",
        transfer="",
    )
    return World(manager, process, event, session, case)


def closed_round(w: World, verdicts: dict[int, list[str]] | None = None) -> ValidationRound:
    """A closed round on a consultation of the world's process; ``verdicts``: per
    section position, one answer per new expert."""
    consultation = make_consultation(process=w.process, title="Expert validation")
    version = consult_selectors.latest_version(consultation)
    round_ = consult_services.open_round(consultation=consultation, by=w.manager, version=version)
    texts = list(version.texts.order_by("position"))
    for position, answers in (verdicts or {}).items():
        for verdict in answers:
            consult_services.answer_section(
                round=round_,
                section=texts[position].section,
                user=make_member(),
                verdict=verdict,
                reason="" if verdict == "agree" else "Say more about audits.",
            )
    return consult_services.close_round(round=round_, by=w.manager)


def poll_with_votes(w: World, choices: list[int]) -> Activity:
    poll = factories.make_activity(session=w.session, title="Would you adopt it?", open=True)
    for person, choice in zip(voters(poll, len(choices)), choices, strict=True):
        act(poll, person, choice)
    return poll


# --------------------------------------------------------------------------- validation


def test_an_accepted_case_is_put_to_validation_as_a_draft_consultation(w):
    consultation = evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    assert consultation.process == w.process
    assert consultation.status == Consultation.Status.DRAFT
    assert consultation.title == "Validation: Smelter audit programme"
    assert consultation.slug == f"validation-{w.case.slug}"
    assert consultation.is_public and consultation.language == w.case.language
    assert consultation.closes_at - consultation.opens_at == dt.timedelta(days=28)
    version = consult_selectors.latest_version(consultation)
    sections = [(t.type, t.heading, t.body) for t in consult_selectors.version_sections(version)]
    # The empty transfer suggestions are left out.
    assert sections == [
        ("context", "Short description", w.case.summary),
        ("context", "Good-practice aspects", "Audits are **published**."),
    ]
    link = CaseValidation.objects.get()
    assert (link.case, link.consultation, link.case_version) == (w.case, consultation, 1)
    assert link.created_by == w.manager
    assert [v.consultation for v in evidence.case_validations(w.case)] == [consultation]


def test_a_second_validation_waits_until_the_first_is_closed(w):
    first = evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    with pytest.raises(ValidationError) as refused:
        evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    assert refused.value.code == "already_running"
    assert "Validation: Smelter audit programme" in refused.value.messages[0]
    Consultation.objects.filter(pk=first.pk).update(status=Consultation.Status.CLOSED)
    second = evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    assert second.slug == f"validation-{w.case.slug}-2"
    assert CaseValidation.objects.filter(case=w.case).count() == 2


def test_validation_closes_when_told_within_limits(w):
    closes = timezone.now() + dt.timedelta(days=10)
    consultation = evidence.put_to_validation(
        case=w.case, process=w.process, by=w.manager, closes_at=closes
    )
    assert consultation.closes_at == closes
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.CLOSED)
    now = timezone.now()
    for bad, words in [
        (now - dt.timedelta(days=1), "in the future"),
        (now + dt.timedelta(days=400), "within 366 days"),
        (dt.datetime(2030, 1, 1), "time zone"),  # naive: refused
    ]:
        with pytest.raises(ValidationError) as refused:
            evidence.put_to_validation(case=w.case, process=w.process, by=w.manager, closes_at=bad)
        assert words in " ".join(refused.value.messages)
    assert Consultation.objects.count() == 1


def test_only_a_manager_who_organises_the_process_puts_a_case_to_validation(w):
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=w.process)
    manager_elsewhere = make_manager()
    for who, words in [
        (AnonymousUser(), "managers"),
        (make_member(), "managers"),
        (organiser, "managers"),  # organises the process, manages nothing
        (manager_elsewhere, "organisers"),
    ]:
        with pytest.raises(PermissionDenied) as refused:
            evidence.put_to_validation(case=w.case, process=w.process, by=who)
        assert words in str(refused.value)
    # A manager with the organiser role (not the owner) may.
    organiser_manager = make_manager()
    ProcessRole.objects.create(
        process=w.process, user=organiser_manager, role=ProcessRole.Role.ORGANISER
    )
    evidence.put_to_validation(case=w.case, process=w.process, by=organiser_manager)
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize("status", ["proposed", "changes_requested", "declined"])
def test_only_an_accepted_case_is_put_to_validation(w, status):
    w.case.status = status
    w.case.save(update_fields=["status"])
    with pytest.raises(ValidationError) as refused:
        evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    assert refused.value.code == "not_accepted"
    assert not Consultation.objects.exists() and not CaseValidation.objects.exists()


def test_a_long_name_makes_a_title_a_consultation_can_hold(w):
    w.case.name = "N" * 200
    w.case.save(update_fields=["name"])
    consultation = evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    assert len(consultation.title) == 200 and consultation.title.endswith("…")


# --------------------------------------------------------------------------- rounds


def test_a_closed_round_attaches_with_a_row_per_section(w):
    round_ = closed_round(
        w,
        {
            0: ["agree", "agree", "agree_with_changes", "disagree"],
            2: ["agree"],
        },
    )
    item = evidence.attach_round(case=w.case, round=round_, by=w.manager)
    item.refresh_from_db()
    consultation = round_.consultation
    assert item.case == w.case
    assert item.title == round_.title
    assert item.origin == "Expert validation"
    assert item.url == f"/c/{w.process.slug}/{consultation.slug}/rounds/{round_.pk}/"
    assert item.url == reverse(
        "consult:round_results", args=[w.process.slug, consultation.slug, round_.pk]
    )
    assert item.source_key == f"consult.round:{round_.pk}"
    assert item.responses == 5  # five experts answered
    assert item.collected_at == round_.closed_at
    assert item.attached_by == w.manager
    assert item.results == [
        {
            "label": "Vision 2050",
            "value": 4,
            "share": 50.0,  # "agree with changes" is not agreement
            "detail": "Agree: 50%, agree with changes: 25%, disagree: 25%",
        },
        {"label": "Due diligence", "value": 0, "share": None, "detail": "No answers."},
        {
            "label": "Traceability",
            "value": 1,
            "share": 100.0,
            "detail": "Agree: 100%, agree with changes: 0%, disagree: 0%",
        },
    ]


def test_the_detail_is_written_in_the_language_of_who_attaches(w):
    round_ = closed_round(w, {0: ["agree", "disagree", "disagree"]})
    with translation.override("fr"):
        item = evidence.attach_round(case=w.case, round=round_, by=w.manager)
        expected = evidence.round_rows(round_)[0]["detail"]
    assert item.results[0]["detail"] == expected
    assert item.results[0]["share"] == 33.3
    assert "33,3" in expected  # the French decimal comma


def test_attaching_a_round_again_refreshes_the_copy(w):
    round_ = closed_round(w, {0: ["agree"]})
    first = evidence.attach_round(case=w.case, round=round_, by=w.manager)
    # An answer counted after the copy was made (e.g. an import), and a new title.
    ValidationAnswer.objects.create(
        round=round_,
        section=round_.version.texts.order_by("position")[0].section,
        user=make_member(),
        verdict="disagree",
        reason="Not in our region.",
    )
    ValidationRound.objects.filter(pk=round_.pk).update(title="Experts, June")
    round_.refresh_from_db()
    again = evidence.attach_round(case=w.case, round=round_, by=w.manager)
    assert again.pk == first.pk and CaseEvidence.objects.count() == 1
    again.refresh_from_db()
    assert again.title == "Experts, June"
    assert again.responses == 2
    assert again.results[0]["value"] == 2 and again.results[0]["share"] == 50.0
    # The same round on another case is that case's own copy.
    evidence.attach_round(case=make_case(), round=round_, by=w.manager)
    assert CaseEvidence.objects.count() == 2


def test_a_running_round_is_refused(w):
    consultation = make_consultation(process=w.process)
    round_ = consult_services.open_round(
        consultation=consultation,
        by=w.manager,
        version=consult_selectors.latest_version(consultation),
    )
    with pytest.raises(ValidationError) as refused:
        evidence.attach_round(case=w.case, round=round_, by=w.manager)
    assert refused.value.code == "round_open"
    assert not CaseEvidence.objects.exists()


def test_only_a_manager_who_organises_the_round_s_process_attaches_it(w):
    round_ = closed_round(w, {0: ["agree"]})
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=w.process)
    for who, words in [
        (AnonymousUser(), "managers"),
        (organiser, "managers"),
        (make_manager(), "organisers"),
    ]:
        with pytest.raises(PermissionDenied) as refused:
            evidence.attach_round(case=w.case, round=round_, by=who)
        assert words in str(refused.value)
    w.case.status = Case.Status.PROPOSED
    w.case.save(update_fields=["status"])
    with pytest.raises(ValidationError) as refused:
        evidence.attach_round(case=w.case, round=round_, by=w.manager)
    assert refused.value.code == "not_accepted"
    assert not CaseEvidence.objects.exists()


# --------------------------------------------------------------------------- activities


def test_a_peer_learning_activity_attaches_its_public_figures(w):
    poll = poll_with_votes(w, [0, 0, 1])
    item = evidence.attach_activity(case=w.case, activity=poll, by=w.manager)
    item.refresh_from_db()
    assert item.title == "Would you adopt it?"
    assert item.origin == "Cobalt lab · Peer learning"
    assert item.url == f"/s/{w.session.code}/results/{poll.pk}"
    assert item.source_key == f"live.activity:{poll.pk}"
    assert item.responses == 3
    assert item.results == [
        {"label": "Yes", "value": 2, "share": 66.7, "detail": ""},
        {"label": "No", "value": 1, "share": 33.3, "detail": ""},
        {"label": "Not sure", "value": 0, "share": 0.0, "detail": ""},
    ]
    assert item.results == consult_services.clean_evidence_rows(live_evidence.evidence_rows(poll))


def test_attaching_an_activity_again_refreshes_the_copy(w):
    poll = poll_with_votes(w, [0])
    first = evidence.attach_activity(case=w.case, activity=poll, by=w.manager)
    act(poll, voters(poll, 1)[0], 2)
    again = evidence.attach_activity(case=w.case, activity=poll, by=w.manager)
    assert again.pk == first.pk and CaseEvidence.objects.count() == 1
    again.refresh_from_db()
    assert again.responses == 2 and [r["value"] for r in again.results] == [1, 0, 1]
    assert again.collected_at >= first.collected_at


def test_only_a_flagship_lab_s_activity_is_peer_learning(w):
    workshop = factories.make_event(owner=w.manager, kind=Event.Kind.ROADMAP_WORKSHOP)
    poll = factories.make_activity(session=factories.make_session(event=workshop), open=True)
    with pytest.raises(ValidationError) as refused:
        evidence.attach_activity(case=w.case, activity=poll, by=w.manager)
    assert refused.value.code == "not_flagship_lab"
    assert "Roadmap workshop, not a flagship lab" in refused.value.messages[0]
    assert not CaseEvidence.objects.exists()


def test_an_activity_never_opened_has_no_results_to_attach(w):
    draft = factories.make_activity(session=w.session)
    with pytest.raises(ValidationError) as refused:
        evidence.attach_activity(case=w.case, activity=draft, by=w.manager)
    assert refused.value.code == "no_results"


def test_only_a_manager_who_facilitates_the_session_attaches_its_activity(w):
    poll = poll_with_votes(w, [0])
    facilitator = factories.make_user(organiser=True)
    Event.objects.filter(pk=w.event.pk).update(owner=facilitator)
    poll = Activity.objects.select_related("session__event").get(pk=poll.pk)
    for who, words in [
        (AnonymousUser(), "managers"),
        (facilitator, "managers"),  # runs the session, manages nothing
        (w.manager, "facilitators"),  # no longer runs it
        (make_manager(), "facilitators"),
    ]:
        with pytest.raises(PermissionDenied) as refused:
            evidence.attach_activity(case=w.case, activity=poll, by=who)
        assert words in str(refused.value)
    assert not CaseEvidence.objects.exists()


# --------------------------------------------------------------------------- public results


def test_the_activity_s_results_page_is_public_while_it_is_evidence_of_an_accepted_case(
    client: Client, w
):
    poll = poll_with_votes(w, [0, 1])
    page = live_evidence.results_path(poll)
    assert client.get(page).status_code == 404  # not revealed, not evidence
    assert not evidence.is_public_evidence(live_evidence.source_key(poll))
    item = evidence.attach_activity(case=w.case, activity=poll, by=w.manager)
    html = assert_strict_page(client.get(page))
    assert "Would you adopt it?" in html
    assert evidence.is_public_evidence(item.source_key)
    # The case goes back to review: the results are no longer public.
    w.case.status = Case.Status.PROPOSED
    w.case.save(update_fields=["status"])
    assert client.get(page).status_code == 404
    assert not evidence.is_public_evidence(item.source_key)
    # Accepted again, then the copy removed: not public either.
    w.case.status = Case.Status.ACCEPTED
    w.case.save(update_fields=["status"])
    assert client.get(page).status_code == 200
    evidence.detach(evidence=item, by=w.manager)
    assert client.get(page).status_code == 404


def test_the_case_page_lists_the_evidence_with_its_link_back(client: Client, w):
    poll = poll_with_votes(w, [0])
    evidence.attach_activity(case=w.case, activity=poll, by=w.manager)
    html = client.get(reverse("knowledge:case", args=[w.case.slug])).content.decode()
    assert f'<a href="{live_evidence.results_path(poll)}">Would you adopt it?</a>' in html
    assert "Cobalt lab · Peer learning" in html


# --------------------------------------------------------------------------- detaching


def test_a_manager_detaches_evidence_and_nobody_else_may(w):
    item = evidence.attach_activity(case=w.case, activity=poll_with_votes(w, [0]), by=w.manager)
    for who in (AnonymousUser(), make_member(), factories.make_user(organiser=True)):
        with pytest.raises(PermissionDenied):
            evidence.detach(evidence=item, by=who)
    evidence.detach(evidence=item, by=make_manager())  # any manager
    assert not CaseEvidence.objects.exists()


# --------------------------------------------------------------------------- selectors


def test_the_rounds_offered_are_closed_rounds_of_organised_processes_the_case_s_first(
    w, django_assert_num_queries
):
    other = closed_round(w)
    consultation = evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    consult_services.set_status(consultation=consultation, by=w.manager, status="open")
    own = consult_services.open_round(
        consultation=consultation,
        by=w.manager,
        version=consult_selectors.latest_version(consultation),
    )
    running = closed_round(w)
    ValidationRound.objects.filter(pk=running.pk).update(closed_at=None)
    assert [r.pk for r in evidence.attachable_rounds(user=w.manager, case=w.case)] == [other.pk]
    consult_services.close_round(round=own, by=w.manager)
    # Someone else's process's round is never offered.
    stranger = make_process()
    foreign = make_consultation(process=stranger)
    consult_services.close_round(
        round=consult_services.open_round(
            consultation=foreign,
            by=stranger.owner,
            version=consult_selectors.latest_version(foreign),
        ),
        by=stranger.owner,
    )
    with django_assert_num_queries(1):
        rounds = evidence.attachable_rounds(user=w.manager, case=w.case)
        labels = [(r.pk, r.of_case, r.consultation.process.slug) for r in rounds]
    assert labels == [(own.pk, True, w.process.slug), (other.pk, False, w.process.slug)]
    assert evidence.attachable_rounds(user=make_manager(), case=w.case) == []
    assert evidence.attachable_rounds(user=AnonymousUser(), case=w.case) == []


def test_the_activities_offered_are_opened_ones_of_flagship_labs_one_runs(
    w, django_assert_num_queries
):
    older = factories.make_activity(session=w.session, title="Older", open=True)
    newer = factories.make_activity(session=w.session, title="Newer", open=True)
    factories.make_activity(session=w.session, title="Draft")
    workshop = factories.make_event(owner=w.manager, kind=Event.Kind.ROADMAP_WORKSHOP)
    factories.make_activity(session=factories.make_session(event=workshop), open=True)
    lab_of_someone_else = factories.make_event(kind=Event.Kind.FLAGSHIP_LAB)
    factories.make_activity(session=factories.make_session(event=lab_of_someone_else), open=True)
    evidence.attachable_activities(user=w.manager)  # the permissions, read once per request
    with django_assert_num_queries(1):
        offered = evidence.attachable_activities(user=w.manager)
        labels = [(a.title, a.session.event.title) for a in offered]
    assert labels == [("Newer", "Cobalt lab"), ("Older", "Cobalt lab")]
    assert [a.pk for a in offered] == [newer.pk, older.pk]
    assert evidence.facilitates_flagship_labs(w.manager)
    assert evidence.attachable_activities(user=make_manager()) == []
    assert not evidence.facilitates_flagship_labs(make_manager())


# --------------------------------------------------------------------------- pages


def page_url(case: Case) -> str:
    return reverse("knowledge:manage_evidence", args=[case.pk])


def post(client: Client, case: Case, route: str, data: dict, *args):
    return client.post(reverse(f"knowledge:{route}", args=[case.pk, *args]), data)


def test_the_page_lists_evidence_and_offers_what_one_may_attach(client: Client, w):
    round_ = closed_round(w, {0: ["agree", "disagree"]})
    poll = poll_with_votes(w, [1])
    item = evidence.attach_round(case=w.case, round=round_, by=w.manager)
    client.force_login(w.manager)
    html = assert_strict_page(client.get(page_url(w.case)))
    assert "Evidence: Smelter audit programme" in html
    assert f'<a href="{round_results(round_)}">{round_.title}</a>' in html
    assert '<th scope="row">Vision 2050</th><td>2</td><td>50 %</td>' in html
    assert "Agree: 50%, agree with changes: 0%, disagree: 50%" in html
    detach = reverse("knowledge:manage_evidence_detach", args=[w.case.pk, item.pk])
    assert f'action="{detach}"' in html
    assert f'<option value="{w.process.pk}">{w.process.title}</option>' in html
    assert f'<option value="{round_.pk}">' in html and "attached: attaching again" in html
    assert f'<option value="{poll.pk}">Cobalt lab · Peer learning · Would you adopt it?' in html
    assert 'for="validate-process"' in html and 'for="attach-round"' in html
    assert 'for="attach-activity"' in html and 'for="validate-closes"' in html


def round_results(round_: ValidationRound) -> str:
    c = round_.consultation
    return reverse("consult:round_results", args=[c.process.slug, c.slug, round_.pk])


def test_a_manager_with_nothing_to_attach_sees_why(client: Client, w):
    client.force_login(make_manager())
    html = assert_strict_page(client.get(page_url(w.case)))
    assert "No evidence attached yet." in html
    assert "You organise no process yet" in html
    assert "No validation round of the processes you organise is closed yet." in html
    assert "You facilitate no flagship-lab session yet." in html
    # A facilitator whose lab has no opened activity is told that instead.
    client.force_login(w.manager)
    html = client.get(page_url(w.case)).content.decode()
    assert "None of your flagship-lab sessions has an activity that was opened yet." in html


def test_a_case_not_accepted_offers_no_forms(client: Client, w):
    w.case.status = Case.Status.PROPOSED
    w.case.save(update_fields=["status"])
    client.force_login(w.manager)
    html = client.get(page_url(w.case)).content.decode()
    assert 'id="not-accepted"' in html
    assert 'name="process"' not in html and 'name="round"' not in html
    assert 'name="activity"' not in html


def test_putting_to_validation_from_the_page(client: Client, w):
    client.force_login(w.manager)
    response = post(
        client,
        w.case,
        "manage_evidence_validate",
        {"process": w.process.pk, "closes_on": (timezone.localdate() + dt.timedelta(days=9))},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(page_url(w.case))
    consultation = Consultation.objects.get()
    assert consultation.closes_at.date() == timezone.localdate() + dt.timedelta(days=10)
    page = client.get(response["Location"]).content.decode()
    address = reverse("consult:consultation", args=[w.process.slug, consultation.slug])
    manage = reverse("consult:manage", args=[w.process.slug, consultation.slug])
    assert "A draft consultation “Validation: Smelter audit programme” was made" in page
    assert f'<a href="{manage}">Manage the consultation</a>' in page
    assert page.count(f'href="{manage}"') == 2  # the message, and the list of validations
    assert page.count(f'href="{address}"') == 1  # the list of validations


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"process": ""}, "Choose a process you organise."),
        ({"process": "abc"}, "Choose a process you organise."),
        ({"process": "9" * 40}, "Choose a process you organise."),
        ({"process": "999999"}, "Choose a process you organise."),
        ({"closes_on": "next week"}, "Give the closing day as a date"),
        ({"closes_on": "2026-02-30"}, "Give the closing day as a date"),
        ({"closes_on": "2001-01-01"}, "The validation must close in the future."),
    ],
)
def test_bad_validation_input_answers_400_with_the_reason(client: Client, w, data, words):
    client.force_login(w.manager)
    data = {"process": w.process.pk, **data}
    response = post(client, w.case, "manage_evidence_validate", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert words in html and 'id="validate-errors"' in html and 'aria-invalid="true"' in html
    assert not Consultation.objects.exists()


def test_a_second_validation_from_the_page_is_refused_with_the_reason(client: Client, w):
    evidence.put_to_validation(case=w.case, process=w.process, by=w.manager)
    client.force_login(w.manager)
    response = post(client, w.case, "manage_evidence_validate", {"process": w.process.pk})
    assert response.status_code == 400
    assert "already being validated in this process" in response.content.decode()
    assert Consultation.objects.count() == 1


def test_a_process_one_does_not_organise_is_forbidden(client: Client, w):
    client.force_login(w.manager)
    response = post(client, w.case, "manage_evidence_validate", {"process": make_process().pk})
    assert response.status_code == 403
    assert not Consultation.objects.exists()


def test_attaching_a_round_and_an_activity_from_the_page(client: Client, w):
    round_ = closed_round(w, {1: ["agree"]})
    poll = poll_with_votes(w, [0, 0])
    client.force_login(w.manager)
    response = post(client, w.case, "manage_evidence_round", {"round": round_.pk})
    assert response.status_code == 302
    response = post(client, w.case, "manage_evidence_activity", {"activity": poll.pk})
    assert response.status_code == 302
    keys = list(CaseEvidence.objects.order_by("id").values_list("source_key", flat=True))
    assert keys == [f"consult.round:{round_.pk}", f"live.activity:{poll.pk}"]
    page = client.get(response["Location"]).content.decode()
    assert "Results of “Would you adopt it?” attached; attaching them again refreshes" in page


@pytest.mark.parametrize("value", ["", "x", "-1", "1.5", "9" * 30, "987654"])
def test_an_unknown_round_or_activity_answers_400(client: Client, w, value):
    client.force_login(w.manager)
    response = post(client, w.case, "manage_evidence_round", {"round": value})
    assert response.status_code == 400
    assert "Choose a closed validation round." in response.content.decode()
    response = post(client, w.case, "manage_evidence_activity", {"activity": value})
    assert response.status_code == 400
    assert "Choose an activity of a peer-learning session." in response.content.decode()
    assert not CaseEvidence.objects.exists()


def test_a_refused_attachment_answers_400_with_the_service_s_reason(client: Client, w):
    workshop = factories.make_event(owner=w.manager, kind=Event.Kind.ROADMAP_WORKSHOP)
    poll = factories.make_activity(session=factories.make_session(event=workshop), open=True)
    client.force_login(w.manager)
    response = post(client, w.case, "manage_evidence_activity", {"activity": poll.pk})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Only a peer-learning session can be a case&#x27;s evidence" in html
    assert 'id="activity-errors"' in html
    draft = factories.make_activity(session=w.session)
    response = post(client, w.case, "manage_evidence_activity", {"activity": draft.pk})
    assert response.status_code == 400
    assert "Open the activity first" in response.content.decode()
    assert not CaseEvidence.objects.exists()


def test_an_open_round_from_the_page_answers_400(client: Client, w):
    consultation = make_consultation(process=w.process)
    round_ = consult_services.open_round(
        consultation=consultation,
        by=w.manager,
        version=consult_selectors.latest_version(consultation),
    )
    client.force_login(w.manager)
    response = post(client, w.case, "manage_evidence_round", {"round": round_.pk})
    assert response.status_code == 400
    assert "Close the validation round first" in response.content.decode()


def test_detaching_from_the_page(client: Client, w):
    item = evidence.attach_activity(case=w.case, activity=poll_with_votes(w, [0]), by=w.manager)
    other_case = make_case()
    client.force_login(w.manager)
    # Evidence of another case through this case's address: not found.
    assert post(client, other_case, "manage_evidence_detach", {}, item.pk).status_code == 404
    response = post(client, w.case, "manage_evidence_detach", {}, item.pk)
    assert response.status_code == 302
    assert not CaseEvidence.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "“Would you adopt it?” is no longer evidence of this case." in page
    assert post(client, w.case, "manage_evidence_detach", {}, item.pk).status_code == 404


def test_unknown_cases_and_wrong_people(client: Client, w):
    assert client.get(page_url(w.case)).status_code == 302  # to log in
    client.force_login(make_member())
    assert client.get(page_url(w.case)).status_code == 403
    client.force_login(w.manager)
    assert client.get(reverse("knowledge:manage_evidence", args=[987654])).status_code == 404
    response = post(Client(), w.case, "manage_evidence_round", {"round": 1})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
