"""A live session's workshop report: what was built (``content``, the charts and the
PDF), how far a build is, and what the organisers wrote around it (a summary and a
note per activity)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sessions.models import Activity, Session

# The longest organiser's summary and note.
MAX_SUMMARY = 10_000
MAX_NOTE = 5_000


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class WorkshopReport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="report")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    summary = models.TextField(_("summary"), max_length=MAX_SUMMARY, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Each request bumps it; a build that finds a newer one stops (its work is stale).
    generation = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=300, blank=True)  # what the build does now
    # What the build read (sections and blocks, docs/architecture.md "Reports").
    content = models.JSONField(default=dict, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    share_token = models.CharField(max_length=64, unique=True, default=new_share_token)

    def __str__(self) -> str:
        return f"report of session {self.session_id}"


class ReportChart(models.Model):
    """One chart of a built report, as an SVG document (served on its own: its inline
    styles would break the pages' content security policy)."""

    report = models.ForeignKey(WorkshopReport, on_delete=models.CASCADE, related_name="charts")
    number = models.PositiveIntegerField()
    svg = models.TextField()

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="one_chart_per_number")
        ]

    def __str__(self) -> str:
        return f"chart {self.number} of report {self.report_id}"


class ReportNote(models.Model):
    """An organiser's note on one activity of the report."""

    report = models.ForeignKey(WorkshopReport, on_delete=models.CASCADE, related_name="notes")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("note"), max_length=MAX_NOTE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "activity"], name="one_note_per_activity")
        ]

    def __str__(self) -> str:
        return f"note on activity {self.activity_id} in report {self.report_id}"
