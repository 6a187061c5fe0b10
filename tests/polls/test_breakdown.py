"""polls/breakdown.py: figures per stakeholder group, hidden below MIN_GROUP_SIZE."""

from __future__ import annotations

import pytest

from polls.breakdown import MIN_GROUP_SIZE, ballot_rows, breakdown, group_keys
from sessions import services
from sessions.models import Participant
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "Alpha\nBeta\nGamma"


def activity_of(kind):
    return factories.make_activity(kind=kind, open=True, config={"statements": TEXT})


def voters(activity, n, group):
    return [
        factories.make_participant(session=activity.session, stakeholder_group=group)
        for _ in range(n)
    ]


def vote(activity, participant, data):
    services.perform_command(
        participant=participant, activity_id=activity.pk, action="vote", data=data, key="k"
    )


def by_group(activity):
    return {g["group"]: g for g in breakdown(activity)}


def test_group_order_is_the_declared_list_then_not_said():
    assert group_keys() == [
        "industry_upstream",
        "industry_downstream",
        "civil_society",
        "policy",
        "research",
        "finance",
        "community_labour",
        "other",
        "not_said",
    ]


def test_ratings_per_group_have_their_own_means_and_spreads():
    activity = activity_of("impact_feasibility")
    impacts = [1, 2, 3, 4, 5]  # mean 3, population sd sqrt(2) = 1.41
    for participant, impact in zip(voters(activity, 5, "finance"), impacts, strict=True):
        vote(activity, participant, {"2": {"impact": impact, "feasibility": 5}})
    for participant in voters(activity, MIN_GROUP_SIZE - 1, "policy"):
        vote(activity, participant, {"0": {"impact": 1, "feasibility": 1}})
    groups = by_group(activity)
    finance = groups["finance"]
    assert (finance["respondents"], finance["hidden"], finance["total"]) == (5, False, 5)
    assert finance["statements"][0] == {
        "index": 2,
        "n": 5,
        "impact": 3.0,
        "feasibility": 5.0,
        "impact_sd": 1.41,
        "feasibility_sd": 0.0,
        "quadrant": "quick_wins",
    }
    assert [r["n"] for r in finance["statements"]] == [5, 0, 0]
    assert groups["policy"] == {
        "group": "policy",
        "label": "Government / policy maker",
        "respondents": 4,
        "hidden": True,
    }


def test_a_ranking_group_reaching_five_is_shown():
    activity = activity_of("statement_ranking")
    for participant in voters(activity, 5, "community_labour"):
        vote(activity, participant, [2, 1, 0])
    shown = by_group(activity)["community_labour"]
    assert shown["statements"] == [
        {"index": 2, "mean_rank": 1.0, "borda": 10},
        {"index": 1, "mean_rank": 2.0, "borda": 5},
        {"index": 0, "mean_rank": 3.0, "borda": 0},
    ]


def test_a_value_outside_the_list_counts_as_other_and_empty_as_not_said():
    activity = activity_of("dot_vote")
    legacy = voters(activity, 1, "")[0]
    Participant.objects.filter(pk=legacy.pk).update(stakeholder_group="retired_list_value")
    vote(activity, legacy, {"0": 1})
    vote(activity, voters(activity, 1, "")[0], {"1": 2})
    rows = sorted(ballot_rows(activity), key=repr)
    assert rows == [({"0": 1}, "other", 1), ({"1": 2}, "not_said", 1)]
    groups = by_group(activity)
    assert groups["other"]["respondents"] == 1 and groups["not_said"]["respondents"] == 1


def test_identical_ballots_are_counted_in_sql_per_group():
    activity = activity_of("dot_vote")
    for participant in voters(activity, 6, "research"):
        vote(activity, participant, {"0": 2, "2": 1})
    assert ballot_rows(activity) == [({"0": 2, "2": 1}, "research", 6)]
    research = by_group(activity)["research"]
    assert research["statements"][:2] == [
        {"index": 0, "dots": 12, "voters": 6},
        {"index": 2, "dots": 6, "voters": 6},
    ]
