"""The "you said, we did" table as CSV and XLSX."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from people import spreadsheets

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


def as_csv(rows: list[dict[str, Any]]) -> str:
    return spreadsheets.as_csv(COLUMNS, rows)


def as_xlsx(rows: list[dict[str, Any]]) -> bytes:
    return spreadsheets.as_xlsx(COLUMNS, rows, title=_("You said, we did"))
