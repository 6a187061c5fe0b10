"""Each poll kind: its settings, its ballots and the exact tally."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from polls.models import Ballot
from sessions import services
from sessions.kinds import CommandError, get_kind
from sessions.models import CommandReceipt
from tests import factories

pytestmark = pytest.mark.django_db

KINDS = ["single_choice", "multiple_choice", "scale", "word_cloud", "ranking"]


def vote(activity, participant, data, key=None):
    return services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action="vote",
        data=data,
        key=key or f"k{data!r}{participant.pk}"[:64],
    )


def people(session, n):
    return [factories.make_participant(session=session) for _ in range(n)]


def tally(activity):
    activity.refresh_from_db()
    return get_kind(activity.kind).tally(activity)


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("kind", "raw", "clean"),
    [
        ("single_choice", {"options": ["Yes", "No"]}, {"options": ["Yes", "No"]}),
        (
            "single_choice",
            {"options": "  Yes \n\n  Not   sure \n No  "},
            {"options": ["Yes", "Not sure", "No"]},
        ),
        (
            "single_choice",
            {"options": [f"Option {i}" for i in range(20)]},
            {"options": [f"Option {i}" for i in range(20)]},
        ),
        ("single_choice", {"options": ["x" * 120, "y"]}, {"options": ["x" * 120, "y"]}),
        (
            "multiple_choice",
            {"options": ["A", "B", "C"]},
            {"options": ["A", "B", "C"], "max_choices": 3},
        ),
        (
            "multiple_choice",
            {"options": ["A", "B", "C"], "max_choices": "2"},
            {"options": ["A", "B", "C"], "max_choices": 2},
        ),
        (
            "multiple_choice",
            {"options": ["A", "B", "C"], "max_choices": ""},
            {"options": ["A", "B", "C"], "max_choices": 3},
        ),
        (
            "multiple_choice",
            {"options": ["A", "B"], "max_choices": 1},
            {"options": ["A", "B"], "max_choices": 1},
        ),
        ("scale", {}, {"min": 1, "max": 5, "min_label": "", "max_label": ""}),
        (
            "scale",
            {"min": "0", "max": 10, "min_label": "  Not   at all ", "max_label": "Fully"},
            {"min": 0, "max": 10, "min_label": "Not at all", "max_label": "Fully"},
        ),
        (
            "scale",
            {"min": -10, "max": 10},
            {"min": -10, "max": 10, "min_label": "", "max_label": ""},
        ),
        ("scale", {"min": 0, "max": 20}, {"min": 0, "max": 20, "min_label": "", "max_label": ""}),
        ("word_cloud", {}, {"max_entries": 3, "max_length": 30, "hidden": []}),
        (
            "word_cloud",
            {"max_entries": 10, "max_length": 60, "hidden": ["smuggled"]},
            {"max_entries": 10, "max_length": 60, "hidden": []},
        ),
        (
            "word_cloud",
            {"max_entries": 1, "max_length": 3},
            {"max_entries": 1, "max_length": 3, "hidden": []},
        ),
        ("ranking", {"options": ["A", "B"]}, {"options": ["A", "B"]}),
        (
            "ranking",
            {"options": [str(i) for i in range(10)]},
            {"options": [str(i) for i in range(10)]},
        ),
    ],
)
def test_good_settings_are_cleaned(kind, raw, clean):
    assert get_kind(kind).clean_config(raw) == clean


@pytest.mark.parametrize(
    ("kind", "raw", "field", "message"),
    [
        ("single_choice", {}, "options", "as a list"),
        ("single_choice", {"options": None}, "options", "as a list"),
        ("single_choice", {"options": {"a": 1}}, "options", "as a list"),
        ("single_choice", {"options": 3}, "options", "as a list"),
        ("single_choice", {"options": []}, "options", "between 2 and 20"),
        ("single_choice", {"options": ["Only"]}, "options", "between 2 and 20"),
        ("single_choice", {"options": ["Only", "  ", ""]}, "options", "between 2 and 20"),
        ("single_choice", {"options": "only\n\n  \n"}, "options", "between 2 and 20"),
        ("single_choice", {"options": [str(i) for i in range(21)]}, "options", "between 2 and 20"),
        ("single_choice", {"options": ["A", "a"]}, "options", "must be different"),
        ("single_choice", {"options": ["Fair  pay", "fair pay "]}, "options", "must be different"),
        ("single_choice", {"options": ["x" * 121, "B"]}, "options", "under 120"),
        ("multiple_choice", {"options": ["A"]}, "options", "between 2 and 20"),
        ("multiple_choice", {"options": ["A", "A"]}, "options", "must be different"),
        (
            "multiple_choice",
            {"options": ["A", "B"], "max_choices": 3},
            "max_choices",
            "from 1 to 2",
        ),
        (
            "multiple_choice",
            {"options": ["A", "B"], "max_choices": 0},
            "max_choices",
            "from 1 to 2",
        ),
        (
            "multiple_choice",
            {"options": ["A", "B"], "max_choices": -1},
            "max_choices",
            "from 1 to 2",
        ),
        (
            "multiple_choice",
            {"options": ["A", "B"], "max_choices": "many"},
            "max_choices",
            "whole number",
        ),
        (
            "multiple_choice",
            {"options": ["A", "B"], "max_choices": [1]},
            "max_choices",
            "whole number",
        ),
        ("scale", {"min": 5, "max": 1}, "max", "above the bottom"),
        ("scale", {"min": 3, "max": 3}, "max", "above the bottom"),
        ("scale", {"min": -10, "max": 11}, "max", "above the bottom"),  # 22 points
        ("scale", {"min": 0, "max": 40}, "max", "from -10 to 20"),
        ("scale", {"min": -11, "max": 5}, "min", "from -10 to 10"),
        ("scale", {"min": 11, "max": 15}, "min", "from -10 to 10"),
        ("scale", {"min": "low"}, "min", "whole number"),
        ("scale", {"min_label": "l" * 61}, "min_label", "under 60"),
        ("scale", {"max_label": "l" * 61}, "max_label", "under 60"),
        ("word_cloud", {"max_entries": 0}, "max_entries", "from 1 to 10"),
        ("word_cloud", {"max_entries": 11}, "max_entries", "from 1 to 10"),
        ("word_cloud", {"max_length": 2}, "max_length", "from 3 to 60"),
        ("word_cloud", {"max_length": 61}, "max_length", "from 3 to 60"),
        ("word_cloud", {"max_length": "long"}, "max_length", "whole number"),
        ("ranking", {"options": ["A"]}, "options", "between 2 and 10"),
        ("ranking", {"options": [str(i) for i in range(11)]}, "options", "between 2 and 10"),
        ("ranking", {"options": ["A", " a "]}, "options", "must be different"),
    ],
)
def test_bad_settings_are_refused(kind, raw, field, message):
    with pytest.raises(ValidationError) as exc:
        get_kind(kind).clean_config(raw)
    assert list(exc.value.message_dict) == [field]
    assert message in exc.value.message_dict[field][0]


@pytest.mark.parametrize("value", [2.5, True])
def test_settings_that_are_not_whole_numbers_are_refused(value):
    with pytest.raises(ValidationError) as exc:
        get_kind("multiple_choice").clean_config({"options": ["A", "B", "C"], "max_choices": value})
    assert "whole number" in exc.value.message_dict["max_choices"][0]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_starts_with_an_empty_tally(kind):
    activity = factories.make_activity(kind=kind, open=True)
    empty = {
        "single_choice": {
            "total": 0,
            "options": [
                {"label": label, "count": 0, "percent": 0.0} for label in ["Yes", "No", "Not sure"]
            ],
        },
        "multiple_choice": {
            "total": 0,
            "options": [
                {"label": label, "count": 0, "percent": 0.0}
                for label in ["Cobalt", "Lithium", "Tin", "Gold"]
            ],
        },
        "scale": {
            "total": 0,
            "mean": None,
            "distribution": [{"value": v, "count": 0, "percent": 0.0} for v in range(1, 6)],
        },
        "word_cloud": {"total_entries": 0, "words": []},
        "ranking": {
            "total": 0,
            "options": [
                {"label": label, "mean_rank": None, "borda": 0}
                for label in ["Living wages", "Recycling", "Traceability"]
            ],
        },
    }[kind]
    assert tally(activity) == empty
    assert get_kind(kind).response_count(activity) == 0


# --------------------------------------------------------------------------- tallies


def test_single_choice_counts_and_percentages():
    poll = factories.make_activity(kind="single_choice", open=True)
    for p, choice in zip(people(poll.session, 3), [0, 0, 1], strict=True):
        assert vote(poll, p, choice)["ballot"] == choice
    assert tally(poll) == {
        "total": 3,
        "options": [
            {"label": "Yes", "count": 2, "percent": 66.7},
            {"label": "No", "count": 1, "percent": 33.3},
            {"label": "Not sure", "count": 0, "percent": 0.0},
        ],
    }
    assert get_kind("single_choice").response_count(poll) == 3


def test_multiple_choice_percentages_are_of_voters():
    poll = factories.make_activity(kind="multiple_choice", open=True)  # max 2 of 4
    a, b, c = people(poll.session, 3)
    assert vote(poll, a, [0, 1])["ballot"] == [0, 1]
    assert vote(poll, b, [1])["ballot"] == [1]
    assert vote(poll, c, [3, 1])["ballot"] == [1, 3]  # stored in option order
    assert tally(poll) == {
        "total": 3,
        "options": [
            {"label": "Cobalt", "count": 1, "percent": 33.3},
            {"label": "Lithium", "count": 3, "percent": 100.0},
            {"label": "Tin", "count": 0, "percent": 0.0},
            {"label": "Gold", "count": 1, "percent": 33.3},
        ],
    }


def test_scale_distribution_and_mean():
    poll = factories.make_activity(kind="scale", open=True)  # 1..5
    for p, value in zip(people(poll.session, 6), [1, 4, 5, 5, 2, 5], strict=True):
        vote(poll, p, value)
    # mean = (1 + 4 + 5 + 5 + 2 + 5) / 6 = 22 / 6 = 3.666... -> 3.67
    assert tally(poll) == {
        "total": 6,
        "mean": 3.67,
        "distribution": [
            {"value": 1, "count": 1, "percent": 16.7},
            {"value": 2, "count": 1, "percent": 16.7},
            {"value": 3, "count": 0, "percent": 0.0},
            {"value": 4, "count": 1, "percent": 16.7},
            {"value": 5, "count": 3, "percent": 50.0},
        ],
    }


def test_a_scale_with_negative_values():
    poll = factories.make_activity(kind="scale", open=True, config={"min": -2, "max": 2})
    for p, value in zip(people(poll.session, 3), [-2, -1, 2], strict=True):
        vote(poll, p, value)
    result = tally(poll)
    assert result["mean"] == -0.33
    assert [d["value"] for d in result["distribution"]] == [-2, -1, 0, 1, 2]
    assert [d["count"] for d in result["distribution"]] == [1, 1, 0, 0, 1]


def test_word_cloud_normalises_case_and_spacing_and_dedupes_within_a_ballot():
    cloud = factories.make_activity(kind="word_cloud", open=True)  # 3 entries, 30 chars
    a, b, c = people(cloud.session, 3)
    assert vote(cloud, a, ["  Human  Rights ", "human rights", "Traceability", "HUMAN\tRIGHTS"])[
        "ballot"
    ] == ["human rights", "traceability"]
    assert vote(cloud, b, "HUMAN rights\n")["ballot"] == ["human rights"]
    assert vote(cloud, c, ["Fair pay", "traceability", "Human\u00a0Rights"])["ballot"] == [
        "fair pay",
        "traceability",
        "human rights",
    ]
    assert tally(cloud) == {
        "total_entries": 6,
        "words": [
            {"text": "human rights", "count": 3},
            {"text": "traceability", "count": 2},
            {"text": "fair pay", "count": 1},
        ],
    }


def test_word_cloud_hidden_entries_are_left_out_until_shown_again():
    cloud = factories.make_activity(kind="word_cloud", open=True)
    a, b = people(cloud.session, 2)
    vote(cloud, a, ["rubbish", "traceability"])
    vote(cloud, b, ["Rubbish"])
    services.moderate_activity(activity=cloud, action="hide_entry", data="  RUBBISH ")
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == ["rubbish"]
    assert tally(cloud) == {"total_entries": 1, "words": [{"text": "traceability", "count": 1}]}
    # Hiding twice is harmless; the ballots themselves are untouched.
    services.moderate_activity(activity=cloud, action="hide_entry", data="rubbish")
    assert sorted(Ballot.objects.filter(activity=cloud).values_list("choice", flat=True)) == [
        ["rubbish"],
        ["rubbish", "traceability"],
    ]
    # A later vote for a hidden word is stored but not shown.
    c = people(cloud.session, 1)[0]
    vote(cloud, c, ["rubbish", "fair pay"])
    result = tally(cloud)
    assert result["total_entries"] == 2
    # Equal counts come in no defined order.
    assert sorted(result["words"], key=lambda w: w["text"]) == [
        {"text": "fair pay", "count": 1},
        {"text": "traceability", "count": 1},
    ]
    services.moderate_activity(activity=cloud, action="show_entry", data="Rubbish")
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == []
    assert tally(cloud)["words"][0] == {"text": "rubbish", "count": 3}
    assert tally(cloud)["total_entries"] == 5


def test_word_cloud_shows_the_top_hundred_words():
    cloud = factories.make_activity(
        kind="word_cloud", open=True, config={"max_entries": 10, "max_length": 30}
    )
    voters = people(cloud.session, 11)
    for i, voter in enumerate(voters):
        words = [f"w{i:02d}{j}" for j in range(10)]
        if i:
            words[0] = "common"  # ten voters share one word
        vote(cloud, voter, words)
    result = tally(cloud)
    assert result["total_entries"] == 110
    assert len(result["words"]) == 100
    assert result["words"][0] == {"text": "common", "count": 10}


def test_ranking_mean_rank_and_borda_score():
    ranking = factories.make_activity(
        kind="ranking", open=True, config={"options": ["Traceability", "Wages", "Recycling", "Tax"]}
    )
    orders = [[0, 1, 2, 3], [1, 0, 3, 2], [1, 2, 0, 3], [3, 1, 0, 2]]
    for voter, order in zip(people(ranking.session, 4), orders, strict=True):
        assert vote(ranking, voter, order)["ballot"] == order
    # Ranks (1 = best) per option over the four ballots, and Borda points (n-1 = 3 for first):
    #   Traceability (0): 1, 2, 3, 3 -> mean 9/4 = 2.25; points 3+2+1+1 = 7
    #   Wages        (1): 2, 1, 1, 2 -> mean 6/4 = 1.5;  points 2+3+3+2 = 10
    #   Recycling    (2): 3, 4, 2, 4 -> mean 13/4 = 3.25; points 1+0+2+0 = 3
    #   Tax          (3): 4, 3, 4, 1 -> mean 12/4 = 3.0;  points 0+1+0+3 = 4
    assert tally(ranking) == {
        "total": 4,
        "options": [
            {"label": "Wages", "mean_rank": 1.5, "borda": 10},
            {"label": "Traceability", "mean_rank": 2.25, "borda": 7},
            {"label": "Tax", "mean_rank": 3.0, "borda": 4},
            {"label": "Recycling", "mean_rank": 3.25, "borda": 3},
        ],
    }


def test_ranking_ties_are_listed_by_label():
    ranking = factories.make_activity(
        kind="ranking", open=True
    )  # Traceability, Living wages, Recycling
    a, b = people(ranking.session, 2)
    vote(ranking, a, [0, 1, 2])
    vote(ranking, b, [1, 0, 2])
    assert tally(ranking)["options"] == [
        {"label": "Living wages", "mean_rank": 1.5, "borda": 3},
        {"label": "Traceability", "mean_rank": 1.5, "borda": 3},
        {"label": "Recycling", "mean_rank": 3.0, "borda": 0},
    ]


# --------------------------------------------------------------------------- changing votes


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("single_choice", 0, 2),
        ("multiple_choice", [0, 1], [3]),
        ("scale", 1, 5),
        ("word_cloud", ["old"], ["new", "newer"]),
        ("ranking", [0, 1, 2], [2, 1, 0]),
    ],
)
def test_a_new_vote_replaces_the_ballot_when_changes_are_allowed(kind, first, second):
    poll = factories.make_activity(kind=kind, open=True)
    voter = people(poll.session, 1)[0]
    vote(poll, voter, first, key="one")
    before = Ballot.objects.get(activity=poll, participant=voter)
    assert vote(poll, voter, second, key="two")["duplicate"] is False
    after = Ballot.objects.get(activity=poll, participant=voter)
    assert (after.pk, after.created_at) == (before.pk, before.created_at)
    assert after.updated_at >= before.updated_at
    assert after.choice == get_kind(kind).clean_choice(poll, second)
    assert get_kind(kind).response_count(poll) == 1
    assert get_kind(kind).participant_state(poll, voter) == after.choice


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("single_choice", 0, 2),
        ("multiple_choice", [0, 1], [3]),
        ("scale", 1, 5),
        ("word_cloud", ["old"], ["new"]),
        ("ranking", [0, 1, 2], [2, 1, 0]),
    ],
)
def test_a_second_vote_is_refused_when_changes_are_not_allowed(kind, first, second):
    poll = factories.make_activity(kind=kind, open=True, allow_change=False)
    voter = people(poll.session, 1)[0]
    stored = vote(poll, voter, first, key="one")["ballot"]
    with pytest.raises(CommandError) as exc:
        vote(poll, voter, second, key="two")
    assert exc.value.code == "already_voted"
    assert list(Ballot.objects.filter(activity=poll).values_list("choice", flat=True)) == [stored]
    assert list(CommandReceipt.objects.values_list("key", flat=True)) == ["one"]
    # The first command resent is still answered from its receipt.
    assert vote(poll, voter, first, key="one")["duplicate"] is True


def test_the_same_vote_again_with_a_new_key_is_also_refused_without_changes():
    poll = factories.make_activity(open=True, allow_change=False)
    voter = people(poll.session, 1)[0]
    vote(poll, voter, 1, key="one")
    with pytest.raises(CommandError) as exc:
        vote(poll, voter, 1, key="two")
    assert exc.value.code == "already_voted"


def test_ballots_are_per_poll():
    session = factories.make_session()
    first = factories.make_activity(session=session, open=True)
    second = factories.make_activity(session=session, allow_change=False)
    voter = people(session, 1)[0]
    vote(first, voter, 0, key="a")
    services.open_activity(activity=second)
    vote(second, voter, 1, key="b")
    assert dict(Ballot.objects.values_list("activity_id", "choice")) == {first.pk: 0, second.pk: 1}


def test_the_database_holds_one_ballot_per_participant_per_poll():
    poll = factories.make_activity(open=True)
    voter, other = people(poll.session, 2)
    Ballot.objects.create(activity=poll, participant=voter, choice=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(activity=poll, participant=voter, choice=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.bulk_create(
            [
                Ballot(activity=poll, participant=other, choice=0),
                Ballot(activity=poll, participant=other, choice=1),
            ]
        )
    assert list(Ballot.objects.values_list("participant_id", "choice")) == [(voter.pk, 0)]


# --------------------------------------------------------------------------- invalid ballots


INVALID = [
    ("single_choice", -1, "invalid_choice"),
    ("single_choice", 3, "invalid_choice"),
    ("single_choice", True, "invalid_choice"),
    ("single_choice", False, "invalid_choice"),
    ("single_choice", 1.0, "invalid_choice"),
    ("single_choice", "1", "invalid_choice"),
    ("single_choice", None, "invalid_choice"),
    ("single_choice", [0], "invalid_choice"),
    ("single_choice", {"option": 0}, "invalid_choice"),
    ("single_choice", 2**70, "invalid_choice"),
    ("multiple_choice", [], "invalid_choice"),
    ("multiple_choice", [0, 0], "invalid_choice"),
    ("multiple_choice", [4], "invalid_choice"),
    ("multiple_choice", [-1], "invalid_choice"),
    ("multiple_choice", ["0"], "invalid_choice"),
    ("multiple_choice", [True], "invalid_choice"),
    ("multiple_choice", [0, 1.0], "invalid_choice"),
    ("multiple_choice", [[0]], "invalid_choice"),
    ("multiple_choice", 1, "invalid_choice"),
    ("multiple_choice", None, "invalid_choice"),
    ("multiple_choice", {"0": True}, "invalid_choice"),
    ("multiple_choice", [0, 1, 2], "too_many_choices"),
    ("multiple_choice", [3, 2, 1, 0], "too_many_choices"),
    ("scale", 0, "invalid_choice"),
    ("scale", 6, "invalid_choice"),
    ("scale", 2.5, "invalid_choice"),
    ("scale", 3.0, "invalid_choice"),
    ("scale", True, "invalid_choice"),
    ("scale", "3", "invalid_choice"),
    ("scale", None, "invalid_choice"),
    ("scale", [3], "invalid_choice"),
    ("word_cloud", "", "invalid_choice"),
    ("word_cloud", " \t ", "invalid_choice"),
    ("word_cloud", ["ok", "  "], "invalid_choice"),
    ("word_cloud", [], "invalid_choice"),
    ("word_cloud", [1], "invalid_choice"),
    ("word_cloud", ["ok", None], "invalid_choice"),
    ("word_cloud", [["nested"]], "invalid_choice"),
    ("word_cloud", 5, "invalid_choice"),
    ("word_cloud", None, "invalid_choice"),
    ("word_cloud", {"word": "x"}, "invalid_choice"),
    ("word_cloud", "x" * 31, "too_long"),
    ("word_cloud", ["ok", "y" * 31], "too_long"),
    ("word_cloud", ["a", "b", "c", "d"], "too_many_choices"),
    ("ranking", [0, 1], "invalid_choice"),
    ("ranking", [0, 0, 1], "invalid_choice"),
    ("ranking", [0, 1, 3], "invalid_choice"),
    ("ranking", [0, 1, 2, 2], "invalid_choice"),
    ("ranking", [0, 1, True], "invalid_choice"),
    ("ranking", [0.0, 1, 2], "invalid_choice"),
    ("ranking", ["0", "1", "2"], "invalid_choice"),
    ("ranking", "012", "invalid_choice"),
    ("ranking", None, "invalid_choice"),
    ("ranking", [], "invalid_choice"),
]


@pytest.mark.parametrize(("kind", "data", "code"), INVALID)
def test_invalid_ballots_are_refused_and_store_nothing(kind, data, code):
    poll = factories.make_activity(kind=kind, open=True)
    voter = people(poll.session, 1)[0]
    with pytest.raises(CommandError) as exc:
        vote(poll, voter, data, key="bad")
    assert exc.value.code == code
    assert exc.value.message
    assert not Ballot.objects.exists()
    assert not CommandReceipt.objects.exists()


@pytest.mark.parametrize(("kind", "data", "code"), INVALID[:3] + INVALID[-3:])
def test_an_invalid_ballot_leaves_the_earlier_one_alone(kind, data, code):
    poll = factories.make_activity(kind=kind, open=True)
    voter = people(poll.session, 1)[0]
    good = {"single_choice": 1, "ranking": [2, 0, 1]}[kind]
    vote(poll, voter, good, key="good")
    with pytest.raises(CommandError):
        vote(poll, voter, data, key="bad")
    assert Ballot.objects.get(activity=poll, participant=voter).choice == good


def test_word_cloud_length_counts_after_normalising():
    cloud = factories.make_activity(kind="word_cloud", open=True)  # 30 characters
    voter = people(cloud.session, 1)[0]
    padded = "   " + "a" * 15 + "      " + "b" * 14 + "   "  # 30 once single-spaced
    assert vote(cloud, voter, padded)["ballot"] == ["a" * 15 + " " + "b" * 14]


def test_duplicates_are_merged_before_the_entry_limit():
    cloud = factories.make_activity(kind="word_cloud", open=True)  # 3 entries
    voter = people(cloud.session, 1)[0]
    assert vote(cloud, voter, ["a", "A", " a ", "b", "c"])["ballot"] == ["a", "b", "c"]


# --------------------------------------------------------------------------- odds and ends


def test_response_counts_for_many_activities_in_one_query(django_assert_num_queries):
    session = factories.make_session()
    polls = [factories.make_activity(session=session) for _ in range(3)]
    services.open_activity(activity=polls[1])
    for voter in people(session, 2):
        vote(polls[1], voter, 0)
    with django_assert_num_queries(1):
        counts = get_kind("single_choice").response_counts(polls)
    assert counts == {polls[0].pk: 0, polls[1].pk: 2, polls[2].pk: 0}


def test_public_settings_and_export_rows():
    session = factories.make_session()
    multi = factories.make_activity(session=session, kind="multiple_choice", open=True)
    cloud = factories.make_activity(session=session, kind="word_cloud")
    assert get_kind("multiple_choice").public_config(multi) == {
        "options": ["Cobalt", "Lithium", "Tin", "Gold"],
        "max_choices": 2,
    }
    assert get_kind("word_cloud").public_config(cloud) == {"max_entries": 3, "max_length": 30}
    voter = factories.make_participant(session=session, display_name="Ama")
    vote(multi, voter, [3, 0])
    rows = list(get_kind("multiple_choice").export_rows(multi))
    cast = Ballot.objects.get(activity=multi)
    assert rows == [
        {
            "participant": voter,
            "answer": "Cobalt; Gold",
            "created_at": cast.created_at.astimezone(dt.UTC).isoformat(),
            "updated_at": cast.updated_at.astimezone(dt.UTC).isoformat(),
        }
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_registered_with_a_vote_command(kind):
    registered = get_kind(kind)
    assert registered.name == kind
    assert registered.participant_commands == frozenset({"vote"})
    with pytest.raises(CommandError) as exc:
        get_kind("quiz")
    assert exc.value.code == "unknown_kind"
