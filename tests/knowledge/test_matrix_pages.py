"""The mapping matrix's pages through the test client: the table's structure for screen
readers, marks, filters, the page behind a row or cell, the workbook, bad filters, the
number of queries and the strict CSP."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from knowledge.models import Case, CaseIssue
from knowledge.vocabularies import CaseType
from tests.frontend.test_views import assert_strict_page
from tests.knowledge.factories import make_area, make_case, make_issue

pytestmark = pytest.mark.django_db

MATRIX = reverse("knowledge:matrix")
XLSX = reverse("knowledge:matrix_xlsx")


def table(html: str) -> ET.Element:
    """The matrix's <table>, parsed (the page writes it as well-formed markup)."""
    found = re.search(r'<table class="matrix">.*?</table>', html, re.S)
    assert found, "no matrix table"
    return ET.fromstring(found.group(0))  # noqa: S314 (our own page)


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def column_marks(root: ET.Element) -> dict[str, list[str]]:
    """Case name -> the issues marked in its column (read the way a screen reader
    pairs a cell with its headers)."""
    names = [text(th) for th in root.find("thead").findall("tr")[2].findall("th")[1:]]
    marked: dict[str, list[str]] = {name: [] for name in names}
    for body in root.findall("tbody"):
        for tr in body.findall("tr")[1:]:
            issue = text(tr.find("th"))
            for name, td in zip(names, tr.findall("td")[:-1], strict=True):
                if td.get("class") == "mapped":
                    assert td.find("a/span[@aria-hidden='true']").text == "\u2715"
                    assert td.find("a/span[@class='visually-hidden']").text == "addresses"
                    marked[name].append(issue)
    return marked


@pytest.fixture
def world():
    transparency = make_area("Transparency")
    labour = make_area("Labour rights")
    audit = make_issue(transparency, "Third-party audit")
    tracing = make_issue(transparency, "Chain of custody")
    wages = make_issue(labour, "Living wages")
    two = make_case(name="Two issues", slug="two-issues", sectors=["mobility"],
                    issues=(audit, wages))  # fmt: skip
    one = make_case(name="EU rule", slug="eu-rule", case_type=CaseType.PUBLIC_POLICY_EU,
                    sectors=["electronics"], issues=(audit,))  # fmt: skip
    tech = make_case(name="Tracer", slug="tracer", case_type=CaseType.COMPANY_TECHNOLOGY,
                     minerals=["cobalt"], issues=(tracing,))  # fmt: skip
    make_case(name="Still proposed", slug="proposed", status=Case.Status.PROPOSED, issues=(audit,))
    CaseIssue.objects.filter(case=two, issue=wages).update(note="Pays a living wage to all")
    return {"audit": audit, "tracing": tracing, "wages": wages, "two": two, "one": one,
            "tech": tech}  # fmt: skip


def test_the_matrix_is_a_table_a_screen_reader_can_follow(client, world):
    html = assert_strict_page(client.get(MATRIX))
    assert '<div class="table-scroll matrix-scroll" tabindex="0" role="region"' in html
    assert 'aria-labelledby="matrix-caption"' in html and 'id="matrix-caption"' in html
    root = table(html)
    head = root.find("thead").findall("tr")
    assert len(head) == 3
    groups = [(th.get("scope"), th.get("colspan"), text(th)) for th in head[0].findall("th")]
    assert groups == [
        ("colgroup", "2", "Large-scale initiatives"),
        ("colgroup", "1", "Individual companies"),
        ("col", None, "Cases addressing it"),
    ]
    types = [(th.get("scope"), th.get("colspan"), text(th)) for th in head[1].findall("th")]
    assert types == [
        ("colgroup", "1", "Private sector: value-chain initiative"),
        ("colgroup", "1", "Public policy: EU"),
        ("colgroup", "1", "Company: technology"),
    ]
    names = head[2].findall("th")
    assert [th.get("scope") for th in names] == ["col"] * 4
    assert [th.find("a").get("href") for th in names[1:]] == [
        "/cases/two-issues/",
        "/cases/eu-rule/",
        "/cases/tracer/",
    ]
    bodies = root.findall("tbody")
    areas = [body.find("tr/th") for body in bodies]
    assert [(th.get("scope"), th.get("colspan"), text(th)) for th in areas] == [
        ("rowgroup", "5", "Transparency"),
        ("rowgroup", "5", "Labour rights"),
    ]
    issues = [tr.find("th") for body in bodies for tr in body.findall("tr")[1:]]
    assert [(th.get("scope"), text(th)) for th in issues] == [
        ("row", "Third-party audit"),
        ("row", "Chain of custody"),
        ("row", "Living wages"),
    ]
    # A case mapped to two issues has two marks in its column; the proposed case none.
    assert column_marks(root) == {
        "Two issues": ["Third-party audit", "Living wages"],
        "EU rule": ["Third-party audit"],
        "Tracer": ["Chain of custody"],
    }
    assert "Still proposed" not in html
    # Counts per row (last column) and per column (the footer).
    assert [text(tr.findall("td")[-1]) for body in bodies for tr in body.findall("tr")[1:]] == [
        "2",
        "1",
        "1",
    ]
    foot = root.find("tfoot/tr")
    assert text(foot.find("th")) == "Issues it addresses"
    assert [text(td) for td in foot.findall("td")] == ["2", "1", "1", ""]


