"""Pages through Django's test client: happy paths, bad input, permissions, limits."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from polls.models import Ballot
from sessions import services
from sessions.models import Activity, Event, Participant, Session
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser():
    return factories.make_user(organiser=True)


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


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


@pytest.mark.parametrize("name", ["frontend:home", "frontend:join", "account_login"])
def test_public_pages_render_with_a_strict_csp_and_no_inline_code(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_room_and_screen_pages_have_no_inline_code(client, session):
    participant = factories.make_participant(session=session)
    client.cookies["pt_" + session.code] = ""
    response = client.get(reverse("frontend:screen", args=[session.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert session.code in html and 'src="data:image/svg+xml' in html
    assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert participant.pk


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


# ------------------------------------------------------------------ facilitators


def test_anonymous_and_non_organisers_are_kept_out(client, session):
    for url in (reverse("frontend:dashboard"), console_url(session)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(factories.make_user())
    assert client.get(reverse("frontend:dashboard")).status_code == 403
    assert client.get(console_url(session)).status_code == 403


def test_another_organisers_session_is_forbidden_and_unchanged(client, session):
    client.force_login(factories.make_user(organiser=True))
    poll = factories.make_activity(session=session)
    assert client.get(console_url(session)).status_code == 403
    response = client.post(
        reverse("frontend:console_action", args=[session.code]),
        {"action": "open", "activity": poll.pk},
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
        url, {**base, "kind": "single_choice", "title": "Q?", "options": "Only one"}
    )
    assert too_few.status_code == 400 and "between 2 and 20 options" in too_few.content.decode()
    bad_scale = organiser_client.post(
        url, {**base, "kind": "scale", "title": "Q?", "scale_min": "5", "scale_max": "1"}
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
            "options": "A\nB\nC",
            "max_choices": "2",
        },
    )
    assert ok.status_code == 302
    activity = session.activities.get()
    assert activity.config == {"options": ["A", "B", "C"], "max_choices": 2}


def test_console_actions_change_the_session(organiser_client, session):
    first = factories.make_activity(session=session, kind="word_cloud")
    second = factories.make_activity(session=session)
    page = action(organiser_client, session, "open", first)
    assert "Poll opened" in page.content.decode()
    session.refresh_from_db()
    assert session.current_activity == first and session.status == Session.Status.OPEN
    action(organiser_client, session, "reveal", first)
    action(organiser_client, session, "visibility", first, "after_close")
    action(organiser_client, session, "down", first)
    action(organiser_client, session, "lock")
    first.refresh_from_db()
    session.refresh_from_db()
    assert first.results_revealed and first.results_visibility == "after_close"
    assert list(session.activities.values_list("pk", flat=True)) == [second.pk, first.pk]
    assert session.locked
    bad = action(organiser_client, session, "visibility", first, "everyone")
    assert "Unknown visibility" in bad.content.decode()
    refused = action(organiser_client, session, "delete", first)
    assert "Only activities not yet opened" in refused.content.decode()
    assert Activity.objects.filter(pk=first.pk).exists()
    action(organiser_client, session, "delete", second)
    assert not Activity.objects.filter(pk=second.pk).exists()
    unknown = action(organiser_client, session, "explode")
    assert "Unknown action" in unknown.content.decode()


def test_hidden_word_cloud_entries_can_be_shown_again(organiser_client, session):
    cloud = factories.make_activity(session=session, kind="word_cloud", open=True)
    services.moderate_activity(activity=cloud, action="hide_entry", data="Greenwashing")
    page = organiser_client.get(console_url(session)).content.decode()
    assert "Show “greenwashing” again" in page
    action(organiser_client, session, "show_entry", cloud, "greenwashing")
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == []


def test_csv_export_has_one_row_per_ballot_with_profiles(organiser_client, session):
    poll = factories.make_activity(session=session, open=True)
    ana = factories.make_participant(
        session=session, display_name="Ana", stakeholder_group="policy", country="KE"
    )
    ben = factories.make_participant(session=session, sector="mining", organisation="Coop")
    services.perform_command(participant=ana, activity_id=poll.pk, action="vote", data=0, key="a")
    services.perform_command(participant=ben, activity_id=poll.pk, action="vote", data=2, key="b")
    response = organiser_client.get(reverse("frontend:export_csv", args=[session.code, poll.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
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


# ------------------------------------------------------------------ query-count guards


def test_dashboard_queries_do_not_grow_with_events(
    organiser_client, organiser, django_assert_max_num_queries
):
    for _ in range(8):
        event = factories.make_event(owner=organiser)
        factories.make_session(event=event)
    with django_assert_max_num_queries(8):
        response = organiser_client.get(reverse("frontend:dashboard"))
    assert response.content.decode().count("<tr>") == 9  # header + 8 events


def test_console_queries_do_not_grow_with_the_agenda(
    organiser_client, session, django_assert_max_num_queries
):
    kinds = ["single_choice", "multiple_choice", "scale", "word_cloud", "ranking"]
    for i in range(15):
        factories.make_activity(session=session, kind=kinds[i % 5], open=i % 3 == 0)
    with django_assert_max_num_queries(14):
        response = organiser_client.get(console_url(session))
    assert response.content.decode().count('class="card activity') == 15
