"""Participants' commands (votes, notes, questions), carried out many at a time.

A live room's votes arrive together: one process took 500 a second only when each was
not its own transaction (docs/performance.md, "Votes in batches"). ``perform_commands``
carries out the commands the room received within a few milliseconds in one
transaction: one statement reads every command's activity and stored receipt, kinds
that can (``ActivityKind.batch_commands``) write their commands' effects in one
statement per activity, the others one command at a time in a savepoint, and one
statement stores the receipts. Every command still gets its own answer: its result,
its stored answer (``duplicate``) or its refusal, in its participant's language.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from . import command_queries, room_events
from .items import item_id
from .kinds import ActivityKind, Command, CommandError, get_kind
from .models import Activity, Session

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 64

# What a command comes to: its result (with ``duplicate``), or the exception that
# refused or failed it (CommandError, ValidationError, or a bug's own).
Outcome = dict[str, Any] | Exception


def perform_commands(*, commands: Sequence[Command]) -> list[Outcome]:
    """Carry out each command exactly once per key, in one transaction; the outcome of
    each, in order. A participant's later command in the list sees the effect of their
    earlier one. Should the transaction fail as a whole (a deadlock with another
    process's batch), each command is carried out alone."""
    outcomes: list[Outcome | None] = [None] * len(commands)
    checked: list[int] = []
    for i, command in enumerate(commands):
        if not isinstance(command.key, str) or not 1 <= len(command.key) <= MAX_KEY_LENGTH:
            with translation.override(command.language):
                outcomes[i] = CommandError(
                    "invalid_key", _("Every command needs a key of 1 to 64 characters.")
                )
        else:
            checked.append(i)
    if checked:
        try:
            _perform_checked(commands, checked, outcomes)
        except Exception:
            if len(checked) == 1:
                raise
            log.warning("a batch of %d commands failed; each alone", len(checked), exc_info=True)
            for i in checked:
                outcomes[i] = _outcome_alone(commands[i])
    return outcomes


def perform_command(*, command: Command) -> dict[str, Any]:
    """One command's result (``perform_commands`` of one); raises its refusal."""
    (outcome,) = perform_commands(commands=[command])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _outcome_alone(command: Command) -> Outcome:
    try:
        return perform_command(command=command)
    except Exception as exc:  # the command's own answer, as in a batch
        return exc


def _perform_checked(
    commands: Sequence[Command], indexes: list[int], outcomes: list[Outcome | None]
) -> None:
    targets = command_queries.command_targets(
        requests=[
            (commands[i].participant, _row_id(commands[i].activity_id), commands[i].key)
            for i in indexes
        ]
    )
    # Per activity, the commands to carry out, in order.
    todo: dict[int, tuple[Activity, ActivityKind, list[int]]] = {}
    for i, (activity, session_status, stored) in zip(indexes, targets, strict=True):
        command = commands[i]
        if stored is not None:
            outcomes[i] = {**stored, "duplicate": True}
            continue
        with translation.override(command.language):
            try:
                kind = _check(command, activity, session_status)
            except CommandError as exc:
                outcomes[i] = exc
                continue
        todo.setdefault(activity.pk, (activity, kind, []))[2].append(i)
    if not todo:
        return
    reread: list[int] = []
    with transaction.atomic():
        for activity, kind, group in todo.values():
            together, alone = _split(kind, commands, group)
            if together:
                reread += _apply_together(kind, activity, commands, together, outcomes)
            for i in alone:
                reread += _apply_alone(kind, activity, commands[i], i, outcomes)
            if any(isinstance(outcomes[i], dict) for i in group):
                transaction.on_commit(
                    partial(room_events.tally_changed, activity.session_id, activity.pk)
                )
        for i in reread:
            command = commands[i]
            stored = command_queries.stored_result(participant=command.participant, key=command.key)
            if stored is None:
                with translation.override(command.language):
                    outcomes[i] = CommandError(
                        "conflict",
                        _("Another answer of yours arrived at the same time; try again."),
                    )
            else:
                outcomes[i] = {**stored, "duplicate": True}


def _check(command: Command, activity: Activity | None, session_status: Any) -> ActivityKind:
    """The kind that carries out the command; refuses what may not be done."""
    if activity is None:
        raise CommandError("unknown_activity", _("This activity does not exist."))
    kind = get_kind(activity.kind)
    if command.action not in kind.participant_commands:
        if command.action in kind.facilitator_commands:
            raise CommandError("forbidden", _("Only the facilitator can do this."))
        raise CommandError("unknown_action", _("This activity has no such action."))
    if session_status == Session.Status.CLOSED:
        raise CommandError("session_closed", _("This session has ended."))
    if activity.status != Activity.Status.OPEN:
        raise CommandError("activity_closed", _("This activity is not open."))
    return kind


def _split(
    kind: ActivityKind, commands: Sequence[Command], group: list[int]
) -> tuple[list[int], list[int]]:
    """The commands the kind carries out together (its batch actions, the first of
    each participant) and those it carries out one at a time, after them: once one of
    a participant's commands is carried out alone, so are their later ones, so that
    each person's commands keep their order."""
    together: list[int] = []
    alone: list[int] = []
    seen: set[int] = set()
    solo: set[int] = set()
    for i in group:
        command = commands[i]
        person = command.participant.pk
        if command.action in kind.batch_commands and person not in seen and person not in solo:
            seen.add(person)
            together.append(i)
        else:
            solo.add(person)
            alone.append(i)
    return together, alone


def _apply_together(
    kind: ActivityKind,
    activity: Activity,
    commands: Sequence[Command],
    indexes: list[int],
    outcomes: list[Outcome | None],
) -> list[int]:
    """The kind's ``apply_batch`` and one statement for the receipts; the commands
    whose key another process stored meanwhile (to read again)."""
    results = kind.apply_batch(activity=activity, commands=[commands[i] for i in indexes])
    done = []
    for i, result in zip(indexes, results, strict=True):
        outcomes[i] = result
        if not isinstance(result, Exception):
            done.append(i)
    if not done:
        return []
    stored = command_queries.insert_receipts(
        rows=[(commands[i].participant, commands[i].key, activity, outcomes[i]) for i in done]
    )
    for i in done:
        outcomes[i] = {**outcomes[i], "duplicate": False}
    return [i for i in done if (commands[i].participant.pk, commands[i].key) not in stored]


def _apply_alone(
    kind: ActivityKind, activity: Activity, command: Command, i: int, outcomes: list[Outcome | None]
) -> list[int]:
    """The command in a savepoint of its own: a refusal or a failure undoes its effect
    and nothing else. ``[i]`` when its key was stored meanwhile (to read again)."""
    try:
        with translation.override(command.language), transaction.atomic():
            result = kind.apply(
                activity=activity,
                participant=command.participant,
                action=command.action,
                data=command.data,
            )
            command_queries.insert_receipt(
                participant=command.participant, key=command.key, activity=activity, result=result
            )
    except IntegrityError:
        return [i]
    except (CommandError, ValidationError) as exc:
        outcomes[i] = exc
        return []
    except DatabaseError:
        raise
    except Exception as exc:  # a bug in one kind costs only its command
        log.exception("a participant command failed")
        outcomes[i] = exc
        return []
    outcomes[i] = {**result, "duplicate": False}
    return []


def _row_id(value: Any) -> int:
    """``value`` if it can name a row (``items.item_id``), else 0 (which names none)."""
    try:
        return item_id(value, refusal="")
    except CommandError:
        return 0
