"""The mapping matrix's pages (public, no account): the matrix, the cases behind one
of its rows or cells, and the matrix as an XLSX workbook (knowledge/matrix.py builds
them). A filter value outside its vocabulary is refused with 400 and says which."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consult.translations import localized

from .actions import issue_actions
from .matrix import (
    Matrix,
    MatrixFilterForm,
    build_matrix,
    filters_from,
    issue_cases,
    matrix_xlsx,
)
from .models import ImpactIssue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_SLOT = "0000000000"


def _addresses(route: str, fallback: str) -> Callable[[object], str]:
    """A route's address for any argument, reversed once (a page of 500 cases would
    otherwise reverse 500 times). ``fallback``: its pattern while the route is not
    there. Arguments are slugs and ids, which need no quoting."""
    try:
        before, after = reverse(route, args=[_SLOT]).split(_SLOT, 1)
    except NoReverseMatch:
        before, after = fallback.split("{}", 1)
    return lambda arg: f"{before}{arg}{after}"


def case_href(slug: str) -> str:
    """A public case page's address (``knowledge:case``; "/cases/<slug>/" while that
    route is not there)."""
    return _addresses("knowledge:case", "/cases/{}/")(slug)


def _with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def _bad_filters(request: HttpRequest, form: MatrixFilterForm, template: str, **context):
    return render(
        request,
        template,
        {"form": form, "bad_filters": True, **context},
        status=400,
    )


def _cells_html(matrix: Matrix, issue_urls: dict[int, str]) -> dict[int, SafeString]:
    """Each row's cells as HTML, keyed by issue id. Written here rather than looped in
    the template: 500 cases by 60 issues are 30,000 cells, which the template engine
    takes most of a second to write and this takes milliseconds. Every text in it is
    escaped."""
    addresses = escape(_("addresses"))
    filters = matrix.filters.query()
    suffixes = [
        escape(f"?{urlencode({'type': c.case_type, **filters})}#case-{c.slug}")
        for c in matrix.columns
    ]
    empty = "<td></td>"
    html: dict[int, SafeString] = {}
    for group in matrix.row_groups:
        for row in group.rows:
            url = escape(issue_urls[row.issue_id])
            parts = [
                (
                    f'<td class="mapped"><a href="{url}{suffixes[i]}">'
                    f'<span aria-hidden="true">\u2715</span>'
                    f'<span class="visually-hidden">{addresses}</span></a></td>'
                )
                if cell.mapped
                else empty
                for i, cell in enumerate(row.cells)
            ]
            html[row.issue_id] = mark_safe("".join(parts))  # noqa: S308 (escaped above)
    return html


@require_GET
def matrix_page(request: HttpRequest) -> HttpResponse:
    """The matrix: cases as columns grouped by type, issues as rows grouped by area."""
    form = filters_from(request.GET)
    if form.is_bound and not form.is_valid():
        return _bad_filters(request, form, "knowledge/matrix.html")
    matrix = build_matrix(filters=form.filters())
    query = matrix.filters.query()
    issue_url = _addresses("knowledge:matrix_issue", "/impact-matrix/issue/{}/")
    issue_urls = {
        row.issue_id: issue_url(row.issue_id) for group in matrix.row_groups for row in group.rows
    }
    cells = _cells_html(matrix, issue_urls)
    rows = [
        (
            group,
            [
                (row, _with_query(issue_urls[row.issue_id], query), cells[row.issue_id])
                for row in group.rows
            ],
        )
        for group in matrix.row_groups
    ]
    case_url = _addresses("knowledge:case", "/cases/{}/")
    columns = [(column, case_url(column.slug)) for column in matrix.columns]
    return render(
        request,
        "knowledge/matrix.html",
        {
            "form": form,
            "matrix": matrix,
            "rows": rows,
            "columns": columns,
            "span": len(matrix.columns) + 2,
            "xlsx_url": _with_query(reverse("knowledge:matrix_xlsx"), query),
        },
    )


@require_GET
def matrix_issue(request: HttpRequest, issue_id: int) -> HttpResponse:
    """The cases behind a row of the matrix (or one cell: ``?type=``), with notes."""
    issue = get_object_or_404(ImpactIssue.objects.select_related("area"), pk=issue_id)
    titles = {"title": localized(issue, "title"), "area_title": localized(issue.area, "title")}
    # The actions about the issue (knowledge/actions.py), whatever the case filters.
    titles["actions"] = issue_actions(issue)
    form = filters_from(request.GET, with_type=True)
    if form.is_bound and not form.is_valid():
        return _bad_filters(request, form, "knowledge/matrix_issue.html", issue=issue, **titles)
    filters = form.filters()
    found = issue_cases(issue=issue, filters=filters)
    return render(
        request,
        "knowledge/matrix_issue.html",
        {
            "form": form,
            "issue": issue,
            "found": found,
            "cases": [(case, case_href(case.slug)) for case in found.cases],
            "type_label": dict(form.fields["type"].choices).get(filters.case_type, ""),
            "matrix_url": _with_query(reverse("knowledge:matrix"), filters.query()),
            **titles,
        },
    )


@require_GET
def matrix_download(request: HttpRequest) -> HttpResponse:
    """The matrix as an XLSX workbook, with the page's filters."""
    form = filters_from(request.GET)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        message = _("A filter was not understood: %(problems)s") % {"problems": problems}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(matrix_xlsx(build_matrix(filters=form.filters())), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="impact-matrix.xlsx"'
    return response
