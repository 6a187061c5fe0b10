"""Reads for consensus-statements activities: per-role statement views, the tally (live
counts and the latest stored analysis), a participant's own answers, export and evidence
rows.

What each role sees of a statement: participants and the projector, visible statements
only (id and text); the facilitator, every statement with its status and whether a
participant submitted it. Nobody sees who submitted a statement (only the export does).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from people.vocabularies import StakeholderGroup
from sessions.kinds import Role
from sessions.models import Activity, Participant

from .models import Analysis, Answer, Statement
from .services import VOTE_NAMES

PUBLIC_ROLES = (Role.PARTICIPANT, Role.SCREEN)
# Per-statement figures of the analysis only the facilitator's tally carries (they make
# it large: statements x groups).
FACILITATOR_ONLY = ("by_group", "by_opinion")


def public_view(statement: Statement) -> dict[str, Any]:
    # "language": the code it was written in, "" when unknown.
    return {"id": statement.pk, "text": statement.text, "language": statement.language}


def facilitator_view(statement: Statement) -> dict[str, Any]:
    return {
        "id": statement.pk,
        "text": statement.text,
        "language": statement.language,
        "status": statement.status,
        "submitted": statement.author_id is not None,
    }


def facilitator_texts(activity: Activity) -> list[str]:
    """The statements the facilitator wrote (participants' own are not translated)."""
    return list(
        Statement.objects.filter(activity=activity, author__isnull=True)
        .exclude(status=Statement.Status.HIDDEN)
        .order_by("id")
        .values_list("text", flat=True)
    )


def item_lists(activity: Activity) -> dict[str, list[dict[str, Any]]]:
    statements = list(Statement.objects.filter(activity=activity).order_by("id"))
    public = [public_view(s) for s in statements if s.status == Statement.Status.VISIBLE]
    return {
        Role.FACILITATOR.value: [facilitator_view(s) for s in statements],
        Role.PARTICIPANT.value: public,
        Role.SCREEN.value: public,
    }


def item_views(activity: Activity, item: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """``item``: ``{"statement": id, "was_public": bool}`` as the services published it.
    Every role gets ``{"statement": <its view>}`` if it may see the statement now, else
    ``{"removed": id}`` if it may have seen it before, else nothing."""
    sid = item["statement"]
    statement = Statement.objects.filter(pk=sid, activity=activity).first()
    removed = {"removed": sid}
    if statement is None:
        public = removed if item.get("was_public") else None
        staff: dict[str, Any] = removed
    else:
        staff = {"statement": facilitator_view(statement)}
        if statement.status == Statement.Status.VISIBLE:
            public = {"statement": public_view(statement)}
        else:
            public = removed if item.get("was_public") else None
    views: dict[str, dict[str, Any] | None] = {Role.FACILITATOR.value: staff}
    for role in PUBLIC_ROLES:
        views[role.value] = public
    return views


def group_labels() -> dict[str, str]:
    """Each declared stakeholder group's label in the current language, by key (the
    analysis names groups by key)."""
    return {str(key): str(label) for key, label in StakeholderGroup.choices if key}


def stored_analysis(activity: Activity) -> Analysis | None:
    return Analysis.objects.filter(activity=activity).first()


def answer_counts(activity: Activity) -> dict[str, list[int]]:
    """``[agree, disagree, pass]`` per visible statement that has answers, by id."""
    rows = (
        Answer.objects.filter(
            statement__activity=activity, statement__status=Statement.Status.VISIBLE
        )
        .values_list("statement_id", "vote")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, list[int]] = {}
    for statement_id, vote, n in rows:
        counts.setdefault(str(statement_id), [0, 0, 0])[{1: 0, -1: 1, 0: 2}[vote]] = n
    return counts


def tally(activity: Activity) -> dict[str, Any]:
    """Live answer counts per visible statement (``[agree, disagree, pass]``), how many
    statements await approval (the facilitator's view only) and the latest analysis
    (without the map, which only the results page draws)."""
    counts = answer_counts(activity)
    statuses = Statement.objects.filter(activity=activity).aggregate(
        visible=Count("id", filter=Q(status=Statement.Status.VISIBLE)),
        pending=Count("id", filter=Q(status=Statement.Status.PENDING)),
    )
    stored = stored_analysis(activity)
    analysis = None
    if stored is not None and stored.computed_at is not None:
        analysis = {k: v for k, v in stored.result.items() if k != "map"}
        analysis["computed_at"] = stored.computed_at.isoformat()
    return {
        "statements": statuses["visible"],
        "pending": statuses["pending"],
        "counts": counts,
        "analysis": analysis,
        "updating": bool(stored and stored.pending),
    }


def role_view(tally: dict[str, Any], role: Role) -> dict[str, Any]:
    if role is Role.FACILITATOR:
        return tally
    view = {k: v for k, v in tally.items() if k != "pending"}
    analysis = tally.get("analysis")
    if analysis is not None:
        view["analysis"] = {
            **analysis,
            "statements": {
                sid: {k: v for k, v in figures.items() if k not in FACILITATOR_ONLY}
                for sid, figures in analysis["statements"].items()
            },
        }
    return view


def results_pending(activity: Activity, *, within_s: float = 60.0) -> bool:
    """An analysis task was asked for in the last ``within_s`` seconds and has not
    started (a worker that is down does not make the room ask forever)."""
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(seconds=within_s)
    return Analysis.objects.filter(
        activity=activity, pending=True, requested_at__gte=since
    ).exists()


def participant_state(activity: Activity, participant: Participant) -> dict[str, Any] | None:
    """The participant's answers (statement id -> agree/disagree/pass) and the
    statements they submitted, whatever their status; None if neither."""
    return participant_states(activity, [participant])[participant.pk]


def participant_states(
    activity: Activity, participants: list[Participant]
) -> dict[int, dict[str, Any] | None]:
    """``participant_state`` of each participant, by id: two queries for them all."""
    ids = [p.pk for p in participants]
    answers: dict[int, dict[str, str]] = {pk: {} for pk in ids}
    for pk, sid, vote in Answer.objects.filter(
        participant_id__in=ids, statement__activity=activity
    ).values_list("participant_id", "statement_id", "vote"):
        answers[pk][str(sid)] = VOTE_NAMES[vote]
    submitted: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for s in Statement.objects.filter(activity=activity, author_id__in=ids).order_by("id"):
        submitted[s.author_id].append({"id": s.pk, "text": s.text, "status": s.status})
    return {
        pk: {"answers": answers[pk], "submitted": submitted[pk]}
        if answers[pk] or submitted[pk]
        else None
        for pk in ids
    }


def response_counts(activities: list[Activity]) -> dict[int, int]:
    """Participants who answered at least one statement, per activity."""
    counts = dict(
        Answer.objects.filter(statement__activity__in=activities)
        .values_list("statement__activity")
        .annotate(n=Count("participant", distinct=True))
        .order_by()
    )
    return {a.pk: counts.get(a.pk, 0) for a in activities}


def ranked_statements(
    activity: Activity, *, counts: dict[str, list[int]], figures: dict[str, Any]
) -> list[dict[str, Any]]:
    """The visible statements, common ground first: by consensus over the declared
    groups where there is one, else over the opinion groups, else by agree share; each
    with its counts (``answer_counts``) and scores (the analysis' ``statements``)."""
    rows = []
    for statement in Statement.objects.filter(
        activity=activity, status=Statement.Status.VISIBLE
    ).order_by("id"):
        agree, disagree, passed = counts.get(str(statement.pk), [0, 0, 0])
        seen = agree + disagree + passed
        scores = figures.get(str(statement.pk), {})
        rows.append(
            {
                "id": statement.pk,
                "text": statement.text,
                "agree": agree,
                "disagree": disagree,
                "pass": passed,
                "seen": seen,
                "agree_share": round(100 * agree / seen, 1) if seen else None,
                "consensus_declared": scores.get("consensus_declared"),
                "consensus_opinion": scores.get("consensus_opinion"),
            }
        )

    def order(row: dict[str, Any]) -> tuple:
        first = row["consensus_declared"]
        second = row["consensus_opinion"]
        return (
            -(first if first is not None else -1),
            -(second if second is not None else -1),
            -(row["agree_share"] if row["agree_share"] is not None else -1),
            row["id"],
        )

    return sorted(rows, key=order)


def evidence_rows(activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
    """The visible statements with their agree share, common ground first
    (``ActivityKind.evidence_rows``, of the facilitator's ``tally``): never pending or
    hidden ones, never who answered."""
    ranked = ranked_statements(
        activity,
        counts=tally["counts"],
        figures=(tally["analysis"] or {}).get("statements", {}),
    )
    return [
        {
            "label": row["text"],
            "value": row["agree"],
            "share": row["agree_share"],
            "detail": _("agree of %(n)d answers") % {"n": row["seen"]},
        }
        for row in ranked
    ]


# "language": the statement's (the code it was written in; "" when unknown).
EXPORT_COLUMNS = ("statement_id", "statement", "language", "answer", "answered_at")


def export_rows(activity: Activity) -> Iterable[dict[str, Any]]:
    """One row per answer (to statements of any status), by statement then answer."""
    answers = (
        Answer.objects.filter(statement__activity=activity)
        .select_related("participant", "statement")
        .order_by("statement_id", "id")
    )
    for answer in answers:
        yield {
            "participant": answer.participant,
            "statement_id": answer.statement_id,
            "statement": answer.statement.text,
            "language": answer.statement.language,
            "answer": VOTE_NAMES[answer.vote],
            "answered_at": answer.answered_at.isoformat(),
        }
