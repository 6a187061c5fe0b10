"""The consensus kind's hot statements, written as SQL: the status of the statement an
answer names and the answer's upsert. Answering is what a whole room does at once, and
the ORM's cost of building these was most of a command's CPU on the room's one GIL
(docs/performance.md, "Commands as written-out SQL"). Portable between PostgreSQL and
SQLite."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from sessions.command_queries import db_value, table
from sessions.models import Activity, Participant

from .models import Answer, Statement


def statement_status(*, activity: Activity, statement_id: int) -> str | None:
    """The status of the statement ``statement_id`` of ``activity``, or None."""
    sql = f'SELECT "status" FROM {table(Statement)} WHERE "id" = %s AND "activity_id" = %s'  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [statement_id, activity.pk])
        row = cursor.fetchone()
    return None if row is None else row[0]


def upsert_answer(*, statement_id: int, participant: Participant, vote: int) -> None:
    """The participant's answer to the statement, replacing an earlier one."""
    now = db_value(Answer, "answered_at", timezone.now())
    sql = (
        f"INSERT INTO {table(Answer)} "  # noqa: S608
        '("statement_id", "participant_id", "vote", "answered_at") VALUES (%s, %s, %s, %s) '
        'ON CONFLICT ("statement_id", "participant_id") '
        'DO UPDATE SET "vote" = EXCLUDED."vote", "answered_at" = EXCLUDED."answered_at"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [statement_id, participant.pk, vote, now])
