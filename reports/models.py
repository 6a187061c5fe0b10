"""A live session's workshop report: what was built (``content``, the charts and the
PDF), how far a build is, and what the organisers wrote around it (a summary and a
note per activity)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consult.models import Process
from outreach.models import Attendance
from sessions.models import Activity, Event, Session

# The longest organiser's summary and note.
MAX_SUMMARY = 10_000
MAX_NOTE = 5_000


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class BuiltDocument(models.Model):
    """A document the tasks worker builds: in which language, how far a build is, what
    it read (``content``) and the PDF it wrote."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Each request bumps it; a build that finds a newer one stops (its work is stale).
    generation = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=300, blank=True)  # what the build does now
    content = models.JSONField(default=dict, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class WorkshopReport(BuiltDocument):
    """A live session's workshop report (docs/architecture.md "Reports")."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="report")
    summary = models.TextField(_("summary"), max_length=MAX_SUMMARY, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    share_token = models.CharField(max_length=64, unique=True, default=new_share_token)

    def __str__(self) -> str:
        return f"report of session {self.session_id}"


class ProcessReport(BuiltDocument):
    """The report of a process for its funder, or of a programme (every process one
    person organises, ``owner``): its tables (``content``), PDF and XLSX workbook."""

    process = models.OneToOneField(
        Process, on_delete=models.CASCADE, null=True, blank=True, related_name="report"
    )
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="programme_report",
    )
    xlsx = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(process__isnull=False, owner__isnull=True)
                | models.Q(process__isnull=True, owner__isnull=False),
                name="process_report_of_a_process_or_a_programme",
            )
        ]

    def __str__(self) -> str:
        if self.process_id:
            return f"report of process {self.process_id}"
        return f"programme report of user {self.owner_id}"


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


class CertificateBatch(BuiltDocument):
    """The certificates of participation of every attendee of an event (``mode`` blank)
    or of one attendance mode, in one PDF the tasks worker builds for the organisers
    (``reports.certificates.request_certificates``); ``content`` holds {"count": n}.
    Asking again builds the same batch again."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="certificate_batches")
    mode = models.CharField(
        _("attendance mode"), max_length=16, blank=True, choices=Attendance.Mode.choices
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "mode"], name="one_certificate_batch_per_event_and_mode"
            )
        ]

    def __str__(self) -> str:
        return f"certificates of event {self.event_id}{' (' + self.mode + ')' if self.mode else ''}"
