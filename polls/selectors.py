"""Reads of the poll kinds' ballots (``polls.models.Ballot``: one per participant per
activity): grouped for the tallies, counted for the lists, one participant's own, and
one row per ballot for the export."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import Count

from sessions.models import Activity, Participant
from sessions.selectors import export_time

from .models import Ballot


def grouped_ballots(*, activity: Activity) -> list[tuple[Any, int]]:
    """Each distinct ballot with how many participants cast it (counted in SQL)."""
    return list(
        Ballot.objects.filter(activity=activity)
        .values_list("choice")
        .annotate(n=Count("id"))
        .order_by()
    )


def response_count(*, activity: Activity) -> int:
    """Ballots cast in the activity."""
    return Ballot.objects.filter(activity=activity).count()


def response_counts(*, activities: list[Activity]) -> dict[int, int]:
    """Ballots per activity id, every activity given (0 without ballots): one query."""
    counts = dict(
        Ballot.objects.filter(activity__in=activities)
        .values_list("activity")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {a.pk: counts.get(a.pk, 0) for a in activities}


def participant_ballot(*, activity: Activity, participant: Participant) -> Any:
    """The participant's ballot (its choice), or None."""
    return participant_ballot_map(activity=activity, participants=[participant])[participant.pk]


def participant_ballot_map(
    *, activity: Activity, participants: Iterable[Participant]
) -> dict[int, Any]:
    """Each participant's ballot (its choice) by participant id, None for those
    without one: one query for all of them."""
    states: dict[int, Any] = dict.fromkeys(p.pk for p in participants)
    choices = Ballot.objects.filter(activity=activity, participant_id__in=list(states))
    states.update(choices.values_list("participant_id", "choice"))
    return states


def export_rows(
    *, activity: Activity, render: Callable[[Any], Iterable[dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """The export rows of each ballot: its ``participant``, the columns ``render`` makes
    of its choice (one row, or one per part of a compound answer) and the times it was
    cast (``created_at``) and last changed (``updated_at``)."""
    ballots = Ballot.objects.filter(activity=activity).select_related("participant")
    for ballot in ballots.order_by("created_at", "id"):
        times = {
            "created_at": export_time(ballot.created_at),
            "updated_at": export_time(ballot.updated_at),
        }
        for columns in render(ballot.choice):
            yield {"participant": ballot.participant, **columns, **times}
