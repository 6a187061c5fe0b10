"""Reads of workshop reports for the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import translation

from consult.translations import supported
from sessions.models import Session

from .models import WorkshopReport


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


def language_of(report: WorkshopReport | None) -> str:
    if report is not None:
        return report.language
    return supported(translation.get_language()) or "en"


def status_view(report: WorkshopReport) -> dict[str, Any]:
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
