"""The poll kinds' reads (polls/selectors.py): grouped ballots, counts, a
participant's own ballot and the export rows."""

from __future__ import annotations

import pytest

from polls import selectors, services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll():
    poll = factories.make_activity(kind="multiple_choice", open=True)
    people = [factories.make_participant(session=poll.session) for _ in range(3)]
    for person, choice in zip(people, [[0, 1], [0, 1], [3]], strict=True):
        services.cast_ballot(activity=poll, participant=person, choice=choice)
    poll.people = people
    return poll


def test_ballots_are_grouped_by_choice(poll):
    assert sorted(selectors.grouped_ballots(activity=poll)) == [([0, 1], 2), ([3], 1)]


def test_responses_are_counted_per_activity(poll, django_assert_num_queries):
    empty = factories.make_activity(session=poll.session)
    assert selectors.response_count(activity=poll) == 3
    assert selectors.response_count(activity=empty) == 0
    with django_assert_num_queries(1):
        counts = selectors.response_counts(activities=[poll, empty])
    assert counts == {poll.pk: 3, empty.pk: 0}


def test_a_participant_s_own_ballot(poll):
    first, _, third = poll.people
    assert selectors.participant_ballot(activity=poll, participant=first) == [0, 1]
    assert selectors.participant_ballot(activity=poll, participant=third) == [3]
    newcomer = factories.make_participant(session=poll.session)
    assert selectors.participant_ballot(activity=poll, participant=newcomer) is None


def test_export_rows_give_each_participant_and_the_rendered_answer(poll):
    rows = list(
        selectors.export_rows(activity=poll, render=lambda choice: [{"answer": f"picked {choice}"}])
    )
    assert sorted((r["participant"].pk, r["answer"]) for r in rows) == sorted(
        [
            (poll.people[0].pk, "picked [0, 1]"),
            (poll.people[1].pk, "picked [0, 1]"),
            (poll.people[2].pk, "picked [3]"),
        ]
    )
    # In the order they were cast, each with its times.
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    assert all(r["created_at"] <= r["updated_at"] for r in rows)


def test_export_rows_split_a_compound_answer_into_rows_with_the_ballots_times(poll):
    def render(choice):
        return [{"option": option} for option in choice]

    rows = list(selectors.export_rows(activity=poll, render=render))
    first = next(r for r in rows if r["participant"] == poll.people[0])
    assert [(r["option"], r["created_at"]) for r in rows if r["participant"] == poll.people[0]] == [
        (0, first["created_at"]),
        (1, first["created_at"]),
    ]
    assert len(rows) == 5  # [0, 1] twice and [3]
