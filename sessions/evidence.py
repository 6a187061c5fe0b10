"""Live results as evidence for a consultation: a facilitator attaches a frozen copy of
an activity's results to a section of a consultation, with a link back to the live
results page.

The dependency points one way (``sessions -> consult``): this module builds the copy
(through the activity kind, never knowing specific kinds) and hands it to
``consult.services.attach_evidence``; consult stores it without knowing where it came
from except by its ``source_key`` (``live.activity:<id>``) and link.

Apps above ``sessions`` may keep the same kind of copy elsewhere (the knowledge
repository, as a case's evidence, through the helpers here); they say which of their
copies make the results page public with ``register_results_reader``, since
``sessions`` may not import them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import Consultation, Evidence, Section

from .kinds import get_kind
from .models import Activity, Event
from .selectors import can_facilitate

SOURCE_PREFIX = "live.activity:"

# Checks registered by the apps above (from their ``AppConfig.ready()``): each takes a
# source key and says whether those results are public evidence there.
ResultsReader = Callable[[str], bool]
_results_readers: list[ResultsReader] = []


def register_results_reader(check: ResultsReader) -> None:
    """``check(source_key)``: True when the activity's results are held as evidence that
    anyone may read (then its results page is public, as for a readable consultation's
    evidence). Registering the same check again changes nothing."""
    if check not in _results_readers:
        _results_readers.append(check)


def source_key(activity: Activity) -> str:
    return f"{SOURCE_PREFIX}{activity.pk}"


def results_path(activity: Activity) -> str:
    """The public results page of the activity (frontend's ``activity_results``)."""
    return reverse("frontend:activity_results", args=[activity.session.code, activity.pk])


def evidence_rows(activity: Activity) -> list[dict[str, Any]]:
    """The activity's current result as figures anyone may read (hidden, unapproved and
    unrevealed entries and names left out by the kind), at most as many as consult keeps."""
    kind = get_kind(activity.kind)
    return kind.evidence_rows(activity, kind.tally(activity))[: consult_services.MAX_EVIDENCE_ROWS]


def attach_activity_to_section(
    *, activity: Activity, section: Section, by: AbstractBaseUser
) -> Evidence:
    """Attach a copy of the activity's current results to ``section``; attaching it to
    the same section again refreshes the copy. ``by`` must facilitate the activity's
    session and organise the section's process (checked by consult); when the event
    belongs to a process, the section must be in one of its consultations."""
    session = activity.session
    event = session.event
    if not can_facilitate(by, session):
        raise PermissionDenied(_("Only this session's facilitators can do this."))
    consultation = section.consultation
    if event.process_id is not None and consultation.process_id != event.process_id:
        raise ValidationError(
            _("That section belongs to a consultation of another process."), code="other_process"
        )
    if activity.status == Activity.Status.DRAFT:
        raise ValidationError(
            _("Open the activity first: it has no results yet."), code="no_results"
        )
    kind = get_kind(activity.kind)
    return consult_services.attach_evidence(
        section=section,
        by=by,
        title=activity.title,
        origin=f"{event.title} · {session.title}",
        url=results_path(activity),
        source_key=source_key(activity),
        results=evidence_rows(activity),
        responses=kind.response_count(activity),
        collected_at=timezone.now(),
    )


def find_section(section_id: Any) -> Section | None:
    """The section a form names by id, or None (not a number, or no such section)."""
    text = str(section_id or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return Section.objects.select_related("consultation__process").filter(pk=int(text)).first()


def section_choices(user: AbstractBaseUser, event: Event) -> list[dict[str, Any]]:
    """The sections ``user`` may attach results of this event to: of the event's
    process's consultations, or of every process they organise if the event has none."""
    return consult_selectors.evidence_targets(user, process=event.process)


def attached_sections(activities: list[Activity]) -> dict[int, list[int]]:
    """Activity id -> ids of the sections its results are attached to, in one query."""
    keys = {source_key(a): a.pk for a in activities}
    attached: dict[int, list[int]] = {a.pk: [] for a in activities}
    for key, section_id in Evidence.objects.filter(source_key__in=keys).values_list(
        "source_key", "section_id"
    ):
        attached[keys[key]].append(section_id)
    return attached


def results_public(activity: Activity, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` may see the activity's results page: its facilitators always;
    anyone once the results were shown on the projector, once they are evidence in a
    consultation this person may read, or once a registered reader says they are public
    evidence elsewhere (``register_results_reader``)."""
    if can_facilitate(user, activity.session) or activity.results_revealed:
        return True
    key = source_key(activity)
    if any(check(key) for check in _results_readers):
        return True
    consultations = Consultation.objects.filter(sections__evidence__source_key=key).select_related(
        "process"
    )
    return any(consult_selectors.can_read(user, c) for c in consultations.distinct())
