"""Idea boards: short notes in columns, clustered and upvoted (see ``boards.kinds``).

The board's settings and its runtime state (locked, revealed, upvote round) live in
``Activity.config`` (``boards.selectors`` documents the keys); the notes, clusters and
upvotes live here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from consult.translations import contribution_language_field
from sessions.models import Activity, Participant


class Cluster(models.Model):
    """A named group of notes, made by the facilitator."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="clusters")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    """One participant's note in one column of a board."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="notes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="notes")
    column = models.PositiveSmallIntegerField(_("column"))
    text = models.TextField(_("text"), max_length=500)
    language = contribution_language_field()
    hidden = models.BooleanField(_("hidden by the facilitator"), default=False)
    # A duplicate merged into another note: not shown; its upvotes moved to that note.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["activity", "participant"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="note_not_merged_into_self"
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def visible(self) -> bool:
        return not self.hidden and self.merged_into_id is None


class NoteVote(models.Model):
    """One participant's upvote on one note: at most one per person per note."""

    # The board, denormalised so a tally or a budget check reads one table.
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "participant"], name="one_upvote_per_note")
        ]
        indexes = [models.Index(fields=["activity", "participant"])]

    def __str__(self) -> str:
        return f"upvote of {self.participant_id} on note {self.note_id}"
