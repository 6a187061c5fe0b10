"""Email notifications: queued by the services as things happen, turned into mail by
the worker (``manage.py notify_worker``) at once or as a daily digest, each with a link
to stop them. Requests never send mail themselves: ``send_due`` hands the messages to
the default email backend, the outbox (``consult.mail``), which the worker delivers in
the same pass."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Comment, Consultation, Follow, Notification, Profile
from .time_zone import profile_zone

UNSUBSCRIBE_SALT = "consult.unsubscribe"
CLOSING_NOTICE = dt.timedelta(hours=48)
DIGEST_EVERY = dt.timedelta(hours=24)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(user: AbstractBaseUser) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)


def user_from_unsubscribe_token(token: str):
    from django.contrib.auth import get_user_model

    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=data.get("u")).first()


def language_of(user: AbstractBaseUser) -> str:
    """The language a person's mail is written in: their profile's preferred language
    when the interface has it, else the site's."""
    profile = getattr(user, "profile", None)
    try:
        return translation.get_supported_language_variant(profile.language if profile else "")
    except LookupError:
        return settings.LANGUAGE_CODE


def wants_mail(user: AbstractBaseUser) -> bool:
    profile = getattr(user, "profile", None)
    return bool(
        user.is_active
        and user.email
        and (profile is None or profile.notify != Profile.Notify.NEVER)
    )


def queue(
    *, user: AbstractBaseUser, kind: str, subject: str, body: str, url: str, key: str = ""
) -> Notification | None:
    """Queue one notification (None if the person wants no mail or already had this one)."""
    if not wants_mail(user):
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, kind=kind, subject=subject[:200], body=body, url=url, key=key
            )
    except IntegrityError:  # this one-off notice was queued before
        return None


def input_link(process: str, slug: str, kind: str, input_id: int) -> str:
    """An input on the (paged) "you said, we did" page: the page holding it, at it."""
    url = reverse("consult:you_said_we_did", args=[process, slug])
    return f"{url}?input={kind}-{input_id}#input-{kind}-{input_id}"


def section_link(comment: Comment) -> str:
    consultation = comment.section.consultation
    return (
        reverse(
            "consult:section",
            args=[consultation.process.slug, consultation.slug, comment.section_id],
        )
        + f"#comment-{comment.pk}"
    )


def reply_posted(reply: Comment) -> None:
    parent = reply.parent
    if parent is None or parent.author_id == reply.author_id:
        return
    profile = getattr(reply.author, "profile", None)
    name = profile.display_name if profile else reply.author.get_username()
    consultation = reply.section.consultation
    with translation.override(language_of(parent.author)):
        subject = _("%(name)s replied to your comment on %(title)s") % {
            "name": name,
            "title": consultation.title,
        }
    queue(
        user=parent.author,
        kind=Notification.Kind.REPLY,
        subject=subject,
        body=reply.body,
        url=section_link(reply),
    )


def input_answered(*, author: AbstractBaseUser, consultation: Consultation, decision: Any,
                   response: str, url: str) -> None:  # fmt: skip
    with translation.override(language_of(author)):
        subject = _("Your input to %(title)s was answered: %(decision)s") % {
            "title": consultation.title,
            "decision": decision,
        }
    queue(
        user=author,
        kind=Notification.Kind.DISPOSITION,
        subject=subject,
        body=response,
        url=url,
    )


def consultation_opened(consultation: Consultation) -> None:
    url = reverse("consult:consultation", args=[consultation.process.slug, consultation.slug])
    for follow in Follow.objects.filter(consultation=consultation).select_related("user__profile"):
        with translation.override(language_of(follow.user)):
            subject = _("%(title)s is open for comments") % {"title": consultation.title}
        queue(
            user=follow.user,
            kind=Notification.Kind.OPENED,
            subject=subject,
            body=consultation.summary,
            url=url,
            key=f"opened:{consultation.pk}:{consultation.closes_at:%Y%m%d%H%M}",
        )


def queue_closing_notices(now: dt.datetime | None = None) -> int:
    """Tell followers once when an open consultation closes within CLOSING_NOTICE."""
    now = now or timezone.now()
    count = 0
    soon = Consultation.objects.filter(
        status=Consultation.Status.OPEN, closes_at__gt=now, closes_at__lte=now + CLOSING_NOTICE
    )
    for consultation in soon:
        url = reverse("consult:consultation", args=[consultation.process.slug, consultation.slug])
        for follow in Follow.objects.filter(consultation=consultation).select_related(
            "user__profile"
        ):
            # In the recipient's language and time zone (their profile's, else UTC).
            zone = profile_zone(follow.user) or "UTC"
            with translation.override(language_of(follow.user)):
                subject = _("%(title)s closes soon") % {"title": consultation.title}
                closes = timezone.localtime(consultation.closes_at, zoneinfo.ZoneInfo(zone))
                body = _("Comments close on %(when)s (%(zone)s).") % {
                    "when": date_format(closes, "DATETIME_FORMAT"),
                    "zone": zone,
                }
            made = queue(
                user=follow.user,
                kind=Notification.Kind.CLOSING,
                subject=subject,
                body=body,
                url=url,
                key=f"closing:{consultation.pk}:{consultation.closes_at:%Y%m%d%H%M}",
            )
            count += made is not None
    return count


# --------------------------------------------------------------------------- sending


def _message(user, subject: str, text: str) -> EmailMessage:
    link = _absolute(reverse("consult:unsubscribe", args=[unsubscribe_token(user)]))
    with translation.override(language_of(user)):
        stop = _("Stop these emails: %(link)s") % {"link": link}
    body = text + "\n\n-- \n" + stop
    return EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _render(notification: Notification) -> str:
    return f"{notification.body}\n\n{_absolute(notification.url)}"


def send_due(now: dt.datetime | None = None) -> int:
    """Mail what is due: every pending notification of people who chose immediate mail,
    and a digest for people who chose daily mail and had none for a day. The messages go
    to the default email backend (the outbox, in the same transaction as marking the
    notifications sent, so none is mailed twice or lost). Returns the number of emails
    handed over. Safe to run from several workers: rows are locked."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at=None)
            .select_related("user__profile")
            .order_by("created_at", "id")
        )
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for notification in pending:
            by_user[notification.user_id].append(notification)
        messages, done = [], []
        for items in by_user.values():
            user = items[0].user
            if not wants_mail(user):
                done.extend(items)  # they stopped mail meanwhile: drop, do not send later
                continue
            profile = getattr(user, "profile", None)
            mode = profile.notify if profile else Profile.Notify.IMMEDIATE
            if mode == Profile.Notify.DAILY:
                last = profile.last_digest_at
                if last is not None and now - last < DIGEST_EVERY:
                    continue
                lines = [f"* {n.subject}\n  {_render(n)}" for n in items]
                with translation.override(language_of(user)):
                    title = _("Your daily digest: %(n)d updates") % {"n": len(items)}
                messages.append(_message(user, title, "\n\n".join(lines)))
                profile.last_digest_at = now
                profile.save(update_fields=["last_digest_at"])
            else:
                messages.extend(_message(user, n.subject, _render(n)) for n in items)
            done.extend(items)
        if messages:
            connection = get_connection()
            sent = connection.send_messages(messages) or 0
        Notification.objects.filter(pk__in=[n.pk for n in done]).update(sent_at=now)
    return sent
