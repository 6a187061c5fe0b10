"""Writes for idea boards. Every function runs inside the caller's transaction (the
room's ``perform_command`` / ``moderate_activity``), raises ``CommandError`` with a
typed code before changing anything when a command is refused, and tells the room
what changed: ``publish_item`` for a note or a cluster, a room broadcast for the
board's state (locked, revealed, upvote round), which participants need whether or
not they may see results."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.text import storable_text
from sessions import services as room
from sessions.command_queries import lock_participant
from sessions.items import Items, item_id
from sessions.kinds import CommandError, get_kind
from sessions.models import Activity, Participant

from . import command_queries, selectors
from .models import Cluster, Note, NoteVote

MAX_BUDGET = 20
MAX_CLUSTERS = 30
MAX_CLUSTER_NAME = 80
# Notes per board, whoever wrote them: bounds the board's snapshot.
MAX_BOARD_NOTES = 2000
# The highest note, cluster or activity id a board command takes.
_MAX_ID = 2**31 - 1

NOTES = Items(
    Note,
    missing_code="unknown_note",
    missing=gettext_lazy("This note does not exist."),
    invalid=gettext_lazy("Name the note by its number."),
    highest=_MAX_ID,
)
CLUSTERS = Items(
    Cluster,
    missing_code="unknown_cluster",
    missing=gettext_lazy("This cluster does not exist."),
    invalid=gettext_lazy("Name the cluster by its number."),
    highest=_MAX_ID,
)


# --------------------------------------------------------------------------- input


def command_fields(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CommandError("invalid_value", _("Send the command's fields as an object."))
    return data


def clean_text(value: Any, max_length: int) -> str:
    """A note's text: trimmed, line breaks kept; "empty" or "too_long" if refused."""
    if not storable_text(value):
        raise CommandError("invalid_value", _("Write the note as text."))
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise CommandError("empty", _("Write something first."))
    if len(text) > max_length:
        raise CommandError("too_long", _("Keep a note under %(n)d characters.") % {"n": max_length})
    return text


def clean_cluster_name(value: Any) -> str:
    if not storable_text(value):
        raise CommandError("invalid_value", _("Name the cluster."))
    name = " ".join(value.split())
    if not name:
        raise CommandError("empty", _("Name the cluster."))
    if len(name) > MAX_CLUSTER_NAME:
        raise CommandError(
            "too_long", _("Keep a cluster name under %(n)d characters.") % {"n": MAX_CLUSTER_NAME}
        )
    return name


def _unlocked(activity: Activity) -> None:
    if selectors.board_state(activity)["locked"]:
        raise CommandError("board_locked", _("The board is locked."))


# --------------------------------------------------------------------------- participants


def post_note(
    *, activity: Activity, participant: Participant, column: Any, text: Any
) -> command_queries.Standing:
    """Post a note; returns what the participant has on the board afterwards."""
    _unlocked(activity)
    columns = activity.config["columns"]
    if isinstance(column, bool) or not isinstance(column, int) or not 0 <= column < len(columns):
        raise CommandError("invalid_value", _("Choose one of the board's columns."))
    text = clean_text(text, activity.config["max_length"])
    lock_participant(participant)  # one command at a time: note limit, budget
    standing = command_queries.standing(activity, participant, board_notes=True)
    if len(standing.notes) >= activity.config["max_notes"]:
        raise CommandError(
            "too_many",
            _("You can post at most %(n)d notes on this board.")
            % {"n": activity.config["max_notes"]},
        )
    if standing.board_notes >= MAX_BOARD_NOTES:
        raise CommandError("board_full", _("This board is full."))
    note_id = command_queries.insert_note(activity, participant, column, text)
    room.publish_item(activity=activity, item={"note": note_id})
    standing.notes.append({"id": note_id, "column": column, "text": text, "hidden": False})
    return standing


def _own_note(activity: Activity, participant: Participant, note_id: Any) -> Note:
    note_id = NOTES.id_of(note_id)
    _unlocked(activity)
    note = NOTES.find(activity, note_id, lock=True)
    if note.participant_id != participant.pk:
        raise CommandError("not_yours", _("You can only change your own notes."))
    return note


def edit_note(*, activity: Activity, participant: Participant, note: Any, text: Any) -> Note:
    found = _own_note(activity, participant, note)
    found.text = clean_text(text, activity.config["max_length"])
    found.save(update_fields=["text", "updated_at"])
    room.publish_item(activity=activity, item={"note": found.pk})
    return found


