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

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sessions.kinds import CommandError, get_kind
from sessions.models import Activity

MIN_STATEMENTS = 2
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
    return get_kind(activity.kind).takes_statements


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
    from sessions.services import broadcast_room

    statement = clean_statement(text, statement_type, horizon, actor, source)
    with transaction.atomic():
        target = (
            Activity.objects.select_for_update(of=("self",))
            .filter(pk=activity.pk)
            .order_by()
            .first()
        )
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
        broadcast_room(target.session_id)
    activity.config = target.config
    return statement


# -------------------------------------------------------------------------- typed lines

# "milestone 2030: text", "action industry: text", "vision: text"; the head before the
# first colon is short, so ordinary text with a colon further on stays plain text.
_PREFIX = re.compile(r"^(vision|milestone|action)\b([^:]{0,40}):(.*)$", re.IGNORECASE)
_ACTOR_NAMES = {
    "policy": Actor.POLICY,
    "policy maker": Actor.POLICY,
    "policy makers": Actor.POLICY,
    "policymakers": Actor.POLICY,
    "policy-makers": Actor.POLICY,
    "industry": Actor.INDUSTRY,
    "civil society": Actor.CIVIL_SOCIETY,
    "civil_society": Actor.CIVIL_SOCIETY,
    "civil-society": Actor.CIVIL_SOCIETY,
}


def parse_statement_line(line: str) -> dict[str, Any]:
    """One typed line in the stored shape: ``vision: ...`` (or a plain line),
    ``milestone 2030: ...``, ``action industry: ...``. Raises CommandError."""
    line = " ".join(line.split())
    match = _PREFIX.match(line)
    if match is None:
        return clean_statement(line)
    word, qualifier, text = (match[1].lower(), " ".join(match[2].split()).lower(), match[3])
    if word == StatementType.VISION:
        if qualifier:  # "Vision for Europe: ..." is a vision statement as typed
            return clean_statement(line)
        return clean_statement(text)
    if word == StatementType.MILESTONE:
        if not qualifier.isdigit() or int(qualifier) not in HORIZONS:
            raise CommandError(
                "invalid_value",
                _("A milestone needs a horizon: 2030, 2040 or 2050 (“milestone 2030: …”)."),
            )
        return clean_statement(text, StatementType.MILESTONE, horizon=int(qualifier))
    actor = _ACTOR_NAMES.get(qualifier)
    if actor is None:
        raise CommandError(
            "invalid_value",
            _(
                "An action needs an actor group: policy makers, industry or civil society "
                "(“action industry: …”). Start the line with “vision:” to keep it as text."
            ),
        )
    return clean_statement(text, StatementType.ACTION, actor=actor.value)


def _clean_source(source: Any) -> dict[str, int] | None:
    if not isinstance(source, dict) or not 1 <= len(source) <= 2:
        return None
    if set(source) - {"activity", "note", "cluster"}:
        return None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in source.values()):
        return None
    return dict(source)


def parse_statements(raw: Any, *, field: str = "statements") -> list[dict[str, Any]]:
    """The statements of a vision-voting activity's settings, in the stored shape.

    ``raw`` is the console's text (one statement per line, with an optional prefix;
    blank lines skipped) or a list of such lines and/or stored statement dicts. Raises
    a ValidationError under ``field`` naming each bad line by its number."""
    if isinstance(raw, str):
        lines: list[Any] = raw.splitlines()
    elif isinstance(raw, list | tuple):
        lines = list(raw)
    else:
        raise ValidationError({field: _("Give the statements as text, one per line.")})
    errors: list[str] = []
    statements: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if len(statements) > MAX_STATEMENTS:
            break
        try:
            if isinstance(line, dict):
                statement = clean_statement(
                    line.get("text"),
                    line.get("type", StatementType.VISION),
                    line.get("horizon"),
                    line.get("actor"),
                    _clean_source(line.get("source")),
                )
            elif isinstance(line, str):
                if not line.strip():
                    continue
                statement = parse_statement_line(line)
            else:
                raise CommandError("invalid_value", _("Write the statement as text."))
        except CommandError as exc:
            errors.append(_("Line %(line)d: %(error)s") % {"line": number, "error": exc.message})
            continue
        key = statement["text"].casefold()
        if key in seen:
            errors.append(
                _("Line %(line)d: the same statement as line %(first)d.")
                % {"line": number, "first": seen[key]}
            )
            continue
        seen[key] = number
        statements.append(statement)
    if not errors and not MIN_STATEMENTS <= len(statements) <= MAX_STATEMENTS:
        errors.append(
            _("Give between %(min)d and %(max)d statements.")
            % {"min": MIN_STATEMENTS, "max": MAX_STATEMENTS}
        )
    if errors:
        raise ValidationError({field: errors})
    return statements
