"""What a process report (or a programme report, over several processes) says: built by
the tasks worker (``reports.tasks.build_process_report``) into
``ProcessReport.content``.

``content``::

    {"language", "title", "processes": [str], "programme": bool, "built_on",
     "tables": [table, ...], "charts": [{"title", "svg", "table"}]}

A table is ``{"key", "title", "head": [str], "formats": [str], "rows": [[cell]],
"note"}``: each cell a plain value (the page and the PDF format it in the report's
language, the workbook keeps it a number), ``formats`` one per column: "text", "int",
"percent" (a share in %, 42.5) or "date" (ISO). A suppressed cell is None. The same
tables make the page, the PDF and the workbook's sheets (one sheet per table).

Everything is as the process's funder may read it: per-group counts of fewer than 5
people are suppressed (``representation.selectors.hidden_in_column``) and no one is
named."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.models import (
    Comment,
    Consultation,
    Process,
    Reaction,
    StakeholderGroup,
    ValidationAnswer,
    ValidationRound,
    Verdict,
)
from consult.selectors import round_results
from representation import selectors as representation
from representation import timeline as reach
from sessions.kinds import get_kind
from sessions.models import CommandReceipt, Event

from . import charts

Progress = Callable[[int, str], None]


def _table(
    key: str,
    title: str,
    head: Sequence[tuple[str, str]],
    rows: list[list[Any]],
    note: str = "",
) -> dict[str, Any]:
    return {
        "key": key,
        "title": str(title),
        "head": [str(label) for label, _format in head],
        "formats": [fmt for _label, fmt in head],
        "rows": rows,
        "note": str(note),
    }


def _small_note() -> str:
    return _("Groups of fewer than %(n)d people are not shown.") % {
        "n": representation.MIN_GROUP_SIZE
    }


def _events(processes: list[Process]) -> list[Event]:
    return list(
        Event.objects.filter(process__in=processes)
        .select_related("process")
        .annotate(live_sessions=Count("sessions"))
        .order_by("starts_on", "id")
    )


def events_table(
    events: list[Event], reach_of: dict[int, tuple[int, int]], *, programme: bool
) -> dict[str, Any]:
    head = [(_("Starts on"), "date"), (_("Event"), "text"), (_("Kind"), "text")]
    if programme:
        head.append((_("Process"), "text"))
    head += [
        (_("Live sessions"), "int"),
        (_("Joined live"), "int"),
        (_("Contributed live"), "int"),
    ]
    rows = []
    for event in events:
        joined, contributed = reach_of.get(event.pk, (0, 0))
        row: list[Any] = [event.starts_on.isoformat(), event.title, event.get_kind_display()]
        if programme:
            row.append(event.process.title)
        row += [event.live_sessions, joined, contributed]
        rows.append(row)
    return _table(
        "events",
        _("Events"),
        head,
        rows,
        _("People are counted once per event, whichever of its sessions they joined."),
    )


def events_by_kind_table(
    events: list[Event], reach_of: dict[int, tuple[int, int]]
) -> dict[str, Any]:
    by_kind: dict[str, list[int]] = {}
    for event in events:
        joined, _contributed = reach_of.get(event.pk, (0, 0))
        counts = by_kind.setdefault(str(event.get_kind_display()), [0, 0, 0])
        counts[0] += 1
        counts[1] += event.live_sessions
        counts[2] += joined
    rows = [[kind, *counts] for kind, counts in sorted(by_kind.items())]
    return _table(
        "events_by_kind",
        _("Events by kind"),
        [
            (_("Kind"), "text"),
            (_("Events"), "int"),
            (_("Live sessions"), "int"),
            (_("Joined live (sum over events)"), "int"),
        ],
        rows,
    )


def reached_tables(rep: representation.Representation) -> list[dict[str, Any]]:
    """People reached at each stage, by stakeholder group, region and gender, beside
    the target mix: the scope's representation, suppressed."""
    tables = []
    for table in rep.tables:
        head = [(str(table.label), "text")]
        head += [(str(stage.label), "int") for stage in rep.stages]
        if table.has_targets:
            head.append((_("Target share"), "percent"))
        rows = []
        for row in table.rows:
            cells: list[Any] = [str(row.label), *[cell.count for cell in row.cells]]
            if table.has_targets:
                cells.append(None if row.target is None else float(row.target))
            rows.append(cells)
        total: list[Any] = [_("Total"), *[cell.count for cell in table.totals]]
        if table.has_targets:
            total.append(None)
        rows.append(total)
        tables.append(
            _table(
                f"reached_{table.dimension}",
                _("People reached by %(dimension)s") % {"dimension": str(table.label).lower()},
                head,
                rows,
                _small_note(),
            )
        )
    return tables


