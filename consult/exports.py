"""The "you said, we did" table as CSV (stable column names, for scripts) and XLSX
(headed in the reader's language, for people)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from people import spreadsheets

COLUMNS = [
    ("heading", "section"),
    ("kind", "input"),
    ("author", "author"),
    ("group", "stakeholder_group"),
    ("verdict", "verdict"),
    ("text", "text"),
    ("language", "language"),  # the code it was written in ("" when unknown)
    ("version", "version"),
    ("decision", "disposition"),
    ("response", "answer"),
    ("addressed_in", "addressed_in"),
]


# The XLSX's headings, in the reader's language.
LABELS = {
    "section": gettext_lazy("Section"),
    "input": gettext_lazy("Input"),
    "author": gettext_lazy("Author"),
    "stakeholder_group": gettext_lazy("Stakeholder group"),
    "verdict": gettext_lazy("Verdict"),
    "text": gettext_lazy("Text"),
    "language": gettext_lazy("Written in"),
    "version": gettext_lazy("Version"),
    "disposition": gettext_lazy("Decision"),
    "answer": gettext_lazy("Answer"),
    "addressed_in": gettext_lazy("Addressed in"),
}


def as_csv(rows: list[dict[str, Any]]) -> str:
    return spreadsheets.as_csv(COLUMNS, rows)


def as_xlsx(rows: list[dict[str, Any]]) -> bytes:
    return spreadsheets.as_xlsx(COLUMNS, rows, title=_("You said, we did"), labels=LABELS)
