"""A report's tables as an XLSX workbook, one sheet per table (openpyxl): the table's
title in the first row, its headings in the second, then its rows with numbers as
numbers (a share in % with one decimal), dates as dates and every text safe from being
run as a formula (``people.spreadsheets.safe_cell``). A suppressed cell is empty."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from people.spreadsheets import safe_cell

# Characters a sheet's name may not hold, and its longest name (Excel's rules).
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31
FORMATS = {"percent": "0.0", "int": "#,##0", "number": "#,##0.##", "date": "yyyy-mm-dd"}


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid sheet name from ``title``, not yet in ``taken`` (compared ignoring case)."""
    base = FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
    name = base[:SHEET_NAME_LENGTH]
    number = 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        number += 1
    taken.add(name.lower())
    return name


def _value(cell: Any, fmt: str) -> Any:
    if cell is None:
        return None
    if fmt == "date" and isinstance(cell, str):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return safe_cell(cell)
    return safe_cell(cell)


def tables_workbook(tables: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(sheet_name(table["title"], taken))
        sheet.append([safe_cell(table["title"])])
        sheet["A1"].font = bold
        sheet.append([safe_cell(head) for head in table["head"]])
        for cell in sheet[2]:
            cell.font = bold
        formats = table["formats"]
        for row in table["rows"]:
            sheet.append([_value(cell, fmt) for cell, fmt in zip(row, formats, strict=True)])
            for cell, fmt in zip(sheet[sheet.max_row], formats, strict=True):
                if fmt in FORMATS and cell.value is not None:
                    cell.number_format = FORMATS[fmt]
        if table.get("note"):
            sheet.append([])
            sheet.append([safe_cell(table["note"])])
        for index, head in enumerate(table["head"], start=1):
            letter = sheet.cell(row=2, column=index).column_letter
            sheet.column_dimensions[letter].width = min(max(len(str(head)) + 2, 10), 48)
        sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
