"""Rows of the consensus-statements kind: statements, answers and the stored analysis."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from consult.translations import contribution_language_field
from sessions.models import Activity, Participant

# The longest statement any activity may allow (each activity sets its own, lower, limit).
TEXT_LIMIT = 500


class Statement(models.Model):
    """A statement participants answer with agree, disagree or pass.

    Written by the facilitator (``author`` empty: visible at once) or submitted by a
    participant (pending until the facilitator approves it). Nobody but the export ever
    sees who submitted a statement: the room shows statements without an author.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consensus_statements",
    )
    text = models.CharField(_("statement"), max_length=TEXT_LIMIT)
    language = contribution_language_field()
    # The text folded (case, spaces, punctuation) so a statement cannot be added twice.
    key = models.CharField(max_length=TEXT_LIMIT)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VISIBLE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["activity", "id"]
        indexes = [models.Index(fields=["activity", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["activity", "key"], name="consensus_statement_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "visible", "hidden"]),
                name="consensus_statement_status_known",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Answer(models.Model):
    """One participant's answer to one statement: agree (1), disagree (-1) or pass (0).
    A participant may change it while the activity is open."""

    class Vote(models.IntegerChoices):
        AGREE = 1, _("Agree")
        DISAGREE = -1, _("Disagree")
        PASS = 0, _("Pass")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consensus_answers"
    )
    vote = models.SmallIntegerField(choices=Vote.choices)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "participant"], name="consensus_one_answer_each"
            ),
            models.CheckConstraint(
                condition=models.Q(vote__in=[-1, 0, 1]), name="consensus_vote_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} on {self.statement_id}: {self.vote}"


class Analysis(models.Model):
    """The latest analysis of an activity's answers (opinion groups, consensus, lists),
    computed by a background task (``consensus.tasks``) and read by the tally.

    ``pending``: answers came in since the last computation began and a task is queued
    for them; set after each answer's commit, cleared by the task as it starts."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="analysis")
    result = models.JSONField(default=dict)
    # Answers counted in ``result``.
    answers = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    pending = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"analysis of {self.activity_id}"
