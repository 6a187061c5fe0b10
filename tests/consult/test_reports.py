"""Reporting a comment: an account is needed and each person reports a comment once
(an anonymous probe made 25 rows for one comment with 25 posts)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consult import selectors, services
from consult.models import Report
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment():
    consultation = make_consultation()
    section = selectors.latest_version(consultation).texts.order_by("position")[0].section
    return services.add_comment(section=section, author=make_member(), body="BUY NOW")


def report_url(comment) -> str:
    consultation = comment.section.consultation
    return reverse(
        "consult:report", args=[consultation.process.slug, consultation.slug, comment.pk]
    )


def test_anonymous_reports_make_no_rows_and_ask_to_log_in(client, comment):
    for _ in range(25):
        answer = client.post(report_url(comment), {"reason": "Advertising"})
        assert answer.status_code == 302
        assert reverse("account_login") in answer["Location"]
    assert Report.objects.count() == 0


def test_a_person_reports_a_comment_once(client, comment):
    reader = make_member()
    client.force_login(reader)
    first = client.post(report_url(comment), {"reason": "Advertising"}, follow=True)
    assert "Thank you. A moderator will look at it." in first.content.decode()
    for _ in range(5):
        again = client.post(report_url(comment), {"reason": "Spam again"}, follow=True)
        assert "You have already reported this comment." in again.content.decode()
    assert list(Report.objects.values_list("reporter", "reason")) == [(reader.pk, "Advertising")]

    client.force_login(make_member())
    client.post(report_url(comment), {"reason": "Advertising"})
    assert Report.objects.filter(comment=comment).count() == 2


def test_the_service_refuses_anonymous_and_second_reports(comment):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.report_comment(comment=comment, reporter=AnonymousUser(), reason="x")
    reader = make_member()
    services.report_comment(comment=comment, reporter=reader, reason="Advertising")
    with pytest.raises(ValidationError) as refused:
        services.report_comment(comment=comment, reporter=reader, reason="Again")
    assert refused.value.code == "already_reported"
    assert Report.objects.count() == 1


def test_the_database_keeps_one_report_per_person_per_comment(comment):
    from django.db import IntegrityError, transaction

    reader = make_member()
    Report.objects.create(comment=comment, reporter=reader, reason="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(comment=comment, reporter=reader, reason="b")


def test_the_report_form_is_offered_to_readers_with_an_account(client, comment):
    consultation = comment.section.consultation
    page = reverse(
        "consult:section",
        args=[consultation.process.slug, consultation.slug, comment.section_id],
    )
    assert f'id="report-{comment.pk}"' not in client.get(page).content.decode()
    client.force_login(make_member())
    assert f'id="report-{comment.pk}"' in client.get(page).content.decode()
