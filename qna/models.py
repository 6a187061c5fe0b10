from django.db import models
from django.utils.translation import gettext_lazy as _

from consult.translations import contribution_language_field
from sessions.models import Activity, Participant

# The longest question any Q&A may allow (each activity sets its own, lower, limit).
TEXT_LIMIT = 1000


class Question(models.Model):
    """A participant's question in a Q&A activity.

    The question put on the projector is not a field here: it is the activity's
    ``config["on_screen"]`` (one per activity, changed under the activity's row lock).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="questions")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=TEXT_LIMIT)
    language = contribution_language_field()
    # Anonymous to the room: other participants and the projector never see the name.
    anonymous = models.BooleanField(_("anonymous"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VISIBLE
    )
    answered = models.BooleanField(_("answered"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["activity", "id"]
        indexes = [models.Index(fields=["activity", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "visible", "hidden"]),
                name="question_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(answered=False) | models.Q(answered_at__isnull=False),
                name="question_answered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class QuestionVote(models.Model):
    """One participant's upvote of one question: at most one each."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="question_votes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "participant"], name="one_upvote_per_participant"
            )
        ]

    def __str__(self) -> str:
        return f"upvote of {self.participant_id} on {self.question_id}"
