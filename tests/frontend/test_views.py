"""Pages through Django's test client: happy paths, bad input, permissions, limits."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from polls.models import Ballot
from sessions import kinds, selectors, services
from sessions.kinds import ActivityKind
from sessions.models import Activity, Event, Participant, Session
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(organiser):
    return factories.make_session(event=factories.make_event(owner=organiser))


def console_url(session):
    return reverse("frontend:console", args=[session.code])


def action(client, session, name, activity=None, value=None):
    data = {"action": name}
    if activity is not None:
        data["activity"] = activity.pk
    if value is not None:
        data["value"] = value
    return client.post(reverse("frontend:console_action", args=[session.code]), data, follow=True)


# ------------------------------------------------------------------ pages and CSP

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def assert_strict_page(response) -> str:
    """A page under the strict CSP: no inline script, style or event handler anywhere."""
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), "inline script"
    assert not re.search(r"\sstyle\s*=", html) and "<style" not in html, "inline style"
    assert not EVENT_HANDLER.search(html), "inline event handler"
    assert "javascript:" not in html
    return html


@pytest.mark.parametrize("name", ["frontend:home", "frontend:join", "account_login"])
def test_public_pages_render_with_a_strict_csp_and_no_inline_code(client, name):
    html = assert_strict_page(client.get(reverse(name)))
    assert '<html lang="en">' in html and 'href="#main"' in html


def test_every_page_keeps_to_the_strict_csp(client, organiser_client, session):
    poll = factories.make_activity(session=session, kind="word_cloud", open=True)
    services.moderate_activity(activity=poll, action="hide_entry", data="spam")
    pages = [
        reverse("frontend:dashboard"),
        reverse("frontend:event", args=[session.event_id]),
        console_url(session),
        reverse("frontend:screen", args=[session.code]),
        reverse("frontend:join_code", args=[session.code]),
    ]
    for url in pages:
        assert_strict_page(organiser_client.get(url))
    # The participant room, reached through the join form.
    joined = client.post(reverse("frontend:join_code", args=[session.code]), {}, follow=True)
    html = assert_strict_page(joined)
    assert 'data-role="participant"' in html and 'aria-live="polite"' in html


def test_pages_follow_the_browser_language(client):
    html = client.get(reverse("frontend:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in html


def test_login_page_uses_our_layout_and_invites_sign_ups(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'class="site"' in html and '<main id="main"' in html
    assert "Log in" in html and 'href="/accounts/signup/"' in html


def test_projector_shows_code_url_and_an_inline_qr_code(client, session):
    response = client.get(reverse("frontend:screen", args=[session.code]))
    html = assert_strict_page(response)
    join_url = f"http://testserver/j/{session.code}"
    assert session.code in html and join_url in html
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'class="qr"' in svg and "<title>" in svg and "style" not in svg
    assert 'data-role="screen"' in html and f'data-ws-path="/ws/s/{session.code}/"' in html


def test_javascript_catalog_is_served_and_revalidates(client):
    response = client.get(reverse("frontend:jsi18n"))
    assert response.status_code == 200
    assert "gettext" in response.content.decode()
    again = client.get(reverse("frontend:jsi18n"), HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304


# ------------------------------------------------------------------ joining


def test_join_with_a_wrong_code_says_so(client, session):
    response = client.post(reverse("frontend:join"), {"code": "NOPE99"})
    assert response.status_code == 400
    assert "No session has this code" in response.content.decode()
    assert client.get(reverse("frontend:join_code", args=["NOPE99"])).status_code == 404


def test_join_code_is_forgiving_about_case_and_spaces(client, session):
    response = client.post(reverse("frontend:join"), {"code": f" {session.code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:join_code", args=[session.code])


def test_joining_creates_a_participant_with_a_profile_and_keeps_them(client, session):
    url = reverse("frontend:join_code", args=[session.code])
    response = client.post(
        url,
        {
            "display_name": "Ana",
            "stakeholder_group": "civil_society",
            "country": "BR",
            "sector": "mobility",
            "gender": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:room", args=[session.code])
    participant = Participant.objects.get(session=session)
    assert (
        participant.display_name,
        participant.stakeholder_group,
        participant.country.code,
        participant.sector,
    ) == (
        "Ana",
        "civil_society",
        "BR",
        "mobility",
    )
    # Coming back with the cookie goes straight to the room as the same participant.
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == reverse(
        "frontend:room", args=[session.code]
    )
    room = client.get(reverse("frontend:room", args=[session.code]))
    assert room.status_code == 200
    assert f'data-code="{session.code}"' in room.content.decode()
    assert Participant.objects.filter(session=session).count() == 1


def test_join_refuses_values_outside_the_fixed_lists(client, session):
    response = client.post(
        reverse("frontend:join_code", args=[session.code]),
        {"stakeholder_group": "aliens", "country": "XX", "sector": "mobility"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Participant.objects.exists()


def test_locked_and_closed_sessions_refuse_new_participants(client, session):
    services.set_session_locked(session=session, locked=True)
    response = client.post(reverse("frontend:join_code", args=[session.code]), {})
    assert response.status_code == 400
    assert "not accepting new participants" in response.content.decode()
    services.set_session_locked(session=session, locked=False)
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    response = client.post(reverse("frontend:join_code", args=[session.code]), {})
    assert "This session has ended" in response.content.decode()
    assert not Participant.objects.exists()


def test_room_without_a_participant_cookie_sends_to_the_join_page(client, session):
    response = client.get(reverse("frontend:room", args=[session.code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:join_code", args=[session.code])


def test_a_forged_participant_cookie_is_not_accepted(client, session):
    client.cookies["pt_" + session.code] = "forged"
    response = client.get(reverse("frontend:room", args=[session.code]))
    assert response.status_code == 302


def test_join_accepts_the_code_from_a_get_form(client, session):
    response = client.get(reverse("frontend:join"), {"code": session.code.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:join_code", args=[session.code])
    assert client.get(reverse("frontend:join")).status_code == 200


def test_profile_step_explains_anonymity_and_offers_prefer_not_to_say(client, session):
    html = client.get(reverse("frontend:join_code", args=[session.code])).content.decode()
    assert "anonymous to the other participants" in html
    for name in ("stakeholder_group", "country", "sector", "gender"):
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
        assert '<option value="" selected>Prefer not to say</option>' in select, name
    assert '<option value="BR">Brazil</option>' in html
    assert 'for="id_organisation"' in html and 'for="id_display_name"' in html


def test_coming_back_keeps_the_same_participant_and_their_ballot(client, session):
    poll = factories.make_activity(session=session, open=True)
    client.post(reverse("frontend:join_code", args=[session.code]), {"display_name": "Ana"})
    participant = Participant.objects.get(session=session)
    services.perform_command(
        participant=participant, activity_id=poll.pk, action="vote", data=1, key="k1"
    )
    cookie = client.cookies[f"pt_{session.code}"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 86400
    # A new tab: the join link goes straight to the room, as the same participant.
    again = client.get(reverse("frontend:join_code", args=[session.code]), follow=True)
    assert again.templates[0].name == "frontend/room.html"
    jar = {name: morsel.value for name, morsel in client.cookies.items()}
    assert selectors.participant_from_cookies(jar, session=session) == participant
    assert selectors.participant_ballots(participant) == {str(poll.pk): 1}
    assert Participant.objects.filter(session=session).count() == 1


def test_the_room_page_does_not_carry_the_participant_token(client, session):
    client.post(reverse("frontend:join_code", args=[session.code]), {"display_name": "Ana"})
    cookie = client.cookies[f"pt_{session.code}"].value
    token = selectors.token_from_cookies({f"pt_{session.code}": cookie}, code=session.code)
    participant = selectors.participant_from_token(token, session=session)
    assert participant is not None and participant.display_name == "Ana"
    html = client.get(reverse("frontend:room", args=[session.code])).content.decode()
    assert 'id="live" data-role="participant"' in html
    # Neither the token nor the cookie's value: scripts on the page cannot read it.
    assert "data-token" not in html
    assert token not in html and cookie not in html
    assert token.split(":")[0] not in html  # not even the token's payload


def test_a_cookie_for_another_session_does_not_open_this_one(client, session):
    other = factories.make_session(event=session.event, title="Breakout")
    client.post(reverse("frontend:join_code", args=[other.code]), {})
    response = client.get(reverse("frontend:room", args=[session.code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:join_code", args=[session.code])
    # Nor does copying the other session's token under this session's cookie name.
    client.cookies[f"pt_{session.code}"] = client.cookies[f"pt_{other.code}"].value
    assert client.get(reverse("frontend:room", args=[session.code])).status_code == 302


def test_unknown_session_pages_are_not_found(client):
    assert client.get(reverse("frontend:room", args=["ZZZZZZ"])).status_code == 404
    assert client.get(reverse("frontend:screen", args=["ZZZZZZ"])).status_code == 404


# ------------------------------------------------------------------ facilitators


def test_anonymous_and_non_organisers_are_kept_out(client, session):
    for url in (reverse("frontend:dashboard"), console_url(session)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(factories.make_user())
    denied = client.get(reverse("frontend:dashboard"))
    assert denied.status_code == 403
    assert "Only organisers can do this." in denied.content.decode()
    assert '<main id="main"' in denied.content.decode()
    assert client.get(console_url(session)).status_code == 403


def test_another_organisers_session_is_forbidden_and_unchanged(client, session):
    client.force_login(factories.make_user(organiser=True))
    poll = factories.make_activity(session=session)
    assert client.get(console_url(session)).status_code == 403
    response = client.post(
        reverse("frontend:console_action", args=[session.code]),
        {"action": "open_activity", "activity": poll.pk},
    )
    assert response.status_code == 403
    poll.refresh_from_db()
    assert poll.status == Activity.Status.DRAFT


def test_organiser_creates_an_event_and_bad_dates_are_refused(organiser_client, organiser):
    url = reverse("frontend:dashboard")
    bad = organiser_client.post(
        url,
        {
            "title": "Lab",
            "kind": "flagship_lab",
            "sector": "",
            "time_zone": "Africa/Nairobi",
            "starts_on": "2026-12-02",
            "ends_on": "2026-12-01",
        },
    )
    assert bad.status_code == 400
    assert "cannot end before it starts" in bad.content.decode()
    unknown = organiser_client.post(
        url,
        {
            "title": "Lab",
            "kind": "party",
            "time_zone": "Mars/Base",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-01",
        },
    )
    assert unknown.status_code == 400
    assert not Event.objects.exists()
    good = organiser_client.post(
        url,
        {
            "title": "Lab",
            "kind": "flagship_lab",
            "sector": "electronics",
            "time_zone": "Africa/Nairobi",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-02",
        },
    )
    event = Event.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse(
        "frontend:event", args=[event.pk]
    )
    assert (event.owner, event.kind, event.time_zone) == (
        organiser,
        "flagship_lab",
        "Africa/Nairobi",
    )
    created = organiser_client.post(
        reverse("frontend:event", args=[event.pk]), {"title": "Plenary"}
    )
    session = Session.objects.get(event=event)
    assert created["Location"] == console_url(session)


def test_agenda_builder_validates_through_the_kinds(organiser_client, session):
    url = reverse("frontend:add_activity", args=[session.code])
    base = {"results_visibility": "live", "allow_change": "on"}
    too_few = organiser_client.post(
        url, {**base, "kind": "single_choice", "title": "Q?", "single_choice-options": "Only one"}
    )
    assert too_few.status_code == 400 and "between 2 and 20 options" in too_few.content.decode()
    bad_scale = organiser_client.post(
        url, {**base, "kind": "scale", "title": "Q?", "scale-min": "5", "scale-max": "1"}
    )
    assert bad_scale.status_code == 400 and "above the bottom" in bad_scale.content.decode()
    unknown = organiser_client.post(url, {**base, "kind": "dance", "title": "Q?"})
    assert unknown.status_code == 400
    assert not session.activities.exists()
    ok = organiser_client.post(
        url,
        {
            **base,
            "kind": "multiple_choice",
            "title": "Which?",
            "multiple_choice-options": "A\nB\nC",
            "multiple_choice-max_choices": "2",
        },
    )
    assert ok.status_code == 302
    activity = session.activities.get()
    assert activity.config == {"options": ["A", "B", "C"], "max_choices": 2}


def test_anonymous_and_non_organisers_cannot_post_or_export(client, session):
    poll = factories.make_activity(session=session)
    posts = [
        (
            reverse("frontend:console_action", args=[session.code]),
            {"action": "open_activity", "activity": poll.pk},
        ),
        (
            reverse("frontend:console_action", args=[session.code]),
            {"action": "lock", "value": "true"},
        ),
        (reverse("frontend:add_activity", args=[session.code]), {"kind": "scale", "title": "Q?"}),
        (reverse("frontend:dashboard"), {"title": "X", "kind": "webinar"}),
        (reverse("frontend:event", args=[session.event_id]), {"title": "Extra"}),
    ]
    exports = [
        reverse(f"frontend:export_{fmt}", args=[session.code, poll.pk]) for fmt in ("csv", "json")
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for export in exports:
        assert "/accounts/login/" in client.get(export)["Location"]
    client.force_login(factories.make_user())
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    for export in exports:
        assert client.get(export).status_code == 403
    poll.refresh_from_db()
    session.refresh_from_db()
    assert poll.status == Activity.Status.DRAFT and not session.locked
    assert session.activities.count() == 1 and Session.objects.count() == 1


def test_another_organisers_event_and_export_are_forbidden(client, session):
    poll = factories.make_activity(session=session)
    client.force_login(factories.make_user(organiser=True))
    assert client.get(reverse("frontend:event", args=[session.event_id])).status_code == 403
    for fmt in ("csv", "json"):
        export = reverse(f"frontend:export_{fmt}", args=[session.code, poll.pk])
        assert client.get(export).status_code == 403
    add = reverse("frontend:add_activity", args=[session.code])
    assert client.post(add, {"kind": "scale", "title": "Q?"}).status_code == 403
    assert session.activities.count() == 1


def test_event_form_refuses_unknown_choices_inline(organiser_client):
    response = organiser_client.post(
        reverse("frontend:dashboard"),
        {"title": "", "kind": "webinar", "time_zone": "Mars/Base", "starts_on": "soon"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="errorlist"') >= 3  # title, time zone, dates
    assert "Select a valid choice. Mars/Base" in html
    assert not Event.objects.exists()


def test_console_header_links_and_live_hooks(organiser_client, session):
    html = organiser_client.get(console_url(session)).content.decode()
    assert f"http://testserver/j/{session.code}" in html
    assert reverse("frontend:screen", args=[session.code]) in html
    assert 'data-role="facilitator"' in html and 'id="connected"' in html
    # A session not yet open offers only "Open session" (the console's session state).
    assert "Open session" in html and "Lock against new joiners" not in html
    assert "<legend>Scale</legend>" in html and 'name="scale-min"' in html


def test_agenda_builder_creates_each_kind_with_its_settings(organiser_client, session):
    url = reverse("frontend:add_activity", args=[session.code])
    posts = [
        {"kind": "single_choice", "title": "One?", "single_choice-options": "Yes\r\nNo\r\n\r\n"},
        {
            "kind": "scale",
            "title": "How much?",
            "scale-min": "0",
            "scale-max": "10",
            "scale-min_label": "Nothing",
            "scale-max_label": "Everything",
        },
        {
            "kind": "word_cloud",
            "title": "Words?",
            "word_cloud-max_entries": "2",
            "word_cloud-max_length": "20",
        },
        {"kind": "ranking", "title": "Order?", "ranking-options": "A\nB\nC"},
    ]
    for data in posts:
        response = organiser_client.post(url, {"results_visibility": "hidden", **data})
        assert response.status_code == 302, response.content.decode()
    configs = [(a.kind, a.config, a.allow_change) for a in session.activities.all()]
    assert configs == [
        ("single_choice", {"options": ["Yes", "No"]}, False),
        ("scale", {"min": 0, "max": 10, "min_label": "Nothing", "max_label": "Everything"}, False),
        ("word_cloud", {"max_entries": 2, "max_length": 20, "hidden": []}, False),
        ("ranking", {"options": ["A", "B", "C"]}, False),
    ]
    assert {a.results_visibility for a in session.activities.all()} == {"hidden"}


def test_agenda_builder_refuses_empty_options_and_bad_numbers(organiser_client, session):
    url = reverse("frontend:add_activity", args=[session.code])
    base = {"results_visibility": "live", "title": "Q?"}
    empty = organiser_client.post(url, {**base, "kind": "ranking", "ranking-options": ""})
    assert empty.status_code == 400 and "between 2 and 10 options" in empty.content.decode()
    too_many = organiser_client.post(
        url,
        {
            **base,
            "kind": "multiple_choice",
            "multiple_choice-options": "A\nB",
            "multiple_choice-max_choices": "5",
        },
    )
    assert "from 1 to 2" in too_many.content.decode()
    cloud = organiser_client.post(
        url, {**base, "kind": "word_cloud", "word_cloud-max_entries": "99"}
    )
    assert cloud.status_code == 400 and "from 1 to 10" in cloud.content.decode()
    no_title = organiser_client.post(
        url, {**base, "title": "", "kind": "single_choice", "single_choice-options": "A\nB"}
    )
    assert no_title.status_code == 400 and "This field is required" in no_title.content.decode()
    assert not session.activities.exists()


def test_the_kind_s_settings_errors_stay_on_its_fields_and_its_values_are_kept(
    organiser_client, session
):
    url = reverse("frontend:add_activity", args=[session.code])
    bad = organiser_client.post(
        url,
        {
            "kind": "scale",
            "title": "How far?",
            "results_visibility": "live",
            "scale-min": "5",
            "scale-max": "1",
            "scale-min_label": "Not at all",
            # Another kind's fields are not read.
            "word_cloud-max_entries": "99",
        },
    )
    assert bad.status_code == 400
    form = bad.context["kind_forms"]
    scale = next(kind_form for name, _label, kind_form in form if name == "scale")
    assert scale.errors == {"max": ["The top of the scale must be above the bottom."]}
    assert all(not f.is_bound for name, _label, f in form if name != "scale")
    html = bad.content.decode()
    assert 'name="scale-min_label" value="Not at all"' in html
    # A wrong common field keeps what was typed in the chosen kind's settings.
    no_title = organiser_client.post(
        url,
        {
            "kind": "ranking",
            "title": "",
            "results_visibility": "live",
            "ranking-options": "Traceability\nRecycling",
        },
    )
    assert no_title.status_code == 400
    assert "Traceability\nRecycling</textarea>" in no_title.content.decode()
    assert not session.activities.exists()


def test_a_kind_without_settings_is_added_with_an_empty_config(
    organiser_client, session, monkeypatch
):
    class Plain(ActivityKind):
        name = "plain_test_kind"
        label = "Plain"

    monkeypatch.setitem(kinds._registry, Plain.name, Plain())
    page = organiser_client.get(console_url(session)).content.decode()
    assert '<option value="plain_test_kind">Plain</option>' in page
    assert 'data-kinds="plain_test_kind"' not in page
    response = organiser_client.post(
        reverse("frontend:add_activity", args=[session.code]),
        {
            "kind": Plain.name,
            "title": "Anything?",
            "results_visibility": "live",
            "scale-min": "3",
        },
    )
    assert response.status_code == 302
    assert list(session.activities.values_list("kind", "config")) == [(Plain.name, {})]


def test_console_actions_change_the_session(organiser_client, session):
    first = factories.make_activity(session=session, kind="word_cloud")
    second = factories.make_activity(session=session)
    page = action(organiser_client, session, "open_activity", first)
    assert "Opened: participants see it now." in page.content.decode()
    session.refresh_from_db()
    assert session.current_activity == first and session.status == Session.Status.OPEN
    shown = action(organiser_client, session, "reveal", first, "true")
    assert "Results shown on the projector." in shown.content.decode()
    action(organiser_client, session, "set_visibility", first, "after_close")
    action(organiser_client, session, "move", first, "1")
    locked = action(organiser_client, session, "lock", value="true")
    assert "Session locked" in locked.content.decode()
    first.refresh_from_db()
    session.refresh_from_db()
    assert first.results_revealed and first.results_visibility == "after_close"
    assert list(session.activities.values_list("pk", flat=True)) == [second.pk, first.pk]
    assert session.locked
    bad = action(organiser_client, session, "set_visibility", first, "everyone")
    assert "Unknown visibility" in bad.content.decode()
    not_a_flag = action(organiser_client, session, "lock", value="maybe")
    assert "must be true or false" in not_a_flag.content.decode()
    not_a_place = action(organiser_client, session, "move", first, "first")
    assert "whole number" in not_a_place.content.decode()
    refused = action(organiser_client, session, "delete_activity", first)
    assert "Only activities not yet opened" in refused.content.decode()
    assert Activity.objects.filter(pk=first.pk).exists()
    action(organiser_client, session, "delete_activity", second)
    assert not Activity.objects.filter(pk=second.pk).exists()
    unknown = action(organiser_client, session, "explode")
    assert "Unknown action" in unknown.content.decode()


def test_hidden_word_cloud_entries_can_be_shown_again(organiser_client, session):
    cloud = factories.make_activity(session=session, kind="word_cloud", open=True)
    services.moderate_activity(activity=cloud, action="hide_entry", data="Greenwashing")
    page = organiser_client.get(console_url(session)).content.decode()
    assert "Show “greenwashing” again" in page
    organiser_client.post(
        reverse("frontend:console_action", args=[session.code]),
        {"action": "moderate", "activity": cloud.pk, "moderate": "show_entry",
         "value": "greenwashing"},
    )  # fmt: skip
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == []


def test_csv_export_has_one_row_per_ballot_with_profiles(organiser_client, session):
    poll = factories.make_activity(session=session, open=True)
    ana = factories.make_participant(
        session=session, display_name="Ana", stakeholder_group="policy", country="KE"
    )
    ben = factories.make_participant(
        session=session, sector="mining", organisation="Coop", gender="woman"
    )
    services.perform_command(participant=ana, activity_id=poll.pk, action="vote", data=0, key="a")
    services.perform_command(participant=ben, activity_id=poll.pk, action="vote", data=2, key="b")
    response = organiser_client.get(reverse("frontend:export_csv", args=[session.code, poll.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="{session.code}-{poll.pk}.csv"' in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == [
        "participant",
        "display_name",
        "stakeholder_group",
        "stakeholder_group_label",
        "country",
        "country_label",
        "sector",
        "sector_label",
        "gender",
        "gender_label",
        "organisation",
        "answer",
        "created_at",
        "updated_at",
        "weight_equal_voice",
        "weight_target_mix",
        "weight_one_per_organisation",
    ]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted((r["participant"], r["gender"], r["gender_label"]) for r in rows) == sorted(
        [(str(ana.pk), "", "Prefer not to say"), (str(ben.pk), "woman", "Woman")]
    )
    # Codes for analysis, and their labels for reading ("" reads as the join form said).
    assert sorted(
        (r["stakeholder_group_label"], r["country_label"], r["sector_label"]) for r in rows
    ) == [
        ("Government / policy maker", "Kenya", "Prefer not to say"),
        ("Prefer not to say", "Prefer not to say", "Mining and processing"),
    ]
    # Each ballot's time, ISO 8601 in UTC.
    for row in rows:
        cast = Ballot.objects.get(activity=poll, participant_id=int(row["participant"]))
        assert row["created_at"] == cast.created_at.astimezone(dt.UTC).isoformat()
        assert row["updated_at"] == cast.updated_at.astimezone(dt.UTC).isoformat()
        assert row["created_at"].endswith("+00:00")
    assert sorted(
        (
            r["display_name"],
            r["stakeholder_group"],
            r["country"],
            r["sector"],
            r["organisation"],
            r["answer"],
        )
        for r in rows
    ) == [
        ("", "", "", "mining", "Coop", "Not sure"),
        ("Ana", "policy", "KE", "", "", "Yes"),
    ]
    assert Ballot.objects.filter(activity=poll).count() == 2


def test_json_export_has_the_same_records_as_the_csv(organiser_client, session):
    poll = factories.make_activity(session=session, open=True)
    ana = factories.make_participant(
        session=session, display_name="Ana", stakeholder_group="policy", country="KE"
    )
    services.perform_command(participant=ana, activity_id=poll.pk, action="vote", data=0, key="a")
    response = organiser_client.get(reverse("frontend:export_json", args=[session.code, poll.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert f'filename="{session.code}-{poll.pk}.json"' in response["Content-Disposition"]
    body = response.json()
    assert body["activity"] == {"id": poll.pk, "kind": poll.kind, "title": poll.title}
    assert body["columns"][0] == "participant"
    assert body["columns"][-6:] == [
        "answer",
        "created_at",
        "updated_at",
        "weight_equal_voice",
        "weight_target_mix",
        "weight_one_per_organisation",
    ]
    cast = Ballot.objects.get(activity=poll)
    assert body["responses"] == [
        {
            "participant": ana.pk,
            "display_name": "Ana",
            "stakeholder_group": "policy",
            "stakeholder_group_label": "Government / policy maker",
            "country": "KE",
            "country_label": "Kenya",
            "sector": "",
            "sector_label": "Prefer not to say",
            "gender": "",
            "gender_label": "Prefer not to say",
            "organisation": "",
            "answer": "Yes",
            "created_at": cast.created_at.astimezone(dt.UTC).isoformat(),
            "updated_at": cast.updated_at.astimezone(dt.UTC).isoformat(),
            "weight_equal_voice": 1.0,
            "weight_target_mix": None,
            "weight_one_per_organisation": 1.0,
        }
    ]
    assert list(body["responses"][0]) == body["columns"]


def test_csv_export_does_not_let_participants_write_formulas(organiser_client, session):
    mallory = factories.make_participant(session=session, display_name="=HYPERLINK(1)")
    cloud = factories.make_activity(session=session, kind="word_cloud", open=True)
    services.perform_command(
        participant=mallory,
        activity_id=cloud.pk,
        action="vote",
        data=["=cmd|calc", "+fine"],
        key="cloud",
    )
    # Opening the scale closes the word cloud.
    scale = factories.make_activity(
        session=session, kind="scale", config={"min": -2, "max": 2}, open=True
    )
    services.perform_command(
        participant=mallory, activity_id=scale.pk, action="vote", data=-2, key="scale"
    )
    rows = {}
    for activity in (cloud, scale):
        url = reverse("frontend:export_csv", args=[session.code, activity.pk])
        response = organiser_client.get(url)
        rows[activity.kind] = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows["word_cloud"]["display_name"] == "'=HYPERLINK(1)"
    assert rows["word_cloud"]["answer"] == "'=cmd|calc; +fine"
    assert rows["scale"]["answer"] == "-2"


# ------------------------------------------------------------------ query-count guards


def queries_for(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_dashboard_queries_do_not_grow_with_events(
    organiser_client, organiser, django_assert_max_num_queries
):
    factories.make_session(event=factories.make_event(owner=organiser))
    few, _ = queries_for(organiser_client, reverse("frontend:dashboard"))
    for _ in range(8):
        factories.make_session(event=factories.make_event(owner=organiser))
    with django_assert_max_num_queries(8):
        many, html = queries_for(organiser_client, reverse("frontend:dashboard"))
    assert many == few
    assert html.count("<tr>") == 10  # header + 9 events


def test_event_page_queries_do_not_grow_with_sessions(organiser_client, session):
    url = reverse("frontend:event", args=[session.event_id])
    few, _ = queries_for(organiser_client, url)
    for n in range(6):
        factories.make_session(event=session.event, title=f"Breakout {n}")
    many, html = queries_for(organiser_client, url)
    assert many == few and html.count("Breakout") == 6


def test_console_queries_do_not_grow_with_the_agenda(
    organiser_client, session, django_assert_max_num_queries
):
    kinds = ["single_choice", "multiple_choice", "scale", "word_cloud", "ranking"]
    for kind in kinds:
        factories.make_activity(session=session, kind=kind, open=True)
    few, _ = queries_for(organiser_client, console_url(session))
    for i in range(15):
        factories.make_activity(session=session, kind=kinds[i % 5], open=i % 3 == 0)
    with django_assert_max_num_queries(14):
        many, html = queries_for(organiser_client, console_url(session))
    assert many == few
    assert len(re.findall(r'class="card activity( current)?"', html)) == 20


def test_the_agenda_builder_leaves_the_visibility_to_the_kind_unless_chosen(
    organiser_client, session
):
    url = reverse("frontend:add_activity", args=[session.code])
    console = organiser_client.get(reverse("frontend:console", args=[session.code])).content
    assert b'<option value="" selected>' in console  # the kind's default is preselected
    poll = {"kind": "single_choice", "title": "Q?", "single_choice-options": "A\nB"}
    organiser_client.post(url, {**poll, "results_visibility": ""})
    organiser_client.post(url, {"kind": "qna", "title": "Ask", "results_visibility": ""})
    organiser_client.post(url, {**poll, "results_visibility": "live"})
    refused = organiser_client.post(url, {**poll, "results_visibility": "everyone"})
    assert refused.status_code == 400
    assert list(session.activities.values_list("kind", "results_visibility")) == [
        ("single_choice", "after_reveal"),
        ("qna", "live"),
        ("single_choice", "live"),
    ]
