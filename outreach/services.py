"""Writes for invitations: the texts, creating invitations, sending them (throttled,
through the outbox), reminders, and what an invitee does with their personal link.

Mail never leaves from a request. ``create_invitations`` and ``request_reminders`` only
write rows; ``send_due_invitations`` (run by each pass of the mail worker,
``manage.py notify_worker``, through ``settings.MAIL_WORKER_PASSES``) renders the due
ones and hands them to the outbox (``consult.mail``) in the same transaction that marks
them sent, so an invitation is mailed once, never twice, and a crash loses none."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult.models import Process
from consult.selectors import is_organiser
from consult.translations import (
    LANGUAGE_CODES,
    check_translation_language,
    column,
    current_language,
)
from people import services as people_services
from people.models import Person, PersonEmail
from people.text import storable_text
from people.vocabularies import StakeholderGroup
from sessions import services as session_services
from sessions.models import Participant, Session

from . import selectors
from .attendance import record_remote
from .models import Invitation, InvitationText
from .selectors import MAX_AUDIENCE, AudienceFilter, Target

PLACEHOLDERS = ("name", "link", "what")
MAX_SUBJECT = 200
MAX_BODY = 5000
# How often the "remind" action may ask again for the same invitation.
REMIND_AGAIN_AFTER = dt.timedelta(days=1)
THROTTLE_WINDOW = dt.timedelta(minutes=1)


class OutreachError(Exception):
    """A refused request, with a message for the person who made it."""


def _require_organiser(user: AbstractBaseUser, process: Process) -> None:
    if not is_organiser(user, process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def personal_link(invitation: Invitation) -> str:
    return _absolute(reverse("outreach:invitation", args=[invitation.token]))


def opt_out_link(invitation: Invitation) -> str:
    return _absolute(reverse("outreach:opt_out", args=[invitation.token]))


# --------------------------------------------------------------------------- texts


def default_text() -> tuple[str, str]:
    """The text used when the process has none of its own (in the active language)."""
    return (
        _("Invitation: {what}"),
        _(
            "Dear {name},\n\nYou are invited to {what}.\n\n"
            "Please tell us whether you can take part, here: {link}\n\nThank you."
        ),
    )


def check_placeholders(text: str, *, field: str, need_link: bool = False) -> str:
    """Refuse a text with a placeholder other than {name}, {link} and {what}, with a
    lone brace, or (``need_link``) without the personal link."""
    names = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(
            {
                field: _(
                    "A brace without its pair: placeholders are written {name}, {link} "
                    "or {what}; for a brace itself, write {{ or }}."
                )
            }
        ) from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            message = _("Unknown placeholder {%(name)s}. Use only {name}, {link} and {what}.")
            raise ValidationError({field: message % {"name": written}})
        names.add(name)
    if need_link and "link" not in names:
        raise ValidationError(
            {field: _("The text must contain {link}: the invitee's personal link.")}
        )
    return text


def _clean_text(subject: str, body: str, *, prefix: str) -> tuple[str, str]:
    subject = " ".join((subject or "").split())  # one line: no header injection
    body = (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not subject:
        errors[f"{prefix}subject"] = _("Write a subject.")
    elif len(subject) > MAX_SUBJECT:
        errors[f"{prefix}subject"] = _("Keep the subject under %(n)d characters.") % {
            "n": MAX_SUBJECT
        }
    if not body:
        errors[f"{prefix}body"] = _("Write the text of the invitation.")
    elif len(body) > MAX_BODY:
        errors[f"{prefix}body"] = _("Keep the text under %(n)d characters.") % {"n": MAX_BODY}
    for name, value, need_link in ((f"{prefix}subject", subject, False),
                                   (f"{prefix}body", body, True)):  # fmt: skip
        if name in errors or not storable_text(value):
            errors.setdefault(name, _("Null characters are not allowed."))
            continue
        try:
            check_placeholders(value, field=name, need_link=need_link)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return subject, body


def texts_of(process: Process) -> dict[str, InvitationText]:
    """The process's texts by stakeholder group ("" is the default)."""
    return {t.stakeholder_group: t for t in InvitationText.objects.filter(process=process)}


