"""Evidence behind a case (docs/knowledge.md): an accepted case is put to a validation
round with experts (a consultation made of its texts, in one of the processes the manager
organises) and learnt from in a peer-learning session (a live session of a flagship-lab
event); the results of a closed validation round or of a session's activity attach to
the case as a ``CaseEvidence``: a frozen copy of the figures with a link back to the
live results, as ``consult.Evidence`` is for a consultation's section.

Who: the repository's managers (``selectors.is_manager``) who also organise the round's
process (``consult.selectors.is_organiser``) or facilitate the activity's session
(``sessions.selectors.can_facilitate``). Every rule is checked here, whatever page or
command calls: ``PermissionDenied`` for who, ``ValidationError`` for what.

The rows are those of ``consult.services.attach_evidence`` (checked by the same
``clean_evidence_rows``): ``{"label", "value", "share", "detail"}``. For a validation
round, one row per section of the round's version: the heading, the number of answers,
the share who agree (without reservation: "agree with changes" is not counted, it is in
the detail) and the three verdicts' shares in words, in the language of the manager
who attached them. The same source attached to the same case again refreshes the copy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import (
    Consultation,
    Process,
    SectionType,
    ValidationAnswer,
    ValidationRound,
    Verdict,
)
from consult.translations import supported
from sessions import evidence as live_evidence
from sessions.kinds import get_kind
from sessions.models import Activity, Event
from sessions.selectors import can_facilitate, may_run_events

from .models import Case, CaseEvidence, CaseValidation
from .selectors import is_manager

User = AbstractBaseUser | AnonymousUser

ROUND_PREFIX = "consult.round:"
VALIDATION_DAYS = 28  # how long a validation consultation stays open, unless told
MAX_VALIDATION_DAYS = 366
MAX_CHOICES = 300  # rounds, activities or processes offered on the page
MAX_TITLE = 300
MAX_ORIGIN = 300
MAX_CONSULTATION_TITLE = 200
MAX_SLUG = 80


def _require_manager(by: User) -> None:
    if not is_manager(by):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))


def _require_organiser(by: User, process: Process) -> None:
    if not consult_selectors.is_organiser(by, process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))


def _require_accepted(case: Case) -> None:
    if case.status != Case.Status.ACCEPTED:
        raise ValidationError(
            _("Only an accepted case can be validated or given evidence; accept it first."),
            code="not_accepted",
        )


def round_key(round: ValidationRound) -> str:
    return f"{ROUND_PREFIX}{round.pk}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- validation


def _free_slug(process: Process, case: Case) -> str:
    base = slugify(f"validation-{case.slug}")[:MAX_SLUG].strip("-") or "validation"
    taken = set(
        Consultation.objects.filter(process=process, slug__startswith=base[:70]).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
    return slug


def _validation_texts(case: Case) -> dict[str, Any]:
    """The consultation's title, summary and sections, in the case's own language (the
    language its texts are written in): each of the case's texts that is not empty."""
    with translation.override(case.language):
        title = _("Validation: %(name)s") % {"name": case.name}
        summary = _(
            "Experts validate the good-practice case “%(name)s”, section by section: "
            "do you agree with what it says?"
        ) % {"name": case.name}
        parts = [
            (_("Short description"), case.summary),
            (_("Good-practice aspects"), case.good_practice),
            (_("Suggestions for transfer"), case.transfer),
        ]
        version_title = _("The case as of its version %(n)d") % {"n": case.version}
    sections = [
        {"type": SectionType.CONTEXT, "heading": str(heading), "body": body.strip()}
        for heading, body in parts
        if (body or "").strip()
    ]
    return {
        "title": _shorten(title, MAX_CONSULTATION_TITLE),
        "summary": summary,
        "sections": sections,
        "version_title": version_title,
    }


