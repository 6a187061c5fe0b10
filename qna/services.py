"""Writes for Q&A activities: settings, asking, upvoting, withdrawing and moderating.

Every function runs inside the caller's transaction (``perform_command`` or
``moderate_activity``), raises ``CommandError`` with a typed code before changing
anything, and publishes each changed question with ``publish_item``. The question on
the projector lives in ``activity.config["on_screen"]`` (a question id or None).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people.text import storable_text
from sessions.command_queries import lock_participant
from sessions.items import Items
from sessions.kinds import CommandError, bool_setting, int_setting
from sessions.models import Activity, Participant
from sessions.services import publish_item

from . import command_queries
from .models import TEXT_LIMIT, Question, QuestionVote

DEFAULTS: dict[str, Any] = {
    "max_length": 300,
    "max_questions": 5,
    "allow_anonymous": True,
    "moderators_see_names": True,
    "premoderate": False,
}
MIN_LENGTH = 20
MAX_QUESTIONS = 20
SETTINGS = tuple(DEFAULTS)


def _int_setting(raw: dict[str, Any], name: str, low: int, high: int) -> int:
    return int_setting(raw, name, DEFAULTS[name], low, high)


def _bool_setting(raw: dict[str, Any], name: str) -> bool:
    return bool_setting(raw, name, DEFAULTS[name])


def clean_config(raw: dict[str, Any]) -> dict[str, Any]:
    """A Q&A's settings with defaults filled in; ``on_screen`` starts empty."""
    if not isinstance(raw, dict):
        raise ValidationError(_("The settings must be a mapping."))
    return {
        "max_length": _int_setting(raw, "max_length", MIN_LENGTH, TEXT_LIMIT),
        "max_questions": _int_setting(raw, "max_questions", 1, MAX_QUESTIONS),
        "allow_anonymous": _bool_setting(raw, "allow_anonymous"),
        "moderators_see_names": _bool_setting(raw, "moderators_see_names"),
        "premoderate": _bool_setting(raw, "premoderate"),
        "on_screen": None,
    }


def setting(activity: Activity, name: str) -> Any:
    return activity.config.get(name, DEFAULTS[name])


# --------------------------------------------------------------------------- input


QUESTIONS = Items(
    Question,
    missing_code="not_found",
    missing=gettext_lazy("This question does not exist."),
    invalid=gettext_lazy('Send {"question": <id>}.'),
)


def _named(data: Any) -> Any:
    """What ``{"question": <id>}`` names (None if ``data`` is no object)."""
    return data.get("question") if isinstance(data, dict) else None


def _question_id(data: Any) -> int:
    """The question id of ``{"question": <id>}``."""
    return QUESTIONS.id_of(_named(data))


def _find(activity: Activity, data: Any, *, lock: bool = False) -> Question:
    return QUESTIONS.find(activity, _named(data), lock=lock)


def _publish(activity: Activity, question_id: int, was_public: bool) -> None:
    publish_item(activity=activity, item={"question": question_id, "was_public": was_public})


def _set_on_screen(activity: Activity, question_id: int | None) -> bool:
    """Put a question (or none) on the projector; False if nothing changed."""
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    if locked.config.get("on_screen") == question_id:
        activity.config = locked.config
        return False
    locked.config = {**locked.config, "on_screen": question_id}
    locked.save(update_fields=["config"])
    activity.config = locked.config
    publish_item(activity=activity, item={"on_screen": True})
    return True


def _clear_screen_of(activity: Activity, question_id: int) -> None:
    """Take a question off the projector if it is there (it was hidden or withdrawn)."""
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    activity.config = locked.config
    if locked.config.get("on_screen") == question_id:
        _set_on_screen(activity, None)


# --------------------------------------------------------------------------- participants


def ask_question(
    *, activity: Activity, participant: Participant, data: Any
) -> command_queries.Standing:
    """``data``: ``{"text": str, "anonymous": bool (optional)}``. Returns what the
    participant has in the Q&A afterwards."""
    if not isinstance(data, dict):
        raise CommandError("invalid_value", _('Send {"text": "your question"}.'))
    text = data.get("text")
    anonymous = data.get("anonymous", False)
    if not storable_text(text):
        raise CommandError("invalid_value", _("The question must be text."))
    if not isinstance(anonymous, bool):
        raise CommandError("invalid_value", _("'anonymous' must be true or false."))
    text = " ".join(text.split())
    if not text:
        raise CommandError("empty", _("Write your question first."))
    limit = setting(activity, "max_length")
    if len(text) > limit:
        raise CommandError(
            "too_long", _("Keep your question under %(n)d characters.") % {"n": limit}
        )
    if anonymous and not setting(activity, "allow_anonymous"):
        raise CommandError(
            "anonymous_not_allowed", _("Questions cannot be anonymous in this session.")
        )
    # One ask at a time per participant, so two quick asks cannot both pass the limit.
    lock_participant(participant)
    standing = command_queries.standing(activity, participant)
    most = setting(activity, "max_questions")
    if len(standing.questions) >= most:
        raise CommandError(
            "too_many",
            _("You can ask at most %(n)d questions here.") % {"n": most},
        )
    question = command_queries.insert_question(
        activity,
        participant,
        text=text,
        anonymous=anonymous,
        status=str(
            Question.Status.PENDING if setting(activity, "premoderate") else Question.Status.VISIBLE
        ),
    )
    _publish(activity, question["id"], was_public=False)
    standing.questions.append(question)
    return standing


