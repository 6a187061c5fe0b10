"""Erasing guest participants' profiles a set time after their event ends.

A process's ``RepresentationSettings.retention_days`` (null: keep) says how many days
after the end of an event of the process (the end of ``Event.ends_on`` in the event's
own time zone) the profiles of its sessions' *guest* participants are erased. A guest
is a participant with neither an account (``user``) nor a directory record
(``person``): their profile exists only in the session, so nothing else erases it.
Participants linked to an account or a directory person are kept; the directory's own
rules (basis, consent, erasure on request) cover them.

Erasing blanks the whole declared profile: display name, organisation, stakeholder
group, country, sector and gender. The participant row, its votes, notes and questions
stay, so every count of ballots stays the same, but a per-group breakdown computed
after the erasure shows those participants under "not stated". This is the trade-off
issue 13 asks for ("guest participant profiles are erased"); figures that must outlive
the retention period are frozen earlier (live results attached to a consultation as
evidence carry no per-group breakdown).

The job is idempotent (a guest already blank is not touched or counted again), works
in batches of ``BATCH_SIZE`` rows, each batch in its own transaction, and returns how
many profiles it erased. It runs as a task of Django's Tasks API
(``erase_expired_guest_profiles``), enqueued once a day (``settings.PERIODIC_TASKS``,
see ``consult/periodic.py``), and at once with ``manage.py erase_expired_guest_profiles``.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from consult.models import RepresentationSettings

from .models import Event, Participant

logger = logging.getLogger(__name__)

BATCH_SIZE = 500

# The declared profile, and what each field becomes when erased.
ERASED_PROFILE = {
    "display_name": "",
    "organisation": "",
    "stakeholder_group": "",
    "country": "",
    "sector": "",
    "gender": "",
}


def event_end(event: Event) -> dt.datetime:
    """The moment the event ends: midnight after ``ends_on`` in the event's time zone."""
    try:
        zone = zoneinfo.ZoneInfo(event.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return dt.datetime.combine(event.ends_on + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def retention_days_for(*, event: Event) -> int | None:
    """How many days after ``event`` ends its guests' profiles are kept (None: no limit)."""
    if event.process_id is None:
        return None
    return (
        RepresentationSettings.objects.filter(process_id=event.process_id)
        .values_list("retention_days", flat=True)
        .first()
    )


def expired_event_ids(*, now: dt.datetime) -> list[int]:
    """Events of processes with a retention period whose period has passed at ``now``."""
    ids: list[int] = []
    for rules in RepresentationSettings.objects.filter(retention_days__isnull=False):
        keep = dt.timedelta(days=rules.retention_days)
        # A cheap bound in the database (time zones differ from UTC by less than a
        # day), the exact end in the event's own time zone below.
        latest_end = (now - keep).date() + dt.timedelta(days=1)
        events = Event.objects.filter(process_id=rules.process_id, ends_on__lte=latest_end)
        ids.extend(
            event.pk
            for event in events.only("id", "ends_on", "time_zone")
            if event_end(event) + keep <= now
        )
    return ids


def guests_to_erase(*, event_ids: list[int]):
    """Guest participants of these events' sessions who still have something to erase."""
    nothing_left = Q(**ERASED_PROFILE)
    return Participant.objects.filter(
        session__event_id__in=event_ids, user__isnull=True, person__isnull=True
    ).exclude(nothing_left)


def erase_expired(*, now: dt.datetime, batch_size: int = BATCH_SIZE) -> int:
    """Erase the profiles of guests whose event's retention period has passed at ``now``;
    returns how many profiles were erased (0 when run again)."""
    event_ids = expired_event_ids(now=now)
    if not event_ids:
        return 0
    erased = 0
    while True:
        with transaction.atomic():
            batch = list(
                guests_to_erase(event_ids=event_ids)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            erased += Participant.objects.filter(pk__in=batch).update(**ERASED_PROFILE)
    if erased:
        logger.info("retention: erased %d guest participant profiles", erased)
    return erased


@task()
def erase_expired_guest_profiles() -> int:
    """The daily retention job (a task: a worker runs it)."""
    return erase_expired(now=timezone.now())
