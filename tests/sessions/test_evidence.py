"""Live results attached to a consultation section (sessions.evidence): who may, what
the frozen copy holds for every activity kind, and what it never holds."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from boards.models import Cluster, Note
from consult.models import Evidence, ProcessRole
from qna.models import Question
from sessions import evidence
from sessions.kinds import kind_choices
from tests import factories
from tests.consult.factories import make_consultation, make_process
from tests.evidence import act, make_setup, moderate, open_activity, section_of, voters

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_setup()


def test_an_organiser_facilitator_attaches_a_poll_s_results(setup):
    poll = factories.make_activity(session=setup.session, title="Which metal first?", open=True)
    for person, choice in zip(voters(poll, 3), [0, 0, 1], strict=True):
        act(poll, person, choice)
    item = evidence.attach_activity_to_section(
        activity=poll, section=setup.section, by=setup.organiser
    )
    item.refresh_from_db()
    assert item.section == setup.section
    assert item.title == "Which metal first?"
    assert item.origin == f"{setup.event.title} · Plenary"
    assert item.url == f"/s/{setup.session.code}/results/{poll.pk}"
    assert item.source_key == f"live.activity:{poll.pk}"
    assert item.responses == 3
    assert item.attached_by == setup.organiser
    assert item.results == [
        {"label": "Yes", "value": 2, "share": 66.7, "detail": ""},
        {"label": "No", "value": 1, "share": 33.3, "detail": ""},
        {"label": "Not sure", "value": 0, "share": 0.0, "detail": ""},
    ]


def test_attaching_again_refreshes_the_copy_instead_of_duplicating_it(setup):
    poll = factories.make_activity(session=setup.session, open=True)
    first, second = voters(poll, 2)
    act(poll, first, 0)
    before = evidence.attach_activity_to_section(
        activity=poll, section=setup.section, by=setup.organiser
    )
    act(poll, second, 2)
    after = evidence.attach_activity_to_section(
        activity=poll, section=setup.section, by=setup.organiser
    )
    assert Evidence.objects.count() == 1 and after.pk == before.pk
    after.refresh_from_db()
    assert after.responses == 2
    assert [r["value"] for r in after.results] == [1, 0, 1]
    assert after.collected_at >= before.collected_at
    # The same results attached to another section is a second, separate copy.
    evidence.attach_activity_to_section(
        activity=poll, section=section_of(setup.consultation, 1), by=setup.organiser
    )
    assert Evidence.objects.count() == 2


def test_the_copy_is_frozen_while_the_live_results_move_on(setup):
    poll = factories.make_activity(session=setup.session, open=True)
    first, second = voters(poll, 2)
    act(poll, first, 0)
    evidence.attach_activity_to_section(activity=poll, section=setup.section, by=setup.organiser)
    act(poll, second, 0)
    stored = Evidence.objects.get()
    assert stored.responses == 1 and stored.results[0]["value"] == 1
    assert evidence.evidence_rows(poll)[0]["value"] == 2


def refusals(setup):
    """Everyone who may not attach this session's results: (who, error)."""
    participant_user = factories.make_user()
    factories.make_participant(session=setup.session, user=participant_user)
    other_facilitator = factories.make_user(organiser=True)
    factories.make_session(event=factories.make_event(owner=other_facilitator))
    # An organiser of the process who does not run this event.
    process_organiser = factories.make_user(organiser=True)
    ProcessRole.objects.create(
        process=setup.process, user=process_organiser, role=ProcessRole.Role.ORGANISER
    )
    return {
        "anonymous": AnonymousUser(),
        "participant": participant_user,
        "organiser without the live permission": factories.make_user(),
        "facilitator of another session": other_facilitator,
        "process organiser who does not run the event": process_organiser,
    }


def test_nobody_but_the_session_s_facilitator_may_attach(setup):
    poll = factories.make_activity(session=setup.session, open=True)
    act(poll, voters(poll, 1)[0], 0)
    for who, user in refusals(setup).items():
        with pytest.raises(PermissionDenied) as refused:
            evidence.attach_activity_to_section(activity=poll, section=setup.section, by=user)
        assert "facilitators" in str(refused.value), who
    assert Evidence.objects.count() == 0


