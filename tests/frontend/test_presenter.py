"""The presenter view (/console/<code>/present) with the Django test client: who may see
it, its structure, and its forms, which work without JavaScript by posting the room's
facilitator commands to the console."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from sessions import services
from sessions.models import Session
from tests import factories

pytestmark = pytest.mark.django_db

H1 = re.compile(r"<h1[\s>]", re.IGNORECASE)


class CommandForms(HTMLParser):
    """Every form of the page: its action URL, the data-key of the block around it, its
    hidden fields, its select's chosen value and its button's label."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.keys: list[str | None] = []
        self.form: dict | None = None
        self.in_button = False
        self.select_disabled = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div":
            self.keys.append(a.get("data-key"))
        elif tag == "form":
            key = next((k for k in reversed(self.keys) if k), None)
            self.form = {
                "key": key,
                "url": a.get("action"),
                "method": a.get("method"),
                "fields": {},
            }
            self.form["label"] = ""
            self.form["disabled"] = False
        elif self.form is not None and tag == "input" and a.get("type") == "hidden":
            self.form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select_disabled = "disabled" in a  # a disabled field is not posted
        elif self.form is not None and tag == "option" and "selected" in a:
            if not self.select_disabled:
                self.form["fields"]["value"] = a["value"]
        elif self.form is not None and tag == "button":
            self.in_button = True
            self.form["disabled"] = "disabled" in a

    def handle_endtag(self, tag):
        if tag == "div" and self.keys:
            self.keys.pop()
        elif tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None
        elif tag == "button":
            self.in_button = False

    def handle_data(self, data):
        if self.in_button and self.form is not None:
            self.form["label"] += data.strip()


def forms_of(html: str) -> dict[str, dict]:
    parser = CommandForms()
    parser.feed(html)
    return {f["key"]: f for f in parser.forms if f["key"]}


@pytest.fixture
def workshop():
    owner = factories.make_user(organiser=True)
    session = factories.make_session(event=factories.make_event(owner=owner), title="Vision")
    agenda = [
        factories.make_activity(session=session, title="First?"),
        factories.make_activity(session=session, kind="scale", title="Second?"),
        factories.make_activity(session=session, kind="word_cloud", title="Third?"),
    ]
    client = Client()
    client.force_login(owner)
    return session, agenda, client


def present_url(session: Session) -> str:
    return reverse("frontend:present", args=[session.code])


def test_the_facilitator_sees_the_presenter_view_with_one_top_heading(workshop):
    session, _, client = workshop
    response = client.get(present_url(session))
    html = response.content.decode()
    assert response.status_code == 200
    assert len(H1.findall(html)) == 1
    assert 'data-role="facilitator"' in html
    assert f'data-ws-path="/ws/s/{session.code}/"' in html
    # Back to the console, on to the projector, the scripts and the style sheet.
    assert f'href="{reverse("frontend:console", args=[session.code])}"' in html
    assert f'href="{reverse("frontend:screen", args=[session.code])}"' in html
    assert "frontend/presenter.js" in html and "frontend/room.js" in html
    assert "frontend/presenter.css" in html
    # The agenda, in order, with the kinds' labels; the live regions room.js fills.
    titles = re.findall(r'<span class="present-agenda-title">([^<]*)</span>', html)
    assert titles == ["First?", "Second?", "Third?"]
    for region in ('id="connected"', 'id="timer"', 'id="live-alert"', 'id="announce"'):
        assert region in html
    assert 'data-panel="representation"' in html
    # No inline code (the CSP forbids it).
    assert not re.search(r"<script>|\sstyle=|\son[a-z]+=", html)


def test_a_draft_session_offers_only_open_session(workshop):
    session, _, client = workshop
    html = client.get(present_url(session)).content.decode()
    start = re.search(r'<section id="start"[^>]*>', html)[0]
    assert "hidden" not in start
    assert re.search(r'<section id="controls"[^>]*\shidden>', html)
    assert re.search(r'<section id="current"[^>]*\shidden>', html)
    assert "This session is not open yet." in html
    forms = forms_of(html)
    assert forms["open-session"]["fields"]["action"] == "open_session"
    assert forms["open-session"]["label"] == "Open session"


