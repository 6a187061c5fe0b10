"""Writes for consultations: drafts and versions, comments, moderation, validation
rounds and dispositions. Pages, the API and commands all call these.

Refusals raise ``PermissionDenied`` (who may not do this) or ``ValidationError`` (what
is wrong with the input, with a code), and leave the database as it was.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from people.text import storable_text

from . import notifications
from .models import (
    Comment,
    Consultation,
    Disposition,
    Evidence,
    Follow,
    ModerationEntry,
    Notification,
    Process,
    Profile,
    Reaction,
    Report,
    Section,
    SectionText,
    SectionType,
    ValidationAnswer,
    ValidationRound,
    Verdict,
    Version,
)
from .selectors import (
    can_comment,
    is_moderator,
    is_organiser,
    latest_version,
    version_sections,
)
from .translations import (
    LANGUAGE_CODES,
    check_translation_language,
    column,
    current_language,
    supported,
)

MAX_COMMENT_LENGTH = 5000
MAX_SECTION_LENGTH = 50_000
MAX_REASON_LENGTH = 2000
MAX_REPLY_DEPTH = 3  # a comment, a reply, a reply to it, and one more level
COMMENT_RATE = (10, dt.timedelta(minutes=10))  # at most 10 comments per 10 minutes
HORIZONS = (2030, 2040, 2050)
ACTORS = ("policy", "industry", "civil_society")

STATUS_FLOW = {
    Consultation.Status.DRAFT: {Consultation.Status.OPEN},
    Consultation.Status.OPEN: {Consultation.Status.CLOSED},
    Consultation.Status.CLOSED: {Consultation.Status.OPEN, Consultation.Status.PUBLISHED},
    Consultation.Status.PUBLISHED: set(),
}


def _require_organiser(user: AbstractBaseUser, process: Process) -> None:
    if not is_organiser(user, process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))


def _require_moderator(user: AbstractBaseUser, process: Process) -> None:
    if not is_moderator(user, process):
        raise PermissionDenied(_("Only moderators can do this."))


def _clean_text(text: Any, *, field: str, limit: int, empty_message: str) -> str:
    text = str(text or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(empty_message, code="empty")})
    if len(text) > limit:
        message = _("Keep it under %(n)d characters.") % {"n": limit}
        raise ValidationError({field: ValidationError(message, code="too_long")})
    if not storable_text(text):  # refused rather than failing in the database
        message = _("Null characters are not allowed.")
        raise ValidationError({field: ValidationError(message, code="null_character")})
    return text


# --------------------------------------------------------------------------- people


def create_profile(
    *,
    user: AbstractBaseUser,
    display_name: str,
    accepted_terms: bool,
    organisation: str = "",
    stakeholder_group: str = "",
    country: str = "",
    sector: str = "",
) -> Profile:
    """The profile made at sign-up, with the time the person accepted the terms."""
    if not accepted_terms:
        raise ValidationError(
            {"accept_terms": _("Accept the terms of use and privacy notice to register.")}
        )
    profile = Profile(
        user=user,
        display_name=display_name.strip(),
        organisation=organisation.strip(),
        stakeholder_group=stakeholder_group,
        country=country,
        sector=sector,
        consented_at=timezone.now(),
        terms_version=settings.TERMS_VERSION,
    )
    profile.full_clean(exclude=["user"])
    profile.save()
    return profile


# --------------------------------------------------------------------------- consultations


def create_consultation(
    *,
    process: Process,
    by: AbstractBaseUser,
    title: str,
    slug: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    summary: str = "",
    time_zone: str = "UTC",
    is_public: bool = True,
    language: str | None = None,
) -> Consultation:
    """``language``: what the title, summary and sections are written in (the active
    interface language by default); translations come later (``translate_consultation``)."""
    _require_organiser(by, process)
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    if timezone.is_naive(opens_at) or timezone.is_naive(closes_at):
        raise ValidationError(_("Give times with their time zone."))
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The consultation must close after it opens.")})
    consultation = Consultation(
        process=process,
        title=title.strip(),
        slug=slug,
        summary=summary,
        opens_at=opens_at,
        closes_at=closes_at,
        time_zone=time_zone,
        is_public=is_public,
        language=supported(language) or current_language(),
    )
    consultation.full_clean()
    consultation.save()
    return consultation


def set_status(*, consultation: Consultation, by: AbstractBaseUser, status: str) -> Consultation:
    _require_organiser(by, consultation.process)
    if status not in STATUS_FLOW.get(consultation.status, set()):
        labels = dict(Consultation.Status.choices)
        raise ValidationError(
            _("A consultation cannot go from “%(a)s” to “%(b)s”.")
            % {
                "a": labels.get(consultation.status, consultation.status),
                "b": labels.get(status) or _("an unknown status"),
            },
            code="invalid_transition",
        )
    if status == Consultation.Status.OPEN and not consultation.versions.exists():
        raise ValidationError(_("Publish a version of the draft first."), code="no_version")
    with transaction.atomic():
        consultation.status = status
        consultation.save(update_fields=["status"])
        if status == Consultation.Status.OPEN:
            notifications.consultation_opened(consultation)
    return consultation


def _clean_section(raw: dict[str, Any], index: int) -> dict[str, Any]:
    where = _("Section %(n)d") % {"n": index + 1}
    kind = raw.get("type", SectionType.CONTEXT)
    if kind not in SectionType.values:
        raise ValidationError(f"{where}: " + _("unknown section type."), code="invalid")
    heading = str(raw.get("heading") or "").strip()
    if not heading or len(heading) > 200:
        raise ValidationError(
            f"{where}: " + _("give a heading of at most 200 characters."), code="invalid"
        )
    body = str(raw.get("body") or "")
    if len(body) > MAX_SECTION_LENGTH:
        raise ValidationError(f"{where}: " + _("the text is too long."), code="too_long")
    horizon = raw.get("horizon")
    if kind == SectionType.MILESTONE:
        if horizon not in HORIZONS:
            raise ValidationError(
                f"{where}: " + _("a milestone needs a horizon: 2030, 2040 or 2050."),
                code="invalid",
            )
    else:
        horizon = None
    actor = raw.get("actor") or ""
    if kind == SectionType.ACTION:
        if actor not in ACTORS:
            raise ValidationError(f"{where}: " + _("an action needs an actor group."))
    else:
        actor = ""
    return {"type": kind, "heading": heading, "body": body, "horizon": horizon, "actor": actor}


def publish_version(
    *,
    consultation: Consultation,
    by: AbstractBaseUser,
    title: str,
    sections: list[dict[str, Any]],
    change_note: str = "",
) -> Version:
    """A new version of the draft. Each section dict has ``type``, ``heading``,
    ``body`` (Markdown), ``horizon``/``actor`` where they apply, and ``section`` (the
    id of an existing section it continues, or None for a new one)."""
    _require_organiser(by, consultation.process)
    if consultation.status == Consultation.Status.PUBLISHED:
        raise ValidationError(_("The outcome is published; the draft is final."), code="final")
    if not sections:
        raise ValidationError(_("A version needs at least one section."), code="empty")
    cleaned = [_clean_section(raw, i) for i, raw in enumerate(sections)]
    continued = [raw.get("section") for raw in sections if raw.get("section") is not None]
    if len(set(continued)) != len(continued):
        raise ValidationError(_("A section appears twice."), code="duplicate")
    known = set(
        Section.objects.filter(consultation=consultation, pk__in=continued).values_list(
            "pk", flat=True
        )
    )
    if known != set(continued):
        raise ValidationError(_("A section belongs to another consultation."), code="invalid")
    with transaction.atomic():
        last = (
            Version.objects.select_for_update()
            .filter(consultation=consultation)
            .aggregate(m=Max("number"))["m"]
        )
        version = Version.objects.create(
            consultation=consultation,
            number=(last or 0) + 1,
            title=title.strip() or _("Version %(n)d") % {"n": (last or 0) + 1},
            change_note=change_note,
            created_by=by,
        )
        before = {
            text.section_id: text
            for text in SectionText.objects.filter(version__consultation=consultation).filter(
                version__number=last or 0
            )
        }
        texts = []
        for position, (raw, clean) in enumerate(zip(sections, cleaned, strict=True)):
            section_id = raw.get("section")
            if section_id is None:
                section_id = Section.objects.create(consultation=consultation).pk
            text = SectionText(
                version=version,
                section_id=section_id,
                position=position,
                language=consultation.language,
                **clean,
            )
            _keep_translations(text, before.get(section_id))
            texts.append(text)
        SectionText.objects.bulk_create(texts)
    return version


def _keep_translations(text: SectionText, previous: SectionText | None) -> None:
    """A heading or body unchanged since the previous version keeps its translations."""
    if previous is None or previous.language != text.language:
        return
    for name in ("heading", "body"):
        if getattr(previous, name) == getattr(text, name):
            for code in LANGUAGE_CODES:
                setattr(text, column(name, code), getattr(previous, column(name, code)))


def translate_consultation(
    *,
    consultation: Consultation,
    by: AbstractBaseUser,
    language: str,
    title: str,
    summary: str,
    sections: dict[int, tuple[str, str]],
) -> Consultation:
    """Store the translation into ``language`` of the consultation's title, summary and
    the texts of its latest version (``sections``: section text id -> (heading, body)).
    An empty translation removes it: readers then see the original, marked. All or
    nothing: one bad text saves none."""
    _require_organiser(by, consultation.process)
    check_translation_language(language, source=consultation.language)
    version = latest_version(consultation)
    texts = {t.pk: t for t in (version_sections(version) if version else [])}
    unknown = set(sections) - set(texts)
    if unknown:
        raise ValidationError(_("A section belongs to another version."), code="invalid")
    title = " ".join(str(title or "").split())
    errors: dict[str, list[str]] = {}
    if len(title) > 200:
        errors.setdefault("title", []).append(_("Keep the title under 200 characters."))
    summary = str(summary or "").strip()
    if len(summary) > MAX_SECTION_LENGTH:
        errors.setdefault("summary", []).append(_("The text is too long."))
    cleaned: dict[int, tuple[str, str]] = {}
    for pk, (heading, body) in sections.items():
        heading = " ".join(str(heading or "").split())
        body = str(body or "").strip()
        if len(heading) > 200:
            errors.setdefault(f"heading-{pk}", []).append(
                _("Keep the heading under 200 characters.")
            )
        if len(body) > MAX_SECTION_LENGTH:
            errors.setdefault(f"body-{pk}", []).append(_("The text is too long."))
        cleaned[pk] = (heading, body)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        setattr(consultation, column("title", language), title)
        setattr(consultation, column("summary", language), summary)
        consultation.save(update_fields=[column("title", language), column("summary", language)])
        for pk, (heading, body) in cleaned.items():
            text = texts[pk]
            setattr(text, column("heading", language), heading)
            setattr(text, column("body", language), body)
            text.save(update_fields=[column("heading", language), column("body", language)])
    return consultation


# --------------------------------------------------------------------------- comments


def add_comment(
    *, section: Section, author: AbstractBaseUser, body: str, parent: Comment | None = None
) -> Comment:
    consultation = section.consultation
    if not can_comment(author, consultation):
        raise PermissionDenied(_("This consultation is not open for comments."))
    body = _clean_text(
        body, field="body", limit=MAX_COMMENT_LENGTH, empty_message=_("Write a comment.")
    )
    depth = 0
    if parent is not None:
        if parent.section_id != section.pk:
            raise ValidationError(_("Reply in the same section."), code="invalid")
        if parent.depth >= MAX_REPLY_DEPTH:
            raise ValidationError(_("This thread is as deep as it goes."), code="too_deep")
        depth = parent.depth + 1
    limit, window = COMMENT_RATE
    recent = Comment.objects.filter(author=author, created_at__gte=timezone.now() - window).count()
    if recent >= limit:
        raise ValidationError(
            _("You have written %(n)d comments in a short time; wait a few minutes.")
            % {"n": limit},
            code="rate_limited",
        )
    version = latest_version(consultation)
    with transaction.atomic():
        comment = Comment.objects.create(
            section=section,
            version=version,
            parent=parent,
            depth=depth,
            author=author,
            body=body,
            language=current_language(),  # the author's interface language
        )
        Follow.objects.get_or_create(user=author, consultation=consultation)
        notifications.reply_posted(comment)
    return comment


def _own_live_comment(comment: Comment, user: AbstractBaseUser) -> None:
    if comment.author_id != user.pk:
        raise PermissionDenied(_("You can only change your own comments."))
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise ValidationError(_("This comment can no longer be changed."), code="gone")
    if not can_comment(user, comment.section.consultation):
        raise PermissionDenied(_("This consultation is not open for comments."))


def edit_comment(*, comment: Comment, by: AbstractBaseUser, body: str) -> Comment:
    _own_live_comment(comment, by)
    comment.body = _clean_text(
        body, field="body", limit=MAX_COMMENT_LENGTH, empty_message=_("Write a comment.")
    )
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


def delete_comment(*, comment: Comment, by: AbstractBaseUser) -> Comment:
    """The text goes; the comment stays as a placeholder so replies keep their place."""
    _own_live_comment(comment, by)
    comment.body = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "deleted_at"])
    return comment


def toggle_reaction(*, comment: Comment, user: AbstractBaseUser, kind: str) -> bool:
    """Add the reaction, or take it back if it was there; True if it is there now."""
    if kind not in Reaction.Kind.values:
        raise ValidationError(_("Unknown reaction."), code="invalid")
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to react."))
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise ValidationError(_("This comment can no longer be reacted to."), code="gone")
    deleted, _count = Reaction.objects.filter(comment=comment, user=user, kind=kind).delete()
    if deleted:
        return False
    Reaction.objects.get_or_create(comment=comment, user=user, kind=kind)
    return True


def report_comment(*, comment: Comment, reporter: AbstractBaseUser, reason: str) -> Report:
    """One report per person per comment (an account is needed: anonymous reports could
    be repeated without end); a second one is refused and changes nothing."""
    if not reporter.is_authenticated:
        raise PermissionDenied(_("Log in to report a comment."))
    reason = _clean_text(
        reason, field="reason", limit=300, empty_message=_("Say what is wrong with it.")
    )
    with transaction.atomic():
        report, created = Report.objects.get_or_create(
            comment=comment, reporter=reporter, defaults={"reason": reason}
        )
    if not created:
        raise ValidationError(
            _("You have already reported this comment. A moderator will look at it."),
            code="already_reported",
        )
    return report


def hide_comment(*, comment: Comment, by: AbstractBaseUser, reason: str) -> Comment:
    consultation = comment.section.consultation
    _require_moderator(by, consultation.process)
    reason = _clean_text(
        reason, field="reason", limit=300, empty_message=_("Say why it is hidden.")
    )
    if comment.hidden_at is not None:
        raise ValidationError(_("This comment is hidden already."), code="already")
    with transaction.atomic():
        comment.hidden_at = timezone.now()
        comment.hidden_reason = reason
        comment.save(update_fields=["hidden_at", "hidden_reason"])
        ModerationEntry.objects.create(
            consultation=consultation,
            comment=comment,
            action=ModerationEntry.Action.HIDDEN,
            reason=reason,
            moderator=by,
        )
        comment.reports.filter(resolved_at=None).update(resolved_at=comment.hidden_at)
    return comment


def restore_comment(*, comment: Comment, by: AbstractBaseUser, reason: str) -> Comment:
    consultation = comment.section.consultation
    _require_moderator(by, consultation.process)
    reason = _clean_text(
        reason, field="reason", limit=300, empty_message=_("Say why it is restored.")
    )
    if comment.hidden_at is None:
        raise ValidationError(_("This comment is not hidden."), code="already")
    with transaction.atomic():
        comment.hidden_at = None
        comment.hidden_reason = ""
        comment.save(update_fields=["hidden_at", "hidden_reason"])
        ModerationEntry.objects.create(
            consultation=consultation,
            comment=comment,
            action=ModerationEntry.Action.RESTORED,
            reason=reason,
            moderator=by,
        )
    return comment


# --------------------------------------------------------------------------- validation


def open_round(
    *, consultation: Consultation, by: AbstractBaseUser, version: Version, title: str = ""
) -> ValidationRound:
    _require_organiser(by, consultation.process)
    if version.consultation_id != consultation.pk:
        raise ValidationError(_("That version belongs to another consultation."), code="invalid")
    if consultation.status != Consultation.Status.OPEN:
        raise ValidationError(_("Open the consultation first."), code="not_open")
    if consultation.rounds.filter(closed_at=None).exists():
        raise ValidationError(_("Close the running round first."), code="round_running")
    return ValidationRound.objects.create(
        consultation=consultation,
        version=version,
        title=" ".join(str(title or "").split())
        or Truncator(_("Validation of %(v)s") % {"v": version.title}).chars(200),
    )


def close_round(*, round: ValidationRound, by: AbstractBaseUser) -> ValidationRound:
    _require_organiser(by, round.consultation.process)
    if round.closed_at is None:
        round.closed_at = timezone.now()
        round.save(update_fields=["closed_at"])
    return round


def answer_section(
    *,
    round: ValidationRound,
    section: Section,
    user: AbstractBaseUser,
    verdict: str,
    reason: str = "",
) -> ValidationAnswer:
    """This person's answer on one section in one round; a second answer replaces it."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to take part in the validation."))
    if not round.is_open or round.consultation.status != Consultation.Status.OPEN:
        raise ValidationError(_("This validation round is closed."), code="closed")
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose agree, agree with changes or disagree.")})
    if not SectionText.objects.filter(version=round.version, section=section).exists():
        raise ValidationError(_("That section is not in the version under validation."))
    reason = str(reason or "").strip()
    if not storable_text(reason):
        message = _("Null characters are not allowed.")
        raise ValidationError({"reason": ValidationError(message, code="null_character")})
    if verdict != Verdict.AGREE and not reason:
        message = _("Say what should change, or why you disagree.")
        raise ValidationError({"reason": ValidationError(message, code="reason_required")})
    if len(reason) > MAX_REASON_LENGTH:
        message = _("Keep it under %(n)d characters.") % {"n": MAX_REASON_LENGTH}
        raise ValidationError({"reason": ValidationError(message, code="too_long")})
    # The reason is written in the author's interface language; an answer given again
    # keeps the recorded language unless its reason was rewritten.
    language = current_language()
    with transaction.atomic():
        answer = (
            ValidationAnswer.objects.select_for_update()
            .filter(round=round, section=section, user=user)
            .first()
        )
        if answer is None:
            answer, _created = ValidationAnswer.objects.update_or_create(
                round=round,
                section=section,
                user=user,
                defaults={"verdict": verdict, "reason": reason},
                create_defaults={"verdict": verdict, "reason": reason, "language": language},
            )
            return answer
        if answer.reason != reason or not answer.language:
            answer.language = language
        answer.verdict, answer.reason = verdict, reason
        answer.save(update_fields=["verdict", "reason", "language", "updated_at"])
    return answer


