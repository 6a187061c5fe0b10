"""services.update_participant_profile: a participant corrects their own profile,
checked as joining checks it; a refusal changes nothing; the panels are due again."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sessions import room_events, services
from sessions.kinds import CommandError
from sessions.models import Participant, Session
from tests import factories
from tests.sessions.profiles import BAD_PROFILES

pytestmark = pytest.mark.django_db

PROFILE = ("display_name", "stakeholder_group", "country", "sector", "gender", "organisation")


def profile_of(participant: Participant) -> tuple:
    participant = Participant.objects.get(pk=participant.pk)
    return tuple(str(getattr(participant, name)) for name in PROFILE)


@pytest.fixture
def ana():
    session = factories.make_session()
    return factories.make_participant(
        session=session, display_name="Ana", stakeholder_group="policy", country="KE"
    )


def test_the_profile_is_replaced_trimmed_and_the_panels_are_due(
    ana, django_capture_on_commit_callbacks
):
    other = factories.make_participant(session=ana.session, display_name="Ben")
    with django_capture_on_commit_callbacks() as callbacks:
        returned = services.update_participant_profile(
            participant=ana,
            display_name="  Ana M. ",
            stakeholder_group="civil_society",
            country="BR",
            sector="mobility",
            gender="woman",
            organisation="  Miners' Union ",
        )
    assert returned.pk == ana.pk
    assert profile_of(ana) == (
        "Ana M.",
        "civil_society",
        "BR",
        "mobility",
        "woman",
        "Miners' Union",
    )
    assert [(c.func, c.args) for c in callbacks] == [
        (room_events.participants_changed, (ana.session_id,))
    ]
    assert profile_of(other)[0] == "Ben"
    # The token still names the same participant: the secret and the session are kept.
    fresh = Participant.objects.get(pk=ana.pk)
    assert (fresh.secret, fresh.session_id) == (ana.secret, ana.session_id)


def test_every_value_may_be_left_unsaid(ana):
    services.update_participant_profile(participant=ana)
    assert profile_of(ana) == ("", "", "", "", "", "")


@pytest.mark.parametrize(("values", "fields"), BAD_PROFILES)
def test_values_outside_the_lists_are_refused_and_nothing_changes(
    ana, values, fields, django_capture_on_commit_callbacks
):
    before = profile_of(ana)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as exc:
        services.update_participant_profile(
            participant=ana, **{"display_name": "Changed", "organisation": "Changed", **values}
        )
    assert set(exc.value.message_dict) == fields
    assert profile_of(ana) == before
    assert callbacks == []


def test_a_locked_session_still_lets_its_participants_edit(ana):
    services.set_session_locked(session=ana.session, locked=True)
    services.update_participant_profile(participant=ana, display_name="Ana L.")
    assert profile_of(ana)[0] == "Ana L."


def test_a_closed_session_refuses_and_keeps_the_profile(ana):
    services.set_session_status(session=ana.session, status=Session.Status.CLOSED)
    before = profile_of(ana)
    with pytest.raises(CommandError) as exc:
        services.update_participant_profile(participant=ana, display_name="Late")
    assert exc.value.code == "session_closed"
    assert profile_of(ana) == before


def test_the_arguments_are_keyword_only(ana):
    with pytest.raises(TypeError):
        services.update_participant_profile(ana, "Ana")  # type: ignore[misc]
