"""Reads for idea boards: settings and state, per-role views of notes and clusters,
the tally, a participant's own input and the export.

``Activity.config`` of a board holds the facilitator's **settings** (set once, by
``clean_config``) and, under the separate key ``"state"``, the board's **runtime
state** (changed by moderation commands)::

    {"columns": ["Challenges", "Solutions"],   # 1-6 names, each <= 60 characters
     "mode": "open" | "private",                # private: each participant sees only
                                                # their own notes until revealed
     "max_length": 280,                         # characters per note (10-500)
     "max_notes": 10,                           # notes per participant (1-50)
     "state": {"locked": False,                 # no posting, editing or deleting
               "revealed": False,               # private mode: everyone sees all notes
               "voting": False,                 # an upvote round is running
               "budget": 3}}                    # upvotes per participant (1-20)

Who sees which note: the facilitator sees every note (hidden and merged ones too) with
its author's display name; participants and the projector see the visible notes (not
hidden, not merged into another) once the board is visible to them (open mode, or
private mode after the reveal). A note shows its author's display name when the
participant gave one (they chose a name or to stay anonymous when joining).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from sessions.kinds import Role
from sessions.models import Activity, Participant
from sessions.selectors import export_time

from . import command_queries
from .models import Cluster, Note, NoteVote

DEFAULT_STATE: dict[str, Any] = {"locked": False, "revealed": False, "voting": False, "budget": 3}

_NOTE_FIELDS = (
    "id",
    "column",
    "text",
    "language",
    "cluster_id",
    "hidden",
    "merged_into_id",
    "participant_id",
    "participant__display_name",
)
_VISIBLE = Q(hidden=False, merged_into__isnull=True)


def board_state(activity: Activity) -> dict[str, Any]:
    return {**DEFAULT_STATE, **(activity.config.get("state") or {})}


def is_private(activity: Activity) -> bool:
    return activity.config.get("mode") == "private"


def board_visible(activity: Activity, role: Role | str) -> bool:
    """Whether ``role`` sees other people's notes on this board at all."""
    if Role(role) is Role.FACILITATOR:
        return True
    return not is_private(activity) or board_state(activity)["revealed"]


# --------------------------------------------------------------------------- views


def _note_view(row: dict[str, Any], role: Role) -> dict[str, Any]:
    view = {
        "id": row["id"],
        "column": row["column"],
        "text": row["text"],
        "language": row["language"],  # the code it was written in, "" when unknown
        "cluster": row["cluster_id"],
        "author": row["participant__display_name"] or None,
    }
    if role is Role.FACILITATOR:
        view["hidden"] = row["hidden"]
        view["merged_into"] = row["merged_into_id"]
    return view


def _visible_row(row: dict[str, Any]) -> bool:
    return not row["hidden"] and row["merged_into_id"] is None


def cluster_view(cluster: Cluster) -> dict[str, Any]:
    return {"id": cluster.pk, "name": cluster.name, "position": cluster.position}


def item_lists(activity: Activity) -> dict[str, Any]:
    """Every note and cluster as each role may see it: ``{"notes": [...], "clusters": [...]}``."""
    rows = list(Note.objects.filter(activity=activity).order_by("id").values(*_NOTE_FIELDS))
    clusters = [cluster_view(c) for c in Cluster.objects.filter(activity=activity)]
    lists = {}
    for role in Role:
        if role is Role.FACILITATOR:
            notes = [_note_view(row, role) for row in rows]
        elif board_visible(activity, role):
            notes = [_note_view(row, role) for row in rows if _visible_row(row)]
        else:
            notes = []
        lists[role.value] = {"notes": notes, "clusters": clusters}
    return lists


def item_views(activity: Activity, item: Any) -> dict[str, Any]:
    """One changed note (``{"note": id}``) or cluster (``{"cluster": id}``) per role:
    ``{"note": {...}}``, ``{"removed": id}`` (a note this role may no longer see),
    ``{"cluster": {...}}``, ``{"removed_cluster": id}``, or None (nothing to see)."""
    return item_views_many(activity, [item])[0]


def item_views_many(activity: Activity, items: list[Any]) -> list[dict[str, Any]]:
    """``item_views`` of several changes, reading their notes in one query."""
    note_ids = [item["note"] for item in items if "note" in item]
    rows = {
        row["id"]: row
        for row in Note.objects.filter(activity=activity, pk__in=note_ids).values(*_NOTE_FIELDS)
    }
    visible_to = {role: board_visible(activity, role) for role in Role}
    out = []
    for item in items:
        if isinstance(item, dict) and "cluster" in item:
            cluster = Cluster.objects.filter(activity=activity, pk=item["cluster"]).first()
            view = (
                {"cluster": cluster_view(cluster)}
                if cluster is not None
                else {"removed_cluster": item["cluster"]}
            )
            out.append({role.value: view for role in Role})
            continue
        note_id = item["note"]
        row = rows.get(note_id)
        views: dict[str, Any] = {}
        for role in Role:
            if not visible_to[role]:
                views[role.value] = None
            elif row is None or (role is not Role.FACILITATOR and not _visible_row(row)):
                views[role.value] = {"removed": note_id}
            else:
                views[role.value] = {"note": _note_view(row, role)}
        out.append(views)
    return out


