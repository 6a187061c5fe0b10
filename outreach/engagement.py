"""Invitations and answers, for a directory person's engagement history
(people.engagement)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from people.engagement import Entry
from people.models import Person

from .models import Invitation
from .selectors import target_of


def invitation_engagement(people: list[Person]) -> Iterable[Entry]:
    invitations = Invitation.objects.filter(person__in=people).select_related(
        "process", "event", "session__event", "consultation"
    )
    for invitation in invitations:
        target = target_of(invitation)
        yield Entry(
            person_id=invitation.person_id,
            when=invitation.sent_at or invitation.created_at,
            what=_("Invited"),
            where=f"{invitation.process.title} · {target.label}",
            detail=str(invitation.get_answer_display())
            if invitation.answer
            else (_("reminded %(n)s times") % {"n": invitation.reminders}
                  if invitation.reminders else _("no answer yet")),
        )  # fmt: skip
        if invitation.answered_at:
            yield Entry(
                person_id=invitation.person_id,
                when=invitation.answered_at,
                what=_("Answered an invitation"),
                where=f"{invitation.process.title} · {target.label}",
                detail=str(invitation.get_answer_display()),
            )
