"""The consultation API: same permissions and rules as the pages, typed refusals, and
an OpenAPI schema with its docs page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from consult import selectors, services
from consult.models import Comment, Disposition, ProcessRole, ValidationAnswer
from tests.consult.factories import make_consultation, make_member, make_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def first_section(consultation):
    return selectors.latest_version(consultation).texts.order_by("position")[0].section


def test_anyone_lists_public_consultations_but_not_drafts_or_private_ones(api):
    public = make_consultation()
    make_consultation(status="draft")
    private = make_consultation(is_public=False)
    ids = [c["id"] for c in api.get("/api/consultations/").json()]
    assert ids == [public.pk]
    assert api.get(f"/api/consultations/{private.pk}/").status_code == 404
    api.force_authenticate(make_member())
    assert api.get(f"/api/consultations/{private.pk}/").status_code == 200


def test_processes_are_listed_to_those_the_pages_show_them_to(api):
    """A process shows once something in it may be read (a consultation, as the pages
    decide), and to its organisers from the start; its moderators see only what any
    account sees (drafts are for organisers)."""
    public = make_consultation().process
    members_only = make_consultation(is_public=False).process
    preparing = make_consultation(status="draft").process
    empty = make_process()
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=preparing)
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=preparing)

    def listed(user=None) -> set[str]:
        api.force_authenticate(user)
        return {p["slug"] for p in api.get("/api/processes/").json()}

    assert listed() == {public.slug}
    assert listed(make_member()) == {public.slug, members_only.slug}
    assert listed(moderator) == {public.slug, members_only.slug}
    organised = {public.slug, members_only.slug, preparing.slug}
    assert listed(preparing.owner) == listed(organiser) == organised
    assert listed(empty.owner) == {public.slug, members_only.slug, empty.slug}
    for user, status in ((None, 404), (make_member(), 404), (moderator, 404), (organiser, 200)):
        api.force_authenticate(user)
        assert api.get(f"/api/processes/{preparing.pk}/").status_code == status
    api.force_authenticate(None)
    assert api.get(f"/api/processes/{members_only.pk}/").status_code == 404


def test_versions_carry_sections_with_sanitised_html(api):
    consultation = make_consultation(
        sections=[{"type": "vision", "heading": "V", "body": "**ok** <script>x</script>"}]
    )
    data = api.get(reverse("api-versions", args=[consultation.pk])).json()
    versions = data["results"] if isinstance(data, dict) else data
    html = versions[0]["sections"][0]["html"]
    assert "<strong>ok</strong>" in html and "<script>" not in html


def test_comments_are_created_listed_edited_and_deleted_with_the_page_rules(api):
    consultation = make_consultation()
    section = first_section(consultation)
    url = reverse("api-section-comments", args=[section.pk])
    assert api.post(url, {"body": "Anonymous"}, format="json").status_code in (401, 403)
    ana, ben = make_member(), make_member()
    api.force_authenticate(ana)
    created = api.post(url, {"body": "Add recycling."}, format="json")
    assert created.status_code == 201 and created.json()["version"] == 1
    assert api.post(url, {"body": ""}, format="json").status_code == 400
    assert api.post(url, {"body": "x" * 5001}, format="json").status_code == 400
    assert api.post(url, {"body": ["not", "text"]}, format="json").status_code == 400
    comment_url = reverse("api-comment", args=[created.json()["id"]])
    api.force_authenticate(ben)
    assert api.patch(comment_url, {"body": "Hijack"}, format="json").status_code == 403
    assert api.delete(comment_url).status_code == 403
    api.force_authenticate(ana)
    assert (
        api.patch(comment_url, {"body": "Add recycling targets."}, format="json").status_code == 200
    )
    assert api.delete(comment_url).status_code == 204
    listed = api.get(url).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["state"] == "deleted" and rows[0]["body"] == ""
    assert Comment.objects.count() == 1


def test_closed_consultations_refuse_comments(api):
    consultation = make_consultation(status="closed")
    api.force_authenticate(make_member())
    url = reverse("api-section-comments", args=[first_section(consultation).pk])
    assert api.post(url, {"body": "Late"}, format="json").status_code == 403
    assert Comment.objects.count() == 0


def test_validation_answers_and_dispositions_through_the_api(api):
    consultation = make_consultation()
    owner = consultation.process.owner
    round_ = services.open_round(
        consultation=consultation, by=owner, version=selectors.latest_version(consultation)
    )
    section = first_section(consultation)
    url = reverse("api-round-answer", args=[round_.pk])
    user = make_member()
    api.force_authenticate(user)
    refused = api.post(url, {"section": section.pk, "verdict": "disagree"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    ok = api.post(
        url, {"section": section.pk, "verdict": "disagree", "reason": "Too slow"}, format="json"
    )
    assert ok.status_code == 200
    answer = ValidationAnswer.objects.get()
    body = {"answer": answer.pk, "decision": "accepted", "response": "Brought forward."}
    assert api.post(reverse("api-dispositions"), body, format="json").status_code == 403
    api.force_authenticate(owner)
    assert (
        api.post(reverse("api-dispositions"), {**body, "decision": "x"}, format="json").status_code
        == 400
    )
    assert api.post(reverse("api-dispositions"), body, format="json").status_code == 201
    assert Disposition.objects.get().answer == answer


def test_the_openapi_schema_and_its_docs_page(api):
    schema = api.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/consultations/", "/api/sections/{id}/comments/", "/api/dispositions/"):
        assert path in paths
    docs = api.get(reverse("api-docs"))
    assert docs.status_code == 200 and b"<redoc spec-url" in docs.content
    assert b"<style" not in docs.content and b"fonts.googleapis" not in docs.content


def test_the_schema_declares_every_answer_in_the_one_error_shape(api):
    schema = api.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    error = {"$ref": "#/components/schemas/Error"}
    assert components["Error"]["required"] == ["error"]
    assert components["ErrorBody"]["required"] == ["code", "message"]
    statuses = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            statuses[f"{method.upper()} {path}"] = set(responses)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert response["content"] == {"application/json": {"schema": error}}
            assert responses["429"]["headers"]["Retry-After"]["required"] is True
    writes = {"400", "403", "404", "406", "415", "429"}
    assert statuses == {
        "GET /api/processes/": {"200", "406", "429"},
        "GET /api/cases/": {"200", "400", "404", "406", "429"},
        "GET /api/cases/{slug}/": {"200", "404", "406", "429"},
        "GET /api/impact-areas/": {"200", "406", "429"},
        "GET /api/impact-matrix/": {"200", "406", "429"},
        "GET /api/roadmaps/": {"200", "406", "429"},
        "GET /api/roadmaps/{slug}/": {"200", "404", "406", "429"},
        "GET /api/processes/{id}/": {"200", "404", "406", "429"},
        "GET /api/consultations/": {"200", "406", "429"},
        "GET /api/consultations/{id}/": {"200", "404", "406", "429"},
        "GET /api/consultations/{id}/versions/": {"200", "404", "406", "429"},
        "GET /api/sections/{id}/comments/": {"200", "404", "406", "429"},
        "POST /api/sections/{id}/comments/": {"201", *writes},
        "GET /api/comments/{id}/": {"200", "404", "406", "429"},
        "PATCH /api/comments/{id}/": {"200", *writes},
        "DELETE /api/comments/{id}/": {"204", *writes - {"415"}},
        "POST /api/rounds/{id}/answers/": {"200", *writes},
        "POST /api/dispositions/": {"201", *writes},
        "POST /api/sessions/{code}/join": {"201", "410", *writes},
    }
    assert components["VerdictEnum"]["enum"] == ["agree", "agree_with_changes", "disagree"]
    assert components["DecisionEnum"]["enum"] == [
        "accepted", "partly", "not_accepted", "out_of_scope"
    ]  # fmt: skip
    assert components["StateEnum"]["enum"] == ["visible", "hidden", "deleted"]
    # A disposition answers a comment or a validation answer: one of the two.
    assert components["DispositionRequest"]["oneOf"] == [
        {"$ref": "#/components/schemas/CommentDispositionRequest"},
        {"$ref": "#/components/schemas/AnswerDispositionRequest"},
    ]
    assert components["CommentDispositionRequest"]["required"] == [
        "comment",
        "decision",
        "response",
    ]
    assert components["AnswerDispositionRequest"]["required"] == ["answer", "decision", "response"]
    # A comment's parent is the id of the comment it replies to, or null.
    assert components["Comment"]["properties"]["parent"]["type"] == "integer"
    assert components["Comment"]["properties"]["parent"]["nullable"] is True
    assert components["NewCommentRequest"]["properties"]["parent"]["type"] == "integer"


@pytest.mark.parametrize("comments", [2, 12])
def test_the_comments_api_reads_in_a_fixed_number_of_queries(
    api, comments, django_assert_max_num_queries
):
    consultation = make_consultation()
    section = first_section(consultation)
    people = [make_member() for _ in range(3)]
    for i in range(comments):
        services.add_comment(section=section, author=people[i % 3], body=f"C{i}")
    with django_assert_max_num_queries(6):
        assert api.get(reverse("api-section-comments", args=[section.pk])).status_code == 200
