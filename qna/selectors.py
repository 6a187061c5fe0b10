"""Reads for Q&A activities: per-role question views, the tally, a participant's own
questions and upvotes, and the export rows.

What each role sees of a question:

- participants and the projector: visible questions only, with the asker's display
  name unless the question is anonymous (or the asker left the name empty), never
  the asker's participant id (it would tie anonymous questions to named ones);
- the facilitator: every question (pending and hidden too), with its status, and the
  asker's name unless the question is anonymous and ``moderators_see_names`` is off.

A question's ``language`` (the asker's interface language when they asked it, "" when
unknown) goes with the name: an anonymous question's is left out where the name is,
since the asker's named questions show theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from sessions.kinds import Role
from sessions.models import Activity, Participant

from . import command_queries
from .models import Question, QuestionVote
from .services import setting

PUBLIC_ROLES = (Role.PARTICIPANT, Role.SCREEN)


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def public_view(question: Question) -> dict[str, Any]:
    """A visible question as participants and the projector see it."""
    name = "" if question.anonymous else question.participant.display_name
    return {
        "id": question.pk,
        "text": question.text,
        "language": "" if question.anonymous else question.language,
        "author": name or None,
        "answered": question.answered,
        "created_at": _time(question.created_at),
    }


def facilitator_view(question: Question, *, see_names: bool) -> dict[str, Any]:
    named = see_names or not question.anonymous
    name = question.participant.display_name if named else ""
    return {
        "id": question.pk,
        "text": question.text,
        "language": question.language if named else "",
        "author": name or None,
        "anonymous": question.anonymous,
        "status": question.status,
        "answered": question.answered,
        "created_at": _time(question.created_at),
        "answered_at": _time(question.answered_at),
    }


def item_lists(activity: Activity) -> dict[str, list[dict[str, Any]]]:
    """Every question per role (see the module docstring), oldest first."""
    see_names = setting(activity, "moderators_see_names")
    questions = list(
        Question.objects.filter(activity=activity).select_related("participant").order_by("id")
    )
    public = [public_view(q) for q in questions if q.status == Question.Status.VISIBLE]
    return {
        Role.FACILITATOR.value: [facilitator_view(q, see_names=see_names) for q in questions],
        Role.PARTICIPANT.value: public,
        Role.SCREEN.value: public,
    }


def item_views(activity: Activity, item: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """One change as each role sees it. ``item`` is what the services published:

    - ``{"on_screen": True}``: the projector's question changed; every role gets
      ``{"on_screen": <id or null>}``;
    - ``{"question": id, "was_public": bool}``: a question was asked, moderated or
      withdrawn (``was_public``: it was visible to the room before the change).
      Every role gets ``{"question": <its view>}`` if it may see the question now, else
      ``{"removed": id}`` if it may have seen it before, else nothing (null).
    """
    if "on_screen" in item:
        view = {"on_screen": activity.config.get("on_screen")}
        return {role.value: view for role in Role}
    qid = item["question"]
    question = (
        Question.objects.filter(pk=qid, activity=activity).select_related("participant").first()
    )
    removed = {"removed": qid}
    if question is None:
        # Withdrawn (or withdrawn since this change): whoever may have seen it drops it.
        public = removed if item.get("was_public") else None
        staff = removed
    else:
        see_names = setting(activity, "moderators_see_names")
        staff = {"question": facilitator_view(question, see_names=see_names)}
        if question.status == Question.Status.VISIBLE:
            public = {"question": public_view(question)}
        else:
            public = removed if item.get("was_public") else None
    views: dict[str, dict[str, Any] | None] = {Role.FACILITATOR.value: staff}
    for role in PUBLIC_ROLES:
        views[role.value] = public
    return views


def tally(activity: Activity) -> dict[str, Any]:
    """Counts and upvotes of the visible questions, the question on the projector and
    (for the facilitator only, see ``role_view``) how many await approval."""
    counts = Question.objects.filter(activity=activity).aggregate(
        questions=Count("id", filter=Q(status=Question.Status.VISIBLE)),
        answered=Count("id", filter=Q(status=Question.Status.VISIBLE, answered=True)),
        pending=Count("id", filter=Q(status=Question.Status.PENDING)),
    )
    votes = (
        QuestionVote.objects.filter(
            question__activity=activity, question__status=Question.Status.VISIBLE
        )
        .values_list("question_id")
        .annotate(n=Count("id"))
        .order_by("question_id")
    )
    return {
        "questions": counts["questions"],
        "answered": counts["answered"],
        "pending": counts["pending"],
        "votes": {str(qid): n for qid, n in votes},
        "on_screen": activity.config.get("on_screen"),
    }


def role_view(tally: dict[str, Any], role: Role) -> dict[str, Any]:
    if role is Role.FACILITATOR:
        return tally
    return {k: v for k, v in tally.items() if k != "pending"}


def participant_state(activity: Activity, participant: Participant) -> dict[str, Any] | None:
    """The participant's own questions (whatever their status) and the ids of the
    questions they upvoted; None if they have neither."""
    return state_view(command_queries.standing(activity, participant))


def participant_states(
    activity: Activity, participants: list[Participant]
) -> dict[int, dict[str, Any] | None]:
    """``participant_state`` of each participant, by id: one statement."""
    found = command_queries.standings(activity, [p.pk for p in participants])
    return {pk: state_view(standing) for pk, standing in found.items()}


def state_view(standing: command_queries.Standing) -> dict[str, Any] | None:
    """``participant_state`` of what was read already."""
    if not standing.questions and not standing.upvoted:
        return None
    return {"questions": standing.questions, "upvoted": standing.upvoted}


def response_counts(activities: list[Activity]) -> dict[int, int]:
    """Visible questions per activity."""
    counts = dict(
        Question.objects.filter(activity__in=activities, status=Question.Status.VISIBLE)
        .values_list("activity")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {a.pk: counts.get(a.pk, 0) for a in activities}


def evidence_rows(activity: Activity) -> list[dict[str, Any]]:
    """The visible questions as anyone may read them (``ActivityKind.evidence_rows``),
    most upvoted first: never pending or hidden ones, never who asked."""
    questions = (
        Question.objects.filter(activity=activity, status=Question.Status.VISIBLE)
        .annotate(upvotes=Count("votes"))
        .order_by("-upvotes", "id")
        .values_list("text", "upvotes", "answered")
    )
    return [
        {
            "label": text,
            "value": upvotes,
            "share": None,
            "detail": _("upvotes · answered") if answered else _("upvotes"),
        }
        for text, upvotes, answered in questions
    ]


EXPORT_COLUMNS = (
    "question",
    "language",
    "anonymous",
    "status",
    "answered",
    "upvotes",
    "asked_at",
    "answered_at",
)


def export_rows(activity: Activity) -> Iterable[dict[str, Any]]:
    """One row per question, whatever its status, oldest first.

    An anonymous question has no participant (so no participant id, name, organisation
    or other profile column, see ``sessions.selectors.export_records``), whatever
    ``moderators_see_names`` says: the asker's other rows show them, and they would tie
    it back to the asker. Its times are the question's own; nor its language (the
    asker's interface language, which their other rows show)."""
    questions = (
        Question.objects.filter(activity=activity)
        .select_related("participant")
        .annotate(upvotes=Count("votes"))
        .order_by("id")
    )
    for q in questions:
        yield {
            "participant": None if q.anonymous else q.participant,
            "question": q.text,
            "language": "" if q.anonymous else q.language,
            "anonymous": q.anonymous,
            "status": q.status,
            "answered": q.answered,
            "upvotes": q.upvotes,
            "asked_at": _time(q.created_at),
            "answered_at": _time(q.answered_at) or "",
        }
