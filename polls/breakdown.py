"""Results side by side per stakeholder group.

A kind that supports the breakdown has ``figures(activity, ballots)``: its result over
a list of ``(choice, count)`` pairs. ``breakdown(activity)`` reads the activity's
ballots with each respondent's declared group in one query and computes the same
figures per group, hiding a group's figures when fewer than ``MIN_GROUP_SIZE`` people
in it answered (so a small group's answers cannot be singled out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from people.vocabularies import StakeholderGroup
from sessions.kinds import get_kind
from sessions.models import Activity

from .models import Ballot

MIN_GROUP_SIZE = 5
NOT_SAID = "not_said"

# (choice, count) pairs -> the kind's figures over those ballots.
Figures = Callable[[Activity, list[tuple[Any, int]]], dict[str, Any]]


def group_keys() -> list[str]:
    """Every declared group in the list's order, then "not said"."""
    return [g for g in StakeholderGroup.values if g] + [NOT_SAID]


def group_label(key: str) -> str:
    if key == NOT_SAID:
        return _("Not said")
    return str(StakeholderGroup(key).label)


def _group_of(value: str) -> str:
    if not value:
        return NOT_SAID
    return value if value in StakeholderGroup.values else StakeholderGroup.OTHER.value


def ballot_rows(activity: Activity) -> list[tuple[Any, str, int]]:
    """``(choice, group, count)``: each distinct ballot per respondents' group, counted
    in SQL, in one query (the ballots joined with their participants)."""
    rows = (
        Ballot.objects.filter(activity=activity)
        .values_list("choice", "participant__stakeholder_group")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(choice, _group_of(group), n) for choice, group, n in rows]


def overall(rows: list[tuple[Any, str, int]]) -> list[tuple[Any, int]]:
    return [(choice, n) for choice, _group, n in rows]


def group_figures(
    activity: Activity, rows: list[tuple[Any, str, int]], figures: Figures
) -> list[dict[str, Any]]:
    """One entry per group (``group_keys()`` order): ``group``, ``label``,
    ``respondents``, ``hidden`` and, when not hidden, the kind's figures."""
    per_group: dict[str, list[tuple[Any, int]]] = {key: [] for key in group_keys()}
    for choice, group, n in rows:
        per_group[group].append((choice, n))
    entries = []
    for key, ballots in per_group.items():
        respondents = sum(n for _choice, n in ballots)
        entry: dict[str, Any] = {
            "group": key,
            "label": group_label(key),
            "respondents": respondents,
            "hidden": respondents < MIN_GROUP_SIZE,
        }
        if not entry["hidden"]:
            entry.update(figures(activity, ballots))
        entries.append(entry)
    return entries


def breakdown(activity: Activity) -> list[dict[str, Any]]:
    """The activity's figures for each stakeholder group (see ``group_figures``)."""
    kind = get_kind(activity.kind)
    return group_figures(activity, ballot_rows(activity), kind.figures)
