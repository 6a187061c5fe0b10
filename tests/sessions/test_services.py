"""Services: validation, state changes, idempotent commands, broadcasts after commit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from polls.models import Ballot
from sessions import realtime, services
from sessions.kinds import CommandError
from sessions.models import Activity, CommandReceipt, Session
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "rave"}, "kind"),
        ({"sector": "space"}, "sector"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"starts_on": dt.date(2026, 5, 2), "ends_on": dt.date(2026, 5, 1)}, "ends_on"),
    ],
)
def test_create_event_refuses_bad_values(changes, field):
    with pytest.raises(ValidationError) as exc:
        factories.make_event(**changes)
    assert field in exc.value.message_dict


def test_sessions_get_distinct_codes_from_the_unambiguous_alphabet():
    event = factories.make_event()
    codes = {services.create_session(event=event, title=f"S{i}").code for i in range(30)}
    assert len(codes) == 30
    assert all(len(c) == 6 and not set(c) & set("01OIL") for c in codes)
    with pytest.raises(ValidationError):
        services.create_session(event=event, title="   ")


def test_agenda_positions_reorder_and_delete():
    session = factories.make_session()
    a, b, c = (factories.make_activity(session=session) for _ in range(3))
    assert [x.position for x in (a, b, c)] == [0, 1, 2]
    assert services.move_activity(activity=c, position=0) == [c.pk, a.pk, b.pk]
    assert list(session.activities.values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]
    with pytest.raises(CommandError):
        services.move_activity(activity=c, position=-1)
    services.open_activity(activity=a)
    with pytest.raises(CommandError) as exc:
        services.delete_activity(activity=a)
    assert exc.value.code == "activity_started"
    services.delete_activity(activity=b)
    assert not Activity.objects.filter(pk=b.pk).exists()


def test_opening_an_activity_makes_it_current_and_closes_the_previous_one():
    session = factories.make_session()
    first, second = (
        factories.make_activity(session=session),
        factories.make_activity(session=session),
    )
    assert session.status == Session.Status.DRAFT
    services.open_activity(activity=first)
    services.open_activity(activity=second)
    session.refresh_from_db()
    first.refresh_from_db()
    assert session.status == Session.Status.OPEN
    assert session.current_activity_id == second.pk
    assert first.status == Activity.Status.CLOSED


def test_join_session_checks_the_code_the_lock_and_the_lists():
    session = factories.make_session()
    assert services.join_session(code=f" {session.code.lower()} ").session_id == session.pk
    with pytest.raises(CommandError) as exc:
        services.join_session(code="ZZZZZZ")
    assert exc.value.code == "unknown_code"
    with pytest.raises(ValidationError) as exc:
        services.join_session(
            code=session.code, stakeholder_group="aliens", country="XX", gender="robot"
        )
    assert set(exc.value.message_dict) == {"stakeholder_group", "country", "gender"}
    services.set_session_locked(session=session, locked=True)
    with pytest.raises(CommandError) as exc:
        services.join_session(code=session.code)
    assert exc.value.code == "session_locked"
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    with pytest.raises(CommandError) as exc:
        services.join_session(code=session.code)
    assert exc.value.code == "session_closed"


def test_a_command_resent_with_its_key_counts_once():
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    first = services.perform_command(
        participant=voter, activity_id=poll.pk, action="vote", data=1, key="same"
    )
    again = services.perform_command(
        participant=voter, activity_id=poll.pk, action="vote", data=2, key="same"
    )
    assert first == {"activity": poll.pk, "ballot": 1, "duplicate": False}
    assert again == {"activity": poll.pk, "ballot": 1, "duplicate": True}
    assert list(Ballot.objects.filter(activity=poll).values_list("choice", flat=True)) == [1]
    assert CommandReceipt.objects.filter(participant=voter).count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("unknown", "unknown_activity"),
        ("other_session", "unknown_activity"),
        ("draft", "activity_closed"),
        ("closed", "activity_closed"),
        ("session_closed", "session_closed"),
        ("facilitator_action", "forbidden"),
        ("made_up_action", "unknown_action"),
    ],
)
def test_commands_that_are_refused_change_nothing(setup, code):
    poll = factories.make_activity(kind="word_cloud", open=True)
    voter = factories.make_participant(session=poll.session)
    activity_id, action = poll.pk, "vote"
    if setup == "unknown":
        activity_id = 10**9
    elif setup == "other_session":
        activity_id = factories.make_activity(open=True).pk
    elif setup == "draft":
        activity_id = factories.make_activity(session=poll.session).pk
    elif setup == "closed":
        services.close_activity(activity=poll)
    elif setup == "session_closed":
        services.set_session_status(session=poll.session, status=Session.Status.CLOSED)
    elif setup == "facilitator_action":
        action = "hide_entry"
    elif setup == "made_up_action":
        action = "vote_twice"
    with pytest.raises(CommandError) as exc:
        services.perform_command(
            participant=voter, activity_id=activity_id, action=action, data="x", key="k"
        )
    assert exc.value.code == code
    assert not Ballot.objects.exists() and not CommandReceipt.objects.exists()


@pytest.mark.parametrize("key", ["", "k" * 65, None, 5])
def test_commands_need_a_proper_key(key):
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    with pytest.raises(CommandError) as exc:
        services.perform_command(
            participant=voter, activity_id=poll.pk, action="vote", data=0, key=key
        )
    assert exc.value.code == "invalid_key"


def test_broadcasts_happen_on_commit_and_not_after_a_rollback(
    django_capture_on_commit_callbacks, monkeypatch
):
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    sent = []
    monkeypatch.setattr(realtime, "tally_changed", lambda *args: sent.append(("tally", *args)))
    monkeypatch.setattr(realtime, "room_changed", lambda *args: sent.append(("room", *args)))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.perform_command(
            participant=voter, activity_id=poll.pk, action="vote", data=0, key="a"
        )
        services.reveal_results(activity=poll, revealed=True)
    assert len(callbacks) == 2
    assert sent == [("tally", poll.session_id, poll.pk), ("room", poll.session_id)]

    sent.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.close_activity(activity=poll)
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert sent == [] and callbacks == []
    poll.refresh_from_db()
    assert poll.status == Activity.Status.OPEN
