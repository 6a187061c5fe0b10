"""The idea board's hot statements, written as SQL: what a participant has on a
board (read once per command), a new note and a new upvote.

Posting and upvoting are what hundreds of people do at once on one board, and the
ORM's cost of building these statements was most of a command's CPU on the room's
one GIL (docs/performance.md, "Commands as written-out SQL"). Portable between
PostgreSQL and SQLite, like ``sessions.command_queries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from consult.translations import current_language
from sessions.command_queries import db_value, table, union_rows
from sessions.items import item_select
from sessions.models import Activity, Participant

from .models import Note, NoteVote


@dataclass
class Standing:
    """What one participant has on one board."""

    # Their notes, oldest first, as their own state shows them.
    notes: list[dict[str, Any]]
    # The notes of their upvotes that count against the budget (on visible notes).
    votes: list[int]
    # Every note on the board, whoever wrote it (when asked for).
    board_notes: int | None = None
    # The note a command names: (author's participant id, visible), when asked for
    # and found on this board.
    target: tuple[int, bool] | None = None


def standing(
    activity: Activity,
    participant: Participant,
    *,
    board_notes: bool = False,
    target: int | None = None,
) -> Standing:
    """The participant's notes and counted upvotes, and with ``board_notes`` the
    board's note count, and with ``target`` that note's author and visibility: one
    statement."""
    return _standings(activity, [participant.pk], board_notes=board_notes, target=target)[
        participant.pk
    ]


def standings(activity: Activity, participant_ids: list[int]) -> dict[int, Standing]:
    """``standing`` of each of these participants (many joining at once): one
    statement."""
    return _standings(activity, participant_ids)


def _standings(
    activity: Activity,
    participant_ids: list[int],
    *,
    board_notes: bool = False,
    target: int | None = None,
) -> dict[int, Standing]:
    # Every SELECT ends with the participant a row is of (NULL: of the board).
    notes, votes = table(Note), table(NoteVote)
    people = ", ".join(["%s"] * len(participant_ids))
    parts = [
        (
            'SELECT \'n\', "id", "column", "text", "hidden", "merged_into_id", "participant_id" '  # noqa: S608
            f'FROM {notes} WHERE "activity_id" = %s AND "participant_id" IN ({people})',
            [activity.pk, *participant_ids],
        ),
        (
            f'SELECT \'v\', v."note_id", NULL, NULL, NULL, NULL, v."participant_id" '  # noqa: S608
            f'FROM {votes} v JOIN {notes} n ON n."id" = v."note_id" '
            f'WHERE v."activity_id" = %s AND v."participant_id" IN ({people}) '
            'AND n."activity_id" = %s AND NOT n."hidden" AND n."merged_into_id" IS NULL',
            [activity.pk, *participant_ids, activity.pk],
        ),
    ]
    if board_notes:
        parts.append(
            (
                f"SELECT 't', COUNT(*), NULL, NULL, NULL, NULL, NULL FROM {notes} "  # noqa: S608
                'WHERE "activity_id" = %s',
                [activity.pk],
            )
        )
    if target is not None:
        columns = ("participant_id", None, None, "hidden", "merged_into_id", None)
        parts.append(item_select(Note, activity, target, tag="x", columns=columns))
    rows = union_rows(parts)
    found = {pk: Standing(notes=[], votes=[]) for pk in participant_ids}
    board: list[tuple] = []
    for kind, number, column, text, hidden, merged_into, participant_id in rows:
        if kind == "n":
            found[participant_id].notes.append(
                {
                    "id": number,
                    "column": column,
                    "text": text,
                    "hidden": bool(hidden) or merged_into is not None,
                }
            )
        elif kind == "v":
            found[participant_id].votes.append(number)
        else:
            board.append((kind, number, hidden, merged_into))
    for one in found.values():
        one.notes.sort(key=lambda note: note["id"])
        one.votes.sort()
        for kind, number, hidden, merged_into in board:
            if kind == "t":
                one.board_notes = number
            else:
                one.target = (number, not hidden and merged_into is None)
    return found


def insert_note(activity: Activity, participant: Participant, column: int, text: str) -> int:
    """A new note, written in the active (the author's interface) language; returns its id."""
    now = db_value(Note, "created_at", timezone.now())
    sql = (
        f"INSERT INTO {table(Note)} "  # noqa: S608
        '("activity_id", "participant_id", "column", "text", "language", "hidden", '
        '"created_at", "updated_at") VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING "id"'
    )
    params = [activity.pk, participant.pk, column, text, current_language(), False, now, now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def insert_vote(activity: Activity, participant: Participant, note_id: int) -> None:
    """A new upvote; the unique constraint refuses a second one on the same note."""
    now = db_value(NoteVote, "created_at", timezone.now())
    sql = (
        f"INSERT INTO {table(NoteVote)} "  # noqa: S608
        '("activity_id", "note_id", "participant_id", "created_at") VALUES (%s, %s, %s, %s)'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [activity.pk, note_id, participant.pk, now])
