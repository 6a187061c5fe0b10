"""Q&A's hot statements, written as SQL: what a participant has in a Q&A (read once
per command), a new question and a new upvote.

Asking and upvoting are what a conference audience does at once; like the idea
board's (``boards.command_queries``), these statements are written out because the
ORM's cost of building them was most of a command's CPU on the room's one GIL
(docs/performance.md, "Commands as written-out SQL"). Portable between PostgreSQL
and SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from consult.translations import current_language
from sessions.command_queries import datetime_value, db_value, table, union_rows
from sessions.items import item_select
from sessions.models import Activity, Participant

from .models import Question, QuestionVote


def own_question(
    *,
    question_id: int,
    text: str,
    anonymous: bool,
    status: str,
    answered: bool,
    created_at: datetime | None,
) -> dict[str, Any]:
    """A question as its asker sees it in their own state."""
    return {
        "id": question_id,
        "text": text,
        "anonymous": anonymous,
        "status": status,
        "answered": answered,
        "created_at": created_at.isoformat() if created_at is not None else None,
    }


@dataclass
class Standing:
    """What one participant has in one Q&A."""

    # Their questions, whatever their status, oldest first (``own_question``).
    questions: list[dict[str, Any]]
    # The questions they upvoted, by id.
    upvoted: list[int]
    # The question a command names: (asker's participant id, status), when asked for
    # and found in this Q&A.
    target: tuple[int, str] | None = None


def standing(
    activity: Activity, participant: Participant, *, target: int | None = None
) -> Standing:
    """The participant's questions and upvotes, and with ``target`` that question's
    asker and status: one statement."""
    return _standings(activity, [participant.pk], target=target)[participant.pk]


def standings(activity: Activity, participant_ids: list[int]) -> dict[int, Standing]:
    """``standing`` of each of these participants (many joining at once): one
    statement."""
    return _standings(activity, participant_ids)


def _standings(
    activity: Activity, participant_ids: list[int], *, target: int | None = None
) -> dict[int, Standing]:
    # Every SELECT ends with the participant a row is of (NULL: the target's).
    questions, votes = table(Question), table(QuestionVote)
    people = ", ".join(["%s"] * len(participant_ids))
    parts = [
        (
            'SELECT \'q\', "id", "text", "anonymous", "status", "answered", "created_at", '  # noqa: S608
            f'"participant_id" FROM {questions} '
            f'WHERE "activity_id" = %s AND "participant_id" IN ({people})',
            [activity.pk, *participant_ids],
        ),
        (
            f'SELECT \'v\', v."question_id", NULL, NULL, NULL, NULL, NULL, v."participant_id" '  # noqa: S608
            f'FROM {votes} v JOIN {questions} q ON q."id" = v."question_id" '
            f'WHERE q."activity_id" = %s AND v."participant_id" IN ({people})',
            [activity.pk, *participant_ids],
        ),
    ]
    if target is not None:
        columns = ("participant_id", None, None, "status", None, None, None)
        parts.append(item_select(Question, activity, target, tag="x", columns=columns))
    rows = union_rows(parts)
    found = {pk: Standing(questions=[], upvoted=[]) for pk in participant_ids}
    aimed: tuple[int, str] | None = None
    for kind, number, text, anonymous, status, answered, created_at, participant_id in sorted(
        rows, key=lambda row: row[1]
    ):
        if kind == "q":
            found[participant_id].questions.append(
                own_question(
                    question_id=number,
                    text=text,
                    anonymous=bool(anonymous),
                    status=status,
                    answered=bool(answered),
                    created_at=datetime_value(created_at),
                )
            )
        elif kind == "v":
            found[participant_id].upvoted.append(number)
        else:
            aimed = (number, status)
    if aimed is not None:
        for one in found.values():
            one.target = aimed
    return found


def insert_question(
    activity: Activity, participant: Participant, *, text: str, anonymous: bool, status: str
) -> dict[str, Any]:
    """A new question, written in the active (the asker's interface) language; returns
    it as its asker sees it (``own_question``)."""
    now = timezone.now()
    sql = (
        f"INSERT INTO {table(Question)} "  # noqa: S608
        '("activity_id", "participant_id", "text", "language", "anonymous", "status", '
        '"answered", "created_at") VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING "id"'
    )
    stored_now = db_value(Question, "created_at", now)
    params = [activity.pk, participant.pk, text, current_language(), anonymous, status, False]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, stored_now])
        question_id = cursor.fetchone()[0]
    return own_question(
        question_id=question_id,
        text=text,
        anonymous=anonymous,
        status=status,
        answered=False,
        created_at=now,
    )


def insert_vote(question_id: int, participant: Participant) -> None:
    """An upvote; nothing if the participant has one on this question already (the
    unique constraint, without an error that would abort the transaction)."""
    now = db_value(QuestionVote, "created_at", timezone.now())
    sql = (
        f"INSERT INTO {table(QuestionVote)} "  # noqa: S608
        '("question_id", "participant_id", "created_at") VALUES (%s, %s, %s) '
        'ON CONFLICT ("question_id", "participant_id") DO NOTHING'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [question_id, participant.pk, now])