# --------------------------------------------------------------------------- dispositions


def set_disposition(
    *,
    by: AbstractBaseUser,
    decision: str,
    response: str,
    comment: Comment | None = None,
    answer: ValidationAnswer | None = None,
    addressed_in: SectionText | None = None,
) -> Disposition:
    """The organisers' answer to a comment or a validation reason (replacing any earlier)."""
    if (comment is None) == (answer is None):
        raise ValidationError(_("Answer one comment or one validation reason."))
    consultation = (
        comment.section.consultation if comment is not None else answer.round.consultation
    )
    _require_organiser(by, consultation.process)
    if decision not in Disposition.Decision.values:
        raise ValidationError({"decision": _("Choose a decision.")})
    response = _clean_text(
        response, field="response", limit=2000, empty_message=_("Write a short answer.")
    )
    if answer is not None and not answer.reason:
        raise ValidationError(_("An agreement without a reason needs no answer."))
    if addressed_in is not None and addressed_in.version.consultation_id != consultation.pk:
        raise ValidationError(_("That section belongs to another consultation."))
    key = {"comment": comment} if comment is not None else {"answer": answer}
    with transaction.atomic():
        disposition, _created = Disposition.objects.update_or_create(
            **key,
            defaults={
                "decision": decision,
                "response": response,
                "addressed_in": addressed_in,
                "decided_by": by,
            },
        )
        args = [consultation.process.slug, consultation.slug]
        if comment is not None:
            url = notifications.section_link(comment)
        else:
            url = notifications.input_link(*args, "validation", answer.pk)
        notifications.input_answered(
            author=comment.author if comment is not None else answer.user,
            consultation=consultation,
            # The label, translated in the recipient's language (lazy until then).
            decision=Disposition.Decision(disposition.decision).label,
            response=response,
            url=url,
        )
    return disposition


