"""The knowledge repository's read-only API: shapes, filters, pagination, the one error
shape, and its OpenAPI schema."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from knowledge.models import Case, CaseAction, CaseEvidence, CaseIssue, CaseLink
from people.models import Organisation
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def slugs(response) -> list[str]:
    return [c["slug"] for c in response.json()["results"]]


def test_anyone_lists_accepted_cases_in_pages(api):
    make_case(slug="b", name="Beta", summary="Second")
    make_case(slug="a", name="Alpha", summary="First", sectors=["mining"], countries=["CD"])
    make_case(slug="p", name="Proposed", status=Case.Status.PROPOSED)
    response = api.get("/api/cases/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    first = body["results"][0]
    assert first == {
        "id": Case.objects.get(slug="a").pk,
        "slug": "a",
        "name": "Alpha",
        "summary": "First",
        "language": "en",
        "type": "private_value_chain",
        "maturity": "established",
        "sectors": ["mining"],
        "minerals": [],
        "stages": [],
        "regions": [],
        "countries": ["CD"],
        "version": 1,
        "url": "/cases/a/",
    }
    assert slugs(response) == ["a", "b"]


def test_pages_of_fifty_and_a_page_size(api):
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
            for n in range(60)
        ]
    )
    first = api.get("/api/cases/").json()
    assert first["count"] == 60 and len(first["results"]) == 50
    assert first["next"].endswith("/api/cases/?page=2")
    assert len(api.get("/api/cases/?page=2").json()["results"]) == 10
    assert len(api.get("/api/cases/?page_size=5").json()["results"]) == 5
    missing = api.get("/api/cases/?page=9")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_search_and_filters(api):
    issue = make_issue()
    make_case(slug="m", name="Cobalt mining", sectors=["mining"], minerals=["cobalt"],
              regions=["europe"], issues=(issue,), case_type="company_technology")  # fmt: skip
    make_case(slug="l", name="Lithium passport", maturity="emerging",
              summary_in_es="Pasaporte de baterías")  # fmt: skip
    for query, expected in [
        ("q=cobalt", ["m"]),
        ("q=baterías", ["l"]),
        ("q=batería&language=es", ["l"]),
        ("type=company_technology", ["m"]),
        ("maturity=emerging", ["l"]),
        ("sector=mining", ["m"]),
        ("mineral=cobalt", ["m"]),
        ("region=europe", ["m"]),
        (f"issue={issue.pk}", ["m"]),
        ("q=passport&sector=mining", []),
    ]:
        response = api.get(f"/api/cases/?{query}")
        assert response.status_code == 200, query
        assert slugs(response) == expected, query


def test_bad_filters_answer_400_in_the_one_error_shape(api):
    response = api.get("/api/cases/?type=nothing&issue=abc&q=" + "x" * 201)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"type", "issue", "q"}
    assert "private_value_chain" in error["fields"]["type"][0]
    assert api.get("/api/cases/?sector=%00").status_code == 400
    assert api.get("/api/cases/?language=xx").status_code == 400


def test_a_case_in_full(api):
    area = make_area(title="Transparency")
    issue = make_issue(area=area, title="Third-party audit")
    case = make_case(slug="r", name="Refinery audit", good_practice="Audits are **public**.",
                     transfer="<script>x</script>", name_in_fr="Audit des raffineries")  # fmt: skip
    CaseIssue.objects.create(case=case, issue=issue, note="Yearly")
    case.organisations.add(Organisation.objects.create(name="Refiners Alliance"))
    CaseLink.objects.create(case=case, url="https://example.org/", title="Site")
    CaseAction.objects.create(case=case, text="Publish", actor="policy", horizon=2030)
    CaseEvidence.objects.create(case=case, title="Validation", origin="Round 1", url="/x/",
                                source_key="round:1", collected_at=timezone.now())  # fmt: skip
    body = api.get("/api/cases/r/").json()
    assert body["good_practice"] == "Audits are **public**."
    assert body["good_practice_html"] == "<p>Audits are <strong>public</strong>.</p>\n"
    assert "<script>" not in body["transfer_html"]
    assert body["translations"] == {
        "fr": {"name": "Audit des raffineries", "summary": "", "good_practice": "", "transfer": ""}
    }
    assert body["organisations"] == ["Refiners Alliance"]
    assert body["links"] == [{"kind": "link", "url": "https://example.org/", "title": "Site"}]
    assert body["issues"] == [
        {"issue": issue.pk, "area": area.pk, "title": "Third-party audit", "note": "Yearly"}
    ]
    assert body["actions"] == [
        {"text": "Publish", "actor": "policy", "horizon": 2030, "issue": None}
    ]
    assert body["evidence"] == [{"title": "Validation", "origin": "Round 1", "url": "/x/"}]


def test_a_case_not_accepted_is_not_found(api):
    make_case(slug="p", status=Case.Status.PROPOSED)
    for path in ("/api/cases/p/", "/api/cases/nothing/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_impact_areas_with_their_issues(api):
    area = make_area(title="Transparency", title_in_es="Transparencia")
    issue = make_issue(area=area, title="Audit")
    empty = make_area(title="Environment")
    body = api.get("/api/impact-areas/").json()
    assert body == [
        {
            "id": area.pk,
            "title": "Transparency",
            "language": "en",
            "translations": {"es": {"title": "Transparencia"}},
            "position": area.position,
            "issues": [
                {
                    "id": issue.pk,
                    "title": "Audit",
                    "language": "en",
                    "translations": {},
                    "position": issue.position,
                }
            ],
        },
        {
            "id": empty.pk,
            "title": "Environment",
            "language": "en",
            "translations": {},
            "position": empty.position,
            "issues": [],
        },
    ]


def test_the_impact_matrix_lists_accepted_case_ids_per_issue(api):
    area = make_area()
    audit, water, unused = (make_issue(area=area) for _ in range(3))
    a = make_case(issues=(audit, water))
    b = make_case(issues=(audit,))
    make_case(issues=(audit, unused), status=Case.Status.DECLINED)
    body = api.get("/api/impact-matrix/").json()
    assert body == [
        {"issue": audit.pk, "area": area.pk, "cases": [a.pk, b.pk]},
        {"issue": water.pk, "area": area.pk, "cases": [a.pk]},
        {"issue": unused.pk, "area": area.pk, "cases": []},
    ]


@pytest.mark.parametrize(
    "path", ["/api/cases/", "/api/cases/x/", "/api/impact-areas/", "/api/impact-matrix/"]
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only_for_everyone(api, path, method):
    make_case(slug="x")
    api.force_authenticate(make_manager())
    response = getattr(api, method)(path, {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert Case.objects.count() == 1


def test_the_schema_declares_the_knowledge_operations(api):
    schema = api.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    error = {"$ref": "#/components/schemas/Error"}
    expected = {
        "/api/cases/": {"200", "400", "404", "406", "429"},
        "/api/cases/{slug}/": {"200", "404", "406", "429"},
        "/api/impact-areas/": {"200", "406", "429"},
        "/api/impact-matrix/": {"200", "406", "429"},
    }
    for path, statuses in expected.items():
        assert set(paths[path]) == {"get"}, path
        responses = paths[path]["get"]["responses"]
        assert set(responses) == statuses, path
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"] == {"application/json": {"schema": error}}
    listing = paths["/api/cases/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "q", "type", "maturity", "sector", "mineral", "region", "issue", "page", "page_size"
    }  # fmt: skip
    ok = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PaginatedCaseList"}
