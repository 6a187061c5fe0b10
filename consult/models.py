from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from people.vocabularies import Sector, StakeholderGroup

from .translations import contribution_language_field, language_field, translations


class Process(models.Model):
    """A multi-month engagement (e.g. a sector roadmap); owns events and, later, consultations."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="processes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------- people


class Profile(models.Model):
    """A registered person's public name, stakeholder profile and preferences."""

    class Notify(models.TextChoices):
        IMMEDIATE = "immediate", _("Each email as it happens")
        DAILY = "daily", _("One daily digest")
        NEVER = "never", _("No email")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=60)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=32, choices=StakeholderGroup.choices, blank=True
    )
    country = CountryField(_("country"), blank=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    # Empty: not chosen, the browser's language.
    language = models.CharField(_("preferred language"), max_length=8, blank=True, default="")
    # Empty: not chosen, the zone the browser reports (consult/time_zone.py).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    notify = models.CharField(
        _("email notifications"), max_length=16, choices=Notify.choices, default=Notify.IMMEDIATE
    )
    consented_at = models.DateTimeField(_("accepted the terms at"), null=True, blank=True)
    terms_version = models.CharField(max_length=16, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name


# --------------------------------------------------------------------------- roles


class ProcessRole(models.Model):
    """Who organises or moderates a process besides its owner (who organises it)."""

    class Role(models.TextChoices):
        ORGANISER = "organiser", _("Organiser")
        MODERATOR = "moderator", _("Moderator")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="process_roles"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "user", "role"], name="one_role_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.process}"


# --------------------------------------------------------------------------- consultations


class Consultation(models.Model):
    """A consultation on a draft of a process, with its versions, comments and rounds."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In preparation")
        OPEN = "open", _("Open for comments")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Outcome published")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="consultations")
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    summary = models.TextField(_("summary"), blank=True)
    # The title, summary and section texts are written in ``language``; the
    # translations sit beside them (consult/translations.py).
    language = language_field()
    title_in = translations(models.CharField(_("title"), max_length=200))
    summary_in = translations(models.TextField(_("summary")))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_public = models.BooleanField(_("readable without an account"), default=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_zone = models.CharField(_("organisers' time zone"), max_length=64, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "slug"], name="consultation_slug_per_process"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Version(models.Model):
    """One version of the consultation's draft: an ordered list of section texts."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    change_note = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="one_version_number_per_consultation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation} v{self.number}"


class Section(models.Model):
    """A section's identity, stable from version to version (its text lives per version
    in SectionText). Comments and validation answers attach here, so they survive edits."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="sections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"section {self.pk} of {self.consultation_id}"


class SectionType(models.TextChoices):
    VISION = "vision", _("Vision")
    MILESTONE = "milestone", _("Milestone")
    ACTION = "action", _("Action")
    CONTEXT = "context", _("Context")


class SectionText(models.Model):
    """A section as it reads in one version."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="texts")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="texts")
    position = models.PositiveIntegerField()
    type = models.CharField(_("type"), max_length=16, choices=SectionType.choices)
    horizon = models.PositiveSmallIntegerField(_("horizon"), null=True, blank=True)
    actor = models.CharField(_("actor group"), max_length=32, blank=True)
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text (Markdown)"), blank=True)
    # The consultation's language when the version was published.
    language = language_field()
    heading_in = translations(models.CharField(_("heading"), max_length=200))
    body_in = translations(models.TextField(_("text (Markdown)")))

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "section"], name="section_once_per_version"),
            models.UniqueConstraint(
                fields=["version", "position"], name="one_section_per_position"
            ),
        ]

    def __str__(self) -> str:
        return self.heading


# --------------------------------------------------------------------------- comments


class Comment(models.Model):
    """A comment on a section, made on one version; replies nest through ``parent``.
    Deleting keeps the row as a placeholder so the thread stays readable."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(_("comment"))
    language = contribution_language_field()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["section", "created_at"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on section {self.section_id}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")
        INSIGHTFUL = "insightful", _("Insightful")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user", "kind"], name="one_reaction_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on comment {self.comment_id}"


class Report(models.Model):
    """A reader with an account reports a comment, once; moderators see the open
    reports."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="one_report_per_person_per_comment"
            )
        ]

    def __str__(self) -> str:
        return f"report on comment {self.comment_id}"


class ModerationEntry(models.Model):
    """The public moderation log: what was hidden or restored, when and why (never the
    text itself)."""

    class Action(models.TextChoices):
        HIDDEN = "hidden", _("Hidden")
        RESTORED = "restored", _("Restored")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="moderation_log"
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="moderation")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=300)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} comment {self.comment_id}"


# --------------------------------------------------------------------------- validation


