"""What an idea board's report shows (``ActivityKind.report_blocks``): the notes per
column as a chart, each cluster with its most upvoted notes, and the most upvoted notes
in no cluster.

Only visible notes (not hidden, not merged into another), and their texts only on a
board participants see (open, or private and revealed); never who wrote a note. Two
queries: the board's visible notes and its clusters (the upvotes come from the tally).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from sessions.kinds import Role, figures_block, list_block
from sessions.models import Activity

from .models import Cluster
from .selectors import board_visible, visible_notes

# Notes listed per cluster (and in no cluster), most upvoted first.
TOP_NOTES = 5


def upvotes(n: int) -> str:
    return ngettext("%(n)d upvote", "%(n)d upvotes", n) % {"n": n}


def _top(notes: list[tuple[int, str, int]]) -> list[dict[str, str]]:
    """``(id, text, upvotes)`` -> the most upvoted (ties: the oldest first) as items."""
    best = sorted(notes, key=lambda note: (-note[2], note[0]))[:TOP_NOTES]
    return [{"text": text, "detail": upvotes(n)} for _id, text, n in best]


def report_blocks(activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
    columns = activity.config.get("columns", [])
    votes = tally.get("votes", {})
    notes = list(
        visible_notes(activity).order_by("id").values_list("id", "column", "cluster_id", "text")
    )
    per_column = [0] * len(columns)
    for _id, column, _cluster, _text in notes:
        if 0 <= column < len(columns):
            per_column[column] += 1
    total = len(notes)
    figures = figures_block(
        ngettext(
            "Notes per column (%(n)d note in all)", "Notes per column (%(n)d notes in all)", total
        )
        % {"n": total},
        [
            {
                "label": name,
                "value": per_column[i],
                "share": round(100 * per_column[i] / total, 1) if total else None,
                "detail": "",
            }
            for i, name in enumerate(columns)
        ],
        chart=True,
    )
    if not board_visible(activity, Role.PARTICIPANT):
        hidden = _("The notes were not revealed to participants, so they are not listed here.")
        return [figures, list_block(pgettext("idea board", "Notes"), [], hidden)]
    clusters = list(Cluster.objects.filter(activity=activity).order_by("position", "id"))
    in_cluster: dict[int | None, list[tuple[int, str, int]]] = {}
    known = {c.pk for c in clusters}
    for note_id, _column, cluster_id, text in notes:
        key = cluster_id if cluster_id in known else None
        in_cluster.setdefault(key, []).append((note_id, text, votes.get(str(note_id), 0)))
    blocks = [figures]
    for cluster in clusters:
        blocks.append(
            list_block(
                cluster.name, _top(in_cluster.get(cluster.pk, [])), _("No notes in this cluster.")
            )
        )
    loose = _top(in_cluster.get(None, []))
    if clusters:
        blocks.append(list_block(_("Notes in no cluster"), loose, _("Every note is in a cluster.")))
    else:
        blocks.append(list_block(_("Most upvoted notes"), loose, _("No notes were posted.")))
    return blocks
