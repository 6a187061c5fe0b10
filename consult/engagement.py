"""A directory person's comments, validation answers and the answers they received,
for their engagement history (people.engagement). Counted per consultation and round,
through the account linked to the record."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from people.engagement import Entry
from people.models import Person

from .models import Comment, Disposition, ValidationAnswer


def consultation_engagement(people: list[Person]) -> Iterable[Entry]:
    by_user = {p.user_id: p.pk for p in people if p.user_id}
    if not by_user:
        return
    for row in (
        Comment.objects.filter(author_id__in=by_user, deleted_at=None)
        .values("author_id", "section__consultation__title")
        .annotate(n=Count("id"), last=Max("created_at"))
    ):
        yield Entry(
            person_id=by_user[row["author_id"]],
            when=row["last"],
            what=_("Commented on a consultation"),
            where=row["section__consultation__title"],
            detail=ngettext("%(n)s comment", "%(n)s comments", row["n"]) % {"n": row["n"]},
        )
    for row in (
        ValidationAnswer.objects.filter(user_id__in=by_user)
        .values("user_id", "round__title", "round__consultation__title")
        .annotate(n=Count("id"), last=Max("updated_at"))
    ):
        yield Entry(
            person_id=by_user[row["user_id"]],
            when=row["last"],
            what=_("Answered a validation round"),
            where=f"{row['round__consultation__title']} · {row['round__title']}",
            detail=ngettext("%(n)s section", "%(n)s sections", row["n"]) % {"n": row["n"]},
        )
    received: dict[tuple[int, str], list] = {}
    for user_id, title, when in Disposition.objects.filter(
        comment__author_id__in=by_user
    ).values_list("comment__author_id", "comment__section__consultation__title", "decided_at"):
        received.setdefault((user_id, title), []).append(when)
    for user_id, title, when in Disposition.objects.filter(answer__user_id__in=by_user).values_list(
        "answer__user_id", "answer__round__consultation__title", "decided_at"
    ):
        received.setdefault((user_id, title), []).append(when)
    for (user_id, title), whens in received.items():
        yield Entry(
            person_id=by_user[user_id],
            when=max(whens),
            what=_("Received answers to their input (“you said, we did”)"),
            where=title,
            detail=ngettext("%(n)s answer", "%(n)s answers", len(whens)) % {"n": len(whens)},
        )
