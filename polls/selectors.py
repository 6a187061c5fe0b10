"""Reads of the poll kinds' ballots (``polls.models.Ballot``: one per participant per
activity): grouped for the tallies, counted for the lists, one participant's own, and
one row per ballot for the export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Count

from sessions.models import Activity, Participant

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
    found = Ballot.objects.filter(activity=activity, participant=participant).values_list(
        "choice", flat=True
    )[:1]
    return found[0] if found else None


def export_rows(*, activity: Activity, render: Callable[[Any], str]) -> Iterator[dict[str, Any]]:
    """One row per ballot: its ``participant`` and the ``answer`` as ``render`` words
    the choice."""
    for ballot in Ballot.objects.filter(activity=activity).select_related("participant"):
        yield {"participant": ballot.participant, "answer": render(ballot.choice)}
