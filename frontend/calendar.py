"""The public events calendar and the consultations open now: the reads behind the
public pages (frontend/calendar_views.py) and the iCalendar (RFC 5545) files.

Only events an organiser marked ``public`` are ever read here. Events are all-day in
iCalendar (``DTSTART;VALUE=DATE``, ``DTEND`` the day after ``ends_on``): an event has
dates, not times, and its time zone goes in the description. The ``icalendar``
library escapes the text (commas, semicolons, backslashes, newlines) and folds the
lines at 75 octets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import icalendar
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.models import Consultation, Process
from consult.selectors import is_accepting_input, readable_consultations
from sessions.models import Event

PER_PAGE = 50
# The feed holds every upcoming public event and those that ended in the last 90 days.
FEED_PAST_DAYS = 90
PRODID = "-//Consult//Public events calendar//EN"
LISTED_COLUMNS = (
    "title",
    "kind",
    "time_zone",
    "starts_on",
    "ends_on",
    "location",
    "process__title",
    "process__slug",
)


@dataclass(frozen=True)
class CalendarFilters:
    """The calendar's filters: a process by its slug and a kind of event ("" for any)."""

    process: str = ""
    kind: str = ""


def calendar_processes() -> QuerySet[Process]:
    """The processes with at least one public event: the choices of the process filter
    (a process with none is not named anywhere in the calendar)."""
    return (
        Process.objects.filter(pk__in=Event.objects.filter(public=True).values("process_id"))
        .only("title", "slug")
        .order_by("title", "pk")
    )


def public_events(*, filters: CalendarFilters = CalendarFilters()) -> QuerySet[Event]:
    """Every public event matching ``filters``, with its process (one query)."""
    events = Event.objects.filter(public=True).select_related("process").only(*LISTED_COLUMNS)
    if filters.process:
        events = events.filter(process__slug=filters.process)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    return events


def upcoming_events(
    *, today: dt.date, filters: CalendarFilters = CalendarFilters()
) -> QuerySet[Event]:
    """Public events not yet over (ending today or later), the soonest first."""
    return (
        public_events(filters=filters)
        .filter(ends_on__gte=today)
        .order_by("starts_on", "ends_on", "title", "pk")
    )


def past_events(*, today: dt.date, filters: CalendarFilters = CalendarFilters()) -> QuerySet[Event]:
    """Public events that are over (ended before today), the newest first."""
    return (
        public_events(filters=filters)
        .filter(ends_on__lt=today)
        .order_by("-starts_on", "-ends_on", "title", "pk")
    )


def feed_events(*, today: dt.date, filters: CalendarFilters = CalendarFilters()) -> QuerySet[Event]:
    """The feed's events: every upcoming public event and those that ended in the last
    ``FEED_PAST_DAYS`` days, in date order."""
    since = today - dt.timedelta(days=FEED_PAST_DAYS)
    return (
        public_events(filters=filters)
        .filter(ends_on__gte=since)
        .order_by("starts_on", "ends_on", "title", "pk")
    )


def public_event(*, event_id: int) -> Event | None:
    """The public event ``event_id``, or None (unknown or not public alike)."""
    return public_events().filter(pk=event_id).first()


def open_consultations(*, user, now: dt.datetime | None = None) -> list[Consultation]:
    """The consultations ``user`` may read (anyone: the public ones) that accept input
    now, the first to close first, with their process (one query)."""
    now = now or timezone.now()
    consultations = (
        readable_consultations(user)
        .filter(status=Consultation.Status.OPEN, opens_at__lte=now, closes_at__gt=now)
        .select_related("process")
        .order_by("closes_at", "title", "pk")
    )
    # The rule is consult's: the query above narrows, ``is_accepting_input`` decides.
    return [c for c in consultations if is_accepting_input(c, now=now)]


# --------------------------------------------------------------------------- iCalendar


def site_host() -> str:
    """The host of ``settings.SITE_URL``: the right side of every event's UID, the same
    whatever address the feed was fetched at."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_page_url(event: Event, *, today: dt.date) -> str:
    """The address of ``event`` on the calendar page (the past events' list once over)."""
    address = reverse("calendar:calendar")
    if event.ends_on < today:
        address += "?" + urlencode({"past": "1"})
    return f"{settings.SITE_URL.rstrip('/')}{address}#event-{event.pk}"


def event_description(event: Event) -> str:
    """The event's kind, process and time zone, one a line, in the current language."""
    lines = [str(event.get_kind_display())]
    if event.process_id:
        lines.append(_("Process: %(title)s") % {"title": event.process.title})
    lines.append(_("Time zone: %(zone)s") % {"zone": event.time_zone})
    return "\n".join(lines)


def ical_event(event: Event, *, stamp: dt.datetime, today: dt.date) -> icalendar.Event:
    """One VEVENT: all day from ``starts_on`` to ``ends_on`` (DTEND is exclusive)."""
    item = icalendar.Event()
    item.add("uid", f"event-{event.pk}@{site_host()}")
    item.add("dtstamp", stamp)
    item.add("dtstart", event.starts_on)
    item.add("dtend", event.ends_on + dt.timedelta(days=1))
    item.add("summary", event.title)
    if event.location:
        item.add("location", event.location)
    item.add("description", event_description(event))
    item.add("url", event_page_url(event, today=today))
    item.add("transp", "TRANSPARENT")
    return item


def calendar_file(
    events: Iterable[Event],
    *,
    name: str,
    today: dt.date | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """``events`` as one iCalendar object (bytes, UTF-8, CRLF lines folded at 75 octets)."""
    stamp = (stamp or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    today = today or timezone.localdate()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", icalendar.vText(name))  # an X- property: escaped as text
    for event in events:
        calendar.add_component(ical_event(event, stamp=stamp, today=today))
    return calendar.to_ical()
