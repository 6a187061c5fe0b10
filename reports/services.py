"""Writes of workshop reports: asking for one (the worker builds it), the organisers'
summary and notes, publishing, and the build itself (run by ``tasks.build_report``)."""

from __future__ import annotations

import base64
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult.translations import supported
from sessions.models import Session

from . import selectors
from .models import MAX_NOTE, MAX_SUMMARY, ReportChart, ReportNote, WorkshopReport

logger = logging.getLogger(__name__)


def request_report(*, session: Session, language: str | None = None) -> WorkshopReport:
    """Ask the worker to build (or build again) the session's report, in ``language``
    (the report's own so far, else the active one). The caller checks who may."""
    chosen = supported(language) if language else None
    if language and chosen is None:
        raise ValidationError({"language": _("Choose one of the interface's languages.")})
    with transaction.atomic():
        report, _created = WorkshopReport.objects.select_for_update().get_or_create(
            session=session,
            defaults={"language": chosen or supported(translation.get_language()) or "en"},
        )
        if chosen:
            report.language = chosen
        report.generation += 1
        report.status = WorkshopReport.Status.QUEUED
        report.progress = 0
        report.step = ""
        report.error = ""
        report.requested_at = timezone.now()
        report.save()
        generation = report.pk, report.generation
        transaction.on_commit(lambda: _enqueue(*generation))
    return report


def _enqueue(report_id: int, generation: int) -> None:
    from .tasks import build_report  # the task module imports this one

    build_report.enqueue(report_id=report_id, generation=generation)


def save_notes(*, report: WorkshopReport, summary: str, notes: dict[int, str]) -> WorkshopReport:
    """The organisers' summary and their note per activity (an empty note removes it);
    the report is built again with them. All or nothing."""
    summary = str(summary or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = [_("Keep the summary under %(n)d characters.") % {"n": MAX_SUMMARY}]
    known = set(report.session.activities.values_list("pk", flat=True))
    cleaned: dict[int, str] = {}
    for activity_id, text in notes.items():
        if activity_id not in known:
            errors.setdefault("notes", []).append(_("That activity is not in this session."))
            continue
        text = str(text or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_NOTE:
            errors.setdefault(f"note-{activity_id}", []).append(
                _("Keep each note under %(n)d characters.") % {"n": MAX_NOTE}
            )
        cleaned[activity_id] = text
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report.summary = summary
        report.save(update_fields=["summary"])
        for activity_id, text in cleaned.items():
            if text:
                ReportNote.objects.update_or_create(
                    report=report, activity_id=activity_id, defaults={"text": text}
                )
            else:
                ReportNote.objects.filter(report=report, activity_id=activity_id).delete()
    return request_report(session=report.session)


def set_published(*, report: WorkshopReport, published: bool) -> WorkshopReport:
    """Publishing lets anyone with the share link read the report (the session's
    participants get the link); only a built report is published."""
    if published and report.status != WorkshopReport.Status.READY:
        raise ValidationError(_("The report is not ready yet."), code="not_ready")
    report.published_at = timezone.now() if published else None
    report.save(update_fields=["published_at"])
    return report


def attach_to_section(*, report: WorkshopReport, section: Any, by: Any) -> Any:
    """Attach the published report to a consultation section as evidence: who took part
    (its figures) and a link to the shared report. ``by`` must facilitate the session
    and organise the section's process (checked by consult); attaching again refreshes
    it. Only a published report: its link must open for the section's readers."""
    from consult import services as consult_services
    from sessions.selectors import can_facilitate

    session = report.session
    if not can_facilitate(by, session):
        raise PermissionDenied(_("Only this session's facilitators can do this."))
    if report.published_at is None or report.status != WorkshopReport.Status.READY:
        raise ValidationError(_("Publish the report first."), code="not_published")
    event = session.event
    if event.process_id is not None and section.consultation.process_id != event.process_id:
        raise ValidationError(
            _("That section belongs to a consultation of another process."), code="other_process"
        )
    joined = report.content.get("participation", {}).get("joined", 0)
    rows = [
        {
            "label": section_data["title"],
            "value": section_data["responses"],
            "share": None,
            "detail": section_data["kind"],
        }
        for section_data in report.content.get("activities", [])
    ][: consult_services.MAX_EVIDENCE_ROWS]
    return consult_services.attach_evidence(
        section=section,
        by=by,
        title=_("Workshop report: %(session)s") % {"session": session.title},
        origin=f"{event.title} · {session.title}",
        url=reverse("reports:shared", args=[report.share_token]),
        source_key=f"reports.workshop:{report.pk}",
        results=rows,
        responses=joined,
        collected_at=report.built_at or timezone.now(),
    )


# --------------------------------------------------------------------------- the build


def _progress(report_id: int, generation: int, percent: int, step: str) -> None:
    WorkshopReport.objects.filter(pk=report_id, generation=generation).update(
        status=WorkshopReport.Status.BUILDING, progress=min(max(percent, 0), 99), step=step[:300]
    )


def build(*, report_id: int, generation: int) -> bool:
    """Build the report (content, charts, PDF) if ``generation`` is still the latest
    request; False when a newer request made this one stale or the report is gone."""
    # Heavy imports (matplotlib, WeasyPrint): only the worker needs them.
    from . import build as content_builder
    from . import pdf

    report = (
        WorkshopReport.objects.select_related("session__event__owner")
        .filter(pk=report_id, generation=generation)
        .first()
    )
    if report is None:
        return False
    _progress(report_id, generation, 0, "")
    charts: list[str] = []

    def add_chart(svg: str) -> int:
        charts.append(svg)
        return len(charts)

    try:
        with translation.override(report.language):
            content = content_builder.content(
                report.session,
                language=report.language,
                add_chart=add_chart,
                progress=lambda p, step: _progress(report_id, generation, p, step),
            )
            _progress(report_id, generation, 95, _("Writing the PDF"))
            sources = {
                n: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
                for n, svg in enumerate(charts, start=1)
            }
            html = render_to_string(
                "reports/document.html", selectors.document_context(report, content, sources)
            )
            document = pdf.render_pdf(html, stylesheets=["reports/report.css"])
    except Exception:  # the page says it failed and offers to try again
        logger.exception("report %s failed", report_id)
        WorkshopReport.objects.filter(pk=report_id, generation=generation).update(
            status=WorkshopReport.Status.FAILED,
            error=_("The report could not be built. Try again; if it fails again, tell us."),
        )
        return False
    with transaction.atomic():
        current = WorkshopReport.objects.select_for_update().filter(pk=report_id).first()
        if current is None or current.generation != generation:
            return False
        ReportChart.objects.filter(report=current).delete()
        ReportChart.objects.bulk_create(
            ReportChart(report=current, number=n, svg=svg) for n, svg in enumerate(charts, start=1)
        )
        current.content = content
        current.pdf = document
        current.status = WorkshopReport.Status.READY
        current.progress = 100
        current.step = ""
        current.built_at = timezone.now()
        current.save()
    return True
