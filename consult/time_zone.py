"""The reader's time zone: dates and times on every page are shown in it.

A signed-in person with a profile reads in their profile's time zone; anyone else in
the zone their browser reports, which ``frontend/locale.js`` keeps in the
``TIME_ZONE_COOKIE`` cookie on every page; failing both, ``settings.TIME_ZONE``. A value
that is not a zone of the tz database is ignored, never an error.
``ReaderTimeZoneMiddleware`` activates the zone for the request
(``django.utils.timezone.activate``) and keeps its name in ``request.reader_time_zone``
when it came from the profile or the browser (``None`` for the fallback), so pages can
tell whose zone they show."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# The cookie frontend/static/frontend/locale.js sets to the browser's IANA zone name.
TIME_ZONE_COOKIE = "time_zone"

# Listing the zones reads the tz database's directory tree (tens of milliseconds); the
# list does not change while the process runs.
KNOWN_ZONES = frozenset(zoneinfo.available_timezones())


def known_zone(name: str | None) -> str | None:
    """``name`` if it is a zone of the tz database, else None."""
    if not name or len(name) > 64:
        return None
    return name if name in KNOWN_ZONES else None


def profile_zone(user) -> str | None:
    """A signed-in person's profile time zone, if they have a profile with a known one."""
    if user is None or not user.is_authenticated:
        return None
    try:
        profile = user.profile
    except ObjectDoesNotExist:  # no profile
        return None
    return known_zone(profile.time_zone)


def reader_time_zone(*, user, cookie: str | None) -> str | None:
    """The zone the reader asked for: their profile's, else their browser's; None for
    neither (the caller falls back to ``settings.TIME_ZONE``)."""
    return profile_zone(user) or known_zone(cookie)


class ReaderTimeZoneMiddleware:
    """After the authentication middleware: activates the reader's time zone for the
    request and deactivates it afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = reader_time_zone(
            user=getattr(request, "user", None), cookie=request.COOKIES.get(TIME_ZONE_COOKIE)
        )
        request.reader_time_zone = zone
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()  # settings.TIME_ZONE
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def current_zone_name() -> str:
    """The name of the active time zone (the reader's, or ``settings.TIME_ZONE``)."""
    return str(timezone.get_current_timezone()) or settings.TIME_ZONE