def test_every_button_is_a_form_posting_its_command_to_the_console(workshop):
    session, (first, second, third), client = workshop
    services.open_activity(activity=second)
    html = client.get(present_url(session)).content.decode()
    forms = forms_of(html)
    action_url = reverse("frontend:console_action", args=[session.code])
    assert {key: f["url"] for key, f in forms.items()} == dict.fromkeys(forms, action_url)
    assert all(f["method"] == "post" for f in forms.values())
    assert all("csrfmiddlewaretoken" in f["fields"] for f in forms.values())
    commands = {
        key: (
            f["fields"]["action"],
            f["fields"].get("activity"),
            f["fields"].get("value") or None,
            f["label"],
            f["disabled"],
        )
        for key, f in forms.items()
    }
    assert commands == {
        "open-session": ("open_session", None, None, "Open session", False),
        "previous": ("show_activity", str(first.pk), None, "Previous", False),
        "next": ("show_activity", str(third.pk), None, "Next", False),
        "toggle": ("close_activity", str(second.pk), None, "Close activity", False),
        "reveal": ("reveal", str(second.pk), "true", "Reveal results", False),
        "lock": ("lock", None, "true", "Lock", False),
        "join": ("join_panel", None, "small", "Join panel: shown", False),
        "full": ("join_panel", None, "full", "Join code full screen", False),
        "timer": ("timer", None, "120", "Start timer", False),
        "close-session": ("close_session", None, None, "Close session", False),
    }
    # The representation panel's projector switch posts too.
    assert 'name="action" value="show_panel"' in html


def test_the_forms_follow_the_session_state(workshop):
    session, (_, second, third), client = workshop
    services.open_activity(activity=third)
    services.reveal_results(activity=third, revealed=True)
    services.set_session_locked(session=session, locked=True)
    services.set_join_panel(session=session, mode="full")
    services.set_timer(session=session, seconds=300)
    forms = forms_of(client.get(present_url(session)).content.decode())
    assert forms["next"]["disabled"] and "activity" not in forms["next"]["fields"]
    assert forms["previous"]["fields"]["activity"] == str(second.pk)
    assert forms["reveal"]["fields"]["value"] == "false"
    assert forms["reveal"]["label"] == "Hide results"
    assert (forms["lock"]["fields"]["value"], forms["lock"]["label"]) == ("false", "Unlock")
    assert forms["full"]["fields"]["value"] == "shown"
    assert forms["full"]["label"] == "Leave full screen code"
    assert forms["join"]["label"] == "Join panel: code full screen"
    # A running timer: the form stops it (its length list is disabled, not posted).
    assert forms["timer"]["label"] == "Stop timer"
    assert forms["timer"]["fields"]["value"] == "0"


def test_posting_the_forms_without_javascript_runs_the_commands(workshop):
    session, (first, second, _), client = workshop
    url = present_url(session)
    for step, expected in ((1, first), (2, second)):
        form = forms_of(client.get(url).content.decode())["next"]
        response = client.post(form["url"], form["fields"])
        assert response.status_code == 302, step
        assert response["Location"] == url  # back to the presenter view, not the console
        session.refresh_from_db()
        assert session.current_activity_id == expected.pk
    assert session.status == Session.Status.OPEN
    for key in ("reveal", "lock", "timer", "full"):
        form = forms_of(client.get(url).content.decode())[key]
        response = client.post(form["url"], form["fields"])
        assert (response.status_code, response["Location"]) == (302, url), key
    session.refresh_from_db()
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.results_revealed and second.status == "open" and first.status == "closed"
    assert session.locked and session.join_panel == "full"
    assert session.timer_seconds == 120 and session.timer_ends_at is not None
    form = forms_of(client.get(url).content.decode())["close-session"]
    client.post(form["url"], form["fields"])
    session.refresh_from_db()
    assert session.status == Session.Status.CLOSED
    html = client.get(url).content.decode()
    assert "This session has ended." in html
    assert forms_of(html)["open-session"]["label"] == "Open the session again"


def test_anonymous_visitors_are_sent_to_log_in(workshop):
    session, _, _ = workshop
    response = Client().get(present_url(session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_organiser_of_another_event_is_refused(workshop):
    session, _, _ = workshop
    other = Client()
    other.force_login(factories.make_user(organiser=True))
    assert other.get(present_url(session)).status_code == 403
    someone = Client()
    someone.force_login(factories.make_user())
    assert someone.get(present_url(session)).status_code == 403


def test_an_unknown_code_is_not_found(workshop):
    _, _, client = workshop
    assert client.get(reverse("frontend:present", args=["NOPE99"])).status_code == 404
