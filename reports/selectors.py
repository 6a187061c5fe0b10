"""Reads of reports (workshop, process and programme reports) for the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from consult.formats import number, percent
from consult.models import Process
from consult.selectors import organised_processes
from consult.translations import supported
from sessions.models import Session

from .models import ProcessReport, WorkshopReport


def report_of(session: Session) -> WorkshopReport | None:
    return WorkshopReport.objects.filter(session=session).defer("pdf").first()


def published_report(token: str) -> WorkshopReport | None:
    if not token or len(token) > 64:
        return None
    return (
        WorkshopReport.objects.select_related("session")
        .filter(share_token=token, published_at__isnull=False)
        .first()
    )


def shared_url(session: Session) -> str | None:
    """The address of the session's published report (its participants read it from
    the ended room), or None."""
    token = (
        WorkshopReport.objects.filter(session=session, published_at__isnull=False)
        .values_list("share_token", flat=True)
        .first()
    )
    return reverse("reports:shared", args=[token]) if token else None


def language_of(report: WorkshopReport | ProcessReport | None) -> str:
    if report is not None:
        return report.language
    return supported(translation.get_language()) or "en"


def status_view(report: WorkshopReport | ProcessReport) -> dict[str, Any]:
    return {
        "status": report.status,
        "label": str(report.get_status_display()),
        "progress": report.progress,
        "step": report.step,
        "error": report.error,
        "generation": report.generation,
    }


def document_context(
    report: WorkshopReport, content: dict[str, Any], chart_src: dict[int, str]
) -> dict[str, Any]:
    """What the report's template reads: the built content, the organisers' texts and
    where each chart is (a URL on the page, a data URL in the PDF)."""
    notes = dict(report.notes.values_list("activity_id", "text"))
    activities = []
    for section in content.get("activities", []):
        blocks = [
            {**block, "src": chart_src.get(block["chart"]) if block.get("chart") else None}
            for block in section["blocks"]
        ]
        activities.append({**section, "blocks": blocks, "note": notes.get(section["id"], "")})
    event = content.get("event", {})
    return {
        "report": report,
        "content": content,
        "activities": activities,
        "summary": report.summary,
        "starts_on": dt.date.fromisoformat(event["starts_on"]) if event else None,
        "ends_on": dt.date.fromisoformat(event["ends_on"]) if event else None,
    }


def page_context(
    report: WorkshopReport | None, *, chart_url: Callable[[int], str]
) -> dict[str, Any]:
    """The built report as the page shows it (its charts by URL), or nothing yet."""
    if report is None or not report.content:
        return {"built": False}
    numbers = [
        block["chart"]
        for section in report.content.get("activities", [])
        for block in section["blocks"]
        if block.get("chart")
    ]
    context = document_context(report, report.content, {n: chart_url(n) for n in numbers})
    return {"built": True, **context}


# --------------------------------------------------------------------------- process reports


def programme_processes(user: Any) -> QuerySet[Process]:
    """The processes of ``user``'s programme report: every process they organise (a
    superuser: every process)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Process.objects.order_by("title", "pk")
    return organised_processes(user).order_by("title", "pk")


def may_see_programme(user: Any) -> bool:
    return user.is_authenticated and programme_processes(user).exists()


def process_report_of(process: Process) -> ProcessReport | None:
    return ProcessReport.objects.filter(process=process).defer("pdf", "xlsx").first()


def programme_report_of(user: Any) -> ProcessReport | None:
    return ProcessReport.objects.filter(owner=user).defer("pdf", "xlsx").first()


def _display(cell: Any, fmt: str) -> tuple[str, bool]:
    """A cell as the page and the PDF show it (in the active language), and whether it
    is a number (right-aligned)."""
    if cell is None:
        return "\u2013", True  # an en dash: nothing to show
    if fmt == "int":
        return number(cell, decimals=0), True
    if fmt == "number":
        return number(cell), True
    if fmt == "percent":
        return percent(cell), True
    if fmt == "date":
        try:
            return date_format(dt.date.fromisoformat(cell), "DATE_FORMAT"), False
        except (TypeError, ValueError):
            return str(cell), False
    return str(cell), False


def process_document_context(content: dict[str, Any], chart_src: dict[int, str]) -> dict[str, Any]:
    """What the process report's template reads: each table with its cells formatted,
    and each chart's source (a URL on the page, a data URL in the PDF)."""
    tables = []
    for table in content.get("tables", []):
        rows = [
            [_display(cell, fmt) for cell, fmt in zip(row, table["formats"], strict=True)]
            for row in table["rows"]
        ]
        tables.append({**table, "display_rows": rows})
    titles = {table["key"]: table["title"] for table in tables}
    charts = [
        {
            "title": chart["title"],
            "src": chart_src.get(n, ""),
            "table": titles.get(chart["table"], ""),
            "anchor": chart["table"],
        }
        for n, chart in enumerate(content.get("charts", []), start=1)
    ]
    built_on = content.get("built_on")
    return {
        "content": content,
        "tables": tables,
        "charts": charts,
        "built_on": dt.date.fromisoformat(built_on) if built_on else None,
    }


def process_page_context(
    report: ProcessReport | None, *, chart_url: Callable[[int], str]
) -> dict[str, Any]:
    if report is None or not report.content:
        return {"built": False}
    numbers = range(1, len(report.content.get("charts", [])) + 1)
    with translation.override(report.language):  # figures as the report's language writes them
        context = process_document_context(report.content, {n: chart_url(n) for n in numbers})
    return {"built": True, **context}
