"""Invitations: a person of the directory asked to an event, a live session or a
consultation of a process, with a personal link, their answer and the reminders."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consult.models import Consultation, Process
from consult.translations import language_field, translations
from people.models import Person
from people.vocabularies import StakeholderGroup
from sessions.models import Event, Session


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """One person invited to exactly one of: an event, a live session, a consultation."""

    class Answer(models.TextChoices):
        NONE = "", _("No answer yet")
        IN_PERSON = "in_person", _("Attending in person")
        REMOTE = "remote", _("Attending remotely")
        DECLINED = "declined", _("Declined")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="invitations")
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    answer = models.CharField(max_length=16, choices=Answer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    # Set by the organisers' "remind" action; the throttled sender
    # (services.send_due_invitations) queues the reminder and clears it.
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(event__isnull=False, session__isnull=True, consultation__isnull=True)
                    | models.Q(event__isnull=True, session__isnull=False, consultation__isnull=True)
                    | models.Q(event__isnull=True, session__isnull=True, consultation__isnull=False)
                ),
                name="invitation_to_exactly_one_thing",
            ),
            models.UniqueConstraint(
                fields=["person", "event"],
                condition=models.Q(event__isnull=False),
                name="invited_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=models.Q(session__isnull=False),
                name="invited_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["person", "consultation"],
                condition=models.Q(consultation__isnull=False),
                name="invited_once_per_consultation",
            ),
        ]
        indexes = [
            models.Index(fields=["process", "answer"]),
            # The sender's throttle counts what went out in the last minute.
            models.Index(fields=["sent_at"], name="invitation_sent_at"),
        ]

    def __str__(self) -> str:
        return f"invitation {self.pk} for person {self.person_id}"


class InvitationText(models.Model):
    """The mail an invitation sends: a process's default text (empty group) and
    overrides for single stakeholder groups."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="invitation_texts")
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=32, choices=StakeholderGroup.choices, blank=True
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=5000)
    # Written in ``language``; invitees get their own language where it is given.
    language = language_field()
    subject_in = translations(models.CharField(_("subject"), max_length=200))
    body_in = translations(models.TextField(_("text"), max_length=5000))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["process", "stakeholder_group"], name="one_text_per_group"
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Attendance(models.Model):
    """An invitee who came to an event: checked in at the door (in the room) by an
    organiser who scanned their personal QR code, or recorded when they joined the live
    session from their invitation (remote). At most one per invitation."""

    class Mode(models.TextChoices):
        IN_ROOM = "in_room", _("In the room")
        REMOTE = "remote", _("Remote")

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="attendance"
    )
    mode = models.CharField(_("attendance"), max_length=16, choices=Mode.choices)
    checked_in_at = models.DateTimeField(_("checked in at"))
    # The organiser who checked the person in at the door; none for remote attendance.
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["mode"], name="attendance_mode")]

    def __str__(self) -> str:
        return f"attendance {self.mode} of invitation {self.invitation_id}"


# --------------------------------------------------------------------------- newsletter
# Sign-up with double opt-in and mailings to the subscribers (outreach/newsletter.py).


def new_subscription_token() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """One address signed up for the newsletter. Subscribed once ``confirmed_at`` is set
    (the link in the confirmation mail was followed) and until ``unsubscribed_at``.
    Confirming links it to the directory record holding the address (or a new one),
    whose basis is then the subscriber's consent."""

    email = models.EmailField(_("email"), max_length=254, unique=True)  # lower case
    # Only used to name a new directory record when the address is confirmed.
    name = models.CharField(_("name"), max_length=120, blank=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,  # erasing the person erases the subscription with them
        null=True,
        blank=True,
        related_name="newsletter_subscriptions",
    )
    language = models.CharField(_("language"), max_length=16)
    # The secret of the confirmation and unsubscribe links.
    token = models.CharField(max_length=64, unique=True, default=new_subscription_token)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last sign-up asking to (re)subscribe; a confirmation link only works after one.
    requested_at = models.DateTimeField(null=True, blank=True)
    # The last confirmation (or "already subscribed") mail: resent at most so often.
    mailed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    consent_text_version = models.CharField(_("consent text version"), max_length=32)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["confirmed_at", "unsubscribed_at"], name="subscription_state")
        ]

    def __str__(self) -> str:
        return f"subscription {self.pk}"

    @property
    def is_subscribed(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Mailing(models.Model):
    """A newsletter issue written by a directory manager; sent once, to every
    subscriber at that moment (``recipients`` records how many)."""

    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=20000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject
