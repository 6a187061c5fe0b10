"""The mapping matrix (docs/knowledge.md, "The mapping matrix"): the public cases as
columns, grouped as in the programme's template (``CASE_TYPE_GROUPS``, then one column
group per case type), the impact issues as rows grouped by area, and in each cell whether
the case addresses the issue (with the mapping's note).

Reads only: three queries whatever the number of cases (issues with their areas, the
cases, the mappings). The sector, mineral and region filters look into JSON lists, which
SQLite cannot search with ``__contains``: they are applied in Python on the cases read,
the same way on every database; maturity is filtered in the query."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from consult.translations import LANGUAGE_CODES, Localized, column, localized
from people.spreadsheets import safe_cell
from people.vocabularies import Region, Sector

from .models import Case, CaseIssue, ImpactArea, ImpactIssue
from .vocabularies import CASE_TYPE_GROUPS, CaseType, Maturity, Mineral

FILTER_NAMES = ("sector", "mineral", "maturity", "region")


def _choices(choices: Iterable[tuple[str, object]]) -> list[tuple[str, object]]:
    """A filter's choices: "any" first, then the vocabulary's values (not its blank)."""
    return [("", _lazy("Any")), *[(value, label) for value, label in choices if value]]


class MatrixFilterForm(forms.Form):
    """The matrix's filters, as a GET form; a value outside the vocabulary is an error
    (the page answers 400 and says which filter)."""

    sector = forms.ChoiceField(label=_lazy("Sector"), required=False, choices=())
    mineral = forms.ChoiceField(label=_lazy("Mineral"), required=False, choices=())
    maturity = forms.ChoiceField(label=_lazy("Maturity"), required=False, choices=())
    region = forms.ChoiceField(label=_lazy("Region"), required=False, choices=())
    type = forms.ChoiceField(label=_lazy("Type of case"), required=False, choices=())

    def __init__(self, *args, with_type: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = _choices(Sector.choices)
        self.fields["mineral"].choices = _choices(Mineral.choices)
        self.fields["maturity"].choices = _choices(Maturity.choices)
        self.fields["region"].choices = _choices(Region.choices)
        if with_type:
            self.fields["type"].choices = _choices(CaseType.choices)
        else:
            del self.fields["type"]

    def filters(self) -> MatrixFilters:
        """The filters of a valid form (none for an unbound one)."""
        if not self.is_bound:
            return MatrixFilters()
        data = self.cleaned_data
        return MatrixFilters(
            sector=data.get("sector", ""),
            mineral=data.get("mineral", ""),
            maturity=data.get("maturity", ""),
            region=data.get("region", ""),
            case_type=data.get("type", ""),
        )


@dataclass(frozen=True)
class MatrixFilters:
    """What narrows the matrix's columns ("" = any). ``case_type`` is used by the
    pages behind a row (the matrix itself always shows every type)."""

    sector: str = ""
    mineral: str = ""
    maturity: str = ""
    region: str = ""
    case_type: str = ""

    def active(self) -> bool:
        return any((self.sector, self.mineral, self.maturity, self.region))

    def query(self) -> dict[str, str]:
        """The filters as GET parameters (only those set), for links and exports."""
        pairs = {name: getattr(self, name) for name in FILTER_NAMES}
        return {key: value for key, value in pairs.items() if value}

    def describe(self) -> str:
        """The filters in words, in the active language ("Sector: Mobility; ...")."""
        labels = {
            "sector": (_("Sector"), dict(Sector.choices)),
            "mineral": (_("Mineral"), dict(Mineral.choices)),
            "maturity": (_("Maturity"), dict(Maturity.choices)),
            "region": (_("Region"), dict(Region.choices)),
        }
        parts = [
            f"{labels[name][0]}: {labels[name][1].get(value, value)}"
            for name, value in self.query().items()
        ]
        return "; ".join(parts) if parts else _("No filters: every accepted case.")


@dataclass
class MatrixColumn:
    """A case's column: its name in the reader's language and how many issues it
    addresses."""

    case_id: int
    slug: str
    case_type: str
    name: Localized
    count: int = 0


@dataclass
class TypeColumns:
    """The columns of one case type (a column group inside a type group)."""

    case_type: str
    label: str
    columns: list[MatrixColumn]

    @property
    def span(self) -> int:
        return len(self.columns)


@dataclass
class ColumnGroup:
    """One of CASE_TYPE_GROUPS with the types that have cases."""

    key: str
    label: str
    types: list[TypeColumns]

    @property
    def span(self) -> int:
        return sum(t.span for t in self.types)


@dataclass
class Cell:
    mapped: bool
    note: str = ""


@dataclass
class MatrixRow:
    """An impact issue: one cell per column, and how many cases address it."""

    issue_id: int
    title: Localized
    cells: list[Cell]
    count: int = 0


@dataclass
class RowGroup:
    area_id: int
    title: Localized
    rows: list[MatrixRow]


@dataclass
class Matrix:
    filters: MatrixFilters
    groups: list[ColumnGroup]
    row_groups: list[RowGroup]
    columns: list[MatrixColumn] = field(default_factory=list)

    @property
    def types(self) -> list[TypeColumns]:
        return [t for group in self.groups for t in group.types]

    @property
    def issue_count(self) -> int:
        return sum(len(g.rows) for g in self.row_groups)


# What a column needs of a case (its texts are not read: the matrix shows names only).
_CASE_FIELDS = (
    "id",
    "slug",
    "name",
    *(column("name", code) for code in LANGUAGE_CODES),
    "language",
    "case_type",
    "maturity",
    "sectors",
    "minerals",
    "regions",
)


def _contains(values: object, wanted: str) -> bool:
    return not wanted or (isinstance(values, list) and wanted in values)


def matching_cases(*, filters: MatrixFilters) -> list[Case]:
    """The accepted cases the filters keep, in the order of their names (one query)."""
    cases = Case.objects.filter(status=Case.Status.ACCEPTED).only(*_CASE_FIELDS)
    if filters.maturity:
        cases = cases.filter(maturity=filters.maturity)
    if filters.case_type:
        cases = cases.filter(case_type=filters.case_type)
    return [
        case
        for case in cases.order_by("name", "id")
        if _contains(case.sectors, filters.sector)
        and _contains(case.minerals, filters.mineral)
        and _contains(case.regions, filters.region)
    ]


def _column_groups(cases: list[Case], *, language: str | None) -> list[ColumnGroup]:
    by_type: dict[str, list[MatrixColumn]] = {}
    for case in cases:
        by_type.setdefault(case.case_type, []).append(
            MatrixColumn(
                case_id=case.pk,
                slug=case.slug,
                case_type=case.case_type,
                name=localized(case, "name", language=language),
            )
        )
    labels = dict(CaseType.choices)
    groups = []
    for key, label, types in CASE_TYPE_GROUPS:
        present = [
            TypeColumns(case_type=str(t), label=str(labels[t]), columns=by_type[t])
            for t in types
            if t in by_type
        ]
        if present:
            groups.append(ColumnGroup(key=key, label=str(label), types=present))
    return groups


def build_matrix(*, filters: MatrixFilters, language: str | None = None) -> Matrix:
    """The matrix for ``filters`` (titles and names in ``language``, the active one by
    default). Every issue is a row, whether or not a shown case addresses it; areas with
    no issue have no rows."""
    cases = matching_cases(filters=filters)
    groups = _column_groups(cases, language=language)
    columns = [c for group in groups for t in group.types for c in t.columns]
    index = {c.case_id: i for i, c in enumerate(columns)}
    issues = list(ImpactIssue.objects.select_related("area"))
    mappings: dict[int, dict[int, str]] = {}
    if columns:
        rows = CaseIssue.objects.filter(case__status=Case.Status.ACCEPTED)
        if filters.maturity:
            rows = rows.filter(case__maturity=filters.maturity)
        if filters.case_type:
            rows = rows.filter(case__case_type=filters.case_type)
        for case_id, issue_id, note in rows.values_list("case_id", "issue_id", "note"):
            if case_id in index:
                mappings.setdefault(issue_id, {})[case_id] = note
    row_groups: list[RowGroup] = []
    areas: dict[int, RowGroup] = {}
    for issue in issues:
        area: ImpactArea = issue.area
        group = areas.get(area.pk)
        if group is None:
            group = areas[area.pk] = RowGroup(
                area_id=area.pk, title=localized(area, "title", language=language), rows=[]
            )
            row_groups.append(group)
        mapped = mappings.get(issue.pk, {})
        cells = [Cell(mapped=False)] * len(columns)
        for case_id, note in mapped.items():
            cells[index[case_id]] = Cell(mapped=True, note=note)
            columns[index[case_id]].count += 1
        group.rows.append(
            MatrixRow(
                issue_id=issue.pk,
                title=localized(issue, "title", language=language),
                cells=cells,
                count=len(mapped),
            )
        )
    return Matrix(filters=filters, groups=groups, row_groups=row_groups, columns=columns)


@dataclass
class IssueCase:
    """A case behind a row or cell, with its mapping's note."""

    slug: str
    name: Localized
    case_type: str
    type_label: str
    note: str


@dataclass
class IssueCases:
    """The cases addressing one issue (the page behind a matrix cell or row)."""

    issue: ImpactIssue
    title: Localized
    area_title: Localized
    filters: MatrixFilters
    cases: list[IssueCase]


def issue_cases(
    *, issue: ImpactIssue, filters: MatrixFilters, language: str | None = None
) -> IssueCases:
    """The accepted cases the filters keep that address ``issue``, by type (in the
    order of CASE_TYPE_GROUPS) then name (two queries)."""
    kept = {case.pk: case for case in matching_cases(filters=filters)}
    notes = dict(
        CaseIssue.objects.filter(issue=issue, case_id__in=list(kept)).values_list("case_id", "note")
    )
    order = {str(t): i for i, t in enumerate(t for _k, _l, ts in CASE_TYPE_GROUPS for t in ts)}
    labels = dict(CaseType.choices)
    cases = [
        IssueCase(
            slug=case.slug,
            name=localized(case, "name", language=language),
            case_type=case.case_type,
            type_label=str(labels.get(case.case_type, case.case_type)),
            note=notes[pk],
        )
        for pk, case in kept.items()
        if pk in notes
    ]
    cases.sort(key=lambda c: (order.get(c.case_type, len(order)), c.name.text.casefold()))
    return IssueCases(
        issue=issue,
        title=localized(issue, "title", language=language),
        area_title=localized(issue.area, "title", language=language),
        filters=filters,
        cases=cases,
    )


def filters_from(params: Mapping[str, str], *, with_type: bool = False) -> MatrixFilterForm:
    """The filter form bound to ``params`` when any filter is given (unbound else)."""
    names = (*FILTER_NAMES, "type") if with_type else FILTER_NAMES
    given = {name: params.get(name, "") for name in names if name in params}
    return MatrixFilterForm(given or None, with_type=with_type)


# ------------------------------------------------------------------ the workbook

HEADER_ROWS = 3  # type groups, case types, case names
LEAD_COLUMNS = 2  # area, issue


def matrix_xlsx(matrix: Matrix) -> bytes:
    """The matrix as a workbook in the page's layout: the type groups merged over their
    columns (row 1), the case types merged over theirs (row 2), the case names (row 3);
    the area (merged down over its issues) and the issue in the first two columns; an
    "x" where a case addresses an issue, its note as the cell's comment; the number of
    cases per issue in the last column and of issues per case in the last row. The
    title and the filters applied are in the top-left corner. Every text people wrote
    goes through ``safe_cell``."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Impact matrix")[:31]
    bold = Font(bold=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    first = LEAD_COLUMNS + 1
    last = LEAD_COLUMNS + len(matrix.columns)
    total_column = last + 1

    sheet.cell(1, 1, safe_cell(_("Impact matrix"))).font = bold
    sheet.cell(2, 1, safe_cell(matrix.filters.describe()))
    sheet.cell(HEADER_ROWS, 1, _("Impact area")).font = bold
    sheet.cell(HEADER_ROWS, 2, _("Impact issue")).font = bold
    sheet.cell(HEADER_ROWS, total_column, _("Cases")).font = bold

    col = first
    for group in matrix.groups:
        cell = sheet.cell(1, col, safe_cell(group.label))
        cell.font, cell.alignment = bold, centred
        if group.span > 1:
            sheet.merge_cells(
                start_row=1, start_column=col, end_row=1, end_column=col + group.span - 1
            )
        type_col = col
        for kind in group.types:
            cell = sheet.cell(2, type_col, safe_cell(kind.label))
            cell.font, cell.alignment = bold, centred
            if kind.span > 1:
                sheet.merge_cells(
                    start_row=2,
                    start_column=type_col,
                    end_row=2,
                    end_column=type_col + kind.span - 1,
                )
            type_col += kind.span
        col += group.span
    for i, case in enumerate(matrix.columns):
        cell = sheet.cell(HEADER_ROWS, first + i, safe_cell(case.name.text))
        cell.font, cell.alignment = bold, centred

    row = HEADER_ROWS + 1
    for group in matrix.row_groups:
        top = row
        for issue in group.rows:
            sheet.cell(row, 2, safe_cell(issue.title.text))
            for i, mark in enumerate(issue.cells):
                if mark.mapped:
                    cell = sheet.cell(row, first + i, "x")
                    cell.alignment = centred
                    if mark.note:
                        cell.comment = Comment(safe_cell(mark.note), "")
            sheet.cell(row, total_column, issue.count)
            row += 1
        area = sheet.cell(top, 1, safe_cell(group.title.text))
        area.font = bold
        area.alignment = Alignment(vertical="top", wrap_text=True)
        if row - 1 > top:
            sheet.merge_cells(start_row=top, start_column=1, end_row=row - 1, end_column=1)
    sheet.cell(row, 2, _("Issues addressed")).font = bold
    for i, case in enumerate(matrix.columns):
        sheet.cell(row, first + i, case.count)

    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 48
    for i in range(len(matrix.columns)):
        sheet.column_dimensions[get_column_letter(first + i)].width = 16
    sheet.freeze_panes = sheet.cell(HEADER_ROWS + 1, first)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
