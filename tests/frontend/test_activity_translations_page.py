"""The console page that translates an activity: its facilitators only; one language at
a time, the originals beside the inputs; a save reaches the room data; bad input is
refused with the form shown again and nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def poll(organiser):
    session = factories.make_session(event=factories.make_event(owner=organiser))
    return factories.make_activity(session=session, title="Which first?", language="en")


def url(activity, language=""):
    address = reverse("frontend:activity_translations", args=[activity.session.code, activity.pk])
    return address + (f"?language={language}" if language else "")


def test_the_page_lists_the_originals_and_the_languages(organiser_client, poll):
    html = organiser_client.get(url(poll, "pt")).content.decode()
    assert '<h2 lang="pt">Português</h2>' in html
    for index, text in enumerate(("Which first?", "Yes", "No", "Not sure")):
        original = f'<p class="original" lang="en" id="id_text-{index}-original">{text}</p>'
        assert original in html
        assert f'aria-describedby="id_text-{index}-original"' in html
    # Every language but the original's, the one shown marked as the current page.
    assert 'id="translate-en"' not in html
    assert 'href="?language=pt" lang="pt" aria-current="page"' in html
    # The console card links here.
    console = organiser_client.get(reverse("frontend:console", args=[poll.session.code]))
    assert url(poll) in console.content.decode()


def test_saving_stores_the_translation(organiser_client, poll):
    response = organiser_client.post(
        url(poll),
        {"language": "es", "text-0": "¿Cuál primero?", "text-1": "Sí", "text-2": "", "text-3": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == url(poll, "es")
    poll.refresh_from_db()
    assert poll.title_in_es == "¿Cuál primero?"
    assert poll.texts_in_es == {"Yes": "Sí"}
    page = organiser_client.get(url(poll, "es")).content.decode()
    assert 'value="¿Cuál primero?"' in page and "(translated)" in page


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"language": "en", "text-0": "Which?"}, "Choose a language other than the original"),
        ({"language": "klingon", "text-0": "Qapla"}, "Choose a language other than the original"),
        ({"language": "es", "text-0": "x" * 301}, "at most 300 characters"),
        ({"language": "es", "text-1": "s" * 501}, "at most 500 characters"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(organiser_client, poll, data, says):
    response = organiser_client.post(url(poll), data)
    assert response.status_code == 400
    assert says in response.content.decode()
    poll.refresh_from_db()
    assert (poll.title_in_es, poll.texts_in_es, poll.title_in_en) == ("", {}, "")


def test_other_organisers_participants_and_strangers_are_refused(client, poll):
    assert client.get(url(poll)).status_code == 302  # log in first
    client.force_login(factories.make_user(organiser=True))
    assert client.get(url(poll)).status_code == 403
    assert client.post(url(poll), {"language": "es", "text-0": "X"}).status_code == 403
    client.force_login(factories.make_user())
    assert client.get(url(poll)).status_code == 403
    assert Activity.objects.get(pk=poll.pk).title_in_es == ""


def test_an_activity_of_another_session_is_not_found(organiser_client, poll, organiser):
    other = factories.make_session(event=factories.make_event(owner=organiser))
    address = reverse("frontend:activity_translations", args=[other.code, poll.pk])
    assert organiser_client.get(address).status_code == 404
