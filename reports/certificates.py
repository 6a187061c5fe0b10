"""Certificates of participation: one A4 landscape page per attendee of an event, as a
PDF (WeasyPrint, the sheet ``reports/certificate.css``; see ``reports/pdf.py``).

Who gets one: a person with an attendance (``outreach.models.Attendance``: checked in
at the door, or joined the live session remotely). A person invited to an event and to
one of its live sessions counts once per event, as in the attendance list
(``outreach.attendance.attendance_rows``): in the room if either attendance says so,
at the first time.

- The attendee: from their account (``certificates_of``, ``own_certificate``) or
  their personal link (``certificate_for_invitation``), in the request's language,
  made in the request (one page).
- The organisers of the event's process: every attendee (or those of one attendance
  mode) in one PDF, in the attendance list's order, at most ``MAX_BULK`` pages, in a
  language they choose among ``settings.LANGUAGES``. The tasks worker builds it
  (``request_certificates`` asks, ``build_certificates`` builds, stored in a
  ``reports.models.CertificateBatch``).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from consult.translations import LANGUAGE_CODES, supported
from outreach import attendance as att
from outreach.models import Attendance, Invitation
from people.models import Person
from sessions.models import Event

from . import services
from .models import BuiltDocument, CertificateBatch
from .pdf import REPORT_ORIGIN, StaticOnlyFetcher

logger = logging.getLogger(__name__)

# The most pages one organisers' PDF may have. The tasks worker builds it, not the
# request: WeasyPrint lays out about 25 ms a page here (300 certificates in about 7 s,
# 1,000 in about 25 s) and holds every laid-out page in memory until it writes the PDF
# (about 530 MB at 1,000 pages), so 2,000 pages keep the worker near 1 GB and a minute.
# The PDF (about 1.5 kB a page) is stored in the database. An event with more attendees
# is printed per attendance mode, each under the limit.
MAX_BULK = 2000
# The worker lays the certificates out this many at a time, saying how far it is after
# each (the pages are then written as one PDF, its fonts embedded once).
CHUNK = 100

STYLESHEET = "reports/certificate.css"
# Long names and titles are set smaller so that each certificate stays on one page:
# the size class ("", "long", "longer") by the text's width in Latin letters (a
# Chinese character counts two) up to each bound.
NAME_SIZES = (40, 90)
TITLE_SIZES = (70, 160)
PROCESS_SIZES = (110, 110)


class TooMany(ValueError):
    """More attendees than one PDF may hold (``MAX_BULK``)."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} certificates, at most {limit} in one PDF")
        self.count = count
        self.limit = limit


# --------------------------------------------------------------------------- selectors


def _with_related(qs):
    return qs.select_related(
        "invitation__person",
        "invitation__process",
        "invitation__event__process",
        "invitation__event__owner",
        "invitation__session__event__process",
        "invitation__session__event__owner",
    )


def attended_event(attendance: Attendance) -> Event:
    """The event of ``attendance`` (its invitation's event, or its live session's)."""
    event = att.event_of(attendance.invitation)
    assert event is not None  # an attendance is always to an event or one of its sessions
    return event


def _first(found: Iterable[Attendance]) -> dict[tuple[int, int], Attendance]:
    """One attendance per (person, event): in the room before remote, then the first."""
    chosen: dict[tuple[int, int], Attendance] = {}
    for attendance in found:
        key = (attendance.invitation.person_id, attended_event(attendance).pk)
        seen = chosen.get(key)
        if seen is None or (seen.mode, seen.checked_in_at, seen.pk) > (
            attendance.mode,
            attendance.checked_in_at,
            attendance.pk,
        ):
            chosen[key] = attendance
    return chosen


def _of_person_at(*, person_id: int, event: Event) -> Attendance | None:
    """The attendance that counts for ``person_id`` at ``event`` (see ``_first``)."""
    found = _with_related(
        Attendance.objects.filter(invitation__person_id=person_id).filter(
            Q(invitation__event=event) | Q(invitation__session__event=event)
        )
    )
    return next(iter(_first(found).values()), None)


def directory_person(*, user: AbstractBaseUser) -> Person | None:
    """The directory person linked to ``user``'s account, if any."""
    if not user.is_authenticated:
        return None
    try:
        return user.directory_person
    except ObjectDoesNotExist:
        return None


def certificates_of(*, user: AbstractBaseUser) -> list[Attendance]:
    """The attendances of the person linked to ``user``, one per event, the newest event
    first; empty for an account with no directory person."""
    person = directory_person(user=user)
    if person is None:
        return []
    found = _with_related(Attendance.objects.filter(invitation__person=person))
    chosen = _first(found).values()
    return sorted(
        chosen,
        key=lambda a: (attended_event(a).starts_on, attended_event(a).pk, a.checked_in_at),
        reverse=True,
    )


