"""Consultation pages: reading, commenting, editing, reporting and moderating, with the
refusals each must give and the query counts that must not grow."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consult import selectors, services
from consult.models import Comment, ProcessRole
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db


def urls(consultation):
    args = [consultation.process.slug, consultation.slug]
    section = selectors.latest_version(consultation).texts.order_by("position")[0].section
    return {
        "consultation": reverse("consult:consultation", args=args),
        "section": reverse("consult:section", args=[*args, section.pk]),
        "comment": reverse("consult:add_comment", args=[*args, section.pk]),
        "log": reverse("consult:moderation_log", args=args),
        "for": lambda name, comment: reverse(f"consult:{name}", args=[*args, comment.pk]),
        "section_obj": section,
    }


def test_anyone_reads_a_public_consultation_and_its_sections(client):
    consultation = make_consultation()
    u = urls(consultation)
    page = client.get(u["consultation"]).content.decode()
    assert "Vision 2050" in page and "Due diligence" in page and "0 comments" in page
    section = client.get(u["section"]).content.decode()
    assert "<strong>responsibly</strong>" in section
    assert "to comment." in section and 'name="body"' not in section


def test_drafts_are_hidden_and_private_consultations_need_an_account(client):
    draft = make_consultation(status="draft")
    assert client.get(urls(draft)["consultation"]).status_code == 404
    client.force_login(draft.process.owner)
    assert client.get(urls(draft)["consultation"]).status_code == 200
    private = make_consultation(is_public=False)
    anonymous = Client()
    assert anonymous.get(urls(private)["section"]).status_code == 403
    anonymous.force_login(make_member())
    assert anonymous.get(urls(private)["section"]).status_code == 200


def test_a_member_comments_and_replies_and_sees_the_thread(client):
    consultation = make_consultation()
    u = urls(consultation)
    ana = make_member()
    client.force_login(ana)
    response = client.post(u["comment"], {"body": "Add *artisanal* mining."})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    client.post(u["comment"], {"body": "And small-scale.", "parent": comment.pk})
    assert Comment.objects.get(parent=comment).depth == 1
    page = client.get(u["section"]).content.decode()
    assert "<em>artisanal</em>" in page and "And small-scale." in page
    assert "on version 1" in page


def test_anonymous_posts_go_to_log_in_and_save_nothing(client):
    u = urls(make_consultation())
    response = client.post(u["comment"], {"body": "Hello"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_a_bad_comment_is_refused_with_the_text_kept(client, body):
    u = urls(make_consultation())
    client.force_login(make_member())
    response = client.post(u["comment"], {"body": body})
    assert response.status_code == 400
    assert Comment.objects.count() == 0
    if body.strip():
        assert body[:100] in response.content.decode()


def test_scripts_in_comments_are_never_rendered(client):
    u = urls(make_consultation())
    client.force_login(make_member())
    client.post(
        u["comment"],
        {"body": "<script>alert(1)</script> [x](javascript:alert(2)) <b onclick=alert(3)>b</b>"},
    )
    page = client.get(u["section"]).content.decode()
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert "<b onclick" not in page


def test_a_forged_request_without_the_csrf_token_is_refused():
    u = urls(make_consultation())
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_member())
    response = client.post(u["comment"], {"body": "Forged"})
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_only_the_author_edits_and_deleting_leaves_a_placeholder(client):
    consultation = make_consultation()
    u = urls(consultation)
    ana, ben = make_member(), make_member()
    comment = services.add_comment(section=u["section_obj"], author=ana, body="Mine")
    client.force_login(ben)
    assert client.post(u["for"]("edit_comment", comment), {"body": "Yours"}).status_code == 403
    assert client.post(u["for"]("delete_comment", comment)).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine" and comment.deleted_at is None
    client.force_login(ana)
    client.post(u["for"]("edit_comment", comment), {"body": "Mine, edited"})
    comment.refresh_from_db()
    assert comment.body == "Mine, edited"
    client.post(u["for"]("delete_comment", comment))
    page = client.get(u["section"]).content.decode()
    assert "This comment was deleted by its author." in page and "Mine, edited" not in page


def test_reports_and_moderation_with_a_public_log_that_never_shows_the_text(client):
    consultation = make_consultation()
    u = urls(consultation)
    comment = services.add_comment(section=u["section_obj"], author=make_member(), body="BUY NOW")
    client.force_login(make_member())
    client.post(u["for"]("report", comment), {"reason": "Advertising"})
    assert comment.reports.count() == 1
    refused = client.post(u["for"]("moderate", comment), {"action": "hide", "reason": "x"})
    assert refused.status_code == 403
    comment.refresh_from_db()
    assert comment.hidden_at is None
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=consultation.process)
    client.force_login(moderator)
    client.post(u["for"]("moderate", comment), {"action": "hide", "reason": "Advertising"})
    comment.refresh_from_db()
    assert comment.hidden_at is not None
    page = client.get(u["section"]).content.decode()
    assert "Hidden by a moderator: Advertising" in page and "BUY NOW" not in page
    log = Client().get(u["log"]).content.decode()
    assert f"Comment {comment.pk} hidden" in log and "Advertising" in log and "BUY NOW" not in log


def test_the_section_page_takes_the_same_queries_however_many_comments(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    consultation = make_consultation()
    u = urls(consultation)
    people = [make_member() for _ in range(3)]
    client.force_login(people[0])

    def add(n: int) -> None:
        for i in range(n):
            comment = services.add_comment(
                section=u["section_obj"], author=people[i % 3], body=f"C{i}"
            )
            services.toggle_reaction(comment=comment, user=people[(i + 1) % 3], kind="agree")
            if i % 2:
                services.add_comment(
                    section=u["section_obj"], author=people[0], body="re", parent=comment
                )

    counts = []
    for n in (2, 8):
        add(n)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(u["section"]).status_code == 200
        counts.append(len(captured))
    # 13: the "Find themes" link asks whether the reader moderates the process.
    assert counts[0] == counts[1] <= 13, counts
