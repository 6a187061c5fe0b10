"""The poll's hot statement, written as SQL: a participant's ballot.

Voting is what a whole room does at once; like the idea board's and the Q&A's
(``boards.command_queries``, ``qna.command_queries``), the statement is written out
because the ORM's cost of building it was most of a vote's CPU on the room's one GIL
(docs/performance.md, "Commands as written-out SQL"). Portable between PostgreSQL and
SQLite.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from sessions.command_queries import db_value, table
from sessions.models import Activity, Participant

from .models import Ballot


def upsert_ballot(
    *, activity: Activity, participant: Participant, choice: Any, replace: bool
) -> bool:
    """Write the participant's ballot in one statement; False if one existed and
    ``replace`` is off. The unique constraint keeps one ballot per participant."""
    now = timezone.now()
    params = [
        activity.pk,
        participant.pk,
        db_value(Ballot, "choice", choice),
        db_value(Ballot, "created_at", now),
        db_value(Ballot, "updated_at", now),
    ]
    insert = (
        f"INSERT INTO {table(Ballot)} "  # noqa: S608 - names from the model
        "(activity_id, participant_id, choice, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (activity_id, participant_id) "
    )
    with connection.cursor() as cursor:
        if replace:
            cursor.execute(
                insert + "DO UPDATE SET choice = EXCLUDED.choice, updated_at = EXCLUDED.updated_at",
                params,
            )
            return True
        cursor.execute(insert + "DO NOTHING RETURNING id", params)
        return cursor.fetchone() is not None


def upsert_ballots(
    *, activity: Activity, ballots: list[tuple[Participant, Any]], replace: bool
) -> set[int]:
    """Write several participants' ballots (each participant once) in one statement;
    the ids of the participants whose ballot was written. Without ``replace``, a
    participant who had one keeps it and is left out."""
    now = timezone.now()
    created = db_value(Ballot, "created_at", now)
    updated = db_value(Ballot, "updated_at", now)
    params = [
        value
        for participant, choice in ballots
        for value in (
            activity.pk,
            participant.pk,
            db_value(Ballot, "choice", choice),
            created,
            updated,
        )
    ]
    sql = (
        f"INSERT INTO {table(Ballot)} "  # noqa: S608 - names from the model
        "(activity_id, participant_id, choice, created_at, updated_at) VALUES "
        + ", ".join(["(%s, %s, %s, %s, %s)"] * len(ballots))
        + " ON CONFLICT (activity_id, participant_id) "
        + (
            "DO UPDATE SET choice = EXCLUDED.choice, updated_at = EXCLUDED.updated_at"
            if replace
            else "DO NOTHING"
        )
        + " RETURNING participant_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}
