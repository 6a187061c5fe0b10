"""What a common-ground activity's report shows (``ActivityKind.report_blocks``): the
common-ground statements, the divisive ones and a table of the answers per statement,
read from the same stored analysis and live counts as the common-ground page
(``consensus.report.common_ground_page``, three queries), so a stakeholder group's
figures on a statement fewer than ``MIN_GROUP_SIZE`` of its members answered are left
out here as they are there.

Only visible statements (never pending or hidden ones), never who wrote or answered one.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from sessions.kinds import list_block, table_block
from sessions.models import Activity

from .opinions import MIN_GROUP_SIZE
from .report import Page, common_ground_page


def _number(value: float | None) -> str:
    return "" if value is None else number_format(value)


def _merged(
    declared: list[dict[str, Any]], opinion: list[dict[str, Any]], where: dict[str, str]
) -> list[dict[str, str]]:
    """The statements of both lists once each, the declared groups' list first, each
    with its agree share and the groups it holds across (``where``: by "declared",
    "opinion" and "both")."""
    rows: dict[int, dict[str, Any]] = {}
    bases: dict[int, set[str]] = {}
    for basis, listed in (("declared", declared), ("opinion", opinion)):
        for row in listed:
            rows.setdefault(row["id"], row)
            bases.setdefault(row["id"], set()).add(basis)
    items = []
    for sid, row in rows.items():
        basis = "both" if len(bases[sid]) == 2 else next(iter(bases[sid]))
        items.append(
            {
                "text": row["text"],
                "detail": _("%(share)s %% agree of %(n)d answers, %(where)s")
                % {"share": _number(row["agree_share"]), "n": row["seen"], "where": where[basis]},
            }
        )
    return items


def _answers_table(page: Page) -> dict[str, Any]:
    answered = [row for row in page.statements if row["seen"]]
    head = [_("Statement"), _("Agree"), _("Disagree"), _("Pass")]
    head += [_("%(group)s (%% agree)") % {"group": label} for _key, label in page.group_columns]
    head.append(_("Consensus"))
    rows = [
        [
            row["text"],
            row["agree"],
            row["disagree"],
            row["pass"],
            *(
                None if cell is None or cell["hidden"] else cell["agree_share"]
                for cell in row["groups"]
            ),
            None if row["consensus_declared"] is None else round(row["consensus_declared"], 2),
        ]
        for row in answered
    ]
    note = _(
        "Common ground first. Per stakeholder group, the share who agree (%%), shown "
        "where at least %(n)d of its members answered the statement, not where fewer "
        "than %(n)d did. Consensus is the product over the groups of each group's agree "
        "rate (with one agree and one non-agree added), so it is high only when every "
        "group agrees."
    ) % {"n": MIN_GROUP_SIZE}
    return table_block(_("Answers per statement"), head, rows, note)


def report_blocks(activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
    page = common_ground_page(activity=activity)
    common = _merged(
        page.common_ground_declared,
        page.common_ground_opinion,
        {
            "declared": _("across stakeholder groups"),
            "opinion": _("across opinion groups"),
            "both": _("across stakeholder groups and opinion groups"),
        },
    )
    divisive = _merged(
        page.divisive_declared,
        page.divisive_opinion,
        {
            "declared": _("divides stakeholder groups"),
            "opinion": _("divides opinion groups"),
            "both": _("divides stakeholder groups and opinion groups"),
        },
    )
    return [
        list_block(
            _("Common ground"),
            common,
            _("No common ground yet: no statement more than half of every group agrees with."),
        ),
        list_block(_("Divisive statements"), divisive, _("No statement divides the groups.")),
        _answers_table(page),
    ]
