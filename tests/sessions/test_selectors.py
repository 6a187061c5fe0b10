"""Selectors: who sees what, tokens, and who may facilitate."""

from __future__ import annotations

import pytest
from django.core import signing

from sessions import selectors, services
from sessions.kinds import Role
from sessions.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db

LIVE, AFTER, HIDDEN = (
    Activity.Visibility.LIVE,
    Activity.Visibility.AFTER_CLOSE,
    Activity.Visibility.HIDDEN,
)
OPEN, CLOSED, DRAFT = Activity.Status.OPEN, Activity.Status.CLOSED, Activity.Status.DRAFT


@pytest.mark.parametrize(
    ("visibility", "status", "revealed", "participant", "screen"),
    [
        (LIVE, DRAFT, False, False, False),
        (LIVE, OPEN, False, True, False),
        (LIVE, CLOSED, True, True, True),
        (AFTER, OPEN, True, False, True),
        (AFTER, CLOSED, False, True, False),
        (HIDDEN, OPEN, False, False, False),
        (HIDDEN, CLOSED, True, False, True),
    ],
)
def test_results_visibility_per_role(visibility, status, revealed, participant, screen):
    activity = Activity(results_visibility=visibility, status=status, results_revealed=revealed)
    assert selectors.results_visible(activity, Role.FACILITATOR) is True
    assert selectors.results_visible(activity, Role.PARTICIPANT) is participant
    assert selectors.results_visible(activity, Role.SCREEN) is screen


def test_room_views_show_the_agenda_to_the_facilitator_and_the_current_activity_to_others():
    session = factories.make_session()
    first = factories.make_activity(session=session, results_visibility=HIDDEN)
    factories.make_activity(session=session)
    services.open_activity(activity=first)
    session.refresh_from_db()
    views = selectors.room_views(session)
    assert [a["id"] for a in views["participant"]["activities"]] == [first.pk]
    assert len(views["facilitator"]["activities"]) == 2
    assert "tally" in views["facilitator"]["activities"][0]
    assert "tally" not in views["participant"]["activities"][0]
    assert "tally" not in views["screen"]["activities"][0]
    assert views["participant"]["activities"][0]["count"] == 0
    assert views["screen"]["current_activity"] == first.pk


def test_participant_tokens_round_trip_and_refuse_forgeries():
    session, other = factories.make_session(), factories.make_session()
    participant = factories.make_participant(session=session)
    token = selectors.participant_token(participant)
    assert selectors.participant_from_token(token, session=session) == participant
    assert selectors.participant_from_token(token, session=other) is None
    assert selectors.participant_from_token(token[:-2] + "xx", session=session) is None
    wrong_secret = signing.dumps({"p": participant.pk, "s": "guess"}, salt=selectors.TOKEN_SALT)
    assert selectors.participant_from_token(wrong_secret, session=session) is None
    for junk in ("", "x" * 400, None, 12):
        assert selectors.participant_from_token(junk, session=session) is None


def test_who_may_facilitate():
    owner = factories.make_user(organiser=True)
    session = factories.make_session(event=factories.make_event(owner=owner))
    assert selectors.can_facilitate(owner, session)
    assert not selectors.can_facilitate(factories.make_user(organiser=True), session)
    assert not selectors.can_facilitate(factories.make_user(), session)
    admin = factories.make_user(is_superuser=True)
    assert selectors.can_facilitate(admin, session)
