"""The mapping matrix as data (knowledge/matrix.py): columns, rows, cells, filters, the
number of queries, and the XLSX workbook."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from knowledge.matrix import (
    MatrixFilters,
    build_matrix,
    filters_from,
    issue_cases,
    matching_cases,
    matrix_xlsx,
)
from knowledge.models import Case, CaseIssue
from knowledge.vocabularies import CaseType, Maturity
from tests.knowledge.factories import make_area, make_case, make_issue

pytestmark = pytest.mark.django_db


def marks(matrix, case) -> list[str]:
    """The titles of the issues whose cell in ``case``'s column is marked."""
    i = [c.case_id for c in matrix.columns].index(case.pk)
    return [
        row.title.text for group in matrix.row_groups for row in group.rows if row.cells[i].mapped
    ]


@pytest.fixture
def vocabulary():
    transparency = make_area("Transparency")
    labour = make_area("Labour rights")
    audit = make_issue(transparency, "Third-party audit")
    tracing = make_issue(transparency, "Chain of custody")
    wages = make_issue(labour, "Living wages")
    return transparency, labour, audit, tracing, wages


def test_columns_are_grouped_by_type_group_then_type(vocabulary):
    *_, audit, tracing, wages = vocabulary
    tech = make_case(name="Tracer", case_type=CaseType.COMPANY_TECHNOLOGY, issues=(tracing,))
    eu = make_case(name="EU regulation", case_type=CaseType.PUBLIC_POLICY_EU, issues=(audit,))
    chain_b = make_case(name="B chain", issues=(wages,))
    chain_a = make_case(name="A chain", issues=(audit, wages))
    matrix = build_matrix(filters=MatrixFilters())
    assert [g.key for g in matrix.groups] == ["initiatives", "companies"]
    assert [[t.case_type for t in g.types] for g in matrix.groups] == [
        [CaseType.PRIVATE_VALUE_CHAIN, CaseType.PUBLIC_POLICY_EU],
        [CaseType.COMPANY_TECHNOLOGY],
    ]
    assert [g.span for g in matrix.groups] == [3, 1]
    assert [c.case_id for c in matrix.columns] == [chain_a.pk, chain_b.pk, eu.pk, tech.pk]
    assert str(matrix.groups[0].label) == "Large-scale initiatives"
    assert matrix.groups[0].types[0].label == "Private sector: value-chain initiative"


def test_a_case_mapped_to_two_issues_has_two_marks_in_its_column(vocabulary):
    *_, audit, _tracing, wages = vocabulary
    case = make_case(name="Two issues", issues=(audit, wages))
    other = make_case(name="One issue", issues=(audit,))
    CaseIssue.objects.filter(case=case, issue=wages).update(note="Pays above the benchmark")
    matrix = build_matrix(filters=MatrixFilters())
    assert marks(matrix, case) == ["Third-party audit", "Living wages"]
    assert marks(matrix, other) == ["Third-party audit"]
    # Rows grouped by area, in their order; counts per row and per column.
    assert [(g.title.text, [r.title.text for r in g.rows]) for g in matrix.row_groups] == [
        ("Transparency", ["Third-party audit", "Chain of custody"]),
        ("Labour rights", ["Living wages"]),
    ]
    assert [r.count for g in matrix.row_groups for r in g.rows] == [2, 0, 1]
    assert {c.case_id: c.count for c in matrix.columns} == {case.pk: 2, other.pk: 1}
    wage_row = matrix.row_groups[1].rows[0]
    i = [c.case_id for c in matrix.columns].index(case.pk)
    assert wage_row.cells[i].note == "Pays above the benchmark"


def test_cases_not_accepted_never_appear(vocabulary):
    *_, audit, _tracing, _wages = vocabulary
    shown = make_case(name="Accepted", issues=(audit,))
    for status in (Case.Status.PROPOSED, Case.Status.CHANGES_REQUESTED, Case.Status.DECLINED):
        make_case(name=f"Not public {status}", status=status, issues=(audit,))
    matrix = build_matrix(filters=MatrixFilters())
    assert [c.case_id for c in matrix.columns] == [shown.pk]
    assert matrix.row_groups[0].rows[0].count == 1
    found = issue_cases(issue=audit, filters=MatrixFilters())
    assert [c.slug for c in found.cases] == [shown.slug]


def test_filters_narrow_the_columns(vocabulary):
    *_, audit, _tracing, wages = vocabulary
    cobalt_mobility = make_case(
        name="Cobalt for cars",
        sectors=["mobility"],
        minerals=["cobalt", "nickel"],
        regions=["sub_saharan_africa"],
        maturity=Maturity.EMERGING,
        issues=(audit,),
    )
    copper = make_case(
        name="Copper",
        sectors=["electronics"],
        minerals=["copper"],
        regions=["latin_america", "europe"],
        issues=(wages,),
    )
    bare = make_case(name="No lists", issues=(audit,))

    def shown(**filters) -> list[int]:
        return [c.case_id for c in build_matrix(filters=MatrixFilters(**filters)).columns]

    assert shown() == [cobalt_mobility.pk, copper.pk, bare.pk]
    assert shown(sector="mobility") == [cobalt_mobility.pk]
    assert shown(mineral="nickel") == [cobalt_mobility.pk]
    assert shown(mineral="copper", region="europe") == [copper.pk]
    assert shown(maturity=Maturity.EMERGING) == [cobalt_mobility.pk]
    assert shown(maturity=Maturity.ESTABLISHED) == [copper.pk, bare.pk]
    assert shown(sector="mobility", region="europe") == []
    # A filtered-out case's marks are not counted either.
    matrix = build_matrix(filters=MatrixFilters(sector="electronics"))
    assert [r.count for g in matrix.row_groups for r in g.rows] == [0, 0, 1]
    # The page behind a row keeps to the same filters, and to a type.
    assert [c.slug for c in issue_cases(issue=audit, filters=MatrixFilters()).cases] == [
        cobalt_mobility.slug,
        bare.slug,
    ]
    narrowed = issue_cases(issue=audit, filters=MatrixFilters(mineral="cobalt"))
    assert [c.slug for c in narrowed.cases] == [cobalt_mobility.slug]
    typed = issue_cases(issue=audit, filters=MatrixFilters(case_type=CaseType.PUBLIC_POLICY_EU))
    assert typed.cases == []


