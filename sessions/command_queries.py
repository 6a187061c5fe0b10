"""The statements every participant command runs, written as SQL.

A live room runs its commands on one process's GIL, so the Python a command spends
is what bounds a room's commands per second. The ORM spends about 1 ms of CPU
building and compiling the activity read below (a join and a subquery), against
0.1 ms to send the same statement written out; these few statements run on every
vote, note and question (docs/performance.md, "Commands as written-out SQL").

The SQL is portable between PostgreSQL and the embedded SQLite: identifiers are
double-quoted, row locks are taken only where the database has them (SQLite
serialises writers anyway), and values are converted here where the two return
different types. Other apps' command statements use the helpers here (``table``,
``db_value``, ``union_rows``, ``lock_participant``).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.utils import timezone

from .models import Activity, CommandReceipt, Participant, Session


def table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def db_value(model: type, field: str, value: Any) -> Any:
    """``value`` as the model's ``field`` stores it (a JSON adapter, a time in UTC)."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def json_value(value: Any) -> Any:
    """A JSON column read with a plain cursor: text on both databases, or already
    decoded where a driver decodes it."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def union_rows(parts: list[tuple[str, list[Any]]]) -> list[tuple]:
    """The rows of several SELECTs (each with its parameters) sent as one statement,
    joined with UNION ALL: the SELECTs tag their rows and give the same columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(sql for sql, _params in parts),
            [value for _sql, params in parts for value in params],
        )
        return cursor.fetchall()


def datetime_value(value: Any) -> Any:
    """A date-time column read with a plain cursor, as the ORM gives it: SQLite's text
    or naive value made an aware one (PostgreSQL's driver gives aware ones)."""
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    if convert is None or value is None:
        return value
    return convert(value, None, connection)


# Every field but created_at, which no command reads.
_ACTIVITY_FIELDS = (
    "id",
    "session_id",
    "kind",
    "title",
    "position",
    "status",
    "results_visibility",
    "results_revealed",
    "allow_change",
    "config",
)


def command_target(
    *, participant: Participant, activity_id: int, key: str
) -> tuple[Activity | None, str | None, Any]:
    """In one statement: the activity of the participant's session with this id, its
    session's status, and the result stored for the participant's ``key`` (None when
    the key is new). The activity is None when there is none with this id there."""
    columns = ", ".join(f'a."{name}"' for name in _ACTIVITY_FIELDS)
    sql = (
        f'SELECT r."result", s."status", {columns} FROM (SELECT 1 AS "one") o '  # noqa: S608
        f'LEFT JOIN {table(CommandReceipt)} r ON r."participant_id" = %s AND r."key" = %s '
        f'LEFT JOIN {table(Activity)} a ON a."id" = %s AND a."session_id" = %s '
        f'LEFT JOIN {table(Session)} s ON s."id" = a."session_id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [participant.pk, key, activity_id, participant.session_id])
        return _target(*cursor.fetchone())


def command_targets(
    *, requests: list[tuple[Participant, int, str]]
) -> list[tuple[Activity | None, str | None, Any]]:
    """``command_target`` for several (participant, activity id, key) requests in one
    statement (a VALUES list joined like the single read), in the requests' order."""
    columns = ", ".join(f'a."{name}"' for name in _ACTIVITY_FIELDS)
    rows = ", ".join(
        [
            "(CAST(%s AS INTEGER), CAST(%s AS BIGINT), CAST(%s AS TEXT), CAST(%s AS BIGINT),"
            " CAST(%s AS BIGINT))"
        ]
        * len(requests)
    )
    sql = (
        f'WITH q("i", "participant_id", "key", "activity_id", "session_id") AS (VALUES {rows}) '  # noqa: S608
        f'SELECT q."i", r."result", s."status", {columns} FROM q '
        f'LEFT JOIN {table(CommandReceipt)} r ON r."participant_id" = q."participant_id" '
        'AND r."key" = q."key" '
        f'LEFT JOIN {table(Activity)} a ON a."id" = q."activity_id" '
        'AND a."session_id" = q."session_id" '
        f'LEFT JOIN {table(Session)} s ON s."id" = a."session_id"'
    )
    params = [
        value
        for i, (participant, activity_id, key) in enumerate(requests)
        for value in (i, participant.pk, key, activity_id, participant.session_id)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    return [_target(*found[i]) for i in range(len(requests))]


def _target(stored: Any, session_status: Any, *values: Any) -> tuple[Activity | None, Any, Any]:
    stored = None if stored is None else json_value(stored)
    if values[0] is None:
        return None, None, stored
    activity = Activity.from_db(connection.alias, _ACTIVITY_FIELDS, values)
    # SQLite gives 0/1 for booleans; both give the JSON column as text.
    activity.results_revealed = bool(activity.results_revealed)
    activity.allow_change = bool(activity.allow_change)
    activity.config = json_value(activity.config)
    return activity, session_status, stored


def stored_result(*, participant: Participant, key: str) -> Any:
    """The result stored for the participant's ``key``, or None."""
    sql = (
        f'SELECT "result" FROM {table(CommandReceipt)} '  # noqa: S608
        'WHERE "participant_id" = %s AND "key" = %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [participant.pk, key])
        found = cursor.fetchone()
    return None if found is None else json_value(found[0])


def insert_receipt(
    *, participant: Participant, key: str, activity: Activity, result: dict[str, Any]
) -> None:
    """Store the command's answer under its key; the unique constraint on
    (participant, key) refuses a second one (IntegrityError)."""
    sql = (
        f"INSERT INTO {table(CommandReceipt)} "  # noqa: S608
        '("participant_id", "key", "activity_id", "result", "created_at") '
        "VALUES (%s, %s, %s, %s, %s)"
    )
    params = [
        participant.pk,
        key,
        activity.pk,
        db_value(CommandReceipt, "result", result),
        db_value(CommandReceipt, "created_at", timezone.now()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_receipts(
    *, rows: list[tuple[Participant, str, Activity, dict[str, Any]]]
) -> set[tuple[int, str]]:
    """Store several commands' answers in one statement; the (participant id, key)
    pairs that were stored. A pair whose receipt exists already (another process
    stored the same key at the same instant) is skipped, not an error."""
    now = db_value(CommandReceipt, "created_at", timezone.now())
    sql = (
        f"INSERT INTO {table(CommandReceipt)} "  # noqa: S608
        '("participant_id", "key", "activity_id", "result", "created_at") VALUES '
        + ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
        + ' ON CONFLICT ("participant_id", "key") DO NOTHING RETURNING "participant_id", "key"'
    )
    params = [
        value
        for participant, key, activity, result in rows
        for value in (
            participant.pk,
            key,
            activity.pk,
            db_value(CommandReceipt, "result", result),
            now,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(participant_id, key) for participant_id, key in cursor.fetchall()}


def lock_participant(participant: Participant) -> None:
    """Lock the participant's row until the transaction ends, so that one person's
    commands run one at a time (a note limit, an upvote budget, a question limit).

    That row only, FOR NO KEY UPDATE: a lock that also took the session row (as
    ``select_for_update().first()`` did through Participant's default ordering)
    queued every command of the room behind every other and behind each broadcast's
    seq (docs/performance.md, "One lock per person"). SQLite has no row locks; it
    serialises writers."""
    if not connection.features.has_select_for_update:
        return
    sql = f'SELECT "id" FROM {table(Participant)} WHERE "id" = %s FOR NO KEY UPDATE'  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [participant.pk])
