"""Reads: role-aware views of a session, used by pages, the API and the live room."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core import signing
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from consult.models import Consultation
from consult.translations import LANGUAGE_CODES, column
from people.vocabularies import StakeholderGroup

from .kinds import CommandError, Role, get_kind
from .models import Activity, Event, Participant, Session

TOKEN_SALT = "live.participant"  # noqa: S105 - a salt, not a secret


def may_run_events(user: AbstractBaseUser | AnonymousUser) -> bool:
    """The global permission to create events and run live sessions (``live.organise``);
    not to be confused with organising a process (``consult.selectors.is_organiser``)."""
    return bool(user.is_authenticated and user.has_perm("live.organise"))


def can_facilitate(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    if not may_run_events(user):
        return False
    return user.is_superuser or session.event.owner_id == user.pk


def events_for(user: AbstractBaseUser) -> QuerySet[Event]:
    qs = Event.objects.annotate(session_count=Count("sessions")).select_related("process")
    return qs if user.is_superuser else qs.filter(owner=user)


def join_refusal(session: Session) -> CommandError | None:
    """Why this session takes no new participants now, or None: said on the join page
    before the form and raised by ``services.join_session``."""
    if session.status == Session.Status.CLOSED:
        return CommandError("session_closed", _("This session has ended."))
    if session.locked:
        return CommandError("session_locked", _("This session is not accepting new participants."))
    return None


def normal_code(code: str | None) -> str:
    """A join code as stored: upper case, without spaces."""
    return (code or "").strip().upper().replace(" ", "")


def session_by_code(code: str) -> Session | None:
    return sessions_by_code([code], related=("event",)).get(normal_code(code))


def sessions_by_code(codes: Iterable[str], *, related: tuple[str, ...] = ()) -> dict[str, Session]:
    """The sessions of these join codes, by code (``normal_code``), in one query;
    codes no session has are left out."""
    wanted = {code for code in map(normal_code, codes) if 0 < len(code) <= 12}
    if not wanted:
        return {}
    sessions = Session.objects.filter(code__in=wanted)
    if related:  # select_related() of nothing would select every relation
        sessions = sessions.select_related(*related)
    return {session.code: session for session in sessions}


def participant_token(participant: Participant) -> str:
    """A participant's proof of who they are in the room (the hello's ``token``):
    signed with the time, valid for ``PARTICIPANT_TOKEN_MAX_AGE_S`` (docs/protocol.md)."""
    return signing.dumps({"p": participant.pk, "s": participant.secret}, salt=TOKEN_SALT)


# A browser keeps its participant of a session in a signed, HTTP-only cookie per join
# code (set by the join pages: frontend's, and outreach's personal invitation links).
# The room's WebSocket handshake sends it (same origin): the page never holds the token.


def participant_cookie_name(code: str) -> str:
    return f"pt_{code}"


def set_participant_cookie(response, *, participant: Participant, secure: bool) -> None:
    response.set_signed_cookie(
        participant_cookie_name(participant.session.code),
        participant_token(participant),
        max_age=settings.PARTICIPANT_TOKEN_MAX_AGE_S,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def token_from_cookies(cookies: Mapping[str, str], *, code: str) -> str | None:
    """The participant token in the room cookie for this join code (from a request's or
    a WebSocket's cookies), if this server set that cookie: its signature covers the
    cookie's name, so it also proves the client was given this code."""
    name = participant_cookie_name(normal_code(code))
    if not cookies.get(name):
        return None
    # Read through Django's own reader, whatever its signing scheme for cookies.
    request = HttpRequest()
    request.COOKIES = {name: cookies[name]}
    return request.get_signed_cookie(
        name, default=None, max_age=settings.PARTICIPANT_TOKEN_MAX_AGE_S
    )


def participant_from_cookies(cookies: Mapping[str, str], *, session: Session) -> Participant | None:
    """The participant whose room cookie for this session the client sent, if valid."""
    token = token_from_cookies(cookies, code=session.code)
    return participant_from_token(token, session=session) if token else None


def participant_from_token(token: str, *, session: Session) -> Participant | None:
    """The participant a signed token names, if it is valid, not older than
    ``PARTICIPANT_TOKEN_MAX_AGE_S`` and belongs to this session (its session read
    fresh with it: a caller checks whether it has closed)."""
    return participants_from_tokens([token], session=session)[0]


def participants_from_tokens(
    tokens: Sequence[str | None], *, session: Session
) -> list[Participant | None]:
    """``participant_from_token`` of each token (None stays None), in one query."""
    named: list[tuple[int, str] | None] = [_token_data(token) for token in tokens]
    ids = {pair[0] for pair in named if pair is not None}
    found: dict[int, Participant] = {}
    if ids:
        rows = Participant.objects.select_related("session").filter(pk__in=ids, session=session)
        found = {p.pk: p for p in rows}
    participants: list[Participant | None] = []
    for pair in named:
        participant = found.get(pair[0]) if pair is not None else None
        valid = participant is not None and participant.secret == pair[1]
        participants.append(participant if valid else None)
    return participants


def _token_data(token: Any) -> tuple[int, str] | None:
    """The participant id and secret a valid, unexpired token holds."""
    if not isinstance(token, str) or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.PARTICIPANT_TOKEN_MAX_AGE_S)
    except signing.BadSignature:  # SignatureExpired too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        return None
    return data["p"], data.get("s")