def follow(*, consultation: Consultation, user: AbstractBaseUser, on: bool = True) -> bool:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to follow a consultation."))
    if on:
        Follow.objects.get_or_create(user=user, consultation=consultation)
    else:
        Follow.objects.filter(user=user, consultation=consultation).delete()
    return on


def unsubscribe(*, user: AbstractBaseUser) -> None:
    """Stop every email to this person (they can choose again in their profile)."""
    Profile.objects.filter(user=user).update(notify=Profile.Notify.NEVER)
    Notification.objects.filter(user=user, sent_at=None).delete()


# --------------------------------------------------------------------------- evidence

MAX_EVIDENCE_ROWS = 200
MAX_EVIDENCE_TEXT = 1000  # a row's label or detail (a Q&A question can be this long)


def _evidence_url(url: Any) -> str:
    """A link back: a path on this site or an http(s) address, never another scheme."""
    url = str(url or "").strip()
    if url.startswith("/"):
        valid = not url.startswith("//") and "\\" not in url
    else:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            valid = False
        else:
            valid = True
    if not valid or len(url) > 500:
        raise ValidationError({"url": _("The link back must be an address on the web.")})
    return url


def _evidence_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def clean_evidence_rows(rows: Any) -> list[dict[str, Any]]:
    """Each row as ``{"label": str, "value": str or number, "share": percent or None,
    "detail": str}``; anything else is refused."""
    invalid = ValidationError(
        {"results": _("The results must be a list of labelled figures.")}, code="invalid"
    )
    if not isinstance(rows, list | tuple):
        raise invalid
    if len(rows) > MAX_EVIDENCE_ROWS:
        raise ValidationError(
            {"results": _("Attach at most %(n)d figures.") % {"n": MAX_EVIDENCE_ROWS}},
            code="too_many",
        )
    clean = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("label"), str):
            raise invalid
        label = " ".join(row["label"].split())
        detail = row.get("detail") or ""
        value, share = row.get("value"), row.get("share")
        if (
            not label
            or len(label) > MAX_EVIDENCE_TEXT
            or not isinstance(detail, str)
            or len(detail) > MAX_EVIDENCE_TEXT
            or not (_evidence_number(value) or (isinstance(value, str) and len(value) <= 200))
            or not (share is None or (_evidence_number(share) and 0 <= share <= 100))
        ):
            raise invalid
        clean.append({"label": label, "value": value, "share": share, "detail": detail.strip()})
    return clean


