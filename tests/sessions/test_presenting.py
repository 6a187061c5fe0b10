"""What the presenter view drives (sessions/services.py): showing an activity on every
screen, the projector's join panel, the countdown, and where participants go on after a
closed session (the room data's ``join_panel``, ``timer`` and ``follow_up``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions import commands, selectors, services
from sessions.kinds import CommandError, Role
from sessions.models import Activity, Session
from tests import factories
from tests.consult import factories as consult_factories

pytestmark = pytest.mark.django_db


def agenda(n=3):
    session = factories.make_session()
    return session, [
        factories.make_activity(session=session, title=f"Question {i}") for i in range(n)
    ]


def statuses(activities):
    return [Activity.objects.get(pk=a.pk).status for a in activities]


def test_showing_a_new_activity_opens_it_and_closes_the_one_open_before():
    session, (first, second, third) = agenda()
    services.show_activity(activity=first)
    services.show_activity(activity=second)
    session.refresh_from_db()
    assert session.current_activity_id == second.pk
    assert session.status == Session.Status.OPEN
    assert statuses([first, second, third]) == ["closed", "open", "draft"]


def test_showing_a_closed_activity_again_keeps_it_closed():
    """Previous: back to a question already answered, to show its results, without
    letting people vote on it again."""
    session, (first, second, _third) = agenda()
    services.show_activity(activity=first)
    services.show_activity(activity=second)
    services.show_activity(activity=first)
    session.refresh_from_db()
    assert session.current_activity_id == first.pk
    assert statuses([first, second]) == ["closed", "closed"]


def test_the_join_panel_takes_only_its_modes():
    session = factories.make_session()
    for mode in ("small", "hidden", "full", "shown"):
        commands.run(session=session, name="join_panel", activity_id=None, value=mode)
        session.refresh_from_db()
        assert session.join_panel == mode
        assert selectors.room_views(session)["screen"]["join_panel"] == mode
    for bad in ("huge", "", None, True, ["full"]):
        with pytest.raises(CommandError) as refused:
            commands.run(session=session, name="join_panel", activity_id=None, value=bad)
        assert refused.value.code == "invalid_value"
    session.refresh_from_db()
    assert session.join_panel == "shown"


def test_a_timer_counts_down_from_now_and_stops_at_zero():
    session = factories.make_session()
    before = timezone.now()
    commands.run(session=session, name="timer", activity_id=None, value=90)
    session.refresh_from_db()
    assert session.timer_seconds == 90
    assert before + dt.timedelta(seconds=90) <= session.timer_ends_at
    assert session.timer_ends_at <= timezone.now() + dt.timedelta(seconds=90)
    for role in Role:
        timer = selectors.room_views(session)[role.value]["timer"]
        assert timer == {"ends_at": session.timer_ends_at.timestamp(), "seconds": 90}
    commands.run(session=session, name="timer", activity_id=None, value=0)
    session.refresh_from_db()
    assert (session.timer_ends_at, session.timer_seconds) == (None, 0)
    assert selectors.room_views(session)["participant"]["timer"] is None


@pytest.mark.parametrize("bad", [-1, 99 * 60 + 1, 2.5, "60", None, True])
def test_a_timer_refuses_what_is_not_a_whole_number_of_seconds_in_range(bad):
    session = factories.make_session()
    with pytest.raises(CommandError) as refused:
        services.set_timer(session=session, seconds=bad)
    assert refused.value.code == "invalid_value"
    session.refresh_from_db()
    assert session.timer_ends_at is None


def test_a_timer_from_the_console_form_reads_its_seconds():
    assert commands.COMMANDS["timer"].form_value({"value": "120"}) == 120


def test_a_closed_session_points_to_its_process_consultation():
    consultation = consult_factories.make_consultation(title="Cobalt roadmap draft")
    event = factories.make_event(process=consultation.process)
    session = factories.make_session(event=event)
    assert selectors.room_views(session)["participant"]["follow_up"] is None  # still running
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    session.refresh_from_db()
    follow_up = selectors.room_views(session)["participant"]["follow_up"]
    assert follow_up == {
        "title": "Cobalt roadmap draft",
        "url": f"/c/{consultation.process.slug}/{consultation.slug}/",
    }


def test_a_closed_session_prefers_the_consultation_taking_comments():
    process = consult_factories.make_process()
    consult_factories.make_consultation(process=process, title="Old draft", status="closed")
    current = consult_factories.make_consultation(
        process=process,
        title="Second draft",
        opens_at=timezone.now() - dt.timedelta(days=40),
    )
    consult_factories.make_consultation(process=process, title="Not yet", status="draft")
    session = factories.make_session(event=factories.make_event(process=process))
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    assert selectors.follow_up(session)["title"] == current.title


def test_no_follow_up_without_a_readable_consultation():
    process = consult_factories.make_process()
    consult_factories.make_consultation(process=process, status="draft")
    consult_factories.make_consultation(process=process, is_public=False)
    with_process = factories.make_session(event=factories.make_event(process=process))
    without = factories.make_session()
    for session in (with_process, without):
        services.set_session_status(session=session, status=Session.Status.CLOSED)
        assert selectors.follow_up(session) is None