def _delete(activity: Activity, note: Note) -> None:
    # Notes merged into this one stay out of sight: hidden rather than shown again.
    for child in list(Note.objects.filter(merged_into=note).values_list("id", flat=True)):
        room.publish_item(activity=activity, item={"note": child})
    Note.objects.filter(merged_into=note).update(hidden=True, merged_into=None)
    note_id = note.pk
    note.delete()
    room.publish_item(activity=activity, item={"note": note_id})


def delete_note(*, activity: Activity, participant: Participant, note: Any) -> None:
    _delete(activity, _own_note(activity, participant, note))


def _voting_note(activity: Activity, participant: Participant, note_id: Any) -> Note:
    note_id = NOTES.id_of(note_id)
    _voting(activity)
    note = NOTES.find(activity, note_id)
    if not note.visible or not _seen(activity, participant, note.participant_id):
        raise CommandError("note_hidden", _("This note is not on the board."))
    return note


def _voting(activity: Activity) -> None:
    if not selectors.board_state(activity)["voting"]:
        raise CommandError("voting_closed", _("No upvote round is running."))


def _seen(activity: Activity, participant: Participant, author_id: int) -> bool:
    """Whether the participant sees a (visible) note of this author."""
    return selectors.board_visible(activity, "participant") or author_id == participant.pk


def upvote(*, activity: Activity, participant: Participant, note: Any) -> command_queries.Standing:
    """Upvote a note (one's own too; nothing changes if this participant had already).
    Returns what the participant has on the board afterwards."""
    note_id = NOTES.id_of(note)
    _voting(activity)
    lock_participant(participant)  # one command at a time: note limit, budget
    standing = command_queries.standing(activity, participant, target=note_id)
    if standing.target is None:
        raise NOTES.unknown()
    author_id, visible = standing.target
    if not visible or not _seen(activity, participant, author_id):
        raise CommandError("note_hidden", _("This note is not on the board."))
    if note_id in standing.votes:  # a visible note, so a vote on it is among the counted ones
        return standing
    budget = selectors.board_state(activity)["budget"]
    if len(standing.votes) >= budget:
        raise CommandError("over_budget", _("You have used your %(n)d upvotes.") % {"n": budget})
    command_queries.insert_vote(activity, participant, note_id)
    standing.votes = sorted([*standing.votes, note_id])
    return standing


def unvote(*, activity: Activity, participant: Participant, note: Any) -> bool:
    """Take an upvote back; False if there was none."""
    found = _voting_note(activity, participant, note)
    deleted, _rows = NoteVote.objects.filter(note=found, participant=participant).delete()
    return bool(deleted)


# --------------------------------------------------------------------------- facilitators


def set_hidden(*, activity: Activity, note: Any, hidden: bool) -> Note:
    """Hide a note, or show it again (showing a merged note takes it out of the merge;
    the upvotes it gave its target stay there)."""
    found = NOTES.find(activity, note, lock=True)
    found.hidden = hidden
    if not hidden:
        found.merged_into = None
    found.save(update_fields=["hidden", "merged_into", "updated_at"])
    room.publish_item(activity=activity, item={"note": found.pk})
    return found


def moderate_text(*, activity: Activity, note: Any, text: Any) -> Note:
    found = NOTES.find(activity, note, lock=True)
    found.text = clean_text(text, activity.config["max_length"])
    found.save(update_fields=["text", "updated_at"])
    room.publish_item(activity=activity, item={"note": found.pk})
    return found


def merge_notes(*, activity: Activity, note: Any, into: Any) -> Note:
    """Merge duplicate ``note`` into ``into``: it leaves the board, its upvotes move to
    ``into`` (a person who upvoted both keeps one), notes merged into it follow."""
    source_id, target_id = NOTES.id_of(note), NOTES.id_of(into)
    if source_id == target_id:
        raise CommandError("invalid_value", _("Choose another note to merge into."))
    source = NOTES.find(activity, source_id, lock=True)
    target = NOTES.find(activity, target_id, lock=True)
    if source.merged_into_id is not None:
        raise CommandError("already_merged", _("This note is already merged into another."))
    if not target.visible:
        raise CommandError("note_hidden", _("Merge into a note that is on the board."))
    both = NoteVote.objects.filter(note=target).values("participant")
    NoteVote.objects.filter(note=source, participant__in=both).delete()
    NoteVote.objects.filter(note=source).update(note=target)
    children = list(Note.objects.filter(merged_into=source).values_list("id", flat=True))
    Note.objects.filter(pk__in=children).update(merged_into=target)
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    for note_id in (source.pk, *children):
        room.publish_item(activity=activity, item={"note": note_id})
    return source


