"""The one-tap join (issue 16) through Django's test client: the code field focused,
one short profile screen with the rest optional, a locked or closed session said before
the form, and the participant's own profile page reached from the room."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from outreach.models import Invitation
from sessions import selectors, services
from sessions.models import Participant, Session
from tests import factories
from tests.frontend.test_views import assert_strict_page
from tests.outreach.factories import make_person, make_process_world

pytestmark = pytest.mark.django_db

PROFILE = ("display_name", "stakeholder_group", "country", "sector", "gender", "organisation")


@pytest.fixture
def session():
    return factories.make_session(title="Vision")


def join_url(session) -> str:
    return reverse("frontend:join_code", args=[session.code])


def profile_url(session) -> str:
    return reverse("frontend:participant_profile", args=[session.code])


def joined(client, session, **profile) -> Participant:
    response = client.post(join_url(session), profile)
    assert response.status_code == 302, response.content.decode()
    jar = {name: morsel.value for name, morsel in client.cookies.items()}
    return selectors.participant_from_cookies(jar, session=session)


def profile_of(participant: Participant) -> tuple:
    participant = Participant.objects.get(pk=participant.pk)
    return tuple(str(getattr(participant, name)) for name in PROFILE)


def disclosure(html: str) -> str:
    found = re.search(r'<details class="more-about-me"[^>]*>.*?</details>', html, re.S)
    assert found, "no “more about me” disclosure"
    return found.group(0)


# ------------------------------------------------------------------ the code


def test_the_join_page_focuses_the_code_field(client):
    html = assert_strict_page(client.get(reverse("frontend:join")))
    field = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    assert "autofocus" in field


def test_a_link_or_qr_code_with_the_code_skips_the_code_step(client, session):
    response = client.get(reverse("frontend:join"), {"code": session.code})
    assert response.status_code == 302 and response["Location"] == join_url(session)
    assert client.get(join_url(session)).status_code == 200


def test_a_wrong_code_in_a_link_comes_back_focused_with_the_code_to_correct(client, session):
    response = client.get(reverse("frontend:join"), {"code": "NOPE99"})
    assert response.status_code == 400
    field = re.search(r'<input[^>]*name="code"[^>]*>', response.content.decode()).group(0)
    assert 'value="NOPE99"' in field and "autofocus" in field
    assert "No session has this code" in response.content.decode()


# ------------------------------------------------------------------ one short screen


def test_the_profile_is_one_short_screen_with_the_rest_optional(client, session):
    html = assert_strict_page(client.get(join_url(session)))
    form = re.search(r'<form method="post" class="card profile join-profile".*?</form>', html, re.S)
    form = form.group(0)
    more = disclosure(form)
    outside = form.replace(more, "")
    # Name and group on the screen; country, sector, gender and organisation behind a
    # closed disclosure that needs no script.
    assert 'name="display_name"' in outside and 'name="stakeholder_group"' in outside
    for name in ("country", "sector", "gender", "organisation"):
        assert f'name="{name}"' in more and f'name="{name}"' not in outside
    assert "<summary>More about me (optional)</summary>" in more
    assert not re.match(r"<details[^>]*\sopen", more)
    # The privacy notice is still there, before the button.
    assert 'class="privacy-notice"' in form
    assert form.index("privacy-notice") < form.index("Enter the session")


def test_joining_with_the_name_alone_is_enough(client, session):
    participant = joined(client, session, display_name="Ana")
    assert profile_of(participant) == ("Ana", "", "", "", "", "")


def test_an_error_in_the_optional_part_opens_it_and_keeps_what_was_typed(client, session):
    response = client.post(
        join_url(session),
        {"display_name": "Ana", "stakeholder_group": "policy", "sector": "space"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    more = disclosure(html)
    assert re.match(r"<details[^>]*\sopen", more)
    assert "Select a valid choice" in more
    assert 'value="Ana"' in html
    assert '<option value="policy" selected>' in html
    assert not Participant.objects.exists()


# ------------------------------------------------------------------ locked or closed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: services.set_session_locked(session=s, locked=True), "not accepting new"),
        (
            lambda s: services.set_session_status(session=s, status=Session.Status.CLOSED),
            "This session has ended.",
        ),
    ],
)
def test_a_locked_or_closed_session_says_so_before_the_form(client, session, change, message):
    change(session)
    response = client.get(join_url(session))
    html = assert_strict_page(response)
    assert re.search(rf'<p class="message error" role="alert">[^<]*{message}', html)
    assert '<form method="post" class="card profile' not in html
    assert 'name="display_name"' not in html and "Enter the session" not in html
    # A post all the same (an old tab) is refused, and nobody joins.
    refused = client.post(join_url(session), {"display_name": "Ana"})
    assert refused.status_code == 400 and message in refused.content.decode()
    assert not Participant.objects.exists()


def test_a_participant_of_a_locked_session_still_gets_to_the_room(client, session):
    joined(client, session, display_name="Ana")
    services.set_session_locked(session=session, locked=True)
    response = client.get(join_url(session))
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:room", args=[session.code])


# ------------------------------------------------------------------ the personal link


def test_an_invitee_sees_their_profile_filled_in_to_confirm(client):
    world = make_process_world()
    ana = make_person(name="Ana Invitee", stakeholder_group="policy", country="KE")
    invitation = Invitation.objects.create(process=world.process, person=ana, session=world.session)
    html = assert_strict_page(client.get(reverse("outreach:join", args=[invitation.token])))
    more = disclosure(html)
    assert re.match(r"<details[^>]*\sopen", more)  # all of it shown, to confirm
    assert 'value="Ana Invitee"' in html
    assert '<option value="policy" selected>' in html
    assert '<option value="KE" selected>' in more
    assert "Confirm and enter the session" in html


def test_an_invitee_sees_a_locked_session_before_the_form(client):
    world = make_process_world()
    ana = make_person(name="Ana Invitee")
    invitation = Invitation.objects.create(process=world.process, person=ana, session=world.session)
    services.set_session_locked(session=world.session, locked=True)
    html = client.get(reverse("outreach:join", args=[invitation.token])).content.decode()
    assert "not accepting new participants" in html
    assert "Confirm and enter the session" not in html


# ------------------------------------------------------------------ the profile, later


def test_the_room_links_to_the_profile_page_which_shows_the_profile(client, session):
    joined(client, session, display_name="Ana", stakeholder_group="policy", country="KE")
    room = client.get(reverse("frontend:room", args=[session.code])).content.decode()
    assert f'href="{profile_url(session)}"' in room and "Edit my profile" in room
    html = assert_strict_page(client.get(profile_url(session)))
    assert 'value="Ana"' in html
    assert '<option value="policy" selected>' in html
    assert '<option value="KE" selected>' in html
    assert re.match(r"<details[^>]*\sopen", disclosure(html))


def test_a_participant_changes_their_profile_and_the_room_shows_the_new_name(client, session):
    participant = joined(client, session, display_name="Ana", stakeholder_group="policy")
    response = client.post(
        profile_url(session),
        {
            "display_name": " Ana M. ",
            "stakeholder_group": "civil_society",
            "country": "BR",
            "sector": "mobility",
            "gender": "woman",
            "organisation": "Union",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:room", args=[session.code])
    assert profile_of(participant) == (
        "Ana M.",
        "civil_society",
        "BR",
        "mobility",
        "woman",
        "Union",
    )
    room = client.get(reverse("frontend:room", args=[session.code])).content.decode()
    header = re.search(r"<header.*?</header>", room, re.S).group(0)
    assert "Ana M." in header
    assert "Your profile is saved." in room
    assert Participant.objects.filter(session=session).count() == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"stakeholder_group": "aliens"}, "Select a valid choice"),
        ({"country": "XX"}, "Select a valid choice"),
        ({"display_name": "n" * 61}, "Ensure this value has at most 60 characters"),
    ],
)
def test_invalid_values_are_refused_with_a_message_and_nothing_is_lost(
    client, session, values, message
):
    participant = joined(client, session, display_name="Ana", stakeholder_group="policy")
    before = profile_of(participant)
    typed = {"display_name": "Ana M.", "organisation": "Union", **values}
    response = client.post(profile_url(session), typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # What they typed is still in the form; what was saved is unchanged.
    assert 'value="Union"' in html
    assert profile_of(participant) == before


def test_a_closed_session_shows_its_state_and_changes_nothing(client, session):
    participant = joined(client, session, display_name="Ana")
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    html = client.get(profile_url(session)).content.decode()
    assert "This session has ended." in html and "Save my profile" not in html
    response = client.post(profile_url(session), {"display_name": "Late"})
    assert response.status_code == 400
    assert profile_of(participant)[0] == "Ana"


def test_without_a_participant_cookie_the_profile_page_sends_to_the_join_page(client, session):
    response = client.get(profile_url(session))
    assert response.status_code == 302 and response["Location"] == join_url(session)
    response = client.post(profile_url(session), {"display_name": "Mallory"})
    assert response.status_code == 302 and response["Location"] == join_url(session)
    assert not Participant.objects.exists()


def test_another_session_s_cookie_cannot_edit_this_session_s_participants(client, session):
    victim = factories.make_participant(session=session, display_name="Ana")
    other = factories.make_session(event=session.event, title="Breakout")
    joined(client, other, display_name="Mallory")
    response = client.post(profile_url(session), {"display_name": "Hacked"})
    assert response.status_code == 302 and response["Location"] == join_url(session)
    # Nor does the other session's token under this session's cookie name.
    client.cookies[f"pt_{session.code}"] = client.cookies[f"pt_{other.code}"].value
    response = client.post(profile_url(session), {"display_name": "Hacked"})
    assert response.status_code == 302
    assert profile_of(victim)[0] == "Ana"
    assert not Participant.objects.filter(display_name="Hacked").exists()


def test_an_organiser_without_a_participant_cookie_cannot_edit_anyone(client, session):
    victim = factories.make_participant(session=session, display_name="Ana")
    client.force_login(session.event.owner)
    response = client.post(profile_url(session), {"display_name": "Hacked"})
    assert response.status_code == 302
    assert profile_of(victim)[0] == "Ana"


def test_an_unknown_code_is_not_found(client):
    response = client.get(reverse("frontend:participant_profile", args=["NOPE99"]))
    assert response.status_code == 404


def test_only_get_and_post(client, session):
    joined(client, session, display_name="Ana")
    assert client.put(profile_url(session)).status_code == 405
