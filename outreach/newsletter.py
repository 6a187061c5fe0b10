"""The newsletter: sign-up with double opt-in, unsubscribe, and mailings to the
subscribers (services and selectors; the pages are in ``newsletter_views``).

- **Sign-up** (``sign_up``) needs no account and never tells whether an address is
  known: the page is the same for a new, a pending and a subscribed address. A new or
  pending address (or one that unsubscribed) gets a mail with the confirmation link;
  a subscribed one gets a short "you are already subscribed" mail with its
  unsubscribe link, so that only the owner of the address learns its state. Either
  mail goes out at most once per ``RESEND_AFTER`` per address (a form sent again and
  again mails nobody again and again), and each client address may sign up at most
  ``signups_per_hour()`` times an hour (``SignupLimited``).
- **Confirming** (``confirm``) records ``confirmed_at`` and puts the subscriber in the
  stakeholder directory with their consent: the record holding the address is linked
  (a record "listed" by an organiser now holds on consent, with the date and the text
  version; one held on consent stays as it was), or a new record is made on consent.
  Confirming again changes nothing.
- **Unsubscribing** (``unsubscribe``) records ``unsubscribed_at``; the record stays in
  the directory (with its consent) and a later sign-up may subscribe again.
- **Mailings** (``send_mailing``): one mail per subscriber is written to the outbox
  (``consult.mail``) in one transaction that marks the mailing sent; the mail worker
  delivers them. A mailing is sent once. Every newsletter mail carries the subscriber's
  unsubscribe link, and a ``List-Unsubscribe`` header (one-click, RFC 8058).

Mail never leaves from a request: the queued backend only writes outbox rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.markdown import render_markdown
from people import services as people_services
from people.models import Person, PersonEmail
from people.selectors import can_manage_directory
from people.text import storable_text
from sessions.join_limits import counted_as

from .models import Mailing, Subscription

# The text a subscriber agrees to, and its version (recorded with the consent). A new
# wording needs a new version.
CONSENT_TEXT_VERSION = "newsletter-2026-1"
CONSENT_TEXT = gettext_lazy(
    "I agree to receive the newsletter by email and to be listed in the stakeholder "
    "directory of this platform with my name and address, so that the organisers can "
    "keep me informed. I can unsubscribe with the link in every newsletter and see, "
    "download or erase what is held about me at any time."
)
RESEND_AFTER = dt.timedelta(minutes=10)
MAX_NAME = 120
MAX_SUBJECT = 200
MAX_BODY = 20000
SOURCE = "Newsletter sign-up"


class NewsletterError(Exception):
    """A refused request, with a message for the person who made it."""


class SignupLimited(NewsletterError):
    """Too many sign-ups from one client address in the current hour."""


def consent_text_version() -> str:
    return getattr(settings, "NEWSLETTER_CONSENT_TEXT_VERSION", CONSENT_TEXT_VERSION)


def signups_per_hour() -> int:
    """Sign-ups one client address may send per hour (0: no limit)."""
    return int(getattr(settings, "NEWSLETTER_SIGNUPS_PER_HOUR", 20))


def languages() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES]


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def confirm_link(subscription: Subscription) -> str:
    return _absolute(reverse("newsletter:confirm", args=[subscription.token]))


def unsubscribe_link(subscription: Subscription) -> str:
    return _absolute(reverse("newsletter:unsubscribe", args=[subscription.token]))


# --------------------------------------------------------------------------- selectors


def subscription_by_token(token: str) -> Subscription | None:
    if not token or len(token) > 64:
        return None
    return Subscription.objects.filter(token=token).select_related("person").first()


def subscribers() -> QuerySet[Subscription]:
    """Confirmed addresses that have not unsubscribed."""
    return Subscription.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


@dataclass(frozen=True)
class Counts:
    subscribed: int
    pending: int
    unsubscribed: int


def counts() -> Counts:
    subscribed = subscribers().count()
    unsubscribed = Subscription.objects.filter(unsubscribed_at__isnull=False).count()
    pending = Subscription.objects.count() - subscribed - unsubscribed
    return Counts(subscribed=subscribed, pending=pending, unsubscribed=unsubscribed)


def mailings() -> QuerySet[Mailing]:
    return Mailing.objects.select_related("created_by", "sent_by")


def subscriptions_of(addresses: Iterable[str]) -> list[dict]:
    """What the newsletter holds about these addresses, as plain values (for the
    privacy app's "My data")."""
    lowered = {a.strip().lower() for a in addresses if a}
    return [
        {
            "email": s.email,
            "language": s.language,
            "signed_up_at": s.created_at,
            "confirmed_at": s.confirmed_at,
            "unsubscribed_at": s.unsubscribed_at,
            "consent_text_version": s.consent_text_version,
        }
        for s in Subscription.objects.filter(email__in=lowered).order_by("email")
    ]


# --------------------------------------------------------------------------- sign-up


def _count_signup(address: str) -> None:
    """Count one sign-up from this client address in the current hour; raises
    ``SignupLimited`` past the limit (counted in the shared cache)."""
    limit = signups_per_hour()
    if limit <= 0 or not address:
        return
    hour = int(timezone.now().timestamp() // 3600)
    key = f"newsletter:signups:{counted_as(address)}:{hour}"
    if cache.add(key, 1, timeout=3700):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, timeout=3700)
            count = 1
    if count > limit:
        raise SignupLimited(
            _("Too many sign-ups came from your network in the last hour. Try again later.")
        )


def _clean_signup(*, email: str, name: str, language: str, consent: bool) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    if not isinstance(email, str) or not storable_text(email) or len(email.strip()) > 254:
        errors["email"] = [_("Enter a valid email address.")]
    else:
        try:
            email = people_services.normalise_email(email)
        except people_services.DirectoryError:
            errors["email"] = [_("Enter a valid email address.")]
    name = (name or "").strip() if isinstance(name, str) else ""
    if len(name) > MAX_NAME or not storable_text(name):
        errors["name"] = [_("Keep the name under %(n)d characters.") % {"n": MAX_NAME}]
    if language not in dict(languages()):
        errors["language"] = [_("Choose one of the languages.")]
    if consent is not True:
        errors["consent"] = [_("Tick the box to agree, or the newsletter cannot be sent to you.")]
    if errors:
        raise ValidationError(errors)
    return email, name, language


def sign_up(
    *,
    email: str,
    language: str,
    consent: bool,
    name: str = "",
    client_address: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Ask for the newsletter (module doc). Returns nothing on purpose: the caller
    shows the same answer whatever the address's state. Raises ``ValidationError`` for
    bad input and ``SignupLimited`` past the limit per client address."""
    email, name, language = _clean_signup(
        email=email, name=name, language=language, consent=consent
    )
    _count_signup(client_address)
    now = now or timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(email=email).first()
        if subscription is None:
            try:
                with transaction.atomic():
                    subscription = Subscription.objects.create(
                        email=email,
                        name=name,
                        language=language,
                        consent_text_version=consent_text_version(),
                        requested_at=now,
                    )
            except IntegrityError:  # the same address signed up at the same moment
                subscription = Subscription.objects.select_for_update().get(email=email)
        if subscription.is_subscribed:
            # Nothing changes; only the owner of the address is told, by mail.
            _mail(subscription, already=True, now=now)
            return
        subscription.requested_at = now
        subscription.language = language
        subscription.consent_text_version = consent_text_version()
        if name:
            subscription.name = name
        subscription.save(
            update_fields=["requested_at", "language", "consent_text_version", "name"]
        )
        _mail(subscription, already=False, now=now)


def _mail(subscription: Subscription, *, already: bool, now: dt.datetime) -> None:
    """The confirmation (or "already subscribed") mail, to the outbox; at most once per
    ``RESEND_AFTER`` per address."""
    if subscription.mailed_at and subscription.mailed_at > now - RESEND_AFTER:
        return
    with translation.override(subscription.language):
        if already:
            subject = _("You are already subscribed to the newsletter")
            body = _(
                "Someone (probably you) asked to subscribe %(email)s to our newsletter. "
                "This address is already subscribed: there is nothing to do.\n\n"
                "To stop the newsletter: %(unsubscribe)s\n"
            ) % {"email": subscription.email, "unsubscribe": unsubscribe_link(subscription)}
        else:
            subject = _("Confirm your subscription to the newsletter")
            body = _(
                "Someone (probably you) asked to subscribe %(email)s to our newsletter.\n\n"
                "To confirm, open this link: %(link)s\n\n"
                "If you did not ask for it, ignore this mail: without confirmation you "
                "will receive nothing.\n"
            ) % {"email": subscription.email, "link": confirm_link(subscription)}
    message = EmailMultiAlternatives(subject=subject, body=body, to=[subscription.email])
    if already:
        message.extra_headers.update(_unsubscribe_headers(subscription))
    get_connection().send_messages([message])  # the outbox, in the caller's transaction
    Subscription.objects.filter(pk=subscription.pk).update(mailed_at=now)


def _unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_link(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --------------------------------------------------------------------------- confirm


def link_is_stale(subscription: Subscription) -> bool:
    """Whether the confirmation link was sent before the address unsubscribed (and no
    sign-up since): it no longer subscribes anyone."""
    return subscription.unsubscribed_at is not None and not (
        subscription.requested_at and subscription.requested_at > subscription.unsubscribed_at
    )


def confirm(*, subscription: Subscription, now: dt.datetime | None = None) -> bool:
    """Confirm the subscription and put the subscriber in the directory (module doc).
    True when the address is subscribed afterwards; False when the link is one of
    before an unsubscription (a new sign-up sends a link that works)."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.is_subscribed:
            return True  # confirming twice is fine
        if link_is_stale(subscription):
            return False
        person = _directory_record(subscription=subscription, now=now)
        subscription.person = person
        subscription.confirmed_at = now
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["person", "confirmed_at", "unsubscribed_at"])
    return True


def _directory_record(*, subscription: Subscription, now: dt.datetime) -> Person:
    """The directory record of the subscriber, with their consent recorded."""
    address = PersonEmail.objects.select_related("person").filter(email=subscription.email)
    found = address.first()
    if found is None:
        name = subscription.name or subscription.email.split("@", 1)[0]
        return people_services.create_person(
            name=name[:MAX_NAME],
            basis=Person.Basis.CONSENT,
            emails=[subscription.email],
            consented_at=now,
            consent_text_version=subscription.consent_text_version,
            languages=[subscription.language],
            source=SOURCE,
        )
    person = found.person
    if person.basis != Person.Basis.CONSENT:
        # people.services has no function recording a consent on an existing record
        # yet: the three fields together, which the record's check constraint accepts.
        Person.objects.filter(pk=person.pk).update(
            basis=Person.Basis.CONSENT,
            consented_at=now,
            consent_text_version=subscription.consent_text_version,
            updated_at=now,
        )
        person.refresh_from_db()
    return person


# --------------------------------------------------------------------------- unsubscribe


def unsubscribe(*, subscription: Subscription, now: dt.datetime | None = None) -> Subscription:
    """Stop the newsletter for this address (at once; again changes nothing)."""
    now = now or timezone.now()
    Subscription.objects.filter(pk=subscription.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=now
    )
    subscription.refresh_from_db()
    return subscription


def erase_subscriptions(*, addresses: Iterable[str]) -> int:
    """Delete what the newsletter holds about these addresses (for the privacy app's
    erasure); how many subscriptions went."""
    lowered = {a.strip().lower() for a in addresses if a}
    deleted, _by_model = Subscription.objects.filter(email__in=lowered).delete()
    return deleted


# --------------------------------------------------------------------------- mailings


def _require_manager(user: AbstractBaseUser) -> None:
    if not can_manage_directory(user):
        raise PermissionDenied(_("Only directory managers can write and send the newsletter."))


def _clean_mailing(*, subject: str, body: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    subject = (subject or "").strip() if isinstance(subject, str) else ""
    body = (body or "").strip() if isinstance(body, str) else ""
    if not subject:
        errors["subject"] = [_("Give the mailing a subject.")]
    elif len(subject) > MAX_SUBJECT or "\n" in subject or "\r" in subject:
        errors["subject"] = [_("Keep the subject to one line under %(n)d characters.")
                             % {"n": MAX_SUBJECT}]  # fmt: skip
    if not body:
        errors["body"] = [_("Write the text of the mailing.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("Keep the text under %(n)d characters.") % {"n": MAX_BODY}]
    for field, value in (("subject", subject), ("body", body)):
        if field not in errors and not storable_text(value):
            errors[field] = [_("The text holds characters that cannot be stored.")]
    if errors:
        raise ValidationError(errors)
    return subject, body


def create_mailing(*, by: AbstractBaseUser, subject: str, body: str) -> Mailing:
    _require_manager(by)
    subject, body = _clean_mailing(subject=subject, body=body)
    return Mailing.objects.create(subject=subject, body=body, created_by=by)


def render_mailing(*, mailing: Mailing, subscription: Subscription) -> EmailMultiAlternatives:
    """The mail of one subscriber: the text as written (plain, with its Markdown
    rendered as the HTML part) and, at the end, the unsubscribe link."""
    link = unsubscribe_link(subscription)
    with translation.override(subscription.language):
        footer = _("You receive this because you subscribed to our newsletter.")
        stop = _("Unsubscribe: %(link)s") % {"link": link}
        stop_html = _("Unsubscribe")
    body = f"{mailing.body}\n\n-- \n{footer}\n{stop}\n"
    html = render_markdown(mailing.body) + format_html(
        '<hr><p>{}<br><a href="{}">{}</a></p>', footer, link, stop_html
    )
    message = EmailMultiAlternatives(
        subject=mailing.subject,
        body=body,
        to=[subscription.email],
        headers=_unsubscribe_headers(subscription),
    )
    message.attach_alternative(html, "text/html")
    return message


def send_mailing(*, mailing: Mailing, by: AbstractBaseUser, now: dt.datetime | None = None) -> int:
    """Queue the mailing for every subscriber in the outbox and mark it sent, in one
    transaction (all or nothing); refused when it was sent before. Returns how many."""
    _require_manager(by)
    now = now or timezone.now()
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if mailing.sent_at is not None:
            raise NewsletterError(_("This mailing was sent already; it is sent only once."))
        messages = [
            render_mailing(mailing=mailing, subscription=s)
            for s in subscribers().order_by("id").iterator(chunk_size=500)
        ]
        if messages:
            get_connection().send_messages(messages)
        mailing.sent_at, mailing.sent_by, mailing.recipients = now, by, len(messages)
        mailing.save(update_fields=["sent_at", "sent_by", "recipients"])
    return len(messages)
