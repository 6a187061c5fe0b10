"""What a poll's report shows (``ActivityKind.report_blocks``): its figures as a chart
with its data table and, where the tally carries ``by_group`` (``polls.breakdown``), a
table of the same figures per stakeholder group side by side.

Everything here is read from the tally the caller passes (no query): the figures from
the kind's evidence rows, the groups from ``by_group``, whose figures
``polls.breakdown`` already left out for a group of fewer than ``MIN_GROUP_SIZE``
respondents (its cells are None here, and the table's note says why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sessions.kinds import figure_rows, figures_block, table_block
from sessions.models import Activity

from .breakdown import MIN_GROUP_SIZE

# The most frequent word-cloud entries a report charts.
TOP_WORDS = 20

# A group's figures (a ``by_group`` entry) and an entry's key -> that entry's cell.
GroupCell = Callable[[dict[str, Any], Any], Any]


def respondents(n: int) -> str:
    return ngettext("%(n)d respondent", "%(n)d respondents", n) % {"n": n}


def group_table(
    *,
    tally: dict[str, Any],
    caption: str,
    head: list[str],
    entries: list[tuple[Any, list[Any]]],
    cell: GroupCell,
) -> dict[str, Any] | None:
    """The table of ``entries`` (``(key, first cells)``: the row's label and its
    overall figure) with one column per stakeholder group that has respondents
    (``tally["by_group"]`` order), or None without any. A group shown names its
    respondents; a group of fewer than ``MIN_GROUP_SIZE`` shows neither its count nor
    its figures (None cells)."""
    groups = [g for g in tally.get("by_group") or () if g["respondents"] > 0]
    if not groups:
        return None
    columns = [
        g["label"]
        if g["hidden"]
        else _("%(group)s (%(n)s)") % {"group": g["label"], "n": g["respondents"]}
        for g in groups
    ]
    rows = [
        [*first, *(None if g["hidden"] else cell(g, key) for g in groups)] for key, first in entries
    ]
    note = _(
        "Each group's figure is of its own respondents (in brackets). A group with "
        "fewer than %(n)d respondents is not shown."
    ) % {"n": MIN_GROUP_SIZE}
    return table_block(caption, [*head, *columns], rows, note)


def _find(items: list[dict[str, Any]] | None, field: str, key: Any) -> dict[str, Any] | None:
    return next((item for item in items or () if item[field] == key), None)


def _blocks(figures: dict[str, Any], table: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [figures] if table is None else [figures, table]


# --------------------------------------------------------------------------- polls


def choice_blocks(
    activity: Activity, tally: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Single and multiple choice: respondents per option and their share of all
    respondents; per group, each option's share of the group's respondents."""
    figures = figures_block(
        _("Results from %(respondents)s") % {"respondents": respondents(tally["total"])},
        figure_rows(rows),
        chart=True,
    )
    table = group_table(
        tally=tally,
        caption=_("Share of respondents per stakeholder group (%)"),
        head=[_("Option"), _("All")],
        entries=[(o["label"], [o["label"], o["percent"]]) for o in tally["options"]],
        cell=lambda g, label: (_find(g.get("options"), "label", label) or {}).get("percent"),
    )
    return _blocks(figures, table)


