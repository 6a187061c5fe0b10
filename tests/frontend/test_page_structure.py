"""Page structure screen readers rely on: one top heading per room page, flash messages
as a list whose items are announced."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

H1 = re.compile(r"<h1[\s>]", re.IGNORECASE)


@pytest.fixture
def room():
    """An open session with an opened poll and its owner's client."""
    owner = factories.make_user(organiser=True)
    session = factories.make_session(event=factories.make_event(owner=owner))
    activity = factories.make_activity(session=session, open=True)
    organiser = Client()
    organiser.force_login(owner)
    return session, activity, organiser


def test_every_room_page_has_exactly_one_top_heading(room):
    session, activity, organiser = room
    participant = Client()
    joined = participant.post(
        reverse("frontend:join_code", args=[session.code]), {"display_name": "Ana"}
    )
    assert joined.status_code == 302
    pages = {
        "participant room": participant.get(reverse("frontend:room", args=[session.code])),
        "projector": Client().get(reverse("frontend:screen", args=[session.code])),
        "console": organiser.get(reverse("frontend:console", args=[session.code])),
        "results": organiser.get(
            reverse("frontend:activity_results", args=[session.code, activity.pk])
        ),
    }
    counts = {name: len(H1.findall(page.content.decode())) for name, page in pages.items()}
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert counts == dict.fromkeys(pages, 1)


def test_flash_messages_are_a_list_of_announced_items():
    html = render_to_string(
        "frontend/base.html",
        {
            "messages": [
                Message(constants.SUCCESS, "Session created."),
                Message(constants.ERROR, "Nothing was saved."),
            ]
        },
    )
    listing = re.search(r'<ul class="messages">(.*?)</ul>', html, re.DOTALL)
    assert listing is not None
    items = re.findall(
        r'<li class="message ([^"]*)"><span role="(\w+)">([^<]*)</span></li>', listing[1]
    )
    assert items == [
        ("success", "status", "Session created."),
        ("error", "alert", "Nothing was saved."),
    ]
    # The list keeps its list semantics: no role on the list itself.
    assert '<ul class="messages" role' not in html


def test_no_message_list_without_messages():
    assert 'class="messages"' not in render_to_string("frontend/base.html", {"messages": []})


def test_a_flashed_message_reaches_the_next_page(room):
    session, _activity, organiser = room
    response = organiser.post(
        reverse("frontend:event", args=[session.event_id]), {"title": "Afternoon"}, follow=True
    )
    html = response.content.decode()
    assert re.search(
        r'<ul class="messages"><li class="message success"><span role="status">Session created\.'
        r" Its join code is \w+\.</span></li></ul>",
        html,
    )