def test_a_facilitator_who_does_not_organise_the_process_is_refused(setup):
    # The event's owner runs the session, but the process is someone else's.
    other = make_process()
    setup.event.process = other
    setup.event.save(update_fields=["process"])
    section = section_of(make_consultation(process=other))
    poll = factories.make_activity(session=setup.session, open=True)
    poll.session.event.refresh_from_db()
    with pytest.raises(PermissionDenied, match="organisers of this process"):
        evidence.attach_activity_to_section(activity=poll, section=section, by=setup.organiser)
    assert Evidence.objects.count() == 0


def test_a_section_of_another_process_is_refused(setup):
    # Another process the same person organises: still not this event's process.
    elsewhere = section_of(make_consultation(process=make_process(owner=setup.organiser)))
    poll = factories.make_activity(session=setup.session, open=True)
    with pytest.raises(ValidationError) as refused:
        evidence.attach_activity_to_section(activity=poll, section=elsewhere, by=setup.organiser)
    assert refused.value.code == "other_process"
    assert Evidence.objects.count() == 0


def test_an_event_without_a_process_attaches_to_any_process_its_owner_organises():
    setup = make_setup(with_process=False)
    poll = factories.make_activity(session=setup.session, open=True)
    evidence.attach_activity_to_section(activity=poll, section=setup.section, by=setup.organiser)
    assert Evidence.objects.filter(section=setup.section).count() == 1
    foreign = section_of(make_consultation())  # a process of someone else
    with pytest.raises(PermissionDenied):
        evidence.attach_activity_to_section(activity=poll, section=foreign, by=setup.organiser)
    assert Evidence.objects.count() == 1


def test_a_draft_activity_or_a_published_consultation_is_refused(setup):
    draft = factories.make_activity(session=setup.session)
    with pytest.raises(ValidationError, match="Open the activity first"):
        evidence.attach_activity_to_section(
            activity=draft, section=setup.section, by=setup.organiser
        )
    published = make_consultation(process=setup.process, status="published")
    poll = factories.make_activity(session=setup.session, open=True)
    with pytest.raises(ValidationError, match="published"):
        evidence.attach_activity_to_section(
            activity=poll, section=section_of(published), by=setup.organiser
        )
    assert Evidence.objects.count() == 0


# ------------------------------------------------------------------ every kind

BALLOTS = {
    "single_choice": ([0, 1, 0], ["Yes", "No", "Not sure"], [2, 1, 0]),
    "multiple_choice": ([[0, 1], [1]], ["Cobalt", "Lithium", "Tin", "Gold"], [1, 2, 0, 0]),
    "scale": ([4, 5], ["1", "2", "3", "4", "5", "Mean"], [0, 0, 0, 1, 1, 4.5]),
    "word_cloud": ([["lithium", "cobalt"], ["lithium"]], ["lithium", "cobalt"], [2, 1]),
    "ranking": (
        [[2, 0, 1], [2, 1, 0]],
        ["Recycling", "Living wages", "Traceability"],
        [4, 1, 1],
    ),
    "dot_vote": (
        [{"0": 1, "2": 3}, {"2": 2}],
        [
            "Publish supply chain audits",
            "Zero-waste mines",
            "Half of batteries recycled",
        ],
        [5, 1, 0],
    ),
    "impact_feasibility": (
        [{"1": {"impact": 5, "feasibility": 2}}, {"1": {"impact": 4, "feasibility": 2}}],
        ["Half of batteries recycled", "Zero-waste mines", "Publish supply chain audits"],
        ["Major projects", "", ""],
    ),
    "statement_ranking": (
        [[1, 0, 2], [1, 2, 0]],
        ["Half of batteries recycled", "Zero-waste mines", "Publish supply chain audits"],
        [4, 1, 1],
    ),
}