@transaction.atomic
def save_texts(
    *, process: Process, by: AbstractBaseUser, texts: dict[str, tuple[str, str]]
) -> dict[str, InvitationText]:
    """Replace the process's invitation texts: ``texts`` maps a stakeholder group ("" for
    the default) to (subject, body). The default needs both; a group whose subject and
    body are both empty has no override (its invitees get the default). All or nothing:
    one bad text saves none. Errors are keyed ``<group or "default">-subject/-body``."""
    _require_organiser(by, process)
    allowed = set(StakeholderGroup.values)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, tuple[str, str]] = {}
    for group, (subject, body) in texts.items():
        if group not in allowed:
            raise ValidationError(_("Unknown stakeholder group: %(g)s.") % {"g": group})
        prefix = f"{group or 'default'}-"
        if group and not (subject or "").strip() and not (body or "").strip():
            continue  # no override for this group
        try:
            cleaned[group] = _clean_text(subject, body, prefix=prefix)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if "" not in texts:
        errors.setdefault("default-subject", []).append(_("Write a subject."))
    if errors:
        raise ValidationError(errors)
    InvitationText.objects.filter(process=process).exclude(
        stakeholder_group__in=list(cleaned)
    ).delete()
    before = texts_of(process)
    for group, (subject, body) in cleaned.items():
        text = before.get(group) or InvitationText(
            process=process, stakeholder_group=group, language=current_language()
        )
        # A translation of a text that changed no longer says the same: it goes.
        for name, value in (("subject", subject), ("body", body)):
            if text.pk and getattr(text, name) != value:
                for code in LANGUAGE_CODES:
                    setattr(text, column(name, code), "")
            setattr(text, name, value)
        text.save()
    return texts_of(process)


@transaction.atomic
def translate_texts(
    *, process: Process, by: AbstractBaseUser, language: str, texts: dict[str, tuple[str, str]]
) -> dict[str, InvitationText]:
    """Store translations into ``language`` of the process's invitation texts:
    ``texts`` maps a stakeholder group ("" for the default) to (subject, body). A text
    is used in an invitee's language only with both its subject and its body
    translated; both empty removes the translation. Placeholders are checked as in
    the original. All or nothing; errors are keyed ``<group or "default">-...``."""
    _require_organiser(by, process)
    current = texts_of(process)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, tuple[str, str]] = {}
    for group, (subject, body) in texts.items():
        text = current.get(group)
        if text is None:
            raise ValidationError(_("Unknown stakeholder group: %(g)s.") % {"g": group})
        check_translation_language(language, source=text.language)
        if not (subject or "").strip() and not (body or "").strip():
            cleaned[group] = ("", "")
            continue
        try:
            cleaned[group] = _clean_text(subject, body, prefix=f"{group or 'default'}-")
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    for group, (subject, body) in cleaned.items():
        text = current[group]
        setattr(text, column("subject", language), subject)
        setattr(text, column("body", language), body)
        text.save(update_fields=[column("subject", language), column("body", language)])
    return texts_of(process)


def text_source(*, process: Process, group: str) -> str:
    """Which text an invitee of ``group`` gets: "group", "default" or "built-in"."""
    texts = texts_of(process)
    return "group" if group and group in texts else "default" if "" in texts else "built-in"


def text_for(*, process: Process, group: str, texts: dict | None = None) -> tuple[str, str]:
    """The (subject, body) an invitee of ``group`` gets: the group's own text, else the
    process's default, else the built-in one; in the active language where the text
    is translated into it."""
    texts = texts_of(process) if texts is None else texts
    chosen = texts.get(group) or texts.get("")
    if chosen is None:
        return default_text()
    language = current_language()
    subject = getattr(chosen, column("subject", language))
    body = getattr(chosen, column("body", language))
    if language != chosen.language and subject and body:
        return subject, body  # the invitee's language (render() runs in it)
    return chosen.subject, chosen.body


