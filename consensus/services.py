"""Writes for consensus-statements activities: settings, answering, submitting and
moderating statements, and asking for a new analysis.

Every command function runs inside the caller's transaction (``perform_command`` or
``moderate_activity``), raises ``CommandError`` with a typed code before changing
anything, and publishes each changed statement with ``publish_item``. An answer asks
for a new analysis after its commit (``request_analysis``); the analysis itself runs in
a background task (``consensus.tasks``), never in the request or on the room's loop.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.translations import current_language
from people.text import storable_text
from sessions.command_queries import lock_participant
from sessions.items import Items, item_id
from sessions.kinds import CommandError, bool_setting, get_kind, int_setting
from sessions.models import Activity, Participant
from sessions.services import broadcast_room, publish_item

from . import command_queries
from .models import TEXT_LIMIT, Analysis, Statement

DEFAULTS: dict[str, Any] = {
    "max_length": 200,
    "allow_submissions": True,
    "max_submissions": 3,
}
SETTINGS = tuple(DEFAULTS)
MIN_LENGTH = 20
MAX_SUBMISSIONS = 20
# Statements one activity may hold, whatever their status (a flood of submissions stops
# here; a participant's own limit is ``max_submissions``).
MAX_STATEMENTS = 500
VOTES = {"agree": 1, "disagree": -1, "pass": 0}
VOTE_NAMES = {value: name for name, value in VOTES.items()}


def _bool_setting(raw: dict[str, Any], name: str) -> bool:
    return bool_setting(raw, name, DEFAULTS[name])


def clean_statement_text(text: Any, *, limit: int) -> str:
    """A statement's text with its spaces collapsed; CommandError if it is no text,
    empty or longer than ``limit``."""
    if not storable_text(text):
        raise CommandError("invalid_value", _("The statement must be text."))
    text = " ".join(text.split())
    if not text:
        raise CommandError("empty", _("Write the statement first."))
    if len(text) > limit:
        raise CommandError(
            "too_long", _("Keep the statement under %(n)d characters.") % {"n": limit}
        )
    return text


def _seed_statements(raw: dict[str, Any], limit: int) -> list[str]:
    value = raw.get("statements", [])
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        raise ValidationError({"statements": _("Write one statement per line.")})
    texts: list[str] = []
    keys: set[str] = set()
    for number, line in enumerate(value, start=1):
        if isinstance(line, str) and not line.strip():
            continue
        try:
            text = clean_statement_text(line, limit=limit)
        except CommandError as error:
            raise ValidationError(
                {"statements": _("Line %(n)d: %(error)s") % {"n": number, "error": error.message}}
            ) from None
        key = statement_key(text)
        if key in keys:
            raise ValidationError(
                {"statements": _("Line %(n)d repeats an earlier statement.") % {"n": number}}
            )
        keys.add(key)
        texts.append(text)
    if len(texts) > MAX_STATEMENTS:
        raise ValidationError(
            {"statements": _("At most %(n)d statements.") % {"n": MAX_STATEMENTS}}
        )
    return texts


def clean_config(raw: dict[str, Any]) -> dict[str, Any]:
    """The settings with defaults filled in. ``statements`` (a list, or text with one
    statement per line) are the facilitator's first statements: they become rows when
    the activity is created (``create_seed_statements``) and leave the settings."""
    if not isinstance(raw, dict):
        raise ValidationError(_("The settings must be a mapping."))
    max_length = int_setting(raw, "max_length", DEFAULTS["max_length"], MIN_LENGTH, TEXT_LIMIT)
    config = {
        "max_length": max_length,
        "allow_submissions": _bool_setting(raw, "allow_submissions"),
        "max_submissions": int_setting(
            raw, "max_submissions", DEFAULTS["max_submissions"], 1, MAX_SUBMISSIONS
        ),
    }
    seeds = _seed_statements(raw, max_length)
    if seeds:
        config["seed"] = seeds
    return config


def setting(activity: Activity, name: str) -> Any:
    return activity.config.get(name, DEFAULTS[name])


_NOT_WORD = re.compile(r"[\W_]+")


def statement_key(text: str) -> str:
    """What makes two statements the same: the text case-folded, accents and
    punctuation dropped, spaces collapsed ("Mines must publish contracts." and "mines
    must publish contracts" are one statement)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", folded).split())[:TEXT_LIMIT]


def create_seed_statements(*, activity: Activity) -> None:
    """Turn the settings' first statements into visible statements (at creation)."""
    seeds = activity.config.get("seed") or []
    language = current_language()
    Statement.objects.bulk_create(
        Statement(activity=activity, text=text, key=statement_key(text), language=language)
        for text in seeds
    )
    Analysis.objects.get_or_create(activity=activity)
    if "seed" in activity.config:
        activity.config = {k: v for k, v in activity.config.items() if k != "seed"}
        activity.save(update_fields=["config"])