def scale_blocks(activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
    """A scale: respondents per value (the ends with their labels), the mean in the
    caption; per group, each value's share and the group's mean."""
    config = activity.config
    ends = {config["min"]: config.get("min_label") or "", config["max"]: config.get("max_label")}
    rows = [
        {
            "label": str(d["value"]),
            "value": d["count"],
            "share": d["percent"],
            "detail": ends.get(d["value"]) or "",
        }
        for d in tally["distribution"]
    ]
    if tally["mean"] is None:
        caption = _("Results from %(respondents)s") % {"respondents": respondents(tally["total"])}
    else:
        caption = _("Results from %(respondents)s, mean %(mean)s") % {
            "respondents": respondents(tally["total"]),
            "mean": number_format(tally["mean"]),
        }
    entries: list[tuple[Any, list[Any]]] = [
        (d["value"], [str(d["value"]), d["percent"]]) for d in tally["distribution"]
    ]
    entries.append(("mean", [_("Mean"), tally["mean"]]))

    def cell(group: dict[str, Any], value: Any) -> Any:
        if value == "mean":
            return group.get("mean")
        return (_find(group.get("distribution"), "value", value) or {}).get("percent")

    table = group_table(
        tally=tally,
        caption=_("Share of respondents per value and stakeholder group (%), and the mean"),
        head=[_("Value"), _("All")],
        entries=entries,
        cell=cell,
    )
    return _blocks(figures_block(caption, rows, chart=True), table)


def ranking_blocks(
    activity: Activity, tally: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A ranking: the Borda score per option, highest first; per group, its own."""
    figures = figures_block(
        _("Borda score per option (first place scores most), from %(respondents)s")
        % {"respondents": respondents(tally["total"])},
        figure_rows(rows),
        chart=True,
    )
    table = group_table(
        tally=tally,
        caption=_("Borda score per stakeholder group"),
        head=[_("Option"), _("All")],
        entries=[(o["label"], [o["label"], o["borda"]]) for o in tally["options"]],
        cell=lambda g, label: (_find(g.get("options"), "label", label) or {}).get("borda"),
    )
    return _blocks(figures, table)


def word_blocks(
    activity: Activity, tally: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A word cloud: its most frequent entries (hidden ones are not in the tally)."""
    n = tally["total_entries"]
    caption = ngettext(
        "Most frequent entries (%(n)d entry in all)",
        "Most frequent entries (%(n)d entries in all)",
        n,
    ) % {"n": n}
    return [figures_block(caption, figure_rows(rows[:TOP_WORDS]), chart=True)]


# --------------------------------------------------------------------------- vision voting


def _statement_entries(
    activity: Activity, tally: dict[str, Any], overall: str
) -> list[tuple[Any, list[Any]]]:
    texts = [s["text"] for s in activity.config["statements"]]
    return [(r["index"], [texts[r["index"]], r[overall]]) for r in tally["statements"]]


def _statement_cell(field: str) -> GroupCell:
    return lambda g, index: (_find(g.get("statements"), "index", index) or {}).get(field)


def dot_blocks(
    activity: Activity, tally: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A dot vote: dots per statement, most first; per group, the group's dots."""
    figures = figures_block(
        ngettext(
            "Dots per statement: %(dots)d dot from %(respondents)s",
            "Dots per statement: %(dots)d dots from %(respondents)s",
            tally["dots"],
        )
        % {"dots": tally["dots"], "respondents": respondents(tally["total"])},
        figure_rows(rows),
        chart=True,
    )
    table = group_table(
        tally=tally,
        caption=_("Dots per stakeholder group"),
        head=[_("Statement"), _("All")],
        entries=_statement_entries(activity, tally, "dots"),
        cell=_statement_cell("dots"),
    )
    return _blocks(figures, table)


def rating_blocks(
    activity: Activity, tally: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Impact and feasibility: each statement's quadrant and mean ratings (no bar
    chart: a quadrant is not a quantity); per group, the group's mean ratings."""
    figures = figures_block(
        _("Quadrant per statement, from %(respondents)s (impact and feasibility, 1 low to 5 high)")
        % {"respondents": respondents(tally["total"])},
        figure_rows(rows),
        chart=False,
    )

    def ratings(row: dict[str, Any] | None) -> str | None:
        if not row or not row["n"]:
            return None
        return _("impact %(impact)s, feasibility %(feasibility)s") % row

    by_index = {r["index"]: r for r in tally["statements"]}
    table = group_table(
        tally=tally,
        caption=_("Mean impact and feasibility per stakeholder group"),
        head=[_("Statement"), _("All")],
        entries=[
            (index, [text, ratings(by_index[index])])
            for index, (text, _overall) in _statement_entries(activity, tally, "n")
        ],
        cell=lambda g, index: ratings(_find(g.get("statements"), "index", index)),
    )
    return _blocks(figures, table)


def statement_ranking_blocks(
    activity: Activity, tally: dict[str, Any], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A statement ranking: the Borda score per statement; per group, its own."""
    figures = figures_block(
        _("Borda score per statement (first place scores most), from %(respondents)s")
        % {"respondents": respondents(tally["total"])},
        figure_rows(rows),
        chart=True,
    )
    table = group_table(
        tally=tally,
        caption=_("Borda score per stakeholder group"),
        head=[_("Statement"), _("All")],
        entries=_statement_entries(activity, tally, "borda"),
        cell=_statement_cell("borda"),
    )
    return _blocks(figures, table)