def board_with_notes(session):
    board = open_activity(session, "idea_board", {"columns": ["Challenges", "Solutions"]})
    ana, ben = voters(board, 2)
    act(board, ana, {"column": 0, "text": "Water use of mines"}, "post")
    act(board, ben, {"column": 1, "text": "Deposit scheme for batteries"}, "post")
    first, second = Note.objects.filter(activity=board).order_by("id")
    moderate(board, "create_cluster", {"name": "Circularity"})
    cluster = Cluster.objects.get(activity=board)
    moderate(board, "assign", {"note": second.pk, "cluster": cluster.pk})
    moderate(board, "start_voting", {"budget": 3})
    act(board, ana, {"note": second.pk}, "upvote")
    act(board, ben, {"note": second.pk}, "upvote")
    act(board, ben, {"note": first.pk}, "upvote")
    return board


def qna_with_questions(session):
    qna = open_activity(session, "qna", {}, title="Ask the panel")
    ana, ben = voters(qna, 2)
    act(qna, ana, {"text": "Who pays for the recycling plants?"}, "ask")
    act(qna, ben, {"text": "When do the audits start?", "anonymous": True}, "ask")
    first = Question.objects.get(text__startswith="Who pays")
    act(qna, ben, {"question": first.pk}, "upvote")
    moderate(qna, "mark_answered", {"question": first.pk})
    return qna


def test_every_registered_kind_is_covered_here():
    assert {name for name, _label in kind_choices()} == {
        *BALLOTS,
        "idea_board",
        "qna",
        "consensus",
    }


@pytest.mark.parametrize("kind", sorted(BALLOTS))
def test_each_poll_kind_produces_its_figures(setup, kind):
    poll = factories.make_activity(session=setup.session, kind=kind, open=True)
    ballots, labels, values = BALLOTS[kind]
    for person, ballot in zip(voters(poll, len(ballots)), ballots, strict=True):
        act(poll, person, ballot)
    item = evidence.attach_activity_to_section(
        activity=poll, section=setup.section, by=setup.organiser
    )
    item.refresh_from_db()
    assert [r["label"] for r in item.results] == labels
    assert [r["value"] for r in item.results] == values
    assert item.responses == len(ballots)
    assert all(set(r) == {"label", "value", "share", "detail"} for r in item.results)
    assert "Voter" not in json.dumps(item.results)  # no participant's name


def test_word_cloud_evidence_leaves_out_hidden_entries(setup):
    cloud = factories.make_activity(session=setup.session, kind="word_cloud", open=True)
    for person, words in zip(
        voters(cloud, 2), [["lithium", "rude word"], ["rude word"]], strict=True
    ):
        act(cloud, person, words)
    moderate(cloud, "hide_entry", "rude word")
    item = evidence.attach_activity_to_section(
        activity=cloud, section=setup.section, by=setup.organiser
    )
    assert item.results == [{"label": "lithium", "value": 1, "share": 100.0, "detail": ""}]


def test_idea_board_evidence_has_clusters_and_notes_with_upvotes(setup):
    board = board_with_notes(setup.session)
    item = evidence.attach_activity_to_section(
        activity=board, section=setup.section, by=setup.organiser
    )
    assert [(r["label"], r["value"]) for r in item.results] == [
        ("Circularity", 2),
        ("Deposit scheme for batteries", 2),
        ("Water use of mines", 1),
    ]
    assert "Solutions" in item.results[1]["detail"] and "Circularity" in item.results[1]["detail"]
    assert item.responses == 2


def test_hidden_and_merged_board_notes_never_appear_in_evidence(setup):
    board = board_with_notes(setup.session)
    person = voters(board, 1)[0]
    moderate(board, "stop_voting")
    act(board, person, {"column": 0, "text": "Insult aimed at a speaker"}, "post")
    act(board, person, {"column": 0, "text": "Water use by mines"}, "post")
    insult = Note.objects.get(text__startswith="Insult")
    duplicate = Note.objects.get(text="Water use by mines")
    original = Note.objects.get(text="Water use of mines")
    moderate(board, "hide", {"note": insult.pk})
    moderate(board, "merge", {"note": duplicate.pk, "into": original.pk})
    item = evidence.attach_activity_to_section(
        activity=board, section=setup.section, by=setup.organiser
    )
    text = json.dumps(item.results)
    assert "Insult" not in text and "Water use by mines" not in text
    assert "Water use of mines" in text
    assert "Voter" not in text  # authors' names never