# --------------------------------------------------------------------------- input

STATEMENTS = Items(
    Statement,
    missing_code="not_found",
    missing=gettext_lazy("This statement does not exist."),
    invalid=gettext_lazy('Send {"statement": <id>}.'),
)


def _named(data: Any) -> Any:
    return data.get("statement") if isinstance(data, dict) else None


def _publish(activity: Activity, statement_id: int, was_public: bool) -> None:
    publish_item(activity=activity, item={"statement": statement_id, "was_public": was_public})


def _insert_statement(
    activity: Activity, *, text: str, author: Participant | None, status: str
) -> Statement:
    """A new statement, refused as ``duplicate`` if the activity has it already (in any
    status) and as ``too_many`` past ``MAX_STATEMENTS``."""
    key = statement_key(text)
    if not key:
        raise CommandError("empty", _("Write the statement first."))
    if Statement.objects.filter(activity=activity, key=key).exists():
        raise CommandError("duplicate", _("This statement is already there."))
    if Statement.objects.filter(activity=activity).count() >= MAX_STATEMENTS:
        raise CommandError(
            "too_many", _("At most %(n)d statements per activity.") % {"n": MAX_STATEMENTS}
        )
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: a lost race leaves the caller's transaction usable
            return Statement.objects.create(
                activity=activity,
                text=text,
                key=key,
                author=author,
                status=status,
                language=current_language(),
            )
    except IntegrityError:
        raise CommandError("duplicate", _("This statement is already there.")) from None


# --------------------------------------------------------------------------- participants


def answer(*, activity: Activity, participant: Participant, data: Any) -> dict[str, Any]:
    """``data``: ``{"statement": <id>, "vote": "agree" | "disagree" | "pass"}``. A
    visible statement only; a second answer replaces the first. Returns the answer."""
    if not isinstance(data, dict):
        raise CommandError("invalid_value", _('Send {"statement": <id>, "vote": "agree"}.'))
    vote = data.get("vote")
    if not isinstance(vote, str) or vote not in VOTES:
        raise CommandError("invalid_value", _("Answer agree, disagree or pass."))
    statement_id = STATEMENTS.id_of(_named(data))
    status = command_queries.statement_status(activity=activity, statement_id=statement_id)
    if status != Statement.Status.VISIBLE:
        # Pending and hidden statements are unknown to the room: the same refusal.
        raise STATEMENTS.unknown()
    command_queries.upsert_answer(
        statement_id=statement_id, participant=participant, vote=VOTES[vote]
    )
    transaction.on_commit(lambda: request_analysis(activity_id=activity.pk))
    return {"statement": statement_id, "vote": vote}


def submit(*, activity: Activity, participant: Participant, data: Any) -> Statement:
    """``data``: ``{"text": str}``: a new statement, awaiting the facilitator's approval."""
    if not setting(activity, "allow_submissions"):
        raise CommandError("submissions_closed", _("This activity does not take new statements."))
    if not isinstance(data, dict):
        raise CommandError("invalid_value", _('Send {"text": "your statement"}.'))
    text = clean_statement_text(data.get("text"), limit=setting(activity, "max_length"))
    # One submission at a time per participant, so two quick ones cannot both pass the limit.
    lock_participant(participant)
    most = setting(activity, "max_submissions")
    if Statement.objects.filter(activity=activity, author=participant).count() >= most:
        raise CommandError(
            "too_many", _("You can submit at most %(n)d statements here.") % {"n": most}
        )
    statement = _insert_statement(
        activity, text=text, author=participant, status=Statement.Status.PENDING
    )
    _publish(activity, statement.pk, was_public=False)
    return statement


# --------------------------------------------------------------------------- facilitator

STATUS_MOVES: dict[str, tuple[set[str], str, str, Any]] = {
    # action: (statuses it applies to, new status, error code, error message)
    "approve": (
        {Statement.Status.PENDING},
        Statement.Status.VISIBLE,
        "not_pending",
        gettext_lazy("This statement is not awaiting approval."),
    ),
    "hide": (
        {Statement.Status.PENDING, Statement.Status.VISIBLE},
        Statement.Status.HIDDEN,
        "already_hidden",
        gettext_lazy("This statement is already hidden."),
    ),
    "unhide": (
        {Statement.Status.HIDDEN},
        Statement.Status.VISIBLE,
        "not_hidden",
        gettext_lazy("This statement is not hidden."),
    ),
}
MODERATION_ACTIONS = frozenset({*STATUS_MOVES, "add", "promote"})


