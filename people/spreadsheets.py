"""Tables of personal data written as CSV or XLSX, the same way wherever they are
exported (the directory, "you said, we did", reports): one header row, then one row per
record, every text cell safe from being run as a spreadsheet formula. A CSV's headings
are stable names a script can read; an XLSX workbook, the copy people read, may head its
columns in the reader's language instead (``labels``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# (key in each row, column heading)
Columns = Sequence[tuple[str, str]]


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (people wrote these texts)."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def as_csv(columns: Columns, rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _key, header in columns])
    for row in rows:
        writer.writerow([safe_cell(row[key]) for key, _header in columns])
    return out.getvalue()


def as_xlsx(
    columns: Columns,
    rows: Iterable[dict[str, Any]],
    *,
    title: str,
    labels: Mapping[str, Any] | None = None,
) -> bytes:
    """``labels``: a heading for people per column heading (the heading itself where
    there is none)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(title)[:31])
    labels = labels or {}
    sheet.append([str(labels.get(header, header)) for _key, header in columns])
    for row in rows:
        sheet.append([safe_cell(row[key]) for key, _header in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