def timeline_tables(timeline: reach.Timeline) -> list[dict[str, Any]]:
    """New people per quarter at each stage, and the mix of everyone who had taken part
    by the end of each quarter against the target."""
    head = [(_("Quarter"), "text"), *[(label, "int") for _key, label in timeline.stages]]
    rows = [
        [quarter.label, *counts]
        for quarter, counts in zip(timeline.quarters, timeline.new, strict=True)
    ]
    tables = [
        _table(
            "over_time",
            _("People reached for the first time, per quarter"),
            head,
            rows,
            _("Each person is counted once per column, in the quarter they first got there."),
        )
    ]
    for dimension in timeline.dimensions:
        head = [(_("Quarter"), "text")]
        head += [(label, "percent") for _value, label, _target in dimension.values]
        head.append((_("Took part so far"), "int"))
        rows = [[row.quarter.label, *row.shares, row.total] for row in dimension.rows]
        if any(target is not None for _v, _l, target in dimension.values):
            rows.append(
                [
                    _("Target"),
                    *[None if t is None else float(t) for _v, _l, t in dimension.values],
                    None,
                ]
            )
        tables.append(
            _table(
                f"mix_over_time_{dimension.dimension}",
                _("Who had taken part by the end of each quarter, by %(dimension)s (%%)")
                % {"dimension": dimension.label.lower()},
                head,
                rows,
                _small_note(),
            )
        )
    return tables


def contributions_table(scope: representation.Scope, processes: list[Process]) -> dict[str, Any]:
    """Contributions by kind: live actions per activity kind, then the consultations'
    comments, replies, validation answers and reactions; with how many people made them."""
    rows: list[list[Any]] = []
    live = (
        CommandReceipt.objects.filter(participant__session__event__process__in=processes)
        .values(kind=F("activity__kind"))
        .annotate(n=Count("id"), people=Count("participant", distinct=True))
        .order_by("kind")
    )
    for row in live:
        rows.append([_("Live session"), str(get_kind(row["kind"]).label), row["n"], row["people"]])
    consultations = Consultation.objects.filter(process__in=processes)
    comments = Comment.objects.filter(section__consultation__in=consultations, deleted_at=None)
    for label, qs, who in (
        (_("Comments"), comments.filter(parent__isnull=True), "author"),
        (_("Replies"), comments.filter(parent__isnull=False), "author"),
        (
            _("Validation answers"),
            ValidationAnswer.objects.filter(round__consultation__in=consultations),
            "user",
        ),
        (
            _("Reactions"),
            Reaction.objects.filter(comment__section__consultation__in=consultations),
            "user",
        ),
    ):
        figures = qs.aggregate(n=Count("id"), people=Count(who, distinct=True))
        rows.append([_("Consultation"), str(label), figures["n"], figures["people"]])
    return _table(
        "contributions",
        _("Contributions by kind"),
        [
            (_("Where"), "text"),
            (_("Kind"), "text"),
            (_("Contributions"), "int"),
            (_("People"), "int"),
        ],
        rows,
        _("Live actions are votes, notes, questions and the like, one per action."),
    )


def answered_table(processes: list[Process]) -> dict[str, Any]:
    """ "You said, we did": the inputs (visible comments and validation reasons) and the
    share with an answer, per stakeholder group of their authors."""
    consultations = Consultation.objects.filter(process__in=processes)
    inputs: dict[str, Counter[str]] = defaultdict(Counter)
    authors: dict[str, set[int]] = defaultdict(set)
    comments = (
        Comment.objects.filter(
            section__consultation__in=consultations, deleted_at=None, hidden_at=None
        )
        .values("author_id", group=F("author__profile__stakeholder_group"))
        .annotate(n=Count("id"), answered=Count("disposition"))
        .order_by()
    )
    reasons = (
        ValidationAnswer.objects.filter(round__consultation__in=consultations)
        .exclude(reason="")
        .values(author_id=F("user_id"), group=F("user__profile__stakeholder_group"))
        .annotate(n=Count("id"), answered=Count("disposition"))
        .order_by()
    )
    for row in [*comments, *reasons]:
        group = row["group"] or ""
        inputs[group]["n"] += row["n"]
        inputs[group]["answered"] += row["answered"]
        authors[group].add(row["author_id"])
    choices = [c for c in StakeholderGroup.choices if c[0]]
    choices += [c for c in StakeholderGroup.choices if not c[0]]
    rows = []
    for value, label in choices:
        n, answered = inputs[value]["n"], inputs[value]["answered"]
        if not n:
            continue
        if len(authors[value]) < representation.MIN_GROUP_SIZE:
            rows.append([str(label), None, None, None])
        else:
            rows.append([str(label), n, answered, round(100 * answered / n, 1)])
    total = sum(c["n"] for c in inputs.values())
    answered = sum(c["answered"] for c in inputs.values())
    rows.append(
        [_("All inputs"), total, answered, round(100 * answered / total, 1) if total else None]
    )
    return _table(
        "answered",
        _("Inputs answered (“you said, we did”)"),
        [
            (_("Stakeholder group"), "text"),
            (_("Inputs"), "int"),
            (_("Answered"), "int"),
            (_("Share answered"), "percent"),
        ],
        rows,
        _(
            "Inputs are comments and reasons given in validation rounds. Groups whose inputs "
            "come from fewer than %(n)d people are not shown."
        )
        % {"n": representation.MIN_GROUP_SIZE},
    )