def _votable(activity: Activity, participant: Participant, data: Any) -> Question:
    question = _find(activity, data)
    _check_votable(participant, question.participant_id, question.status)
    return question


def _check_votable(participant: Participant, asker_id: int, status: str) -> None:
    if asker_id == participant.pk:
        raise CommandError("own_question", _("You cannot upvote your own question."))
    if status != Question.Status.VISIBLE:
        raise QUESTIONS.unknown()


def upvote(*, activity: Activity, participant: Participant, data: Any) -> command_queries.Standing:
    """Upvote a visible question of someone else; a second upvote changes nothing.
    Returns what the participant has in the Q&A afterwards."""
    question_id = _question_id(data)
    standing = command_queries.standing(activity, participant, target=question_id)
    if standing.target is None:
        raise QUESTIONS.unknown()
    asker_id, status = standing.target
    _check_votable(participant, asker_id, status)
    command_queries.insert_vote(question_id, participant)
    if question_id not in standing.upvoted:
        standing.upvoted = sorted([*standing.upvoted, question_id])
    return standing


def remove_upvote(*, activity: Activity, participant: Participant, data: Any) -> bool:
    """Take back an upvote; without one, nothing changes. True if one was removed."""
    question = _votable(activity, participant, data)
    deleted, _details = QuestionVote.objects.filter(
        question=question, participant=participant
    ).delete()
    return bool(deleted)


def withdraw_question(*, activity: Activity, participant: Participant, data: Any) -> None:
    """Delete one's own question (with its upvotes) while it has not been answered."""
    question = _find(activity, data, lock=True)
    if question.participant_id != participant.pk:
        raise CommandError("not_yours", _("You can only withdraw your own questions."))
    if question.answered:
        raise CommandError(
            "already_answered", _("This question has been answered and cannot be withdrawn.")
        )
    was_public = question.status == Question.Status.VISIBLE
    qid = question.pk
    question.delete()
    _clear_screen_of(activity, qid)
    _publish(activity, qid, was_public=was_public)


# --------------------------------------------------------------------------- facilitator

STATUS_MOVES: dict[str, tuple[set[str], str, str, Any]] = {
    # action: (statuses it applies to, new status, error code, error message)
    "approve": (
        {Question.Status.PENDING},
        Question.Status.VISIBLE,
        "not_pending",
        gettext_lazy("This question is not awaiting approval."),
    ),
    "hide": (
        {Question.Status.PENDING, Question.Status.VISIBLE},
        Question.Status.HIDDEN,
        "already_hidden",
        gettext_lazy("This question is already hidden."),
    ),
    "unhide": (
        {Question.Status.HIDDEN},
        Question.Status.VISIBLE,
        "not_hidden",
        gettext_lazy("This question is not hidden."),
    ),
}
MODERATION_ACTIONS = frozenset(
    {*STATUS_MOVES, "mark_answered", "mark_unanswered", "put_on_screen", "clear_screen"}
)


def moderate(*, activity: Activity, action: str, data: Any) -> None:
    """A facilitator's action on one question (``data``: ``{"question": <id>}``), or
    ``clear_screen`` (no data)."""
    if action == "clear_screen":
        _set_on_screen(activity, None)
        return
    if action not in MODERATION_ACTIONS:
        raise CommandError("unknown_action", _("This activity has no such action."))
    question = _find(activity, data, lock=True)
    was_public = question.status == Question.Status.VISIBLE
    if action == "put_on_screen":
        if not was_public:
            raise CommandError(
                "not_visible", _("Only a question visible to the room can go on the projector.")
            )
        _set_on_screen(activity, question.pk)
        return
    if action in STATUS_MOVES:
        allowed, new_status, code, message = STATUS_MOVES[action]
        if question.status not in allowed:
            raise CommandError(code, str(message))
        question.status = new_status
        question.save(update_fields=["status"])
        if new_status != Question.Status.VISIBLE:
            _clear_screen_of(activity, question.pk)
    else:
        answered = action == "mark_answered"
        if question.answered == answered:
            if answered:
                raise CommandError("already_answered", _("This question is already answered."))
            raise CommandError("not_answered", _("This question is not marked answered."))
        question.answered = answered
        question.answered_at = timezone.now() if answered else None
        question.save(update_fields=["answered", "answered_at"])
    _publish(activity, question.pk, was_public=was_public)
