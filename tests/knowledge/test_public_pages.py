"""The public repository and case pages, and the CSV and JSON exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge.models import Case, CaseAction, CaseEvidence, CaseIssue, CaseLink
from people.models import Organisation
from tests.knowledge.factories import make_area, make_case, make_issue

pytestmark = pytest.mark.django_db

REPOSITORY = "/cases/"


def listed(response) -> list[str]:
    return re.findall(r'id="case-([\w-]+)"', response.content.decode())


def test_routes():
    assert reverse("knowledge:repository") == REPOSITORY
    assert reverse("knowledge:case", args=["abc"]) == "/cases/abc/"
    assert reverse("knowledge:cases_csv") == "/cases.csv"
    assert reverse("knowledge:cases_json") == "/cases.json"


def test_the_repository_lists_accepted_cases_with_type_maturity_and_summary(client):
    make_case(slug="one", name="Cobalt refinery audit", summary="Audits of refiners.")
    make_case(slug="hidden", name="Proposed one", status=Case.Status.PROPOSED)
    response = client.get(REPOSITORY)
    page = response.content.decode()
    assert response.status_code == 200
    assert listed(response) == ["one"]
    assert "Cobalt refinery audit" in page and "Audits of refiners." in page
    assert "Private sector: value-chain initiative" in page
    assert "Established practice" in page
    assert "1 case" in page
    assert 'href="/cases/one/"' in page


def test_search_and_every_filter(client):
    issue = make_issue()
    make_case(slug="mining", name="Cobalt mining", sectors=["mining"], minerals=["cobalt"],
              regions=["sub_saharan_africa"], issues=(issue,),
              case_type="company_technology")  # fmt: skip
    make_case(slug="mobility", name="Lithium passport", sectors=["mobility"], minerals=["lithium"],
              maturity="emerging")  # fmt: skip
    for query, expected in [
        ("q=cobalt", ["mining"]),
        ("q=passport", ["mobility"]),
        ("type=company_technology", ["mining"]),
        ("maturity=emerging", ["mobility"]),
        ("sector=mining", ["mining"]),
        ("mineral=lithium", ["mobility"]),
        ("region=sub_saharan_africa", ["mining"]),
        (f"issue={issue.pk}", ["mining"]),
        ("q=cobalt&sector=mobility", []),
        ("q=", ["mining", "mobility"]),
    ]:
        response = client.get(f"{REPOSITORY}?{query}")
        assert response.status_code == 200, query
        assert listed(response) == expected, query
    page = client.get(f"{REPOSITORY}?q=cobalt").content.decode()
    assert "1 case matches “cobalt”" in page


@pytest.mark.parametrize(
    "query", ["type=nothing", "sector=%00", "issue=abc", "issue=999999", "q=" + "x" * 201]
)
def test_bad_filters_are_refused_with_a_message_and_every_case_shown(client, query):
    make_case(slug="one")
    response = client.get(f"{REPOSITORY}?{query}")
    assert response.status_code == 400
    assert "Some filters were not understood" in response.content.decode()
    assert listed(response) == ["one"]


def test_pages_of_fifty(client):
    Case.objects.bulk_create(
        [
            Case(
                slug=f"c-{n:03}",
                name=f"Case {n:03}",
                summary="s",
                case_type="private_sectoral",
                maturity="established",
                status=Case.Status.ACCEPTED,
            )
            for n in range(120)
        ]
    )
    first = client.get(REPOSITORY)
    assert len(listed(first)) == 50
    assert listed(first)[0] == "c-000"
    assert "120 cases" in first.content.decode()
    assert "Page 1 of 3" in first.content.decode()
    third = client.get(f"{REPOSITORY}?page=3")
    assert listed(third) == [f"c-{n:03}" for n in range(100, 120)]
    assert "Page 3 of 3 (101 to 120)" in third.content.decode()
    assert listed(client.get(f"{REPOSITORY}?page=99")) == listed(third)  # past the end: the last
    assert listed(client.get(f"{REPOSITORY}?page=x")) == listed(first)
    empty = client.get(f"{REPOSITORY}?q=nothingmatches&page=2")
    assert listed(empty) == [] and "0 cases match" in empty.content.decode()
    filtered = client.get(f"{REPOSITORY}?type=private_sectoral&page=2")
    assert 'href="?type=private_sectoral&amp;page=3"' in filtered.content.decode()


def test_a_case_page_shows_everything_about_the_case(client):
    area = make_area(title="Transparency, traceability and due diligence")
    audit = make_issue(area=area, title="Independent third-party audit")
    other_area = make_area(title="Environment")
    water = make_issue(area=other_area, title="Water use")
    case = make_case(
        slug="refinery",
        name="Refinery audit programme",
        summary="Audits of every refiner.",
        good_practice="Audits are **public**.",
        transfer="Start with *one* site.",
        sectors=["mining"],
        minerals=["cobalt", "tin"],
        stages=["midstream"],
        regions=["europe"],
        countries=["CD", "BE"],
        version=3,
    )
    CaseIssue.objects.create(case=case, issue=audit, note="Yearly, by accredited auditors")
    CaseIssue.objects.create(case=case, issue=water)
    case.organisations.add(Organisation.objects.create(name="Refiners Alliance"))
    CaseLink.objects.create(case=case, url="https://example.org/p", title="Programme site")
    CaseLink.objects.create(case=case, kind="source", url="https://example.org/r", title="Report")
    CaseAction.objects.create(
        case=case, text="Publish audit summaries", actor="policy", horizon=2030
    )
    CaseEvidence.objects.create(case=case, title="Expert validation", origin="Round 1",
                                url="/x/", source_key="round:1", collected_at=timezone.now())  # fmt: skip
    response = client.get("/cases/refinery/")
    page = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Refinery audit programme", "Audits of every refiner.", "<strong>public</strong>",
        "<em>one</em>", "Private sector: value-chain initiative", "Established practice",
        "Mining and processing", "Cobalt, Tin", "Refining, smelting and trading", "Europe",
        "Congo", "Belgium", "Refiners Alliance", "Transparency, traceability and due diligence",
        "Independent third-party audit", "Yearly, by accredited auditors", "Environment",
        "Water use", "Publish audit summaries", "Government / policy maker", "by 2030",
        "Expert validation", "Round 1", 'href="https://example.org/p"', "Programme site",
        "Report", "version 3",
    ]:  # fmt: skip
        assert text in page, text
    assert page.index("Transparency, traceability") < page.index("Independent third-party")
    assert page.index("Independent third-party") < page.index("Environment")


@pytest.mark.parametrize(
    "status", [Case.Status.PROPOSED, Case.Status.CHANGES_REQUESTED, Case.Status.DECLINED]
)
def test_a_case_not_accepted_is_not_found(client, status):
    make_case(slug="not-yet", status=status)
    assert client.get("/cases/not-yet/").status_code == 404
    assert client.get("/cases/no-such-case/").status_code == 404


def test_unsafe_markdown_is_stripped_or_escaped(client):
    make_case(
        slug="unsafe",
        name="<script>alert('name')</script>",
        summary="<img src=x onerror=alert(1)>",
        good_practice="<script>alert('x')</script>\n\n[click](javascript:alert(1))",
        transfer='<a href="#" onclick="alert(1)">x</a>',
    )
    case = Case.objects.get(slug="unsafe")
    CaseEvidence.objects.create(case=case, title="Bad link", url="javascript:alert(1)",
                                source_key="k", collected_at=timezone.now())  # fmt: skip
    CaseEvidence.objects.create(case=case, title="Other site", url="//evil.example/",
                                source_key="k2", collected_at=timezone.now())  # fmt: skip
    page = client.get("/cases/unsafe/").content.decode()
    assert "<li>Bad link</li>" in page and "<li>Other site</li>" in page
    assert "evil.example" not in page
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "<img" not in page
    assert '<a href="#" onclick' not in page  # shown as text, not a link
    assert "&lt;a href=" in page
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in page
    listing = client.get(REPOSITORY).content.decode()
    assert "<script>alert" not in listing and "<img" not in listing


def test_texts_in_the_readers_language_or_the_original_marked(client):
    make_case(slug="t", name="Traceability pilot", name_in_fr="Projet pilote de traçabilité",
              summary="Lots of cobalt followed.", good_practice="Open **data**.")  # fmt: skip
    page = client.get("/cases/t/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Projet pilote de traçabilité" in page
    assert '<span lang="en">Lots of cobalt followed.</span>' in page
    assert '<div class="prose" lang="en"><p>Open <strong>data</strong>.</p>' in page
    english = client.get("/cases/t/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Traceability pilot" in english and "Projet pilote" not in english


def test_no_inline_styles_or_scripts(client):
    make_case(slug="s", good_practice="text")
    for path in (REPOSITORY, "/cases/s/"):
        page = client.get(path).content.decode()
        assert " style=" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def _export_world():
    issue = make_issue(title="Third-party audit")
    case = make_case(slug="b", name="=HYPERLINK(\"x\")", summary="Second", sectors=["mining", "mobility"],
                     minerals=["cobalt"], countries=["CD"], issues=(issue,))  # fmt: skip
    case.organisations.add(Organisation.objects.create(name="Org one"))
    CaseLink.objects.create(case=case, url="https://example.org/b")
    make_case(slug="a", name="Alpha", summary="First")
    make_case(slug="p", name="Proposed", status=Case.Status.PROPOSED)


def test_the_csv_export(client):
    _export_world()
    response = client.get("/cases.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["slug"] for r in rows] == ["b", "a"]  # by name: "=" sorts before "A"
    first = rows[0]
    assert first["name"] == '\'=HYPERLINK("x")'  # safe from running as a formula
    assert first["sectors"] == "mining; mobility"
    assert first["minerals"] == "cobalt"
    assert first["countries"] == "CD"
    assert first["organisations"] == "Org one"
    assert first["impact_issues"] == "Third-party audit"
    assert first["links"] == "https://example.org/b"
    assert first["url"] == "/cases/b/"
    assert first["type"] == "private_value_chain" and first["maturity"] == "established"


def test_the_json_export(client):
    _export_world()
    response = client.get("/cases.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert [c["slug"] for c in data] == ["b", "a"]
    assert data[0]["name"] == '=HYPERLINK("x")'
    assert data[0]["sectors"] == ["mining", "mobility"]
    assert data[0]["organisations"] == ["Org one"]
    assert data[0]["impact_issues"] == ["Third-party audit"]
    assert data[1]["links"] == [] and data[1]["version"] == 1


def test_exports_are_read_only(client):
    assert client.post("/cases.csv").status_code == 405
    assert client.post("/cases.json").status_code == 405
    assert client.post(REPOSITORY).status_code == 405
