"""The live join form says what is kept, for how long and the participant's rights,
and links to the full privacy notice on the terms page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from consult.models import RepresentationSettings
from tests.consult.factories import make_process
from tests.factories import make_event, make_session
from tests.frontend.test_views import assert_strict_page

pytestmark = pytest.mark.django_db


def notice(html: str) -> str:
    found = re.search(r'<section class="privacy-notice".*?</section>', html, re.S)
    assert found, "no privacy notice"
    return found.group(0)


def test_the_join_form_states_the_processes_retention_and_links_the_full_notice(client):
    process = make_process()
    RepresentationSettings.objects.create(process=process, retention_days=90)
    session = make_session(event=make_event(process=process))

    html = assert_strict_page(client.get(reverse("frontend:join_code", args=[session.code])))
    text = notice(html)
    assert 'aria-labelledby="privacy-notice-title"' in text
    assert "What we keep: the name and stakeholder profile you give here" in text
    assert "your profile is erased 90 days after the event ends" in text
    assert "Your rights:" in text
    assert f'href="{reverse("consult:terms")}#privacy"' in text
    # The notice comes before the button that sends the profile.
    assert html.index("privacy-notice") < html.index("Enter the session")


def test_without_a_retention_period_the_notice_says_so(client):
    session = make_session()  # an event in no process
    html = client.get(reverse("frontend:join_code", args=[session.code])).content.decode()
    assert "How long: as long as the organisers keep this event's records." in notice(html)
    assert "erased" not in notice(html)


def test_one_day_is_singular(client):
    process = make_process()
    RepresentationSettings.objects.create(process=process, retention_days=1)
    session = make_session(event=make_event(process=process))
    html = client.get(reverse("frontend:join_code", args=[session.code])).content.decode()
    assert "erased 1 day after the event ends" in notice(html)


def test_the_terms_page_has_the_privacy_section_the_notice_links_to(client):
    with translation.override("en"):
        html = assert_strict_page(client.get(reverse("consult:terms")))
    section = re.search(r'<section id="privacy".*?</section>', html, re.S).group(0)
    assert "Privacy in live sessions" in section
    assert "retention period" in section and "erased" in section
    assert "see, correct or erase" in section
