"""Attaching live results to a consultation section from the facilitator console, and
the read-only results page the evidence links back to."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consult.models import Evidence
from sessions import evidence, services
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.evidence import act, make_setup, open_activity, section_of, voters
from tests.frontend.test_views import assert_strict_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return make_setup()


@pytest.fixture
def poll(setup):
    poll = factories.make_activity(session=setup.session, title="Which metal first?", open=True)
    for person, choice in zip(voters(poll, 3), [0, 0, 1], strict=True):
        act(poll, person, choice)
    return poll


def attach_url(activity):
    return reverse("frontend:attach_evidence", args=[activity.session.code, activity.pk])


def results_url(activity):
    return reverse("frontend:activity_results", args=[activity.session.code, activity.pk])


def section_url(section):
    c = section.consultation
    return reverse("consult:section", args=[c.process.slug, c.slug, section.pk])


def test_the_console_offers_the_sections_of_the_event_s_process(client, setup, poll):
    draft = factories.make_activity(session=setup.session, title="Not yet open")
    client.force_login(setup.organiser)
    html = assert_strict_page(client.get(reverse("frontend:console", args=[setup.session.code])))
    assert html.count("Attach results to a consultation section") == 1  # the open poll only
    assert f'action="{attach_url(poll)}"' in html and f'action="{attach_url(draft)}"' not in html
    assert f'<optgroup label="{setup.consultation.title}">' in html
    assert f'<option value="{setup.section.pk}">Vision 2050</option>' in html
    assert f'href="{results_url(poll)}"' in html


def test_a_facilitator_attaches_results_and_the_section_page_shows_them(client, setup, poll):
    client.force_login(setup.organiser)
    response = client.post(attach_url(poll), {"section": setup.section.pk}, follow=True)
    console = reverse("frontend:console", args=[setup.session.code])
    assert response.redirect_chain[-1][0] == f"{console}#activity-{poll.pk}"
    html = response.content.decode()
    assert "Results of “Which metal first?” attached to the consultation" in html
    assert f"Results attached to: {setup.consultation.title}: Vision 2050" in html
    item = Evidence.objects.get()
    assert item.section == setup.section and item.responses == 3
    # The section page shows the figures and links back to the live results.
    page = anonymous_page(section_url(setup.section))
    assert "Which metal first?" in page and '<th scope="row">Yes</th><td>2</td>' in page
    assert f'href="{results_url(poll)}"' in page
    # Attaching again refreshes the one copy.
    act(poll, voters(poll, 1)[0], 2)
    client.post(attach_url(poll), {"section": setup.section.pk})
    assert Evidence.objects.get().responses == 4


def anonymous_page(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("section", ["", "abc", "²", "999999999", "-1"])
def test_a_missing_or_unknown_section_is_refused(client, setup, poll, section):
    client.force_login(setup.organiser)
    response = client.post(attach_url(poll), {"section": section}, follow=True)
    assert "Choose a section of a consultation." in response.content.decode()
    assert Evidence.objects.count() == 0


def test_a_section_of_another_process_is_refused_with_a_message(client, setup, poll):
    elsewhere = section_of(make_consultation(process=make_process(owner=setup.organiser)))
    client.force_login(setup.organiser)
    response = client.post(attach_url(poll), {"section": elsewhere.pk}, follow=True)
    assert "belongs to a consultation of another process" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_a_facilitator_who_does_not_organise_the_section_s_process_gets_a_message(client, poll):
    # An event without a process: the section chosen must be of a process they organise.
    event = factories.make_event()
    session = factories.make_session(event=event)
    other = open_activity(session, "single_choice", {"options": ["A", "B"]})
    foreign = section_of(make_consultation())
    client.force_login(event.owner)
    response = client.post(attach_url(other), {"section": foreign.pk}, follow=True)
    assert "Only the organisers of this process can do this." in response.content.decode()
    assert Evidence.objects.count() == 0


def test_others_cannot_attach(client, setup, poll):
    response = client.post(attach_url(poll), {"section": setup.section.pk})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(make_member())  # no live.organise permission
    assert client.post(attach_url(poll), {"section": setup.section.pk}).status_code == 403
    client.force_login(factories.make_user(organiser=True))  # runs other events
    assert client.post(attach_url(poll), {"section": setup.section.pk}).status_code == 403
    client.force_login(setup.organiser)
    assert client.get(attach_url(poll)).status_code == 405
    # An activity of another session, through this session's address.
    stranger = factories.make_activity(open=True)
    url = reverse("frontend:attach_evidence", args=[setup.session.code, stranger.pk])
    assert client.post(url, {"section": setup.section.pk}).status_code == 404
    assert Evidence.objects.count() == 0


# ------------------------------------------------------------------ the results page


def test_results_are_hidden_until_shown_or_attached_facilitators_always(client, setup, poll):
    url = results_url(poll)
    assert client.get(url).status_code == 404
    client.force_login(make_member())
    assert client.get(url).status_code == 404
    client.force_login(setup.organiser)
    html = assert_strict_page(client.get(url))
    assert (
        "Which metal first?" in html and '<th scope="row">Yes</th><td>2</td><td>66.7 %</td>' in html
    )
    assert "3 responses" in html and "Back to the console" in html
    client.logout()
    services.reveal_results(activity=poll, revealed=True)
    html = assert_strict_page(client.get(url))
    assert '<th scope="row">No</th><td>1</td>' in html and "Back to the console" not in html


def test_results_attached_to_a_readable_consultation_are_public(client, setup, poll):
    url = results_url(poll)
    evidence.attach_activity_to_section(activity=poll, section=setup.section, by=setup.organiser)
    assert client.get(url).status_code == 200
    # Live results, not the copy: a later vote shows here.
    act(poll, voters(poll, 1)[0], 1)
    assert '<th scope="row">No</th><td>2</td>' in client.get(url).content.decode()


def test_evidence_in_a_draft_or_private_consultation_shows_only_to_its_readers(client, setup):
    draft = make_consultation(process=setup.process, status="draft")
    private = make_consultation(process=setup.process, is_public=False)
    first = factories.make_activity(session=setup.session, open=True)
    second = factories.make_activity(session=setup.session, open=True)
    evidence.attach_activity_to_section(
        activity=first, section=section_of(draft), by=setup.organiser
    )
    evidence.attach_activity_to_section(
        activity=second, section=section_of(private), by=setup.organiser
    )
    assert client.get(results_url(first)).status_code == 404
    assert client.get(results_url(second)).status_code == 404
    client.force_login(make_member())
    assert client.get(results_url(first)).status_code == 404
    assert client.get(results_url(second)).status_code == 200


def test_the_results_page_never_shows_hidden_entries_or_names(client, setup):
    cloud = factories.make_activity(session=setup.session, kind="word_cloud", open=True)
    for person, words in zip(
        voters(cloud, 2), [["lithium", "rude word"], ["rude word"]], strict=True
    ):
        act(cloud, person, words)
    services.moderate_activity(activity=cloud, action="hide_entry", data="rude word")
    client.force_login(setup.organiser)
    html = client.get(results_url(cloud)).content.decode()
    assert "lithium" in html and "rude word" not in html and "Voter" not in html


def test_an_unknown_code_or_activity_is_not_found(client, setup, poll):
    client.force_login(setup.organiser)
    assert client.get(f"/s/NOCODE/results/{poll.pk}").status_code == 404
    other = factories.make_activity(open=True)
    assert client.get(f"/s/{setup.session.code}/results/{other.pk}").status_code == 404