def own_certificate(*, user: AbstractBaseUser, attendance_id: int) -> Attendance | None:
    """The attendance that counts for the event of attendance ``attendance_id``, when it
    is one of ``user``'s own; None otherwise (someone else's, or no such id)."""
    person = directory_person(user=user)
    if person is None:
        return None
    found = _with_related(Attendance.objects.filter(pk=attendance_id, invitation__person=person))
    attendance = found.first()
    if attendance is None:
        return None
    return _of_person_at(person_id=person.pk, event=attended_event(attendance))


def certificate_for_invitation(*, invitation: Invitation) -> Attendance | None:
    """The attendance that counts for the invitee at the event of ``invitation``, when
    the invitation itself has one; None before they attended."""
    if not Attendance.objects.filter(invitation=invitation).exists():
        return None
    event = att.event_of(invitation)
    if event is None:
        return None
    return _of_person_at(person_id=invitation.person_id, event=event)


def event_certificates(*, event: Event, mode: str = "") -> list[Attendance]:
    """One attendance per person who attended ``event`` (``mode``: only in the room or
    only remote), in the order of the attendance list: in the room first, then remote,
    each by time."""
    found = _with_related(
        Attendance.objects.filter(Q(invitation__event=event) | Q(invitation__session__event=event))
    )
    chosen = sorted(_first(found).values(), key=lambda a: (a.mode, a.checked_in_at, a.pk))
    return [a for a in chosen if not mode or a.mode == mode]


def language_of(value: str | None, *, default: str) -> str | None:
    """``value`` as one of the interface's languages (``settings.LANGUAGES``, any case),
    ``default``'s when empty; None when it is not one of them ("fr-ca" neither)."""
    if not value:
        return supported(default) or settings.LANGUAGE_CODE
    return {code.lower(): code for code in LANGUAGE_CODES}.get(value.strip().lower())


# --------------------------------------------------------------------------- the PDF


@dataclass(frozen=True)
class Page:
    name: str
    # The size classes of the name and the process's title (see NAME_SIZES).
    name_size: str
    process_size: str
    # The event's title, escaped, in its own element (inside a translated sentence).
    event: SafeString
    in_room: bool
    dates: str
    process_title: str
    organiser: str


def _size(text: str, bounds: tuple[int, int]) -> str:
    """The size class of ``text``: "" up to ``bounds[0]``, "long" up to ``bounds[1]``,
    else "longer"; a wide (East Asian) character counts two."""
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    if width <= bounds[0]:
        return ""
    return "long" if width <= bounds[1] else "longer"


def _dates(event: Event) -> str:
    start = date_format(event.starts_on, "DATE_FORMAT")
    if event.ends_on == event.starts_on:
        return start
    return f"{start} \u2013 {date_format(event.ends_on, 'DATE_FORMAT')}"


def _organiser(event: Event) -> str:
    owner = event.owner
    return owner.get_full_name().strip() or owner.get_username()


def _page(attendance: Attendance) -> Page:
    event = attended_event(attendance)
    process = event.process or attendance.invitation.process
    return Page(
        name=attendance.invitation.person.name,
        name_size=_size(attendance.invitation.person.name, NAME_SIZES),
        event=format_html(
            '<span class="event {}">{}</span>', _size(event.title, TITLE_SIZES), event.title
        ),
        in_room=attendance.mode == Attendance.Mode.IN_ROOM,
        dates=_dates(event),
        process_title=process.title if process else "",
        process_size=_size(process.title if process else "", PROCESS_SIZES),
        organiser=_organiser(event),
    )


def certificate_html(
    *, attendances: Sequence[Attendance], language: str, issued_on: date | None = None
) -> str:
    """The certificates' HTML document, one page per attendance, in ``language``."""
    with translation.override(language):
        pages = [_page(a) for a in attendances]
        return render_to_string(
            "reports/certificate_document.html",
            {
                "pages": pages,
                "language": language,
                "issued_on": date_format(issued_on or timezone.localdate(), "DATE_FORMAT"),
            },
        )


def certificate_pdf(
    *,
    attendances: Sequence[Attendance],
    language: str,
    issued_on: date | None = None,
    progress: Callable[[int], bool | None] | None = None,
) -> bytes:
    """One A4 landscape page per attendance (in the given order), in ``language`` (one
    of ``settings.LANGUAGES``). Raises ``TooMany`` beyond ``MAX_BULK`` pages.

    The pages are laid out ``CHUNK`` at a time; ``progress(done)`` is called before
    each chunk with the number of pages laid out so far, and once more before the PDF
    is written (returning False stops the work: ``Stale`` is raised)."""
    if len(attendances) > MAX_BULK:
        raise TooMany(len(attendances), MAX_BULK)
    issued_on = issued_on or timezone.localdate()
    fetcher = StaticOnlyFetcher(base_url=REPORT_ORIGIN)
    fonts = FontConfiguration()  # shared: each font is embedded once
    sheet = CSS(
        url=fetcher.static_url(STYLESHEET),
        base_url=REPORT_ORIGIN,
        url_fetcher=fetcher,
        font_config=fonts,
    )
    documents = []
    for start in range(0, max(len(attendances), 1), CHUNK):
        if progress is not None and progress(start) is False:
            raise Stale
        html = certificate_html(
            attendances=attendances[start : start + CHUNK], language=language, issued_on=issued_on
        )
        document = HTML(string=html, base_url=REPORT_ORIGIN, url_fetcher=fetcher)
        documents.append(document.render(stylesheets=[sheet], font_config=fonts, pdf_tags=True))
    if progress is not None and progress(len(attendances)) is False:
        raise Stale
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf(pdf_tags=True)


