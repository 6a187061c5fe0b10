"""The live sessions a directory person joined and what they did there, for their
engagement history (people.engagement)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from people.engagement import Entry
from people.models import Person

from .kinds import get_kind
from .models import CommandReceipt, Participant


def live_engagement(people: list[Person]) -> Iterable[Entry]:
    """One entry per participation: linked to the directory record, or to its account."""
    by_id = {p.pk: p.pk for p in people}
    by_user = {p.user_id: p.pk for p in people if p.user_id}
    participations = list(
        Participant.objects.filter(Q(person_id__in=by_id) | Q(user_id__in=by_user))
        .select_related("session__event")
        .order_by("joined_at")
    )
    done: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        CommandReceipt.objects.filter(participant__in=participations)
        .values("participant_id", "activity__kind")
        .annotate(n=Count("id"))
    ):
        done[row["participant_id"]][row["activity__kind"]] = row["n"]
    for participant in participations:
        person_id = by_id.get(participant.person_id) or by_user.get(participant.user_id)
        actions = done.get(participant.pk, {})
        detail = ", ".join(
            ngettext("%(n)s action in %(kind)s", "%(n)s actions in %(kind)s", n)
            % {"n": n, "kind": _kind_label(kind)}
            for kind, n in sorted(actions.items())
        )
        session = participant.session
        yield Entry(
            person_id=person_id,
            when=participant.joined_at,
            what=_("Joined a live session"),
            where=f"{session.event.title} · {session.title}",
            detail=detail or _("no votes, notes or questions"),
        )


def _kind_label(kind: str) -> str:
    try:
        return str(get_kind(kind).label)
    except KeyError:
        return kind