def put_to_validation(
    *,
    case: Case,
    process: Process,
    by: AbstractBaseUser,
    closes_at: dt.datetime | None = None,
) -> Consultation:
    """Make a draft consultation in ``process`` whose first version's sections are the
    case's texts (short description, good-practice aspects, suggestions for transfer;
    empty ones left out), readable without an account, open from now until ``closes_at``
    (by default in ``VALIDATION_DAYS`` days) once its organisers open it; and record it
    as a validation of the case. Refused while the case has a validation consultation in
    preparation or open in the same process."""
    _require_manager(by)
    _require_organiser(by, process)
    _require_accepted(case)
    running = (
        CaseValidation.objects.filter(
            case=case,
            consultation__process=process,
            consultation__status__in=[Consultation.Status.DRAFT, Consultation.Status.OPEN],
        )
        .select_related("consultation")
        .first()
    )
    if running is not None:
        raise ValidationError(
            _(
                "This case is already being validated in this process: “%(title)s”. "
                "Close that consultation first."
            )
            % {"title": running.consultation.title},
            code="already_running",
        )
    now = timezone.now()
    if closes_at is None:
        closes_at = now + dt.timedelta(days=VALIDATION_DAYS)
    if not isinstance(closes_at, dt.datetime) or timezone.is_naive(closes_at):
        raise ValidationError({"closes_at": _("Give times with their time zone.")})
    if closes_at <= now + dt.timedelta(hours=1):
        raise ValidationError({"closes_at": _("The validation must close in the future.")})
    if closes_at > now + dt.timedelta(days=MAX_VALIDATION_DAYS):
        raise ValidationError(
            {"closes_at": _("Close it within %(n)d days.") % {"n": MAX_VALIDATION_DAYS}}
        )
    texts = _validation_texts(case)
    with transaction.atomic():
        consultation = consult_services.create_consultation(
            process=process,
            by=by,
            title=texts["title"],
            slug=_free_slug(process, case),
            opens_at=now,
            closes_at=closes_at,
            summary=texts["summary"],
            is_public=True,
            language=supported(case.language),
        )
        consult_services.publish_version(
            consultation=consultation,
            by=by,
            title=texts["version_title"],
            sections=texts["sections"],
        )
        CaseValidation.objects.create(
            case=case, consultation=consultation, case_version=case.version, created_by=by
        )
    return consultation


# --------------------------------------------------------------------------- attaching


def _store(
    *,
    case: Case,
    by: AbstractBaseUser,
    title: str,
    origin: str,
    url: str,
    source_key: str,
    results: list[dict[str, Any]],
    responses: int,
    collected_at: dt.datetime,
) -> CaseEvidence:
    """The copy, checked as consult checks a section's evidence; the same source on
    the same case again is refreshed."""
    values = {
        "title": _shorten(title, MAX_TITLE) or _("Results"),
        "origin": _shorten(origin, MAX_ORIGIN),
        "url": url,
        "results": consult_services.clean_evidence_rows(results),
        "responses": responses,
        "collected_at": collected_at,
        "attached_by": by,
        "attached_at": timezone.now(),
    }
    with transaction.atomic():
        evidence, _created = CaseEvidence.objects.update_or_create(
            case=case, source_key=source_key, defaults=values
        )
    return evidence


def _percent(value: float) -> str:
    return number_format(int(value) if float(value).is_integer() else value)


def round_rows(round: ValidationRound) -> list[dict[str, Any]]:
    """Per section of the round's version: its heading, the number of answers, the share
    who agree ("agree with changes" not counted) and the three shares in words (in the
    active language). Group figures are left out."""
    rows = []
    for result in consult_selectors.round_results(round):
        shares = result["shares"]
        if result["total"]:
            detail = _(
                "Agree: %(agree)s%%, agree with changes: %(changes)s%%, disagree: %(disagree)s%%"
            ) % {
                "agree": _percent(shares[Verdict.AGREE]),
                "changes": _percent(shares[Verdict.AGREE_WITH_CHANGES]),
                "disagree": _percent(shares[Verdict.DISAGREE]),
            }
            share = shares[Verdict.AGREE]
        else:
            detail, share = _("No answers."), None
        rows.append(
            {"label": result["heading"], "value": result["total"], "share": share, "detail": detail}
        )
    return rows[: consult_services.MAX_EVIDENCE_ROWS]


def attach_round(*, case: Case, round: ValidationRound, by: AbstractBaseUser) -> CaseEvidence:
    """Attach a closed validation round's results to an accepted case (again: refresh
    them). ``by`` manages the repository and organises the round's process."""
    consultation = round.consultation
    _require_manager(by)
    _require_organiser(by, consultation.process)
    _require_accepted(case)
    if round.closed_at is None:
        raise ValidationError(
            _("Close the validation round first: its results are shown once it is closed."),
            code="round_open",
        )
    responses = ValidationAnswer.objects.filter(round=round).values("user_id").distinct().count()
    return _store(
        case=case,
        by=by,
        title=round.title,
        origin=consultation.title,
        url=reverse(
            "consult:round_results",
            args=[consultation.process.slug, consultation.slug, round.pk],
        ),
        source_key=round_key(round),
        results=round_rows(round),
        responses=responses,
        collected_at=round.closed_at,
    )