def test_filter_values_outside_the_vocabularies_are_refused():
    form = filters_from({"sector": "mobility", "mineral": "kryptonite", "region": "mars"})
    assert not form.is_valid()
    assert set(form.errors) == {"mineral", "region"}
    assert "kryptonite is not one of the available choices" in str(form.errors["mineral"])
    ok = filters_from({"sector": "mobility", "maturity": "", "other": "ignored"})
    assert ok.is_valid() and ok.filters() == MatrixFilters(sector="mobility")
    assert not filters_from({}).is_bound and filters_from({}).filters() == MatrixFilters()
    # The type is a filter of the page behind a row only.
    assert "type" not in filters_from({"type": "nope"}).fields
    assert not filters_from({"type": "nope"}, with_type=True).is_valid()


def test_titles_and_names_are_in_the_readers_language(vocabulary):
    transparency, *_rest = vocabulary
    transparency.title_in_fr = "Transparence"
    transparency.save()
    make_case(name="Plain", name_in_fr="Simple", issues=(vocabulary[2],))
    matrix = build_matrix(filters=MatrixFilters(), language="fr")
    assert matrix.row_groups[0].title.text == "Transparence"
    assert matrix.columns[0].name.text == "Simple"
    # No translation: the original, marked as such.
    issue_title = matrix.row_groups[0].rows[0].title
    assert (issue_title.text, issue_title.fallback, issue_title.language) == (
        "Third-party audit",
        True,
        "en",
    )


def queries_for(n: int, issues) -> int:
    for k in range(n):
        make_case(
            case_type=list(CaseType)[k % len(CaseType)],
            sectors=["mobility"],
            issues=issues[: 1 + k % len(issues)],
        )
    with CaptureQueriesContext(connection) as queries:
        matrix = build_matrix(filters=MatrixFilters(sector="mobility"))
        matrix_xlsx(matrix)
    assert len(matrix.columns) == Case.objects.count()
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_cases(vocabulary):
    issues = vocabulary[2:]
    five = queries_for(5, issues)
    Case.objects.all().delete()
    fifty = queries_for(50, issues)
    assert five == fifty == 3


def test_the_workbook_has_the_pages_layout(vocabulary):
    _transparency, labour, audit, tracing, wages = vocabulary
    a = make_case(name="A chain", issues=(audit, wages))
    make_case(name="=HYPERLINK(evil)", issues=(tracing,))
    make_case(name="EU rule", case_type=CaseType.PUBLIC_POLICY_EU, issues=(audit,))
    make_case(name="Tracer", case_type=CaseType.COMPANY_TECHNOLOGY, issues=(wages,))
    make_case(name="Declined", status=Case.Status.DECLINED, issues=(audit,))
    CaseIssue.objects.filter(case=a, issue=audit).update(note="-audited yearly")
    labour.title = "+Labour rights"
    labour.save()
    with translation.override("en"):
        data = matrix_xlsx(build_matrix(filters=MatrixFilters()))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Impact matrix"
    # Merged: the first group over its 3 columns, the value-chain type over its 2, the
    # first area over its 2 issues (one-column groups and one-issue areas are not).
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A4:A5", "C1:E1", "C2:D2"]
    # Row 1: type groups; row 2: types; row 3: case names (texts safe from formulas).
    assert [sheet.cell(1, c).value for c in (1, 3, 6)] == [
        "Impact matrix",
        "Large-scale initiatives",
        "Individual companies",
    ]
    assert sheet.cell(2, 1).value == "No filters: every accepted case."
    assert [sheet.cell(2, c).value for c in (3, 5, 6)] == [
        "Private sector: value-chain initiative",
        "Public policy: EU",
        "Company: technology",
    ]
    header = [sheet.cell(3, c).value for c in range(1, 8)]
    assert header == ["Impact area", "Impact issue", "'=HYPERLINK(evil)", "A chain", "EU rule",
                      "Tracer", "Cases"]  # fmt: skip
    rows = [[sheet.cell(r, c).value for c in range(1, 8)] for r in range(4, 8)]
    assert rows == [
        ["Transparency", "Third-party audit", None, "x", "x", None, 2],
        [None, "Chain of custody", "x", None, None, None, 1],
        ["'+Labour rights", "Living wages", None, "x", None, "x", 2],
        [None, "Issues addressed", 1, 2, 1, 1, None],
    ]
    assert sheet.cell(4, 4).comment.text == "'-audited yearly"


def test_the_workbook_says_which_filters_it_applies(vocabulary):
    make_case(name="Cars", sectors=["mobility"], issues=(vocabulary[2],))
    make_case(name="Phones", sectors=["electronics"], issues=(vocabulary[2],))
    with translation.override("en"):
        data = matrix_xlsx(build_matrix(filters=MatrixFilters(sector="mobility")))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.cell(2, 1).value == "Sector: Mobility"
    assert sheet.cell(3, 3).value == "Cars" and sheet.cell(3, 4).value == "Cases"


def test_matching_cases_reads_no_long_texts():
    make_case(name="Short", good_practice="x" * 5_000)
    (case,) = matching_cases(filters=MatrixFilters())
    assert "good_practice" in case.get_deferred_fields()