def create_cluster(*, activity: Activity, name: Any) -> Cluster:
    name = clean_cluster_name(name)
    Activity.objects.select_for_update(of=("self",)).filter(pk=activity.pk).order_by().first()
    clusters = Cluster.objects.filter(activity=activity)
    if clusters.count() >= MAX_CLUSTERS:
        raise CommandError(
            "too_many", _("A board has at most %(n)d clusters.") % {"n": MAX_CLUSTERS}
        )
    last = clusters.aggregate(m=Max("position"))["m"]
    cluster = Cluster.objects.create(
        activity=activity, name=name, position=0 if last is None else last + 1
    )
    room.publish_item(activity=activity, item={"cluster": cluster.pk})
    return cluster


def rename_cluster(*, activity: Activity, cluster: Any, name: Any) -> Cluster:
    found = CLUSTERS.find(activity, cluster)
    found.name = clean_cluster_name(name)
    found.save(update_fields=["name"])
    room.publish_item(activity=activity, item={"cluster": found.pk})
    return found


def delete_cluster(*, activity: Activity, cluster: Any) -> None:
    """Delete a cluster; its notes stay, unclustered (clients drop the cluster from
    their notes when they get ``removed_cluster``)."""
    found = CLUSTERS.find(activity, cluster)
    cluster_id = found.pk
    found.delete()
    room.publish_item(activity=activity, item={"cluster": cluster_id})


def assign_note(*, activity: Activity, note: Any, cluster: Any) -> Note:
    """Put a note in a cluster, or take it out with ``cluster=None``."""
    found = NOTES.find(activity, note, lock=True)
    found.cluster = None if cluster is None else CLUSTERS.find(activity, cluster)
    found.save(update_fields=["cluster", "updated_at"])
    room.publish_item(activity=activity, item={"note": found.pk})
    return found


def _set_state(activity: Activity, **changes: Any) -> dict[str, Any]:
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    state = {**selectors.board_state(locked), **changes}
    locked.config = {**locked.config, "state": state}
    locked.save(update_fields=["config"])
    activity.config = locked.config
    # Participants need the state (in the board's config) whatever results they may see.
    room.broadcast_room(activity.session_id)
    return state


def set_locked(*, activity: Activity, locked: bool) -> dict[str, Any]:
    return _set_state(activity, locked=locked)


def set_revealed(*, activity: Activity, revealed: bool) -> dict[str, Any]:
    """Show every participant's notes to everyone (private mode), or hide them again;
    hiding them again ends a running upvote round."""
    if revealed:
        return _set_state(activity, revealed=True)
    return _set_state(activity, revealed=False, voting=False)


def start_voting(*, activity: Activity, budget: Any) -> dict[str, Any]:
    """Start (or resume) the upvote round with ``budget`` upvotes per participant.
    Upvotes cast in an earlier round stay."""
    if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= MAX_BUDGET:
        raise CommandError(
            "invalid_value",
            _("Give each participant 1 to %(n)d upvotes.") % {"n": MAX_BUDGET},
        )
    if not selectors.board_visible(activity, "participant"):
        raise CommandError("not_revealed", _("Reveal the notes before the upvote round."))
    return _set_state(activity, voting=True, budget=budget)


def stop_voting(*, activity: Activity) -> dict[str, Any]:
    return _set_state(activity, voting=False)


def promote(
    *,
    activity: Activity,
    target: Any,
    note: Any = None,
    cluster: Any = None,
    statement_type: Any = "vision",
    horizon: Any = None,
    actor: Any = None,
) -> dict[str, Any]:
    """Add a note's text or a cluster's name as a statement of a vision-voting activity
    of the same session, through the target kind's ``add_statement`` capability (the
    board knows no poll module)."""
    if (note is None) == (cluster is None):
        raise CommandError("invalid_value", _("Promote either a note or a cluster."))
    if note is not None:
        found = NOTES.find(activity, note)
        text, source = found.text, {"activity": activity.pk, "note": found.pk}
    else:
        group = CLUSTERS.find(activity, cluster)
        text, source = group.name, {"activity": activity.pk, "cluster": group.pk}
    target_id = item_id(target, refusal=_("Name the activity by its number."), highest=_MAX_ID)
    into = (
        Activity.objects.filter(pk=target_id, session_id=activity.session_id)
        .exclude(pk=activity.pk)
        .first()
    )
    if into is None:
        raise CommandError("invalid_target", _("That activity does not take statements."))
    return get_kind(into.kind).add_statement(
        activity=into,
        text=text,
        statement_type=statement_type,
        horizon=horizon,
        actor=actor,
        source=source,
    )
