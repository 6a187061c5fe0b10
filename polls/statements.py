"""Statements that vision-voting activities vote on: vision statements, milestones by
horizon and actions by actor group, typed by the facilitator or promoted from an idea
board. Stored, in order, in ``Activity.config["statements"]``::

    {"text": "...", "type": "vision" | "milestone" | "action",
     "horizon": 2030 | 2040 | 2050 | None,        # milestones only (required there)
     "actor": "policy" | "industry" | "civil_society" | None,  # actions only (required)
     "source": {"activity": 12, "note": 34} | {"activity": 12, "cluster": 5} | None}

Ballots refer to statements by their index, so statements are only added while the
activity is a draft.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.kinds import CommandError, get_kind
from sessions.models import Activity

MAX_STATEMENTS = 30
MAX_STATEMENT_LENGTH = 300
HORIZONS = (2030, 2040, 2050)


class StatementType(models.TextChoices):
    VISION = "vision", gettext_lazy("Vision statement")
    MILESTONE = "milestone", gettext_lazy("Milestone")
    ACTION = "action", gettext_lazy("Action")


class Actor(models.TextChoices):
    POLICY = "policy", gettext_lazy("Policy makers")
    INDUSTRY = "industry", gettext_lazy("Industry")
    CIVIL_SOCIETY = "civil_society", gettext_lazy("Civil society")


def clean_statement(
    text: Any,
    statement_type: Any = StatementType.VISION,
    horizon: Any = None,
    actor: Any = None,
    source: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One statement in its stored shape; raises CommandError("invalid_value") if bad."""
    text = " ".join(str(text or "").split())
    if not text:
        raise CommandError("invalid_value", _("Write the statement."))
    if len(text) > MAX_STATEMENT_LENGTH:
        raise CommandError(
            "too_long",
            _("Keep a statement under %(n)d characters.") % {"n": MAX_STATEMENT_LENGTH},
        )
    if statement_type not in StatementType.values:
        raise CommandError("invalid_value", _("Unknown statement type."))
    if statement_type == StatementType.MILESTONE:
        if isinstance(horizon, str) and horizon.isdigit():
            horizon = int(horizon)
        if horizon not in HORIZONS:
            raise CommandError(
                "invalid_value", _("A milestone needs a horizon: 2030, 2040 or 2050.")
            )
    else:
        horizon = None
    if statement_type == StatementType.ACTION:
        if actor not in Actor.values:
            raise CommandError("invalid_value", _("An action needs an actor group."))
    else:
        actor = None
    return {
        "text": text,
        "type": str(statement_type),
        "horizon": horizon,
        "actor": actor,
        "source": source,
    }


def takes_statements(activity: Activity) -> bool:
    return bool(getattr(get_kind(activity.kind), "takes_statements", False))


def add_statement(
    *,
    activity: Activity,
    text: Any,
    statement_type: Any = StatementType.VISION,
    horizon: Any = None,
    actor: Any = None,
    source: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Append a statement to a draft vision-voting activity and tell the room."""
    from sessions.services import _broadcast_room

    statement = clean_statement(text, statement_type, horizon, actor, source)
    with transaction.atomic():
        target = Activity.objects.select_for_update().filter(pk=activity.pk).first()
        if target is None or not takes_statements(target):
            raise CommandError("invalid_target", _("That activity does not take statements."))
        if target.status != Activity.Status.DRAFT:
            raise CommandError(
                "activity_not_draft", _("Statements can only be added before voting opens.")
            )
        statements = list(target.config.get("statements", []))
        if len(statements) >= MAX_STATEMENTS:
            raise CommandError(
                "too_many", _("At most %(n)d statements per activity.") % {"n": MAX_STATEMENTS}
            )
        statements.append(statement)
        target.config = {**target.config, "statements": statements}
        target.save(update_fields=["config"])
        _broadcast_room(target.session_id)
    activity.config = target.config
    return statement
