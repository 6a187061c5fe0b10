"""What the common-ground page shows, read from the stored analysis and the live
counts: the map scaled to the drawing, the opinion groups' profiles, the lists with
their statements' texts, every statement per declared group, and the activities a
statement can be promoted to."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from people.vocabularies import StakeholderGroup
from sessions.kinds import get_kind
from sessions.models import Activity

from . import selectors
from .opinions import MIN_GROUP_SIZE, NOT_SAID

MAP_WIDTH, MAP_HEIGHT, MAP_PAD = 400, 300, 16
GROUP_LETTERS = string.ascii_uppercase


def group_letter(index: int) -> str:
    return GROUP_LETTERS[index % len(GROUP_LETTERS)]


def group_label(key: str) -> str:
    if key == NOT_SAID:
        return _("Not said")
    try:
        return str(StakeholderGroup(key).label)
    except ValueError:
        return key


@dataclass
class Point:
    x: float
    y: float
    group: int | None
    css: str


@dataclass
class GroupProfile:
    index: int
    letter: str
    size: int
    x: float
    y: float
    css: str
    sets_apart: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Page:
    participants: int
    answers: int
    computed_at: Any
    updating: bool
    no_opinion_groups: str | None
    points: list[Point]
    groups: list[GroupProfile]
    declared_groups: list[tuple[str, str]]  # (key, label) counted in the consensus
    statements: list[dict[str, Any]]  # ranked_statements rows with per-group figures
    common_ground_declared: list[dict[str, Any]]
    common_ground_opinion: list[dict[str, Any]]
    divisive_declared: list[dict[str, Any]]
    divisive_opinion: list[dict[str, Any]]
    group_columns: list[tuple[str, str]]  # (key, label) of the per-group table
    min_group_size: int = MIN_GROUP_SIZE
    width: int = MAP_WIDTH
    height: int = MAP_HEIGHT


def _scale(points: list[list[Any]]) -> tuple[Any, Any]:
    xs = [p[0] for p in points] or [0.0]
    ys = [p[1] for p in points] or [0.0]
    low_x, high_x, low_y, high_y = min(xs), max(xs), min(ys), max(ys)
    span_x, span_y = (high_x - low_x) or 1.0, (high_y - low_y) or 1.0

    def sx(x: float) -> float:
        return round(MAP_PAD + (x - low_x) / span_x * (MAP_WIDTH - 2 * MAP_PAD), 1)

    def sy(y: float) -> float:
        return round(MAP_HEIGHT - MAP_PAD - (y - low_y) / span_y * (MAP_HEIGHT - 2 * MAP_PAD), 1)

    return sx, sy


def _css(group: int | None) -> str:
    return "cg-none" if group is None else f"cg-g{group % 5}"


def _listed(ranked: list[list[Any]], rows: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**rows[sid], "score": score} for sid, score in ranked if sid in rows]


def common_ground_page(*, activity: Activity) -> Page:
    stored = selectors.stored_analysis(activity)
    result = stored.result if stored is not None and stored.computed_at else {}
    figures = result.get("statements", {})
    ranked = selectors.ranked_statements(
        activity, counts=selectors.answer_counts(activity), figures=figures
    )
    declared = result.get("declared_groups", [])
    columns_keys: list[str] = []
    for figure in figures.values():
        for key in figure.get("by_group", {}):
            if key not in columns_keys:
                columns_keys.append(key)
    order = [g for g in StakeholderGroup.values if g] + [NOT_SAID]
    columns_keys.sort(key=lambda k: order.index(k) if k in order else len(order))
    rows = {}
    for row in ranked:
        by_group = figures.get(str(row["id"]), {}).get("by_group", {})
        row["groups"] = [
            _group_cell(by_group.get(key)) if key in by_group else None for key in columns_keys
        ]
        rows[row["id"]] = row
    raw_points = result.get("map", [])
    sx, sy = _scale(raw_points)
    groups = [
        GroupProfile(
            index=g["index"],
            letter=group_letter(g["index"]),
            size=g["size"],
            x=sx(g["centroid"][0]),
            y=sy(g["centroid"][1]),
            css=_css(g["index"]),
            sets_apart=[
                {**apart, "text": rows[apart["statement"]]["text"]}
                for apart in g["sets_apart"]
                if apart["statement"] in rows
            ],
        )
        for g in result.get("opinion_groups", [])
    ]
    return Page(
        participants=result.get("participants", 0),
        answers=result.get("answers", 0),
        computed_at=stored.computed_at if stored else None,
        updating=bool(stored and stored.pending),
        no_opinion_groups=result.get("no_opinion_groups"),
        points=[Point(sx(x), sy(y), g, _css(g)) for x, y, g in raw_points],
        groups=groups,
        declared_groups=[(key, group_label(key)) for key in declared],
        statements=ranked,
        common_ground_declared=_listed(result.get("common_ground", {}).get("declared", []), rows),
        common_ground_opinion=_listed(result.get("common_ground", {}).get("opinion", []), rows),
        divisive_declared=_listed(result.get("divisive", {}).get("declared", []), rows),
        divisive_opinion=_listed(result.get("divisive", {}).get("opinion", []), rows),
        group_columns=[(key, group_label(key)) for key in columns_keys],
    )


def _group_cell(counts: dict[str, int] | None) -> dict[str, Any]:
    """One declared group on one statement: hidden (fewer than the minimum answered) or
    its agree share of those who answered."""
    if counts is None:
        return {"hidden": True}
    seen = counts["seen"]
    return {
        "hidden": False,
        "seen": seen,
        "agree_share": round(100 * counts["agree"] / seen, 1) if seen else None,
    }


def promotion_targets(*, activity: Activity) -> list[Activity]:
    """Activities of the same session a statement can be promoted to: those whose kind
    takes statements, not yet opened (vision voting takes statements only then), or an
    open common-ground activity (which takes them while open)."""
    candidates = Activity.objects.filter(session_id=activity.session_id).exclude(pk=activity.pk)
    return [
        a
        for a in candidates.order_by("position", "id")
        if get_kind(a.kind).takes_statements
        and (
            a.status == Activity.Status.DRAFT
            or (a.kind == activity.kind and a.status == Activity.Status.OPEN)
        )
    ]