def attach_evidence(
    *,
    section: Section,
    by: AbstractBaseUser,
    title: str,
    origin: str,
    url: str,
    source_key: str,
    results: list[dict[str, Any]],
    responses: int,
    collected_at: dt.datetime,
) -> Evidence:
    """A frozen copy of results from elsewhere (a live activity) attached to a section,
    with a link back. The same ``source_key`` attached again refreshes the copy."""
    consultation = section.consultation
    _require_organiser(by, consultation.process)
    if consultation.status == Consultation.Status.PUBLISHED:
        raise ValidationError(_("The outcome is published; the draft is final."), code="final")
    title = _clean_text(title, field="title", limit=300, empty_message=_("Give it a title."))
    origin = " ".join(str(origin or "").split())
    if len(origin) > 300:
        raise ValidationError({"origin": _("Keep it under %(n)d characters.") % {"n": 300}})
    source_key = str(source_key or "").strip()
    if not source_key or len(source_key) > 100:
        raise ValidationError({"source_key": _("Name where the results come from.")})
    if not isinstance(responses, int) or isinstance(responses, bool) or responses < 0:
        raise ValidationError({"responses": _("Give the number of responses.")})
    if not isinstance(collected_at, dt.datetime) or timezone.is_naive(collected_at):
        raise ValidationError({"collected_at": _("Give times with their time zone.")})
    values = {
        "title": title,
        "origin": origin,
        "url": _evidence_url(url),
        "results": clean_evidence_rows(results),
        "responses": responses,
        "collected_at": collected_at,
        "attached_by": by,
        "attached_at": timezone.now(),
    }
    with transaction.atomic():
        evidence, _created = Evidence.objects.update_or_create(
            section=section, source_key=source_key, defaults=values
        )
    return evidence


def detach_evidence(*, evidence: Evidence, by: AbstractBaseUser) -> None:
    consultation = evidence.section.consultation
    _require_organiser(by, consultation.process)
    if consultation.status == Consultation.Status.PUBLISHED:
        raise ValidationError(_("The outcome is published; the draft is final."), code="final")
    evidence.delete()


def set_preferred_language(*, user: AbstractBaseUser, language: str) -> bool:
    """Store a signed-in person's interface language (one of ``settings.LANGUAGES``) in
    their profile, if they have one; False, changing nothing, for any other value."""
    if language not in dict(settings.LANGUAGES):
        return False
    Profile.objects.filter(user=user).update(language=language)
    return True