def results_visible(activity: Activity, role: Role) -> bool:
    """Whether ``role`` may see the activity's results now: the facilitator always, the
    projector once revealed, participants by ``results_visibility`` (docs/protocol.md)."""
    if role is Role.FACILITATOR:
        return True
    if role is Role.SCREEN:
        return activity.results_revealed
    if activity.results_visibility == Activity.Visibility.LIVE:
        return activity.status != Activity.Status.DRAFT
    if activity.results_visibility == Activity.Visibility.AFTER_CLOSE:
        return activity.status == Activity.Status.CLOSED
    if activity.results_visibility == Activity.Visibility.AFTER_REVEAL:
        return activity.results_revealed
    return False


def activity_results(activity: Activity, *, items: bool = True) -> dict[str, Any]:
    """Count, tally and (``items``) the whole item lists of one activity. Tally events
    leave the lists out: they go in room views, and changes in item events."""
    kind = get_kind(activity.kind)
    return {
        "count": kind.response_count(activity),
        "tally": kind.tally(activity),
        "items": kind.item_lists(activity) if items else None,
    }


def activity_results_views(activity: Activity) -> dict[str, dict[str, Any]]:
    """The result of one activity as each role may see it; the tally is computed once."""
    results = activity_results(activity, items=False)
    views = {}
    for role in Role:
        view: dict[str, Any] = {"activity": activity.pk, "count": results["count"]}
        if results_visible(activity, role):
            view["tally"] = get_kind(activity.kind).role_view(activity, results["tally"], role)
        views[role.value] = view
    return views


def translation_maps(activity: Activity) -> dict[str, dict[str, str]]:
    """For each language the activity is translated into, its original texts (title
    and ``kind.texts``) mapped to their translations; each page shows its language's
    (docs/protocol.md, "Translations")."""
    maps = {}
    for code in LANGUAGE_CODES:
        if code == activity.language:
            continue
        found = dict(getattr(activity, column("texts", code)) or {})
        title = getattr(activity, column("title", code))
        if title:
            found[activity.title] = title
        if found:
            maps[code] = found
    return maps


def activity_view(activity: Activity, role: Role, results: dict[str, Any] | None) -> dict:
    kind = get_kind(activity.kind)
    view = {
        "id": activity.pk,
        "kind": activity.kind,
        "title": activity.title,
        "language": activity.language,
        "translations": translation_maps(activity),
        "position": activity.position,
        "status": activity.status,
        "results_visibility": activity.results_visibility,
        "results_revealed": activity.results_revealed,
        "allow_change": activity.allow_change,
        "config": kind.public_config(activity),
    }
    if results is not None:
        view["count"] = results["count"]
        if results_visible(activity, role):
            view["tally"] = kind.role_view(activity, results["tally"], role)
        if results.get("items") is not None:
            view["items"] = results["items"][role.value]
    return view


def room_views(session: Session) -> dict[str, dict[str, Any]]:
    """The whole room state for each role. Participants and the projector only see
    the current activity; the facilitator sees the whole agenda."""
    activities = list(session.activities.all())
    results = {a.pk: activity_results(a) for a in activities if a.status != Activity.Status.DRAFT}
    header = {
        "code": session.code,
        "title": session.title,
        "event": session.event.title,
        "status": session.status,
        "locked": session.locked,
        "current_activity": session.current_activity_id,
        "join_panel": session.join_panel,
        "timer": timer_view(session),
        "follow_up": follow_up(session) if session.status == Session.Status.CLOSED else None,
    }
    views: dict[str, dict[str, Any]] = {}
    for role in Role:
        if role is Role.FACILITATOR:
            shown = activities
        else:
            shown = [a for a in activities if a.pk == session.current_activity_id]
        views[role.value] = {
            **header,
            "activities": [activity_view(a, role, results.get(a.pk)) for a in shown],
        }
    return views


