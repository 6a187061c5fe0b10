import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from consult.models import Process
from consult.translations import language_field, translations
from people.vocabularies import Gender, Sector, StakeholderGroup

# Unambiguous characters for join codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token_secret() -> str:
    return secrets.token_urlsafe(24)


class Event(models.Model):
    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("Conference")
        WEBINAR = "webinar", _("Webinar")
        ROADMAP_WORKSHOP = "roadmap_workshop", _("Roadmap workshop")
        FLAGSHIP_LAB = "flagship_lab", _("Flagship lab")
        ADVOCACY_FORUM = "advocacy_forum", _("Global advocacy forum")

    process = models.ForeignKey(
        Process, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # The public events calendar (frontend/calendar.py) lists only public events.
    public = models.BooleanField(_("show in the public calendar"), default=False)
    location = models.CharField(
        _("where: a city and venue, or “online”"), max_length=200, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        permissions = [("organise", "Can organise events and run live sessions")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Not yet open")
        OPEN = "open", pgettext_lazy("status", "Open")
        CLOSED = "closed", _("Closed")

    class JoinPanel(models.TextChoices):
        """How the projector shows the way in (join address and code)."""

        SHOWN = "shown", _("Shown beside the activity")
        SMALL = "small", _("Small, in a corner")
        HIDDEN = "hidden", _("Hidden")
        FULL = "full", _("The join code full screen")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    code = models.CharField(_("join code"), max_length=12, unique=True, default=new_join_code)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    locked = models.BooleanField(_("locked against new joiners"), default=False)
    current_activity = models.ForeignKey(
        "Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Panels (sessions/panels.py) the facilitators put on the projector.
    screen_panels = models.JSONField(default=list, blank=True)
    join_panel = models.CharField(
        _("join panel on the projector"),
        max_length=8,
        choices=JoinPanel.choices,
        default=JoinPanel.SHOWN,
    )
    # The facilitator's countdown, shown on every screen of the room: it ends at
    # timer_ends_at and lasted timer_seconds (no timer when timer_ends_at is empty).
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_seconds = models.PositiveIntegerField(default=0)
    # Room sequence number: every broadcast event takes the next value (see room_events.py).
    seq = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class Activity(models.Model):
    """One interactive item of a session's agenda; its behaviour comes from its kind."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not yet open")
        OPEN = "open", pgettext_lazy("status", "Open")
        CLOSED = "closed", _("Closed")

    class Visibility(models.TextChoices):
        HIDDEN = "hidden", _("Hidden from participants")
        LIVE = "live", _("Live as votes arrive")
        AFTER_CLOSE = "after_close", _("After the activity closes")
        AFTER_REVEAL = "after_reveal", _("When the facilitator shows them")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("question"), max_length=300)
    # The title and the kind's texts (options, columns, statements: ``kind.texts``)
    # are written in ``language``; ``texts_in_<language>`` maps an original text to
    # its translation (consult/translations.py).
    language = language_field()
    title_in = translations(models.CharField(_("question"), max_length=300))
    texts_in = translations(models.JSONField(_("translated texts")))
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    results_visibility = models.CharField(
        _("participants see results"),
        max_length=16,
        choices=Visibility.choices,
        # Not live: a tally seen before voting invites herding (issue 16).
        default=Visibility.AFTER_REVEAL,
    )
    results_revealed = models.BooleanField(_("results shown on the projector"), default=False)
    allow_change = models.BooleanField(_("participants may change their vote"), default=True)
    config = models.JSONField(default=dict, blank=True)
    # Written under the session's row lock by every stamp of a tally (room_events.py), so
    # the processes of one room share one tally stream.
    tallied_at = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The as_of (Unix seconds) of the last tally event stamped for this "
            "activity, by any process."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "position", "id"]
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["session", "position"])]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        from .kinds import get_kind

        return get_kind(self.kind).label


class Participant(models.Model):
    """A person in a session: an account or a guest holding a signed token."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    secret = models.CharField(max_length=64, default=new_token_secret, editable=False)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=32, choices=StakeholderGroup.choices, blank=True
    )
    country = CountryField(_("country"), blank=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    # The directory record this participant confirmed being (from a personal invitation
    # link); guests who came with the code alone have none.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "joined_at"]

    def __str__(self) -> str:
        return self.display_name or f"participant {self.pk}"


class CommandReceipt(models.Model):
    """The stored answer to a participant's command, keyed by its idempotency key.

    A resent command finds its receipt and gets the same answer without a second effect.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "key"], name="receipt_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}:{self.key}"