def fill(text: str, *, name: str, link: str, what: str) -> str:
    """A text with its placeholders filled (checked when saved; checked again here)."""
    check_placeholders(text, field="text")
    return text.format(name=name, link=link, what=what)


@dataclass(frozen=True)
class RenderedMail:
    to: str
    subject: str
    body: str
    opt_out: str


def render(
    *, invitation: Invitation, texts: dict | None = None, reminder: bool = False
) -> RenderedMail:
    """The mail of one invitation (or its reminder): the group's text filled in, with
    the personal link and, at the end, the opt-out link."""
    person = invitation.person
    subject, body = text_for(process=invitation.process, group=person.stakeholder_group,
                             texts=texts)  # fmt: skip
    link, opt_out = personal_link(invitation), opt_out_link(invitation)
    what = selectors.target_of(invitation).what
    subject = fill(subject, name=person.name, link=link, what=what)
    body = fill(body, name=person.name, link=link, what=what)
    if reminder:
        subject = _("Reminder: %(subject)s") % {"subject": subject}
    footer = _("You receive this because %(process)s lists you as a stakeholder.") % {
        "process": invitation.process.title
    }
    stop = _("No more invitations from us: %(link)s") % {"link": opt_out}
    return RenderedMail(
        to=selectors.usable_address(person),
        subject=subject[:300],
        body=f"{body}\n\n-- \n{footer}\n{stop}\n",
        opt_out=opt_out,
    )


def preview(
    *, process: Process, by: AbstractBaseUser, person: Person, target: Target
) -> RenderedMail:
    """The mail ``person`` would get for ``target``, without creating anything."""
    _require_organiser(by, process)
    example = Invitation(process=process, person=person, token="preview", **target.fields())  # noqa: S106
    return render(invitation=example)


# --------------------------------------------------------------------------- inviting


@dataclass(frozen=True)
class InviteResult:
    created: int
    already_invited: int
    do_not_contact: int
    no_email: int


def create_invitations(
    *, process: Process, by: AbstractBaseUser, target: Target, filters: AudienceFilter
) -> InviteResult:
    """Invite the audience the filters give to ``target``, in one transaction: all or
    nothing. People invited to it before are skipped (and counted); people who asked
    not to be contacted are never invited, and choosing one explicitly refuses the
    whole request. The mail goes out later, throttled (``send_due_invitations``)."""
    _require_organiser(by, process)
    if target.obj is None or selectors.target_from_value(process, target.value) is None:
        raise OutreachError(_("Choose something of this process to invite to."))
    if target.kind == "session" and target.obj.status == Session.Status.CLOSED:
        raise OutreachError(_("This session has ended."))
    with transaction.atomic():
        # One invitation run per process at a time: the counts and the rows agree.
        Process.objects.select_for_update().filter(pk=process.pk).first()
        found = selectors.audience(process=process, target=target, filters=filters)
        if found.chosen_do_not_contact:
            names = ", ".join(p.name for p in found.chosen_do_not_contact)
            raise OutreachError(
                _("%(names)s asked not to be contacted and cannot be invited.") % {"names": names}
            )
        if found.too_large:
            raise OutreachError(
                _("%(n)d people is more than %(max)d at once: narrow the filters.")
                % {"n": found.size, "max": MAX_AUDIENCE}
            )
        people = list(found.to_invite.values_list("pk", flat=True))
        Invitation.objects.bulk_create(
            Invitation(process=process, person_id=pk, created_by=by, **target.fields())
            for pk in people
        )
    return InviteResult(
        created=len(people),
        already_invited=found.already_invited,
        do_not_contact=found.do_not_contact,
        no_email=found.no_email,
    )


def mails_per_minute() -> int:
    return max(1, int(getattr(settings, "OUTREACH_MAILS_PER_MINUTE", 60)))


