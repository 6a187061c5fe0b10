"""What a Q&A's report shows (``ActivityKind.report_blocks``): the answered questions
and the questions left unanswered, most upvoted first.

Only approved questions the facilitator did not hide (status visible), never who asked
(not even for a named question: a report does not name participants). One query: the
visible questions (their upvotes come from the tally).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sessions.kinds import list_block
from sessions.models import Activity

from .models import Question


def upvotes(n: int) -> str:
    return ngettext("%(n)d upvote", "%(n)d upvotes", n) % {"n": n}


def report_blocks(activity: Activity, tally: dict[str, Any]) -> list[dict[str, Any]]:
    votes = tally.get("votes", {})
    questions = sorted(
        (
            (votes.get(str(pk), 0), pk, text, answered)
            for pk, text, answered in Question.objects.filter(
                activity=activity, status=Question.Status.VISIBLE
            ).values_list("id", "text", "answered")
        ),
        key=lambda q: (-q[0], q[1]),
    )
    answered = [{"text": text, "detail": upvotes(n)} for n, _pk, text, done in questions if done]
    open_ = [{"text": text, "detail": upvotes(n)} for n, _pk, text, done in questions if not done]
    return [
        list_block(
            ngettext("%(n)d answered question", "%(n)d answered questions", len(answered))
            % {"n": len(answered)},
            answered,
            _("No question was answered."),
        ),
        list_block(
            ngettext("%(n)d unanswered question", "%(n)d unanswered questions", len(open_))
            % {"n": len(open_)},
            open_,
            _("No question was left unanswered."),
        ),
    ]
