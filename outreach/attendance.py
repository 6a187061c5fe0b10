"""Attendance of invited people: the check-in code on a personal link, the check-in at
the door (in the room), remote attendance recorded when an invitee joins the live
session, and the attendance list of an event.

The check-in code names an invitation without revealing its personal link: the
invitation's id and a salted signature of it (django.core.signing), short enough to
type when a QR code cannot be scanned, e.g. ``42-K7QX2MPA9D``."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from people.models import Affiliation
from sessions.models import Event

from .models import Attendance, Invitation

SALT = "outreach.attendance.checkin"
# Characters of the signature in a code: base32, 5 bits each (50 bits).
SIGNATURE_LENGTH = 10
CODE_RE = re.compile(rf"^(\d{{1,12}})-([A-Z2-7]{{{SIGNATURE_LENGTH}}})$")

COLUMNS = [
    ("name", "name"),
    ("organisation", "organisation"),
    ("stakeholder_group", "stakeholder_group"),
    ("mode", "mode"),
    ("checked_in_at", "checked_in_at"),
]
LABELS = {
    "name": _("Name"),
    "organisation": _("Organisation"),
    "stakeholder_group": _("Stakeholder group"),
    "mode": _("Attendance"),
    "checked_in_at": _("Time"),
}


def _signature(invitation_id: int) -> str:
    signed = signing.Signer(salt=SALT).signature(str(invitation_id))
    raw = base64.urlsafe_b64decode(signed + "=" * (-len(signed) % 4))
    return base64.b32encode(raw).decode()[:SIGNATURE_LENGTH]


def checkin_code(invitation: Invitation) -> str:
    """The code of ``invitation``'s QR code: its id and a signature of it."""
    return f"{invitation.pk}-{_signature(invitation.pk)}"


def normalise_code(text: str) -> str:
    """A typed or pasted code (any case, spaces, or the whole check-in address) as a code."""
    text = (text or "").strip().rstrip("/")
    text = text.rsplit("/", 1)[-1]
    return re.sub(r"\s+", "", text).upper()


def invitation_for_code(code: str) -> Invitation | None:
    """The invitation to an event or a live session that ``code`` names; None for a
    malformed or forged code, or one of a consultation invitation."""
    match = CODE_RE.match(normalise_code(code))
    if match is None:
        return None
    pk = int(match.group(1))
    if not constant_time_compare(match.group(2), _signature(pk)):
        return None
    invitation = (
        Invitation.objects.select_related("person", "process", "event", "session__event")
        .filter(pk=pk, consultation__isnull=True)
        .first()
    )
    return invitation


def event_of(invitation: Invitation) -> Event | None:
    """The event an invitation is to (a live session's event); None for a consultation."""
    if invitation.event_id:
        return invitation.event
    if invitation.session_id:
        return invitation.session.event
    return None


def has_checkin(invitation: Invitation) -> bool:
    """Whether the personal link shows a check-in code: an event or a session of one that
    people attend in a room (not a webinar, not a consultation)."""
    event = event_of(invitation)
    return event is not None and event.kind != Event.Kind.WEBINAR


def local_time(event: Event, at: datetime) -> datetime:
    """``at`` in the event's time zone."""
    try:
        zone = ZoneInfo(event.time_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return timezone.localtime(at, zone)


@dataclass(frozen=True)
class CheckIn:
    attendance: Attendance
    # False when the person was already checked in (nothing changed).
    done_now: bool


def check_in(*, invitation: Invitation, by: AbstractBaseUser) -> CheckIn:
    """Check the invitee in at the door. Once: a second check-in changes nothing. A
    person recorded as remote (they joined the live session first) is now in the room."""
    with transaction.atomic():
        Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        found = Attendance.objects.filter(invitation=invitation).first()
        if found is not None and found.mode == Attendance.Mode.IN_ROOM:
            return CheckIn(found, False)
        if found is not None:
            found.mode = Attendance.Mode.IN_ROOM
            found.checked_in_at = timezone.now()
            found.checked_in_by = by
            found.save(update_fields=["mode", "checked_in_at", "checked_in_by"])
            return CheckIn(found, True)
        attendance = Attendance.objects.create(
            invitation=invitation,
            mode=Attendance.Mode.IN_ROOM,
            checked_in_at=timezone.now(),
            checked_in_by=by,
        )
    return CheckIn(attendance, True)


def record_remote(*, invitation: Invitation) -> Attendance | None:
    """Record that the invitee joined the live session of their invitation (remote),
    unless they already have an attendance. Returns the new row, or None."""
    if invitation.session_id is None:
        return None
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.get_or_create(
                invitation=invitation,
                defaults={"mode": Attendance.Mode.REMOTE, "checked_in_at": timezone.now()},
            )
    except IntegrityError:  # checked in at the same moment
        return None
    return attendance if created else None


# --------------------------------------------------------------------------- selectors


def attendances(*, event: Event, mode: str = ""):
    """The attendances of the invitations to ``event`` and to its live sessions."""
    qs = Attendance.objects.filter(
        Q(invitation__event=event) | Q(invitation__session__event=event)
    ).select_related("invitation__person")
    qs = qs.prefetch_related(
        Prefetch(
            "invitation__person__affiliations",
            queryset=Affiliation.objects.select_related("organisation").order_by(
                "-is_delegate", "id"
            ),
        )
    )
    if mode:
        qs = qs.filter(mode=mode)
    return qs.order_by("mode", "checked_in_at", "pk")


def attendance_rows(*, event: Event, mode: str = "") -> list[dict]:
    """One row per person who attended ``event`` (a person invited to the event and to
    one of its sessions counts once: in the room if either says so, at the first time),
    in the room first, then remote, each by time."""
    by_person: dict[int, Attendance] = {}
    for attendance in attendances(event=event):
        person_id = attendance.invitation.person_id
        seen = by_person.get(person_id)
        if seen is None or (seen.mode, seen.checked_in_at) > (
            attendance.mode,
            attendance.checked_in_at,
        ):
            by_person[person_id] = attendance
    chosen = sorted(by_person.values(), key=lambda a: (a.mode, a.checked_in_at, a.pk))
    rows = []
    for attendance in chosen:
        if mode and attendance.mode != mode:
            continue
        person = attendance.invitation.person
        affiliations = list(person.affiliations.all())
        rows.append(
            {
                "name": person.name,
                "organisation": affiliations[0].organisation.name if affiliations else "",
                "stakeholder_group": person.stakeholder_group or "",
                "stakeholder_group_label": person.get_stakeholder_group_display()
                if person.stakeholder_group
                else "",
                "mode": attendance.mode,
                "mode_label": attendance.get_mode_display(),
                "checked_in_at": local_time(event, attendance.checked_in_at).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            }
        )
    return rows


def mode_counts(rows_all: list[dict]) -> dict[str, int]:
    counts = {m: 0 for m in Attendance.Mode.values}
    for row in rows_all:
        counts[row["mode"]] += 1
    return counts
