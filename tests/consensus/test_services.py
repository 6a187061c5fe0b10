"""The consensus-statements kind: settings, answering and submitting with their bad
cases (a typed error and nothing changed), moderation, the analysis request and task,
the tally per role, the participant's state, export and evidence rows."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from consensus import analysis, selectors
from consensus import services as consensus_services
from consensus.forms import ConsensusConfigForm
from consensus.models import Analysis, Answer, Statement
from consensus.tasks import recompute_analysis
from sessions import services
from sessions.kinds import CommandError, Role, get_kind
from sessions.models import CommandReceipt
from tests import factories
from tests.factories import act

pytestmark = pytest.mark.django_db(transaction=False)

KIND = get_kind("consensus")
_keys = iter(range(10**6))
SEEDS = [
    "Mining contracts should be published in full.",
    "Artisanal miners need formal titles to their land.",
    "Recycled minerals should count towards due diligence targets.",
]


def make_consensus(**config):
    config.setdefault("statements", SEEDS)
    activity = services.add_activity(
        session=factories.make_session(), kind="consensus", title="Common ground", config=config
    )
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    return activity


def person(activity, group="", name=""):
    return factories.make_participant(
        session=activity.session, stakeholder_group=group, display_name=name
    )


def statement(activity, text):
    return Statement.objects.get(activity=activity, text=text)


def state():
    """Everything a refused command must leave as it was."""
    return (
        list(Statement.objects.order_by("id").values_list("id", "text", "status", "author_id")),
        list(Answer.objects.order_by("id").values_list("statement_id", "participant_id", "vote")),
        CommandReceipt.objects.count(),
    )


def refused(activity, participant, action, data, code):
    before = state()
    with pytest.raises(CommandError) as error:
        act(activity, participant, action, data)
    assert error.value.code == code
    assert state() == before


# ----------------------------------------------------------------- settings


def test_settings_take_defaults_and_seed_statements_become_rows():
    activity = make_consensus()
    assert activity.config == {"max_length": 200, "allow_submissions": True, "max_submissions": 3}
    assert list(
        Statement.objects.filter(activity=activity).order_by("id").values_list("text", "status")
    ) == [(text, "visible") for text in SEEDS]
    assert Analysis.objects.filter(activity=activity, pending=False).exists()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"max_length": 5}, "max_length"),
        ({"max_length": "many"}, "max_length"),
        ({"max_submissions": 0}, "max_submissions"),
        ({"allow_submissions": "yes"}, "allow_submissions"),
        ({"statements": "Same statement here.\nsame statement HERE"}, "statements"),
        ({"statements": ["x" * 201]}, "statements"),
        ({"statements": 7}, "statements"),
    ],
)
def test_bad_settings_name_their_field(raw, field):
    with pytest.raises(ValidationError) as error:
        KIND.clean_config(raw)
    assert field in error.value.message_dict


def test_the_settings_form_gives_clean_config_its_raw_settings():
    form = ConsensusConfigForm(
        data={"statements": "One statement here\n\nAnother one here", "max_submissions": "2"}
    )
    assert form.is_valid(), form.errors
    config = KIND.clean_config(form.config())
    assert config["seed"] == ["One statement here", "Another one here"]
    assert config["max_submissions"] == 2
    assert config["allow_submissions"] is False  # an unticked box


def test_statement_keys_fold_case_accents_and_punctuation():
    key = consensus_services.statement_key
    assert key("Mines must publish contracts.") == key("  mines MUST publish   contracts")
    assert key("Énergie propre") == key("energie propre!")
    assert key("Clean energy") != key("Clean energy now")


# ----------------------------------------------------------------- answering


def test_an_answer_is_stored_replaced_and_asks_for_one_analysis(django_capture_on_commit_callbacks):
    activity = make_consensus()
    first = statement(activity, SEEDS[0])
    someone = person(activity)
    with django_capture_on_commit_callbacks(execute=True):
        result = act(activity, someone, "answer", {"statement": first.pk, "vote": "agree"})
    assert result["ballot"] == {"answers": {str(first.pk): "agree"}, "submitted": []}
    analysis_row = Analysis.objects.get(activity=activity)
    assert analysis_row.pending is True
    assert DBTaskResult.objects.filter(task_path__endswith="recompute_analysis").count() == 1

    # A second answer while the task waits: replaced, and no second task.
    with django_capture_on_commit_callbacks(execute=True):
        act(activity, someone, "answer", {"statement": first.pk, "vote": "disagree"})
    assert list(Answer.objects.values_list("participant_id", "vote")) == [(someone.pk, -1)]
    assert DBTaskResult.objects.filter(task_path__endswith="recompute_analysis").count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (None, "invalid_value"),
        ({"statement": 1}, "invalid_value"),  # no vote
        ({"vote": "agree"}, "invalid_value"),  # no statement
        ({"statement": "1", "vote": "agree"}, "invalid_value"),
        ({"statement": True, "vote": "agree"}, "invalid_value"),
        ({"statement": 999999, "vote": "agree"}, "not_found"),
        ({"statement": "first", "vote": "maybe"}, "invalid_value"),
    ],
)
def test_bad_answers_are_refused(data, code):
    activity = make_consensus()
    if isinstance(data, dict) and data.get("statement") == "first":
        data = {**data, "statement": statement(activity, SEEDS[0]).pk}
    refused(activity, person(activity), "answer", data, code)


def test_hidden_pending_and_other_activities_statements_cannot_be_answered():
    activity = make_consensus()
    other = make_consensus()
    someone = person(activity)
    hidden = statement(activity, SEEDS[1])
    services.moderate_activity(activity=activity, action="hide", data={"statement": hidden.pk})
    act(activity, someone, "submit", {"text": "Traceability should reach the smelter level."})
    pending = Statement.objects.get(activity=activity, status="pending")
    for target in (hidden, pending, statement(other, SEEDS[0])):
        refused(activity, someone, "answer", {"statement": target.pk, "vote": "agree"}, "not_found")


def test_answers_after_close_are_refused():
    activity = make_consensus()
    services.close_activity(activity=activity)
    refused(
        activity,
        person(activity),
        "answer",
        {"statement": statement(activity, SEEDS[0]).pk, "vote": "agree"},
        "activity_closed",
    )


# ----------------------------------------------------------------- submitting


def test_a_submission_waits_for_approval_and_then_joins_the_room():
    activity = make_consensus()
    someone = person(activity, name="Ana")
    result = act(activity, someone, "submit", {"text": "  Smelters should   be audited yearly. "})
    new = Statement.objects.get(activity=activity, status="pending")
    assert new.text == "Smelters should be audited yearly."
    assert result["ballot"]["submitted"] == [{"id": new.pk, "text": new.text, "status": "pending"}]
    lists = selectors.item_lists(activity)
    assert new.pk not in [s["id"] for s in lists["participant"]]
    assert {
        "id": new.pk,
        "text": new.text,
        "language": "en",  # the author's interface language
        "status": "pending",
        "submitted": True,
    } in lists["facilitator"]
    services.moderate_activity(activity=activity, action="approve", data={"statement": new.pk})
    assert {"id": new.pk, "text": new.text, "language": "en"} in selectors.item_lists(activity)[
        "participant"
    ]
    # Nobody but the export sees who submitted it.
    assert "Ana" not in str(selectors.item_lists(activity))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (None, "invalid_value"),
        ({"text": 5}, "invalid_value"),
        ({"text": "   "}, "empty"),
        ({"text": "x" * 201}, "too_long"),
        ({"text": "mining contracts should be PUBLISHED in full"}, "duplicate"),
    ],
)
def test_bad_submissions_are_refused(data, code):
    activity = make_consensus()
    refused(activity, person(activity), "submit", data, code)


def test_a_participant_submits_at_most_their_limit_and_not_when_closed():
    activity = make_consensus(max_submissions=1)
    someone = person(activity)
    act(activity, someone, "submit", {"text": "Smelters should be audited yearly."})
    refused(activity, someone, "submit", {"text": "Buyers should pay a premium."}, "too_many")
    closed = make_consensus(allow_submissions=False)
    refused(
        closed, person(closed), "submit", {"text": "Anything at all here"}, "submissions_closed"
    )


def test_participants_cannot_moderate():
    activity = make_consensus()
    refused(
        activity,
        person(activity),
        "approve",
        {"statement": statement(activity, SEEDS[0]).pk},
        "forbidden",
    )


# ----------------------------------------------------------------- moderation


def test_moderation_moves_and_their_refusals():
    activity = make_consensus()
    first = statement(activity, SEEDS[0])

    def moderate(action, data):
        services.moderate_activity(activity=activity, action=action, data=data)

    with pytest.raises(CommandError) as error:
        moderate("approve", {"statement": first.pk})
    assert error.value.code == "not_pending"
    moderate("hide", {"statement": first.pk})
    assert statement(activity, SEEDS[0]).status == "hidden"
    with pytest.raises(CommandError) as error:
        moderate("hide", {"statement": first.pk})
    assert error.value.code == "already_hidden"
    moderate("unhide", {"statement": first.pk})
    assert statement(activity, SEEDS[0]).status == "visible"
    moderate("add", {"text": "Governments should share export data."})
    assert statement(activity, "Governments should share export data.").status == "visible"
    for action, data, code in [
        ("add", {"text": SEEDS[1].upper()}, "duplicate"),
        ("add", {"text": ""}, "empty"),
        ("add", "text", "invalid_value"),
        ("approve", {"statement": 10**9}, "not_found"),
        ("promote", {"statement": first.pk}, "invalid_value"),  # no target
        ("pin", {"statement": first.pk}, "unknown_action"),
    ]:
        with pytest.raises(CommandError) as error:
            moderate(action, data)
        assert error.value.code == code


def test_add_statement_capability_takes_text_only_and_refuses_closed_activities():
    activity = make_consensus()
    added = KIND.add_statement(
        activity=activity,
        text="Theme: water use near mines",
        statement_type=None,
        horizon=None,
        actor=None,
        source=None,
    )
    assert statement(activity, "Theme: water use near mines").pk == added["id"]
    services.close_activity(activity=activity)
    with pytest.raises(CommandError) as error:
        KIND.add_statement(
            activity=activity, text="Another one", statement_type=None, horizon=None,
            actor=None, source=None,
        )  # fmt: skip
    assert error.value.code == "activity_closed"


# ----------------------------------------------------------------- analysis and tally

GROUPS = ["industry_upstream"] * 6 + ["civil_society"] * 6


def _vote_world():
    """12 participants of two declared groups: everyone agrees with the first statement,
    industry agrees and civil society disagrees with the second, and the third is
    passed by everyone."""
    activity = make_consensus()
    s1, s2, s3 = (statement(activity, text) for text in SEEDS)
    people = [person(activity, group=g) for g in GROUPS]
    for p, group in zip(people, GROUPS, strict=True):
        act(activity, p, "answer", {"statement": s1.pk, "vote": "agree"})
        vote = "agree" if group == "industry_upstream" else "disagree"
        act(activity, p, "answer", {"statement": s2.pk, "vote": vote})
        act(activity, p, "answer", {"statement": s3.pk, "vote": "pass"})
    return activity, (s1, s2, s3)


def test_the_task_stores_the_analysis_and_the_tally_carries_it():
    activity, (s1, s2, s3) = _vote_world()
    assert recompute_analysis.call(activity_id=activity.pk) is True
    stored = Analysis.objects.get(activity=activity)
    assert stored.pending is False and stored.answers == 36
    result = stored.result
    assert result["declared_groups"] == ["industry_upstream", "civil_society"]
    # Consensus over declared groups: (6 + 1) / (6 + 2) in both groups on s1.
    assert result["statements"][str(s1.pk)]["consensus_declared"] == round((7 / 8) ** 2, 4)
    assert result["statements"][str(s2.pk)]["consensus_declared"] == round((1 / 8) * (7 / 8), 4)
    assert result["statements"][str(s1.pk)]["by_group"]["industry_upstream"] == {
        "agree": 6, "disagree": 0, "pass": 0, "seen": 6,
    }  # fmt: skip
    assert result["common_ground"]["declared"][0][0] == s1.pk
    assert result["divisive"]["declared"][0][0] == s2.pk
    assert len(result["map"]) == result["placed"]

    tally = KIND.tally(activity)
    assert tally["counts"][str(s1.pk)] == [12, 0, 0]
    assert tally["counts"][str(s2.pk)] == [6, 6, 0]
    assert tally["counts"][str(s3.pk)] == [0, 0, 12]
    assert "map" not in tally["analysis"]
    participant_view = KIND.role_view(activity, tally, Role.PARTICIPANT)
    assert "pending" not in participant_view
    assert "by_group" not in participant_view["analysis"]["statements"][str(s1.pk)]
    assert (
        "by_group"
        in KIND.role_view(activity, tally, Role.FACILITATOR)["analysis"]["statements"][str(s1.pk)]
    )


def test_small_declared_groups_stay_hidden_in_the_analysis():
    activity = make_consensus()
    s1 = statement(activity, SEEDS[0])
    for group in ["industry_upstream"] * 5 + ["policy"] * 2:
        act(
            activity, person(activity, group=group), "answer", {"statement": s1.pk, "vote": "agree"}
        )
    result = analysis.compute(activity=activity)
    assert result["statements"][str(s1.pk)]["by_group"]["policy"] is None
    assert result["statements"][str(s1.pk)]["by_group"]["industry_upstream"]["agree"] == 5
    assert result["declared_groups"] == ["industry_upstream"]


def test_hidden_statements_leave_the_analysis():
    activity, (s1, s2, _s3) = _vote_world()
    services.moderate_activity(activity=activity, action="hide", data={"statement": s2.pk})
    result = analysis.compute(activity=activity)
    assert str(s2.pk) not in result["statements"]
    assert str(s1.pk) in result["statements"]


def test_results_pending_only_while_a_recent_request_waits():
    activity, _ = _vote_world()
    assert KIND.results_pending(activity) is False
    consensus_services.request_analysis(activity_id=activity.pk)
    assert KIND.results_pending(activity) is True
    recompute_analysis.call(activity_id=activity.pk)
    assert KIND.results_pending(activity) is False
    assert recompute_analysis.call(activity_id=10**9) is False


def test_export_and_evidence_rows():
    activity, (s1, s2, s3) = _vote_world()
    recompute_analysis.call(activity_id=activity.pk)
    rows = list(KIND.export_rows(activity))
    assert len(rows) == 36
    assert set(rows[0]) == {"participant", *KIND.export_columns}
    assert {r["answer"] for r in rows if r["statement_id"] == s2.pk} == {"agree", "disagree"}
    evidence = KIND.evidence_rows(activity, KIND.tally(activity))
    assert [e["label"] for e in evidence] == [s1.text, s2.text, s3.text]
    assert evidence[0]["share"] == 100.0 and evidence[1]["share"] == 50.0
    assert KIND.response_count(activity) == 12


def test_no_statement_is_added_to_a_closed_activity_and_labels_name_the_groups():
    activity = make_consensus()
    services.close_activity(activity=activity)
    before = state()
    with pytest.raises(CommandError) as error:
        services.moderate_activity(
            activity=activity, action="add", data={"text": "Too late for this one"}
        )
    assert error.value.code == "activity_closed"
    assert state() == before
    labels = KIND.public_config(activity)["group_labels"]
    assert labels["civil_society"] == "Civil society / NGO"
    assert "" not in labels
