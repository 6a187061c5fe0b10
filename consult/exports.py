"""The "you said, we did" table as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

COLUMNS = [
    ("heading", "section"),
    ("kind", "input"),
    ("author", "author"),
    ("group", "stakeholder_group"),
    ("verdict", "verdict"),
    ("text", "text"),
    ("version", "version"),
    ("decision", "disposition"),
    ("response", "answer"),
    ("addressed_in", "addressed_in"),
]


def _safe(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (people wrote these texts)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _key, header in COLUMNS])
    for row in rows:
        writer.writerow([_safe(row[key]) for key, _header in COLUMNS])
    return out.getvalue()


def as_xlsx(rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("You said, we did")[:31]
    sheet.append([header for _key, header in COLUMNS])
    for row in rows:
        sheet.append([_safe(row[key]) for key, _header in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