def timer_view(session: Session) -> dict[str, Any] | None:
    """The countdown as the room data carries it: when it ends (Unix seconds; clients
    correct for their clock with the welcome's ``now``) and how long it was."""
    if session.timer_ends_at is None:
        return None
    return {"ends_at": session.timer_ends_at.timestamp(), "seconds": session.timer_seconds}


def follow_up(session: Session) -> dict[str, str] | None:
    """Where participants can go on after the session: its process's consultation that
    takes comments now, else the latest one anyone may read; none without a process."""
    if session.event.process_id is None:
        return None
    readable = Consultation.objects.filter(
        process_id=session.event.process_id, is_public=True
    ).exclude(status=Consultation.Status.DRAFT)
    consultation = (
        readable.filter(status=Consultation.Status.OPEN).order_by("-opens_at").first()
        or readable.order_by("-opens_at").first()
    )
    if consultation is None:
        return None
    return {
        "title": consultation.title,
        "url": reverse(
            "consult:consultation", args=[session.event.process.slug, consultation.slug]
        ),
    }


def participant_ballots(participant: Participant) -> dict[str, Any]:
    """This participant's own input per activity of their session (activity id -> state)."""
    return participants_ballots([participant], session=participant.session)[participant.pk]


def participants_ballots(
    participants: Sequence[Participant], *, session: Session
) -> dict[int, dict[str, Any]]:
    """``participant_ballots`` of each of ``participants`` of ``session`` (participant
    id -> ballots): one query for the activities, then one per activity of kinds that
    read their states together (``ActivityKind.participant_states``)."""
    ballots: dict[int, dict[str, Any]] = {p.pk: {} for p in participants}
    if not participants:
        return ballots
    for activity in session.activities.exclude(status=Activity.Status.DRAFT):
        states = get_kind(activity.kind).participant_states(activity, list(participants))
        for pk, state in states.items():
            if state is not None:
                ballots[pk][str(activity.pk)] = state
    return ballots


def agenda(session: Session) -> list[Activity]:
    """The session's activities in order, each with ``response_count`` set, in one query
    per activity kind rather than one per activity."""
    activities = list(session.activities.all())
    by_kind: dict[str, list[Activity]] = {}
    for activity in activities:
        by_kind.setdefault(activity.kind, []).append(activity)
    for kind, group in by_kind.items():
        counts = get_kind(kind).response_counts(group)
        for activity in group:
            activity.response_count = counts[activity.pk]
    return activities


def participant_count(session: Session) -> int:
    return session.participants.count()


# Each coded profile field goes out twice: the stable code (for analysis) and its
# label in the exporter's language (for reading), e.g. "policy" and "Government /
# policy maker".
PROFILE_COLUMNS = (
    "participant",
    "display_name",
    "stakeholder_group",
    "stakeholder_group_label",
    "country",
    "country_label",
    "sector",
    "sector_label",
    "gender",
    "gender_label",
    "organisation",
)


def export_time(value: dt.datetime | None) -> str:
    """A time as the exports write it: ISO 8601 in UTC ("" for none)."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else ""


def profile_record(participant: Participant) -> dict[str, Any]:
    """A respondent's profile columns of an export (``PROFILE_COLUMNS``)."""
    p = participant
    return {
        "participant": p.pk,
        "display_name": p.display_name,
        "stakeholder_group": p.stakeholder_group,
        "stakeholder_group_label": str(p.get_stakeholder_group_display()),
        "country": p.country.code or "",
        # A blank country reads as the join form offered it.
        "country_label": str(p.country.name or StakeholderGroup.UNDISCLOSED.label),
        "sector": p.sector,
        "sector_label": str(p.get_sector_display()),
        "gender": p.gender,
        "gender_label": str(p.get_gender_display()),
        "organisation": p.organisation,
    }


def export_records(activity: Activity) -> tuple[list[str], list[dict[str, Any]]]:
    """Every response to an activity with its respondent's stakeholder profile, for
    the CSV and JSON exports: the column names and one dict per response.

    An anonymous contribution (a row whose ``participant`` is None) has every profile
    column blank, the participant id too: the other rows of its author show them, and
    they would tie it back to that person (so would a rare group, country, sector and
    gender together)."""
    kind = get_kind(activity.kind)
    columns = [*PROFILE_COLUMNS, *kind.export_columns]
    records = []
    for row in kind.export_rows(activity):
        p = row["participant"]  # None: anonymous
        record = dict.fromkeys(PROFILE_COLUMNS, "") if p is None else profile_record(p)
        record.update({name: row.get(name, "") for name in kind.export_columns})
        records.append(record)
    return columns, records