# --------------------------------------------------------------------------- organisers' PDF


class Stale(Exception):
    """A newer request for the same batch came while it was being built."""


def _count_problem(count: int) -> str:
    """Why ``count`` attendees cannot be printed in one PDF ("" when they can)."""
    if count == 0:
        return _("No one has been recorded as attending yet: there are no certificates to print.")
    if count > MAX_BULK:
        return _(
            "%(count)s people attended: one PDF holds at most %(limit)s certificates. "
            "Print those in the room and those who took part remotely separately."
        ) % {"count": count, "limit": MAX_BULK}
    return ""


def batch_of(*, event: Event, mode: str = "") -> CertificateBatch | None:
    """The organisers' PDF of ``event`` (``mode``: "" for everyone), if asked for."""
    return CertificateBatch.objects.defer("pdf").filter(event=event, mode=mode).first()


def request_certificates(
    *, event: Event, mode: str = "", language: str | None, by: AbstractBaseUser | None
) -> CertificateBatch:
    """Ask the tasks worker to build (again) the certificates of every attendee of
    ``event`` (``mode``: only in the room, only remote) in ``language`` (one of
    ``settings.LANGUAGES``; None: the batch's own so far, else the active one).

    Raises ``ValidationError`` for an unknown mode or language, when no one attended
    or when more than ``MAX_BULK`` did. The caller checks who may (the organisers)."""
    if mode and mode not in Attendance.Mode.values:
        raise ValidationError({"mode": _("Choose everyone, in the room or remote.")})
    problem = _count_problem(len(event_certificates(event=event, mode=mode)))
    if problem:
        raise ValidationError(problem, code="count")
    with transaction.atomic():
        batch = services.request_document(
            CertificateBatch, {"event": event, "mode": mode}, language
        )
        batch.requested_by = by if by is not None and by.is_authenticated else None
        batch.save(update_fields=["requested_by"])
        pk, generation = batch.pk, batch.generation
        transaction.on_commit(lambda: _enqueue(batch_id=pk, generation=generation))
    return batch


def _enqueue(*, batch_id: int, generation: int) -> None:
    from . import tasks  # the task module imports this one

    tasks.build_certificates.enqueue(batch_id=batch_id, generation=generation)


def _fail(batch_id: int, generation: int, message: str) -> None:
    CertificateBatch.objects.filter(pk=batch_id, generation=generation).update(
        status=BuiltDocument.Status.FAILED, error=message
    )


def build_certificates(*, batch_id: int, generation: int) -> bool:
    """Build the batch's PDF if ``generation`` is still the latest request (run by the
    tasks worker: ``reports.tasks.build_certificates``). The attendees are counted
    again: none, or more than ``MAX_BULK``, fails the batch with a message. False when
    it failed, became stale or the batch is gone."""
    batch = (
        CertificateBatch.objects.select_related("event")
        .defer("pdf")
        .filter(pk=batch_id, generation=generation)
        .first()
    )
    if batch is None:
        return False

    def step(percent: int, text: str) -> bool:
        services.document_progress(CertificateBatch, batch_id, generation, percent, text)
        return CertificateBatch.objects.filter(pk=batch_id, generation=generation).exists()

    with translation.override(batch.language):
        step(0, _("Gathering the attendees"))
        try:
            attendances = event_certificates(event=batch.event, mode=batch.mode)
            problem = _count_problem(len(attendances))
            if problem:
                _fail(batch_id, generation, problem)
                return False
            total = len(attendances)

            def laid_out(done: int) -> bool:
                if done >= total:
                    return step(90, _("Writing the PDF"))
                text = _("Certificate %(number)s of %(total)s") % {
                    "number": done + 1,
                    "total": total,
                }
                return step(5 + 85 * done // total, text)

            document = certificate_pdf(
                attendances=attendances, language=batch.language, progress=laid_out
            )
        except Stale:
            return False
        except Exception:  # the page says it failed and offers to try again
            logger.exception("certificates %s failed", batch_id)
            _fail(
                batch_id,
                generation,
                _("The certificates could not be made. Try again; if it fails again, tell us."),
            )
            return False
    with transaction.atomic():
        done = services.finish_document(
            CertificateBatch, batch_id, generation, content={"count": total}, pdf=document
        )
    return done is not None