def test_a_private_board_shows_no_notes_until_revealed(setup):
    board = open_activity(setup.session, "idea_board", {"columns": ["Ideas"], "mode": "private"})
    act(board, voters(board, 1)[0], {"column": 0, "text": "A secret idea"}, "post")
    item = evidence.attach_activity_to_section(
        activity=board, section=setup.section, by=setup.organiser
    )
    assert item.results == []
    moderate(board, "reveal", True)
    item = evidence.attach_activity_to_section(
        activity=board, section=setup.section, by=setup.organiser
    )
    assert [r["label"] for r in item.results] == ["A secret idea"]


def test_qna_evidence_has_visible_questions_only_and_never_who_asked(setup):
    qna = qna_with_questions(setup.session)
    qna.config = {**qna.config, "premoderate": True}
    qna.save(update_fields=["config"])
    asker = voters(qna, 1)[0]
    act(qna, asker, {"text": "A question still awaiting approval"}, "ask")
    act(qna, asker, {"text": "A question the facilitator hid"}, "ask")
    hidden = Question.objects.get(text__endswith="hid")
    moderate(qna, "hide", {"question": hidden.pk})
    assert Question.objects.filter(status=Question.Status.PENDING).count() == 1
    item = evidence.attach_activity_to_section(
        activity=qna, section=setup.section, by=setup.organiser
    )
    assert [(r["label"], r["value"]) for r in item.results] == [
        ("Who pays for the recycling plants?", 1),
        ("When do the audits start?", 0),
    ]
    assert "answered" in item.results[0]["detail"]
    text = json.dumps(item.results)
    assert "awaiting approval" not in text and "facilitator hid" not in text
    assert "Voter" not in text
    assert item.responses == 2  # visible questions


def test_the_section_choices_are_the_event_s_process_s_open_consultations(setup):
    make_consultation(process=setup.process, status="published")
    other = make_consultation(process=make_process(owner=setup.organiser), title="Elsewhere")
    choices = evidence.section_choices(setup.organiser, setup.event)
    assert [c["consultation"] for c in choices] == [setup.consultation]
    assert [h for _id, h in choices[0]["sections"]] == [
        "Vision 2050",
        "Due diligence",
        "Traceability",
    ]
    assert evidence.section_choices(factories.make_user(organiser=True), setup.event) == []
    setup.event.process = None
    assert {c["consultation"] for c in evidence.section_choices(setup.organiser, setup.event)} == {
        setup.consultation,
        other,
    }


def test_consensus_evidence_has_visible_statements_common_ground_first_and_no_names(setup):
    from consensus.models import Statement

    activity = open_activity(
        setup.session,
        "consensus",
        {"statements": ["Publish every mining contract", "Ban all artisanal mining"]},
        title="Where we agree",
    )
    publish, ban = Statement.objects.filter(activity=activity).order_by("id")
    for person, votes in zip(
        voters(activity, 3),
        [("agree", "disagree"), ("agree", "agree"), ("agree", "pass")],
        strict=True,
    ):
        for statement, vote in zip((publish, ban), votes, strict=True):
            act(activity, person, {"statement": statement.pk, "vote": vote}, "answer")
    asker = voters(activity, 1)[0]
    act(activity, asker, {"text": "A statement still awaiting approval"}, "submit")
    moderate(activity, "add", {"text": "A statement the facilitator hid"})
    moderate(activity, "hide", {"statement": Statement.objects.get(text__endswith="hid").pk})
    item = evidence.attach_activity_to_section(
        activity=activity, section=setup.section, by=setup.organiser
    )
    assert [(r["label"], r["value"], r["share"]) for r in item.results] == [
        ("Publish every mining contract", 3, 100.0),
        ("Ban all artisanal mining", 1, 33.3),
    ]
    text = json.dumps(item.results)
    assert "awaiting approval" not in text and "facilitator hid" not in text
    assert "Voter" not in text
    assert item.responses == 3  # participants who answered
