from django.db import models

from sessions.models import Activity, Participant


class Ballot(models.Model):
    """A participant's answer to a poll: one per participant per poll, always."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="ballots")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="ballots")
    # The cleaned answer: an option index, a list of indexes, a number or a list of words.
    choice = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "participant"], name="one_ballot_per_participant"
            )
        ]

    def __str__(self) -> str:
        return f"ballot of {self.participant_id} on {self.activity_id}"
