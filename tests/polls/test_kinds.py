"""Each poll kind: its settings, its ballots and the exact tally."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from polls.models import Ballot
from sessions import services
from sessions.kinds import CommandError, get_kind
from tests import factories

pytestmark = pytest.mark.django_db


def vote(activity, participant, data, key=None):
    return services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action="vote",
        data=data,
        key=key or f"k{data!r}{participant.pk}",
    )


def people(session, n):
    return [factories.make_participant(session=session) for _ in range(n)]


@pytest.mark.parametrize(
    ("kind", "config", "message"),
    [
        ("single_choice", {"options": ["Only"]}, "between 2 and 20"),
        ("single_choice", {"options": ["A", "a"]}, "must be different"),
        ("single_choice", {"options": ["x" * 121, "B"]}, "under 120"),
        ("single_choice", {"options": "not\n\n"}, "between 2 and 20"),
        ("multiple_choice", {"options": ["A", "B"], "max_choices": 3}, "from 1 to 2"),
        ("multiple_choice", {"options": ["A", "B"], "max_choices": "many"}, "whole number"),
        ("scale", {"min": 5, "max": 1}, "above the bottom"),
        ("scale", {"min": 0, "max": 40}, "from -10 to 20"),
        ("word_cloud", {"max_entries": 0}, "from 1 to 10"),
        ("ranking", {"options": [str(i) for i in range(11)]}, "between 2 and 10"),
    ],
)
def test_bad_settings_are_refused(kind, config, message):
    with pytest.raises(ValidationError) as exc:
        get_kind(kind).clean_config(config)
    assert message in str(exc.value)


def test_options_are_trimmed_and_blank_lines_dropped():
    assert get_kind("single_choice").clean_config({"options": "  Yes \n\n No  "}) == {
        "options": ["Yes", "No"]
    }


def test_single_choice_counts_and_percentages():
    poll = factories.make_activity(kind="single_choice", open=True)
    for p, choice in zip(people(poll.session, 4), [0, 0, 1, 0], strict=True):
        vote(poll, p, choice)
    assert get_kind("single_choice").tally(poll) == {
        "total": 4,
        "options": [
            {"label": "Yes", "count": 3, "percent": 75.0},
            {"label": "No", "count": 1, "percent": 25.0},
            {"label": "Not sure", "count": 0, "percent": 0.0},
        ],
    }


def test_multiple_choice_percentages_are_of_voters_and_limits_hold():
    poll = factories.make_activity(kind="multiple_choice", open=True)  # max 2 of 4
    a, b, c = people(poll.session, 3)
    vote(poll, a, [0, 1])
    vote(poll, b, [1])
    vote(poll, c, [3, 1])
    tally = get_kind("multiple_choice").tally(poll)
    assert tally["total"] == 3
    assert [(o["count"], o["percent"]) for o in tally["options"]] == [
        (1, 33.3),
        (3, 100.0),
        (0, 0.0),
        (1, 33.3),
    ]
    with pytest.raises(CommandError) as exc:
        vote(poll, a, [0, 1, 2], key="x")
    assert exc.value.code == "too_many_choices"
    for bad in ([], [0, 0], [9], ["0"], 1, [True]):
        with pytest.raises(CommandError) as exc:
            vote(poll, a, bad, key=f"bad{bad!r}")
        assert exc.value.code == "invalid_choice", bad
    assert Ballot.objects.get(activity=poll, participant=a).choice == [0, 1]


def test_scale_distribution_and_mean():
    poll = factories.make_activity(kind="scale", open=True)  # 1..5
    for p, value in zip(people(poll.session, 4), [1, 4, 5, 5], strict=True):
        vote(poll, p, value)
    tally = get_kind("scale").tally(poll)
    assert tally["total"] == 4 and tally["mean"] == 3.75
    assert [(d["value"], d["count"]) for d in tally["distribution"]] == [
        (1, 1),
        (2, 0),
        (3, 0),
        (4, 1),
        (5, 2),
    ]
    for bad in (0, 6, 2.5, True, "3"):
        with pytest.raises(CommandError) as exc:
            vote(poll, people(poll.session, 1)[0], bad)
        assert exc.value.code == "invalid_choice"


def test_word_cloud_normalises_dedupes_and_hides():
    cloud = factories.make_activity(kind="word_cloud", open=True)  # 3 entries, 30 chars
    a, b = people(cloud.session, 2)
    assert vote(cloud, a, ["  Human  Rights ", "human rights", "Traceability"])["ballot"] == [
        "human rights",
        "traceability",
    ]
    vote(cloud, b, "HUMAN rights")
    kind = get_kind("word_cloud")
    assert kind.tally(cloud) == {
        "total_entries": 3,
        "words": [{"text": "human rights", "count": 2}, {"text": "traceability", "count": 1}],
    }
    services.moderate_activity(activity=cloud, action="hide_entry", data=" Human Rights")
    cloud.refresh_from_db()
    assert kind.tally(cloud)["words"] == [{"text": "traceability", "count": 1}]
    services.moderate_activity(activity=cloud, action="show_entry", data="human rights")
    cloud.refresh_from_db()
    assert kind.tally(cloud)["total_entries"] == 3
    for bad, code in (
        ([" "], "invalid_choice"),
        (["x" * 31], "too_long"),
        (["a", "b", "c", "d"], "too_many_choices"),
        ([1], "invalid_choice"),
    ):
        with pytest.raises(CommandError) as exc:
            vote(cloud, a, bad, key=f"bad{bad!r}")
        assert exc.value.code == code


def test_ranking_mean_rank_and_borda_score():
    ranking = factories.make_activity(
        kind="ranking", open=True
    )  # Traceability, Living wages, Recycling
    for p, order in zip(people(ranking.session, 3), [[0, 1, 2], [1, 0, 2], [1, 2, 0]], strict=True):
        vote(ranking, p, order)
    # Borda with 3 options: 2 points for first, 1 for second, 0 for last.
    assert get_kind("ranking").tally(ranking) == {
        "total": 3,
        "options": [
            {"label": "Living wages", "mean_rank": 1.33, "borda": 5},
            {"label": "Traceability", "mean_rank": 2.0, "borda": 3},
            {"label": "Recycling", "mean_rank": 2.67, "borda": 1},
        ],
    }
    for bad in ([0, 1], [0, 0, 1], [0, 1, 3], "012"):
        with pytest.raises(CommandError):
            vote(ranking, people(ranking.session, 1)[0], bad)


def test_changing_a_vote_replaces_the_ballot_only_when_allowed():
    poll = factories.make_activity(kind="single_choice", open=True)
    fixed = factories.make_activity(session=poll.session, kind="single_choice", allow_change=False)
    services.open_activity(activity=poll)
    voter = people(poll.session, 1)[0]
    vote(poll, voter, 0, key="one")
    vote(poll, voter, 2, key="two")
    assert list(Ballot.objects.filter(activity=poll).values_list("choice", flat=True)) == [2]

    services.open_activity(activity=fixed)
    vote(fixed, voter, 0, key="three")
    with pytest.raises(CommandError) as exc:
        vote(fixed, voter, 1, key="four")
    assert exc.value.code == "already_voted"
    assert list(Ballot.objects.filter(activity=fixed).values_list("choice", flat=True)) == [0]


def test_the_database_holds_one_ballot_per_participant_per_poll():
    poll = factories.make_activity(open=True)
    voter = people(poll.session, 1)[0]
    Ballot.objects.create(activity=poll, participant=voter, choice=0)
    with pytest.raises(IntegrityError):
        Ballot.objects.create(activity=poll, participant=voter, choice=1)


def test_response_counts_for_many_activities_in_one_query(django_assert_num_queries):
    session = factories.make_session()
    polls = [factories.make_activity(session=session) for _ in range(3)]
    services.open_activity(activity=polls[1])
    vote(polls[1], people(session, 1)[0], 0)
    with django_assert_num_queries(1):
        counts = get_kind("single_choice").response_counts(polls)
    assert counts == {polls[0].pk: 0, polls[1].pk: 1, polls[2].pk: 0}