def send_due_invitations(*, limit: int | None = None, now: dt.datetime | None = None) -> int:
    """Queue the mail of invitations not yet sent and of reminders asked for, at most
    ``limit`` (default ``settings.OUTREACH_MAILS_PER_MINUTE``) per minute across all
    workers. Each goes to the outbox in the transaction that marks it sent (an
    invitation whose ``sent_at`` is set is never sent again). Invitees who opted out or
    have no working address get nothing (their rows wait, shown on the list). Rows are
    locked, so several workers may run. Returns the number of emails queued."""
    limit = mails_per_minute() if limit is None else limit
    now = now or timezone.now()
    since = now - THROTTLE_WINDOW
    with transaction.atomic():
        recent = Invitation.objects.filter(Q(sent_at__gt=since) | Q(reminded_at__gt=since))
        budget = limit - recent.count()
        if budget <= 0:
            return 0
        reachable = Q(person__do_not_contact=False) & Q(
            Exists(PersonEmail.objects.filter(person=OuterRef("person"), bounced_at=None))
        )
        due = (
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("process", "person", "event", "session__event", "consultation")
            .filter(reachable)
            .order_by("created_at", "id")
        )
        first = list(due.filter(sent_at=None)[:budget])
        reminders = (
            list(
                due.filter(reminder_due_at__isnull=False, sent_at__isnull=False)[
                    : budget - len(first)
                ]
            )
            if budget > len(first)
            else []
        )
        texts: dict[int, dict] = {}
        messages, sent_ids, reminded_ids, dropped_ids = [], [], [], []
        for invitation, reminder in [(i, False) for i in first] + [(i, True) for i in reminders]:
            if reminder and invitation.answer:
                dropped_ids.append(invitation.pk)  # answered meanwhile: no reminder
                continue
            process_texts = texts.setdefault(invitation.process_id, texts_of(invitation.process))
            with translation.override(_language_of(invitation.person)):
                mail = render(invitation=invitation, texts=process_texts, reminder=reminder)
            if not mail.to:
                continue
            messages.append(
                EmailMessage(
                    subject=mail.subject,
                    body=mail.body,
                    to=[mail.to],
                    headers={
                        "List-Unsubscribe": f"<{mail.opt_out}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            )
            (reminded_ids if reminder else sent_ids).append(invitation.pk)
        if messages:
            get_connection().send_messages(messages)  # the outbox, in this transaction
        Invitation.objects.filter(pk__in=sent_ids).update(sent_at=now)
        Invitation.objects.filter(pk__in=reminded_ids).update(
            reminded_at=now, reminders=F("reminders") + 1, reminder_due_at=None
        )
        Invitation.objects.filter(pk__in=dropped_ids).update(reminder_due_at=None)
    return len(messages)


def _language_of(person: Person) -> str:
    """The first of the person's languages the interface has ("zh" and "zh-cn" find
    Simplified Chinese), else the site's."""
    for language in person.languages or ():
        try:
            return translation.get_supported_language_variant(_variant(str(language)))
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _variant(language: str) -> str:
    """A directory language code as Django names the interface's languages."""
    code = language.strip().lower().replace("_", "-")
    return "zh-hans" if code in ("zh", "zh-cn", "zh-sg") else code


@transaction.atomic
def request_reminders(
    *, process: Process, by: AbstractBaseUser, target: Target | None = None,
    now: dt.datetime | None = None,
) -> int:  # fmt: skip
    """Ask for a reminder to everyone invited (to ``target``, or to anything of the
    process) whose invitation was sent and who has not answered, has not opted out and
    was not reminded in the last day. The worker sends them, throttled. Returns how many."""
    _require_organiser(by, process)
    now = now or timezone.now()
    qs = Invitation.objects.filter(
        process=process,
        answer=Invitation.Answer.NONE,
        sent_at__isnull=False,
        reminder_due_at__isnull=True,
        person__do_not_contact=False,
    ).exclude(reminded_at__gt=now - REMIND_AGAIN_AFTER)
    if target is not None:
        qs = qs.filter(**target.fields())
    return Invitation.objects.filter(pk__in=list(qs.values_list("pk", flat=True))).update(
        reminder_due_at=now
    )


# --------------------------------------------------------------------------- invitees


def answer_invitation(*, invitation: Invitation, answer: str) -> Invitation:
    """The invitee's answer (changeable until the target is over)."""
    allowed = {Invitation.Answer.IN_PERSON, Invitation.Answer.REMOTE, Invitation.Answer.DECLINED}
    if invitation.consultation_id:
        allowed = {Invitation.Answer.REMOTE, Invitation.Answer.DECLINED}
    if answer not in allowed:
        raise ValidationError({"answer": _("Choose one of the answers.")})
    invitation.answer = answer
    invitation.answered_at = timezone.now()
    invitation.reminder_due_at = None
    invitation.save(update_fields=["answer", "answered_at", "reminder_due_at"])
    return invitation


def opt_out(*, invitation: Invitation) -> Person:
    """The invitee asks for no more mail: "do not contact" at once, and no reminder or
    unsent invitation of theirs goes out afterwards (the sender checks the flag)."""
    with transaction.atomic():
        person = people_services.set_do_not_contact(person=invitation.person, value=True)
        Invitation.objects.filter(person=person).update(reminder_due_at=None)
    return person


PROFILE_FIELDS = ("stakeholder_group", "country", "sector", "gender")


def join_from_invitation(
    *,
    invitation: Invitation,
    display_name: str,
    stakeholder_group: str,
    country: str,
    sector: str,
    gender: str,
    organisation: str,
    correct_record: bool = False,
    user: AbstractBaseUser | None = None,
    address: str | None = None,
) -> Participant:
    """Join the invitation's live session as its person: a participant linked to the
    directory record, with the profile they confirmed (or corrected). With
    ``correct_record`` the corrections also go to the directory record. An invitee who
    had not answered counts as attending (in person, or remotely for a webinar).
    ``address``: the invitee's, counted against the participants one address may create
    in a session (sessions.join_limits; the code comes from the invitation, so no
    wrong-code limit)."""
    if invitation.session_id is None:
        raise OutreachError(_("This invitation is not to a live session."))
    profile = {
        "stakeholder_group": stakeholder_group,
        "country": country,
        "sector": sector,
        "gender": gender,
    }
    with transaction.atomic():
        participant = session_services.join_session(
            code=invitation.session.code,
            display_name=display_name,
            organisation=organisation,
            user=user,
            person=invitation.person,
            address=address,
            check_code_tries=False,
            **profile,
        )
        if correct_record:
            person = invitation.person
            changes = {k: v for k, v in profile.items() if str(getattr(person, k) or "") != v}
            if changes:
                people_services.update_person(person=person, **changes)
        if not invitation.answer or invitation.answer == Invitation.Answer.DECLINED:
            webinar = invitation.session.event.kind == invitation.session.event.Kind.WEBINAR
            answer_invitation(
                invitation=invitation,
                answer=Invitation.Answer.REMOTE if webinar else Invitation.Answer.IN_PERSON,
            )
        # Joining the live session from the invitation counts as attending (remote),
        # unless the person was already checked in at the door.
        record_remote(invitation=invitation)
    return participant


def link_invitee_account(*, invitation: Invitation, user: AbstractBaseUser) -> Person | None:
    """Link an account to the invitee's directory record, through the addresses the
    account has verified (never by name), and count a consultation invitee who came
    with it as taking part."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    with transaction.atomic():
        person = people_services.link_account(user=user, verified_emails=list(verified))
        if person is None or person.pk != invitation.person_id:
            return None
        if invitation.consultation_id and invitation.answer != Invitation.Answer.REMOTE:
            answer_invitation(invitation=invitation, answer=Invitation.Answer.REMOTE)
    return person
