"""Writes of reports: asking for a workshop report or a process (or programme) report
(the worker builds it), the organisers' summary and notes, publishing, and the builds
themselves (run by ``tasks.build_report`` and ``tasks.build_process_report``)."""

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

from consult.models import Process
from consult.translations import supported
from sessions.models import Session

from . import selectors
from .models import (
    MAX_NOTE,
    MAX_SUMMARY,
    BuiltDocument,
    ProcessReport,
    ReportChart,
    ReportNote,
    WorkshopReport,
)

logger = logging.getLogger(__name__)


def request_report(*, session: Session, language: str | None = None) -> WorkshopReport:
    """Ask the worker to build (or build again) the session's report, in ``language``
    (the report's own so far, else the active one). The caller checks who may."""
    report = request_document(WorkshopReport, {"session": session}, language)
    transaction.on_commit(lambda: _enqueue("build_report", report.pk, report.generation))
    return report


def request_document(
    model: type[BuiltDocument], lookup: dict[str, Any], language: str | None
) -> Any:
    """Create or find the document, in ``language`` (its own so far, else the active
    one), and bump its generation: a build of an older one stops."""
    chosen = supported(language) if language else None
    if language and chosen is None:
        raise ValidationError({"language": _("Choose one of the interface's languages.")})
    with transaction.atomic():
        report, _created = model.objects.select_for_update().get_or_create(
            **lookup,
            defaults={"language": chosen or supported(translation.get_language()) or "en"},
        )
        if chosen:
            report.language = chosen
        report.generation += 1
        report.status = BuiltDocument.Status.QUEUED
        report.progress = 0
        report.step = ""
        report.error = ""
        report.requested_at = timezone.now()
        report.save()
    return report


def _enqueue(task_name: str, report_id: int, generation: int) -> None:
    from . import tasks  # the task module imports this one

    getattr(tasks, task_name).enqueue(report_id=report_id, generation=generation)


def request_process_report(
    *, process: Process | None = None, owner: Any = None, language: str | None = None
) -> ProcessReport:
    """Ask the worker to build the report of ``process``, or the programme report of
    ``owner`` (every process they organise). The caller checks who may."""
    if (process is None) == (owner is None):
        raise ValueError("a process or an owner")
    lookup = {"process": process} if process is not None else {"owner": owner}
    with transaction.atomic():
        report = request_document(ProcessReport, lookup, language)
        transaction.on_commit(
            lambda: _enqueue("build_process_report", report.pk, report.generation)
        )
    return report


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


def document_progress(
    model: type[BuiltDocument], report_id: int, generation: int, percent: int, step: str
) -> None:
    model.objects.filter(pk=report_id, generation=generation).update(
        status=BuiltDocument.Status.BUILDING, progress=min(max(percent, 0), 99), step=step[:300]
    )


def _failed(model: type[BuiltDocument], report_id: int, generation: int) -> None:
    logger.exception("%s %s failed", model.__name__, report_id)
    model.objects.filter(pk=report_id, generation=generation).update(
        status=BuiltDocument.Status.FAILED,
        error=_("The report could not be built. Try again; if it fails again, tell us."),
    )


def finish_document(model: type[BuiltDocument], report_id: int, generation: int, **fields: Any):
    """Store a build's result, unless a newer request came meanwhile (then None)."""
    current = model.objects.select_for_update().filter(pk=report_id).first()
    if current is None or current.generation != generation:
        return None
    for name, value in fields.items():
        setattr(current, name, value)
    current.status = BuiltDocument.Status.READY
    current.progress = 100
    current.step = ""
    current.built_at = timezone.now()
    current.save()
    return current


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
    document_progress(WorkshopReport, report_id, generation, 0, "")
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
                progress=lambda p, step: document_progress(
                    WorkshopReport, report_id, generation, p, step
                ),
            )
            document_progress(WorkshopReport, report_id, generation, 95, _("Writing the PDF"))
            sources = {
                n: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
                for n, svg in enumerate(charts, start=1)
            }
            html = render_to_string(
                "reports/document.html", selectors.document_context(report, content, sources)
            )
            document = pdf.render_pdf(html, stylesheets=["reports/report.css"])
    except Exception:  # the page says it failed and offers to try again
        _failed(WorkshopReport, report_id, generation)
        return False
    with transaction.atomic():
        current = finish_document(
            WorkshopReport, report_id, generation, content=content, pdf=document
        )
        if current is None:
            return False
        ReportChart.objects.filter(report=current).delete()
        ReportChart.objects.bulk_create(
            ReportChart(report=current, number=n, svg=svg) for n, svg in enumerate(charts, start=1)
        )
    return True


def build_process_report(*, report_id: int, generation: int) -> bool:
    """Build a process or programme report (content, PDF, XLSX) if ``generation`` is
    still the latest request; False when it became stale or the report is gone."""
    from . import pdf, process_build, workbook

    report = (
        ProcessReport.objects.select_related("process", "owner")
        .filter(pk=report_id, generation=generation)
        .first()
    )
    if report is None:
        return False
    document_progress(ProcessReport, report_id, generation, 0, "")
    try:
        with translation.override(report.language):
            if report.process is not None:
                processes = [report.process]
            else:
                processes = list(selectors.programme_processes(report.owner))
            content = process_build.content(
                processes=processes,
                programme=report.process is None,
                language=report.language,
                progress=lambda p, step: document_progress(
                    ProcessReport, report_id, generation, p, step
                ),
            )
            document_progress(ProcessReport, report_id, generation, 90, _("Writing the PDF"))
            sources = {
                n: "data:image/svg+xml;base64," + base64.b64encode(chart["svg"].encode()).decode()
                for n, chart in enumerate(content["charts"], start=1)
            }
            html = render_to_string(
                "reports/process_document.html",
                selectors.process_document_context(content, sources),
            )
            document = pdf.render_pdf(html, stylesheets=["reports/report.css"])
            document_progress(ProcessReport, report_id, generation, 97, _("Writing the workbook"))
            book = workbook.tables_workbook(content["tables"])
    except Exception:
        _failed(ProcessReport, report_id, generation)
        return False
    with transaction.atomic():
        done = finish_document(
            ProcessReport, report_id, generation, content=content, pdf=document, xlsx=book
        )
    return done is not None
