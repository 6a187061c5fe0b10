"""What a workshop report says, read from the session: built by the tasks worker
(``reports.tasks.build_report``) into ``WorkshopReport.content`` and its charts.

``content``::

    {"language", "event": {"title", "kind", "starts_on", "ends_on"},
     "session": {"title", "code"}, "facilitators": [str],
     "participation": {"joined", "tables": [{"label", "head", "rows", "note"}]},
     "activities": [{"id", "title", "kind", "status", "responses",
                     "blocks": [block, ...]}]}

Blocks are the kinds' own (``ActivityKind.report_blocks``: "figures", "table", "list"),
with ``chart`` (a "figures" block) replaced by the number of its ``ReportChart`` or
None, and the balanced results of the kinds that have them as one more "table".
Everything is as anyone may read it: per-group figures of fewer than 5 people are
suppressed and no participant is named (docs/architecture.md, "Reports")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from consult.formats import number, percent
from representation import selectors as representation
from sessions.kinds import get_kind
from sessions.models import Activity, Session
from synthesis import balanced

from . import charts

Progress = Callable[[int, str], None]


def _cell(cell: Any) -> str | int | None:
    if cell.suppressed:
        return None
    return cell.count


def participation(session: Session) -> dict[str, Any]:
    """Who joined, by stakeholder group, region and gender, beside the process's target
    mix: the session's representation as anyone but its organisers sees it."""
    rep = representation.suppress(
        representation.representation(scope=representation.session_scope(session))
    )
    stages = [str(stage.label) for stage in rep.stages]
    tables = []
    for table in rep.tables:
        head = [str(table.label), *stages]
        if table.has_targets:
            head.append(_("Target"))
        rows = []
        for row in table.rows:
            cells: list[Any] = [str(row.label)]
            for cell in row.cells:
                cells.append(
                    None
                    if cell.suppressed
                    else f"{number(cell.count, decimals=0)} ({percent(cell.share or 0)})"
                )
            if table.has_targets:
                cells.append(None if row.target is None else percent(float(row.target)))
            rows.append(cells)
        tables.append(
            {
                "label": str(table.label),
                "head": head,
                "rows": rows,
                "note": _("Groups of fewer than %(n)d people are not shown.")
                % {"n": rep.min_group_size},
            }
        )
    return {"joined": session.participants.count(), "tables": tables}


def _balanced_block(activity: Activity) -> dict[str, Any] | None:
    results = balanced.balanced_results(activity=activity)
    if results is None or not results.shown:
        return None
    head = [
        _("Statement") if results.statements else _("Answer"),
        *[column.label for column in results.columns],
    ]
    rows = []
    for row in results.rows:
        values = [
            None
            if value is None
            else (percent(value) if results.percent else number(value, decimals=2))
            for value in row.values
        ]
        rows.append([row.label, *values])
    return {
        "type": "table",
        "caption": f"{_('Balanced results')}: {results.caption}",
        "head": [str(h) for h in head],
        "rows": rows,
        "note": _("Counted over %(n)d respondents.") % {"n": results.respondents},
    }


def activity_section(activity: Activity, add_chart: Callable[[str], int]) -> dict[str, Any]:
    """One activity's part of the report; ``add_chart(svg)`` stores a chart and gives
    its number."""
    kind = get_kind(activity.kind)
    tally = kind.tally(activity)
    blocks = []
    for block in kind.report_blocks(activity, tally):
        block = dict(block)
        if block.get("type") == "figures":
            chart = None
            if block.get("chart") and block.get("rows"):
                shares = all(row.get("share") is not None for row in block["rows"])
                svg = charts.bar_chart_svg(
                    title=block.get("caption") or activity.title,
                    rows=[
                        (
                            str(row["label"]),
                            float(row["share"] if shares else _as_number(row["value"])),
                        )
                        for row in block["rows"]
                    ],
                    unit="%" if shares else "",
                    maximum=100.0 if shares else None,
                )
                chart = add_chart(svg) if svg else None
            block["chart"] = chart
        blocks.append(block)
    extra = _balanced_block(activity)
    if extra is not None:
        blocks.append(extra)
    return {
        "id": activity.pk,
        "title": activity.title,
        "kind": str(kind.label),
        "status": activity.get_status_display(),
        "responses": kind.response_count(activity),
        "blocks": blocks,
    }


def _as_number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def content(
    session: Session, *, language: str, add_chart: Callable[[str], int], progress: Progress
) -> dict[str, Any]:
    """Everything the report says (read in the caller's active language)."""
    event = session.event
    activities = list(session.activities.order_by("position", "id"))
    total = len(activities) + 1
    progress(0, _("Counting who took part"))
    owner = event.owner
    result: dict[str, Any] = {
        "language": language,
        "event": {
            "title": event.title,
            "kind": event.get_kind_display(),
            "starts_on": event.starts_on.isoformat(),
            "ends_on": event.ends_on.isoformat(),
        },
        "session": {"title": session.title, "code": session.code},
        "facilitators": [owner.get_full_name() or owner.get_username()],
        "participation": participation(session),
        "activities": [],
    }
    for index, activity in enumerate(activities, start=1):
        progress(
            round(100 * index / (total + 1)),
            _("Activity %(n)d of %(total)d: %(title)s")
            % {"n": index, "total": len(activities), "title": activity.title},
        )
        result["activities"].append(activity_section(activity, add_chart))
    return result