def validation_table(processes: list[Process]) -> dict[str, Any]:
    """Per validation round and section: how many answered and each verdict's share."""
    verdicts = list(Verdict.choices)
    rows = []
    rounds = (
        ValidationRound.objects.filter(consultation__process__in=processes)
        .select_related("consultation", "version")
        .order_by("consultation__title", "opened_at", "id")
    )
    for round_ in rounds:
        for section in round_results(round_):
            rows.append(
                [
                    round_.consultation.title,
                    round_.title,
                    section["heading"],
                    section["total"],
                    *[
                        section["shares"][value] if section["total"] else None
                        for value, _label in verdicts
                    ],
                ]
            )
    return _table(
        "validation",
        _("Validation outcomes per section"),
        [
            (_("Consultation"), "text"),
            (_("Validation round"), "text"),
            (_("Section"), "text"),
            (_("Answers"), "int"),
            *[(str(label) + " (%)", "percent") for _value, label in verdicts],
        ],
        rows,
    )


def key_figures(
    processes: list[Process],
    events: list[Event],
    rep: representation.Representation,
    contributions: dict[str, Any],
    answered: dict[str, Any],
    timeline: reach.Timeline,
    *,
    programme: bool,
) -> dict[str, Any]:
    totals = {
        stage.key: cell.count for stage, cell in zip(rep.stages, rep.tables[0].totals, strict=True)
    }
    rows: list[list[Any]] = []
    if programme:
        rows.append([_("Processes"), len(processes)])
    rows += [
        [_("Events"), len(events)],
        [_("Live sessions"), sum(e.live_sessions for e in events)],
        [_("Consultations"), Consultation.objects.filter(process__in=processes).count()],
        [_("People invited"), totals.get(representation.INVITED)],
        [
            _("People who took part (live or in a consultation)"),
            sum(counts[-1] for counts in timeline.new),
        ],
        [_("Contributions"), sum(row[2] for row in contributions["rows"])],
        [_("Inputs answered (%)"), answered["rows"][-1][3]],
    ]
    return _table(
        "key_figures",
        _("Key figures"),
        [(_("Figure"), "text"), (_("Value"), "number")],
        rows,
    )


def _chart(title: str, rows: list[tuple[str, float]], unit: str, table: str) -> dict[str, Any]:
    svg = charts.bar_chart_svg(
        title=title, rows=rows, unit=unit, maximum=100.0 if unit == "%" else None
    )
    return {"title": title, "svg": svg, "table": table} if svg else {}


def content(
    *, processes: list[Process], programme: bool, language: str, progress: Progress
) -> dict[str, Any]:
    """Everything the report says (read in the caller's active language)."""
    if programme:
        scope = representation.programme_scope(processes)
        title = _("Programme report")
    else:
        scope = representation.process_scope(processes[0])
        title = processes[0].title
    progress(5, _("Reading the events"))
    events = _events(processes)
    reach_of = representation.event_reach(scope=scope)
    progress(20, _("Counting who was reached"))
    rep = representation.suppress(representation.representation(scope=scope))
    reached = reached_tables(rep)
    progress(45, _("Following who took part over time"))
    timeline = reach.reach_over_time(scope=scope)
    progress(65, _("Counting contributions and answers"))
    contributions = contributions_table(scope, processes)
    answered = answered_table(processes)
    progress(75, _("Reading the validation rounds"))
    validation = validation_table(processes)
    tables = [
        key_figures(processes, events, rep, contributions, answered, timeline, programme=programme),
        events_table(events, reach_of, programme=programme),
        events_by_kind_table(events, reach_of),
        *reached,
        *timeline_tables(timeline),
        contributions,
        answered,
        validation,
    ]
    progress(85, _("Drawing the charts"))
    chart_list = []
    if timeline.quarters:
        chart_list.append(
            _chart(
                _("People who took part for the first time, per quarter"),
                [
                    (q.label, float(c[-1]))
                    for q, c in zip(timeline.quarters, timeline.new, strict=True)
                ],
                "",
                "over_time",
            )
        )
        group = timeline.dimensions[0]
        last = group.rows[-1]
        shown = [
            (label, share)
            for (_v, label, _t), share in zip(group.values, last.shares, strict=True)
            if share is not None
        ]
        if shown:
            chart_list.append(
                _chart(
                    _("Who took part, by stakeholder group (%)"),
                    shown,
                    "%",
                    f"mix_over_time_{group.dimension}",
                )
            )
    return {
        "language": language,
        "title": str(title),
        "programme": programme,
        "processes": [p.title for p in processes],
        "built_on": timezone.localdate().isoformat(),
        "tables": tables,
        "charts": [chart for chart in chart_list if chart],
    }
