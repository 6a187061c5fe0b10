"""Validation round pages: answering section by section, reasons kept on refusal,
results by stakeholder group only when the round closes (organisers: any time)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from consult import selectors, services
from consult.models import ValidationAnswer
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    consultation = make_consultation()
    version = selectors.latest_version(consultation)
    round_ = services.open_round(
        consultation=consultation, by=consultation.process.owner, version=version
    )
    sections = [t.section for t in version.texts.order_by("position")]
    args = [consultation.process.slug, consultation.slug]
    return consultation, round_, sections, args


def test_a_participant_answers_changes_and_sees_their_answers(client, running):
    _, _, sections, args = running
    user = make_member(group="policy")
    client.force_login(user)
    page = client.get(reverse("consult:validate", args=args)).content.decode()
    assert page.count('name="verdict"') == 3 * 3
    url = reverse("consult:answer", args=[*args, sections[0].pk])
    assert client.post(url, {"verdict": "agree"}).status_code == 302
    client.post(url, {"verdict": "agree_with_changes", "reason": "Say 2035."})
    answer = ValidationAnswer.objects.get(user=user)
    assert (answer.verdict, answer.reason) == ("agree_with_changes", "Say 2035.")
    page = client.get(reverse("consult:validate", args=args)).content.decode()
    assert "Say 2035." in page and "Change my answer" in page


def test_a_disagreement_without_reason_is_refused_with_the_choice_kept(client, running):
    _, _, sections, args = running
    client.force_login(make_member())
    url = reverse("consult:answer", args=[*args, sections[1].pk])
    response = client.post(url, {"verdict": "disagree", "reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what should change, or why you disagree." in html
    assert re.search(r'value="disagree" required\s+checked>', html)
    assert not re.search(r'value="agree" required\s+checked>', html)
    assert ValidationAnswer.objects.count() == 0


def test_anonymous_answers_go_to_log_in(client, running):
    _, _, sections, args = running
    response = client.post(
        reverse("consult:answer", args=[*args, sections[0].pk]), {"verdict": "agree"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ValidationAnswer.objects.count() == 0


def test_results_wait_for_the_close_except_for_organisers(client, running):
    consultation, round_, sections, args = running
    for i in range(5):
        services.answer_section(
            round=round_, section=sections[0], user=make_member(group="research"),
            verdict="agree" if i < 3 else "disagree", reason="" if i < 3 else "No",
        )  # fmt: skip
    services.answer_section(
        round=round_, section=sections[0], user=make_member(group="finance"), verdict="agree"
    )
    url = reverse("consult:round_results", args=[*args, round_.pk])
    client.force_login(make_member())
    assert client.get(url).status_code == 403
    client.force_login(consultation.process.owner)
    html = client.get(url).content.decode()
    assert "4 (66.7 %)" in html  # 4 of 6 agree overall
    assert "3 (60.0 %)" in html  # research: 3 of 5 agree
    assert "fewer than 5" in html  # finance has one answer
    services.close_round(round=round_, by=consultation.process.owner)
    client.logout()
    assert client.get(url).status_code == 200