def moderate(*, activity: Activity, action: str, data: Any) -> None:
    """A facilitator's action: ``add`` (``{"text": str}``, visible at once) or a status
    move of one statement (``{"statement": <id>}``)."""
    if action == "add":
        if activity.status == Activity.Status.CLOSED:
            raise CommandError("activity_closed", _("That activity is closed."))
        if not isinstance(data, dict):
            raise CommandError("invalid_value", _('Send {"text": "the statement"}.'))
        text = clean_statement_text(data.get("text"), limit=setting(activity, "max_length"))
        statement = _insert_statement(
            activity, text=text, author=None, status=Statement.Status.VISIBLE
        )
        _publish(activity, statement.pk, was_public=False)
        return
    if action == "promote":
        promote(activity=activity, data=data)
        return
    if action not in STATUS_MOVES:
        raise CommandError("unknown_action", _("This activity has no such action."))
    statement = STATEMENTS.find(activity, _named(data), lock=True)
    allowed, new_status, code, message = STATUS_MOVES[action]
    if statement.status not in allowed:
        raise CommandError(code, str(message))
    was_public = statement.status == Statement.Status.VISIBLE
    statement.status = new_status
    statement.save(update_fields=["status"])
    _publish(activity, statement.pk, was_public=was_public)
    # Hidden statements leave the analysis; shown again, they come back.
    transaction.on_commit(lambda: request_analysis(activity_id=activity.pk))


def promote(*, activity: Activity, data: Any) -> dict[str, Any]:
    """Add a visible statement as a statement of another activity of the same session
    that takes statements (a dot vote, say), through that kind's ``add_statement``
    capability. ``data``: ``{"statement": id, "target": activity id, "type": "vision" |
    "milestone" | "action", "horizon": 2030 | 2040 | 2050, "actor": ...}`` (type,
    horizon and actor as the target kind takes them). Returns the target's statement."""
    if not isinstance(data, dict):
        raise CommandError("invalid_value", _('Send {"statement": <id>, "target": <id>}.'))
    statement = STATEMENTS.find(activity, _named(data))
    if statement.status != Statement.Status.VISIBLE:
        raise CommandError("not_visible", _("Only a statement the room sees can be promoted."))
    target_id = item_id(data.get("target"), refusal=_("Name the activity by its number."))
    into = (
        Activity.objects.filter(pk=target_id, session_id=activity.session_id)
        .exclude(pk=activity.pk)
        .first()
    )
    kind = None if into is None else get_kind(into.kind)
    if kind is None or not kind.takes_statements:
        raise CommandError("invalid_target", _("That activity does not take statements."))
    return kind.add_statement(
        activity=into,
        text=statement.text,
        statement_type=data.get("type", "vision"),
        horizon=data.get("horizon"),
        actor=data.get("actor"),
        source={"activity": activity.pk, "statement": statement.pk},
    )


def add_statement(*, activity: Activity, text: Any) -> dict[str, Any]:
    """A visible statement added from elsewhere (a board note, an accepted theme, a
    statement of another activity), in a draft or open activity; tells the room after
    the commit. Returns ``{"id", "text"}``."""
    with transaction.atomic():
        target = Activity.objects.select_for_update(of=("self",)).filter(pk=activity.pk).first()
        if target is None:
            raise CommandError("invalid_target", _("That activity does not take statements."))
        if target.status == Activity.Status.CLOSED:
            raise CommandError("activity_closed", _("That activity is closed."))
        clean = clean_statement_text(text, limit=setting(target, "max_length"))
        statement = _insert_statement(
            target, text=clean, author=None, status=Statement.Status.VISIBLE
        )
        _publish(target, statement.pk, was_public=False)
        if target.status == Activity.Status.DRAFT:
            broadcast_room(target.session_id)
    return {"id": statement.pk, "text": statement.text}


# --------------------------------------------------------------------------- analysis


def request_analysis(*, activity_id: int) -> bool:
    """Ask for the analysis to be computed again (after an answer or a moderation has
    committed). At most one task waits per activity: the flag is set in one statement,
    and only the request that set it enqueues. True if a task was enqueued."""
    from .tasks import recompute_analysis

    now = timezone.now()
    flagged = Analysis.objects.filter(activity_id=activity_id, pending=False).update(
        pending=True, requested_at=now
    )
    if not flagged:
        if Analysis.objects.filter(activity_id=activity_id).exists():
            return False  # a task is waiting already: it will read this answer too
        if not Activity.objects.filter(pk=activity_id).exists():
            return False  # deleted meanwhile
        _created, made = Analysis.objects.get_or_create(
            activity_id=activity_id, defaults={"pending": True, "requested_at": now}
        )
        if not made:
            return request_analysis(activity_id=activity_id)
    recompute_analysis.enqueue(activity_id=activity_id)
    return True
