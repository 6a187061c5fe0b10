"""The console's two posted forms as console.js sends them (``X-Requested-With: fetch``):
"Add an activity" answers JSON when added and only the form, with its errors, when
refused; "Attach results" answers JSON either way. Nothing is left in the messages for
the next page, and only the session's facilitator may use them."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from consult.models import Evidence
from sessions.models import Activity
from tests import factories
from tests.consult.factories import make_consultation, make_process
from tests.evidence import act, make_setup, section_of, voters

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def session(organiser):
    return factories.make_session(event=factories.make_event(owner=organiser))


def add_url(session) -> str:
    return reverse("frontend:add_activity", args=[session.code])


def attach_url(activity) -> str:
    return reverse("frontend:attach_evidence", args=[activity.session.code, activity.pk])


def test_an_added_activity_answers_its_id_and_title(client, organiser, session):
    client.force_login(organiser)
    data = {
        "kind": "single_choice",
        "title": "Which minerals first?",
        "single_choice-options": "Lithium\nCobalt",
        "results_visibility": "live",
        "allow_change": "on",
    }

    response = client.post(add_url(session), data, **FETCH)

    assert response.status_code == 200
    added = Activity.objects.get(session=session)
    assert response.json() == {"activity": added.pk, "title": "Which minerals first?"}
    assert (added.kind, added.config) == ("single_choice", {"options": ["Lithium", "Cobalt"]})
    assert list(get_messages(response.wsgi_request)) == []  # nothing waits for a reload


def test_a_refused_activity_answers_only_the_form_with_its_errors(client, organiser, session):
    client.force_login(organiser)
    data = {"kind": "single_choice", "title": "", "single_choice-options": "Only one"}

    response = client.post(add_url(session), data, **FETCH)

    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html and "Agenda" not in html
    assert html.count("<form") == 1
    assert f'<form method="post" action="{add_url(session)}"' in html
    assert 'id="add-activity"' in html and 'name="csrfmiddlewaretoken"' in html
    # The field in error says so, marked for console.js (which focuses the first field
    # in error) and for screen readers; what was typed is kept.
    assert '<ul class="errorlist" id="id_title_error"><li>This field is required.</li></ul>' in html
    assert re.search(r'<input type="text" name="title"[^>]*aria-invalid="true"', html)
    assert "Only one</textarea>" in html
    # The chosen kind's settings are checked once the rest is right, with the same marks.
    data["title"] = "Which one?"
    settings = client.post(add_url(session), data, **FETCH)
    assert settings.status_code == 400
    html = settings.content.decode()
    assert "between 2 and 20 options" in html and "<html" not in html
    assert re.search(r'<textarea name="single_choice-options"[^>]*aria-invalid="true"', html)
    assert not Activity.objects.filter(session=session).exists()


def test_without_the_header_the_add_form_posts_as_before(client, organiser, session):
    client.force_login(organiser)
    ok = client.post(add_url(session), {"kind": "scale", "title": "How far?"})
    added = Activity.objects.get(session=session)
    assert ok.status_code == 302 and ok["Location"].endswith(f"#activity-{added.pk}")
    refused = client.post(add_url(session), {"kind": "scale", "title": ""})
    assert refused.status_code == 400 and "<html" in refused.content.decode()


def test_only_the_session_s_facilitator_may_add_by_fetch(client, session):
    data = {"kind": "scale", "title": "How far?"}
    anonymous = client.post(add_url(session), data, **FETCH)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(factories.make_user())
    assert client.post(add_url(session), data, **FETCH).status_code == 403
    client.force_login(factories.make_user(organiser=True))  # runs other events
    assert client.post(add_url(session), data, **FETCH).status_code == 403
    assert not Activity.objects.filter(session=session).exists()


@pytest.fixture
def setup():
    return make_setup()


@pytest.fixture
def poll(setup):
    poll = factories.make_activity(session=setup.session, title="Which metal first?", open=True)
    for person, choice in zip(voters(poll, 2), [0, 1], strict=True):
        act(poll, person, choice)
    return poll


def test_attaching_results_answers_the_message(client, setup, poll):
    client.force_login(setup.organiser)

    response = client.post(attach_url(poll), {"section": setup.section.pk}, **FETCH)

    assert response.status_code == 200
    assert response.json() == {
        "message": f"Results of “Which metal first?” attached to the consultation "
        f"“{setup.consultation.title}”."
    }
    assert Evidence.objects.get().section == setup.section
    assert list(get_messages(response.wsgi_request)) == []
    # The card's part that console.js fetches next says where the results are.
    parts = client.get(reverse("frontend:console", args=[setup.session.code]) + "?part=agenda")
    assert f"Results attached to: {setup.consultation.title}: Vision 2050" in parts.content.decode()


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ("", "Choose a section of a consultation."),
        ("999999999", "Choose a section of a consultation."),
        ("elsewhere", "belongs to a consultation of another process"),
    ],
)
def test_a_refused_attachment_answers_the_error(client, setup, poll, section, error):
    if section == "elsewhere":
        other = make_consultation(process=make_process(owner=setup.organiser))
        section = section_of(other).pk
    client.force_login(setup.organiser)

    response = client.post(attach_url(poll), {"section": section}, **FETCH)

    assert response.status_code == 400
    assert error in response.json()["error"]
    assert Evidence.objects.count() == 0


def test_only_the_session_s_facilitator_may_attach_by_fetch(client, setup, poll):
    data = {"section": setup.section.pk}
    anonymous = client.post(attach_url(poll), data, **FETCH)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(factories.make_user(organiser=True))  # runs other events
    assert client.post(attach_url(poll), data, **FETCH).status_code == 403
    stranger = factories.make_activity(open=True)
    client.force_login(setup.organiser)
    url = reverse("frontend:attach_evidence", args=[setup.session.code, stranger.pk])
    assert client.post(url, data, **FETCH).status_code == 404
    assert Evidence.objects.count() == 0