def attach_activity(*, case: Case, activity: Activity, by: AbstractBaseUser) -> CaseEvidence:
    """Attach a peer-learning activity's current results (a live activity of a session of
    a flagship-lab event, opened at least once) to an accepted case (again: refresh
    them). ``by`` manages the repository and facilitates the session."""
    session = activity.session
    event = session.event
    _require_manager(by)
    if not can_facilitate(by, session):
        raise PermissionDenied(_("Only this session's facilitators can do this."))
    _require_accepted(case)
    if event.kind != Event.Kind.FLAGSHIP_LAB:
        raise ValidationError(
            _(
                "Only a peer-learning session can be a case's evidence: that activity is "
                "from a %(kind)s, not a flagship lab."
            )
            % {"kind": event.get_kind_display()},
            code="not_flagship_lab",
        )
    if activity.status == Activity.Status.DRAFT:
        raise ValidationError(
            _("Open the activity first: it has no results yet."), code="no_results"
        )
    return _store(
        case=case,
        by=by,
        title=activity.title,
        origin=f"{event.title} · {session.title}",
        url=live_evidence.results_path(activity),
        source_key=live_evidence.source_key(activity),
        results=live_evidence.evidence_rows(activity),
        responses=get_kind(activity.kind).response_count(activity),
        collected_at=timezone.now(),
    )


def detach(*, evidence: CaseEvidence, by: AbstractBaseUser) -> None:
    """Remove a copy from the case (the live results stay where they are)."""
    _require_manager(by)
    evidence.delete()


def is_public_evidence(source_key: str) -> bool:
    """Whether results with this source key are evidence of an accepted case: then anyone
    may read them (registered with ``sessions.evidence.register_results_reader``)."""
    return CaseEvidence.objects.filter(
        source_key=source_key, case__status=Case.Status.ACCEPTED
    ).exists()


# --------------------------------------------------------------------------- selectors


def case_evidence(case: Case) -> list[CaseEvidence]:
    """The case's evidence, oldest attached first, with who attached it (one query)."""
    return list(
        CaseEvidence.objects.filter(case=case)
        .select_related("attached_by__profile")
        .order_by("attached_at", "id")
    )


def case_validations(case: Case) -> list[CaseValidation]:
    """The consultations made to validate the case, newest first, each with its process
    and its number of closed rounds (``closed_rounds``), in one query."""
    return list(
        CaseValidation.objects.filter(case=case)
        .select_related("consultation__process")
        .annotate(
            closed_rounds=Count(
                "consultation__rounds", filter=Q(consultation__rounds__closed_at__isnull=False)
            )
        )
        .order_by("-created_at", "-id")
    )


def validation_processes(user: User) -> list[Process]:
    """The processes ``user`` may put a case to validation in: those they organise."""
    return list(consult_selectors.organised_processes(user).order_by("title", "id")[:MAX_CHOICES])


def attachable_rounds(*, user: User, case: Case) -> list[ValidationRound]:
    """The closed validation rounds of consultations of the processes ``user`` organises:
    the case's own validation consultations' first (``of_case``), then newest closed
    first; at most ``MAX_CHOICES``, in one query."""
    if not user.is_authenticated or not user.is_active:
        return []
    of_case = CaseValidation.objects.filter(case=case, consultation_id=OuterRef("consultation_id"))
    return list(
        ValidationRound.objects.filter(
            closed_at__isnull=False,
            consultation__process__in=consult_selectors.organised_processes(user),
        )
        .select_related("consultation__process")
        .annotate(of_case=Exists(of_case))
        .order_by("-of_case", "-closed_at", "-id")[:MAX_CHOICES]
    )


def attachable_activities(*, user: User) -> list[Activity]:
    """The activities of flagship-lab sessions ``user`` facilitates that have been opened
    (not drafts), newest first; at most ``MAX_CHOICES``, in one query."""
    if not may_run_events(user):
        return []
    activities = Activity.objects.filter(session__event__kind=Event.Kind.FLAGSHIP_LAB).exclude(
        status=Activity.Status.DRAFT
    )
    if not user.is_superuser:
        activities = activities.filter(session__event__owner=user)
    return list(
        activities.select_related("session__event").order_by("-created_at", "-id")[:MAX_CHOICES]
    )


def facilitates_flagship_labs(user: User) -> bool:
    """Whether ``user`` facilitates a session of a flagship-lab event (to tell "none of
    your sessions has an opened activity" from "you run no flagship lab")."""
    if not may_run_events(user):
        return False
    events = Event.objects.filter(kind=Event.Kind.FLAGSHIP_LAB, sessions__isnull=False)
    if not user.is_superuser:
        events = events.filter(owner=user)
    return events.exists()


def attached_keys(case: Case) -> set[str]:
    return set(CaseEvidence.objects.filter(case=case).values_list("source_key", flat=True))