def test_a_mark_and_an_issue_lead_to_the_cases_behind_them(client, world):
    root = table(client.get(MATRIX).content.decode())
    audit_url = reverse("knowledge:matrix_issue", args=[world["audit"].pk])
    first_row = root.findall("tbody")[0].findall("tr")[1]
    assert first_row.find("th/a").get("href") == audit_url
    mark = first_row.find("td/a")
    assert mark.get("href") == f"{audit_url}?type=private_value_chain#case-two-issues"
    page = assert_strict_page(client.get(mark.get("href")))
    assert "<h1>Third-party audit</h1>" in page and "Transparency" in page
    assert "1 case addresses this issue" in page and "Type of case:" in page
    assert 'href="/cases/two-issues/"' in page and "/cases/eu-rule/" not in page
    # The whole row: every type.
    whole = client.get(audit_url).content.decode()
    assert "2 cases address this issue" in whole
    assert whole.index("Two issues") < whole.index("EU rule")
    assert "Still proposed" not in whole
    wages = client.get(reverse("knowledge:matrix_issue", args=[world["wages"].pk]))
    assert "Pays a living wage to all" in wages.content.decode()


def test_filters_narrow_the_columns_and_follow_the_links(client, world):
    html = assert_strict_page(client.get(MATRIX, {"sector": "mobility", "mineral": ""}))
    root = table(html)
    assert list(column_marks(root)) == ["Two issues"]
    assert "Sector: Mobility" in html
    assert f'href="{XLSX}?sector=mobility"' in html
    mark = root.find("tbody/tr[2]/td/a")
    assert mark.get("href").endswith("?type=private_value_chain&sector=mobility#case-two-issues")
    empty = client.get(MATRIX, {"mineral": "gold"}).content.decode()
    assert "No accepted case matches these filters." in empty and "<table" not in empty
    issue = reverse("knowledge:matrix_issue", args=[world["audit"].pk])
    narrowed = client.get(issue, {"sector": "electronics"}).content.decode()
    assert "1 case addresses this issue" in narrowed and "EU rule" in narrowed


@pytest.mark.parametrize(
    "url,params,says",
    [
        ("matrix", {"sector": "moon"}, "Sector: Select a valid choice. moon is not one of"),
        ("matrix", {"region": "mars", "maturity": "old"}, "Region: Select a valid choice."),
        ("issue", {"type": "novel"}, "Type of case: Select a valid choice. novel is not"),
        ("issue", {"mineral": "kryptonite"}, "Mineral: Select a valid choice."),
    ],
)
def test_a_filter_outside_its_list_is_refused_with_400(client, world, url, params, says):
    address = (
        MATRIX if url == "matrix" else reverse("knowledge:matrix_issue", args=[world["audit"].pk])
    )
    response = client.get(address, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "A filter was not understood. Choose a value from its list:" in html
    assert says in html
    assert "<table" not in html and "addresses this issue" not in html


def test_the_workbook_applies_the_filters_and_refuses_bad_ones(client, world):
    response = client.get(XLSX, {"sector": "mobility"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="impact-matrix.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(2, 1).value == "Sector: Mobility"
    assert [sheet.cell(3, c).value for c in range(1, 5)] == [
        "Impact area",
        "Impact issue",
        "Two issues",
        "Cases",
    ]
    assert [sheet.cell(r, 3).value for r in range(4, 8)] == ["x", None, "x", 2]
    bad = client.get(XLSX, {"mineral": "kryptonite"})
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("text/plain")
    assert "A filter was not understood: Mineral: Select a valid choice." in bad.content.decode()


def test_titles_follow_the_readers_language(client, world):
    world["audit"].title_in_fr = "Audit par un tiers"
    world["audit"].save()
    html = client.get(MATRIX, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in html
    assert ">Audit par un tiers</a>" in html
    # Not translated: the original, in an element that says its language.
    assert '<a href="/impact-matrix/issue/' in html and 'lang="en">Chain of custody</a>' in html


def test_an_unknown_issue_is_404(client, world):
    assert client.get(reverse("knowledge:matrix_issue", args=[999_999])).status_code == 404


def page_queries(client, n: int, issues) -> tuple[int, int]:
    for k in range(n):
        make_case(case_type=list(CaseType)[k % len(CaseType)], issues=issues[: 1 + k % 3])
    with CaptureQueriesContext(connection) as page:
        response = client.get(MATRIX)
    assert response.status_code == 200
    assert response.content.decode().count('scope="col" class="case-name"') == n
    with CaptureQueriesContext(connection) as workbook:
        assert client.get(XLSX).status_code == 200
    return len(page), len(workbook)


def test_the_pages_queries_do_not_grow_with_the_cases(client):
    area = make_area()
    issues = [make_issue(area) for _ in range(3)]
    five = page_queries(client, 5, issues)
    Case.objects.all().delete()
    fifty = page_queries(client, 50, issues)
    assert five == fifty
    assert five[1] == 3 and five[0] <= 5