class ValidationRound(models.Model):
    """Participants say, section by section, whether they agree with one version."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="rounds")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="rounds")
    title = models.CharField(_("title"), max_length=200)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consultation", "opened_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Verdict(models.TextChoices):
    AGREE = "agree", _("Agree")
    AGREE_WITH_CHANGES = "agree_with_changes", _("Agree with changes")
    DISAGREE = "disagree", _("Disagree")


class ValidationAnswer(models.Model):
    round = models.ForeignKey(ValidationRound, on_delete=models.CASCADE, related_name="answers")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="validation_answers"
    )
    verdict = models.CharField(max_length=24, choices=Verdict.choices)
    reason = models.TextField(_("reason"), blank=True)
    language = contribution_language_field()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "section", "user"], name="one_answer_per_section_per_round"
            ),
            models.CheckConstraint(
                condition=models.Q(verdict="agree") | ~models.Q(reason=""),
                name="reason_unless_agree",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} on section {self.section_id}"


# --------------------------------------------------------------------------- dispositions


class Disposition(models.Model):
    """The organisers' answer to one input: a comment or a validation reason."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        PARTLY = "partly", _("Partly accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")
        OUT_OF_SCOPE = "out_of_scope", _("Out of scope")

    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="disposition"
    )
    answer = models.OneToOneField(
        ValidationAnswer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="disposition",
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    response = models.TextField(_("answer"), max_length=2000)
    addressed_in = models.ForeignKey(
        SectionText, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(comment__isnull=False, answer__isnull=True)
                    | models.Q(comment__isnull=True, answer__isnull=False)
                ),
                name="disposition_of_exactly_one_input",
            )
        ]

    def __str__(self) -> str:
        return self.get_decision_display()


# --------------------------------------------------------------------------- notifications


class Follow(models.Model):
    """Someone who wants to hear when a consultation opens or is about to close."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="followers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "consultation"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.consultation}"


class Notification(models.Model):
    """One thing to tell someone by email; the worker sends it at once or in the daily
    digest, as the person chose. ``key`` keeps a one-off notice from repeating."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply to your comment")
        DISPOSITION = "disposition", _("Answer to your input")
        OPENED = "opened", _("Consultation opened")
        CLOSING = "closing", _("Consultation closing soon")
        REVIEW = "review", _("Waiting for your review")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=500)
    key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "user"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~models.Q(key=""), name="notify_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.subject


# --------------------------------------------------------------------------- evidence


class Evidence(models.Model):
    """Results of a live-session activity attached to a section as evidence.

    A copy of the figures as they were when attached (the live activity may change
    later) with a link back to where they came from. ``source_key`` names the source
    (``live.activity:<id>``) so the same results attach to a section once."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("title"), max_length=300)
    origin = models.CharField(_("from"), max_length=300, blank=True)
    url = models.CharField(max_length=500)
    source_key = models.CharField(max_length=100)
    results = models.JSONField(default=list)
    responses = models.PositiveIntegerField(default=0)
    collected_at = models.DateTimeField()
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attached_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "source_key"], name="evidence_once_per_section"
            )
        ]

    def __str__(self) -> str:
        return self.title


# --------------------------------------------------------------------------- outgoing mail


class OutgoingMail(models.Model):
    """A message waiting for the mail worker. The queued email backend stores every
    message the product sends (account mail from allauth included) here; the worker
    sends it through the real backend and keeps it, with the error, when that fails."""

    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    message = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outgoing_mail_due")]

    def __str__(self) -> str:
        return self.subject


# --------------------------------------------------------------------------- representation targets


class TargetShare(models.Model):
    """One line of a process's target mix: the share (in %) of one stakeholder group,
    region or gender the organisers aim for. The shares of a dimension add up to 100."""

    class Dimension(models.TextChoices):
        GROUP = "stakeholder_group", _("Stakeholder group")
        REGION = "region", _("Region")
        GENDER = "gender", _("Gender")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="targets")
    dimension = models.CharField(max_length=24, choices=Dimension.choices)
    value = models.CharField(max_length=32)
    share = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["process", "dimension", "-share", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "dimension", "value"], name="one_share_per_value"
            ),
            models.CheckConstraint(
                condition=models.Q(share__gte=0, share__lte=100), name="share_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}: {self.share} %"


class RepresentationSettings(models.Model):
    """When the representation page raises an alert for a group of a process."""

    process = models.OneToOneField(
        Process, on_delete=models.CASCADE, related_name="representation_settings"
    )
    alert_gap_points = models.PositiveSmallIntegerField(
        _("alert when a group is this many points below target"), default=10
    )
    retention_days = models.PositiveIntegerField(
        _("erase guest participants' profiles this many days after their event ends"),
        null=True,
        blank=True,
    )

    def __str__(self) -> str:
        return f"representation settings of {self.process}"