# --------------------------------------------------------------------------- tally


def visible_notes(activity: Activity):
    return Note.objects.filter(activity=activity).filter(_VISIBLE)


def tally(activity: Activity) -> dict[str, Any]:
    """``{"notes": visible notes, "votes": {"<note id>": upvotes} (visible notes with at
    least one), "voting", "budget", "locked", "revealed"}``."""
    state = board_state(activity)
    # note__activity as well: it lets PostgreSQL read only this board's notes for the
    # join, where its plan otherwise may hash every visible note of every board.
    votes = (
        NoteVote.objects.filter(
            activity=activity, note__activity=activity, note__hidden=False, note__merged_into=None
        )
        .values_list("note")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "notes": visible_notes(activity).count(),
        "votes": {str(note): n for note, n in votes},
        "voting": state["voting"],
        "budget": state["budget"],
        "locked": state["locked"],
        "revealed": state["revealed"],
    }


def role_view(activity: Activity, tally: dict[str, Any], role: Role) -> dict[str, Any]:
    """Upvote counts only for those who see the notes."""
    if board_visible(activity, role):
        return tally
    return {**tally, "votes": {}}


def response_counts(activities: list[Activity]) -> dict[int, int]:
    counts = dict(
        Note.objects.filter(activity__in=activities)
        .filter(_VISIBLE)
        .values_list("activity")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {a.pk: counts.get(a.pk, 0) for a in activities}


def evidence_rows(activity: Activity) -> list[dict[str, Any]]:
    """The board as anyone may read it (``ActivityKind.evidence_rows``): each cluster with
    the upvotes of its notes, then each note with its upvotes, most upvoted first. Only
    visible notes (not hidden, not merged away) of a board participants see, and never
    an author's name."""
    if not board_visible(activity, Role.PARTICIPANT):
        return []
    columns = activity.config.get("columns", [])
    notes = list(
        visible_notes(activity)
        .annotate(upvotes=Count("votes"))
        .order_by("id")
        .values_list("text", "column", "cluster_id", "upvotes")
    )
    clusters = {c.pk: c for c in Cluster.objects.filter(activity=activity)}
    in_cluster: dict[int, list[int]] = {}
    for _text, _column, cluster, upvotes in notes:
        if cluster in clusters:
            in_cluster.setdefault(cluster, []).append(upvotes)
    rows = [
        {
            "label": clusters[pk].name,
            "value": sum(votes),
            "share": None,
            "detail": _("upvotes · cluster of %(n)d notes") % {"n": len(votes)},
        }
        for pk, votes in sorted(
            in_cluster.items(), key=lambda kv: (-sum(kv[1]), clusters[kv[0]].position, kv[0])
        )
    ]
    for text, column, cluster, upvotes in sorted(notes, key=lambda n: -n[3]):
        where = [columns[column] if column < len(columns) else str(column)]
        if cluster in clusters:
            where.append(clusters[cluster].name)
        rows.append(
            {
                "label": text,
                "value": upvotes,
                "share": None,
                "detail": _("upvotes · %(where)s") % {"where": " · ".join(where)},
            }
        )
    return rows


# --------------------------------------------------------------------------- participants


def participant_state(activity: Activity, participant: Participant) -> dict[str, Any] | None:
    """``{"notes": [{"id", "column", "text", "hidden"}], "votes": [note ids],
    "remaining": upvotes left}`` or None before the participant did anything. The
    votes are those that count against the budget: on visible notes (a vote on a note
    hidden later is given back)."""
    return state_view(activity, command_queries.standing(activity, participant))


def participant_states(
    activity: Activity, participants: list[Participant]
) -> dict[int, dict[str, Any] | None]:
    """``participant_state`` of each participant, by id: one statement."""
    found = command_queries.standings(activity, [p.pk for p in participants])
    return {pk: state_view(activity, standing) for pk, standing in found.items()}


def state_view(activity: Activity, standing: command_queries.Standing) -> dict[str, Any] | None:
    """``participant_state`` of what was read already."""
    if not standing.notes and not standing.votes:
        return None
    budget = board_state(activity)["budget"]
    return {
        "notes": standing.notes,
        "votes": standing.votes,
        "remaining": max(0, budget - len(standing.votes)),
    }


# --------------------------------------------------------------------------- export


def export_rows(activity: Activity) -> Iterable[dict[str, Any]]:
    columns = activity.config.get("columns", [])
    notes = (
        Note.objects.filter(activity=activity)
        .select_related("participant", "cluster")
        .annotate(upvotes=Count("votes"))
        .order_by("column", "id")
    )
    for note in notes:
        yield {
            "participant": note.participant,
            "note_id": note.pk,
            "column": columns[note.column] if note.column < len(columns) else note.column,
            "note": note.text,
            "language": note.language,  # the code it was written in ("" when unknown)
            "cluster": note.cluster.name if note.cluster is not None else "",
            "upvotes": note.upvotes,
            "hidden": note.hidden,
            "merged_into": note.merged_into_id or "",
            "created_at": export_time(note.created_at),
            "updated_at": export_time(note.updated_at),
        }
