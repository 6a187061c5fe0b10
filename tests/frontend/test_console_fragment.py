"""The console's live parts (``/console/<code>/?part=agenda``), which console.js swaps into
the page after each command: only for the session's facilitator, and holding the cards,
the session's state and the panels' commands, never the whole page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sessions import services
from tests import factories
from tests.boards.boards import make_board

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(organiser):
    return factories.make_session(event=factories.make_event(owner=organiser))


def parts_url(session) -> str:
    return reverse("frontend:console", args=[session.code]) + "?part=agenda"


def test_the_fragment_holds_the_cards_in_order_and_the_session_state(client, organiser, session):
    first = factories.make_activity(session=session, title="Which minerals first?")
    second = factories.make_activity(session=session, kind="word_cloud", title="In a word?")
    services.open_activity(activity=second)
    services.move_activity(activity=second, position=0)
    services.reveal_results(activity=second, revealed=True)
    client.force_login(organiser)

    response = client.get(parts_url(session))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<html" not in html and "Add an activity" not in html
    cards = re.findall(r'<li class="(card activity(?: current)?)" id="activity-(\d+)"', html)
    assert cards == [("card activity current", str(second.pk)), ("card activity", str(first.pk))]
    # Each card: its parts to swap, its stable control ids and its (empty) results box.
    for part in (f"head-{second.pk}", f"controls-{second.pk}", "session", "agenda-empty"):
        assert f'data-part="{part}"' in html
    assert f'id="cmd-status-{second.pk}">Close</button>' in html
    assert f'id="cmd-status-{first.pk}">Open</button>' in html
    assert f'id="cmd-reveal-{second.pk}">Hide from projector</button>' in html
    assert f'<div class="results" data-results-for="{second.pk}"' in html
    assert f'id="more-{second.pk}" open>' in html and f'id="more-{first.pk}">' in html
    # Opening an activity opened the session: close and lock, not "Open session".
    assert 'id="cmd-session">Close session</button>' in html
    assert 'id="cmd-lock">Lock against new joiners</button>' in html
    assert "Open session" not in html
    assert 'data-part="panel-representation"' in html
    # Results read on their own page once an activity has any (not before it opens),
    # whether or not the event has consultation sections to attach them to.
    results = reverse("frontend:activity_results", args=[session.code, second.pk])
    assert f'href="{results}"' in html
    assert reverse("frontend:activity_results", args=[session.code, first.pk]) not in html


def test_a_board_s_card_links_to_its_themes(client, organiser, session):
    board = make_board(session=session, open=False, title="Ideas")
    poll = factories.make_activity(session=session, title="Which minerals first?")
    client.force_login(organiser)
    html = client.get(parts_url(session)).content.decode()
    themes = reverse("synthesis:board_themes", args=[session.code, board.pk])
    assert f'<a href="{themes}">Find themes</a>' in html
    assert html.count("Find themes") == 1  # not on the poll's card
    assert f"/activities/{poll.pk}/themes" not in html


def test_a_closed_session_s_fragment_says_it_has_ended(client, organiser, session):
    services.set_session_status(session=session, status="closed")
    client.force_login(organiser)
    html = client.get(parts_url(session)).content.decode()
    assert "This session has ended." in html
    assert 'id="cmd-session">Open the session again</button>' in html
    assert "Lock against new joiners" not in html and "Close session" not in html
    assert "No polls yet." in html


def test_only_the_session_s_facilitator_gets_the_fragment(client, session):
    factories.make_activity(session=session, title="Secret question")
    anonymous = client.get(parts_url(session))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(factories.make_user())
    assert client.get(parts_url(session)).status_code == 403
    client.force_login(factories.make_user(organiser=True))
    other = client.get(parts_url(session))
    assert other.status_code == 403 and "Secret question" not in other.content.decode()
    missing = client.get(reverse("frontend:console", args=["NOSUCH"]) + "?part=agenda")
    assert missing.status_code == 404
