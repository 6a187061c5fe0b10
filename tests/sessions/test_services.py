"""Services: validation, state changes, idempotent commands, broadcasts only after commit."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from polls.models import Ballot
from sessions import room_events, selectors, services
from sessions.kinds import CommandError, get_kind
from sessions.models import CODE_ALPHABET, Activity, CommandReceipt, Event, Participant, Session
from tests import factories
from tests.sessions.profiles import BAD_PROFILES

pytestmark = pytest.mark.django_db


def vote(activity, participant, data, key):
    return services.perform_command(
        participant=participant, activity_id=activity.pk, action="vote", data=data, key=key
    )


# --------------------------------------------------------------------------- events


def test_create_event_stores_cleaned_values():
    owner = factories.make_user(organiser=True)
    event = services.create_event(
        owner=owner,
        title="  Critical raw materials lab  ",
        kind=Event.Kind.FLAGSHIP_LAB,
        sector="mining",
        time_zone="Africa/Kinshasa",
        starts_on=dt.date(2026, 3, 2),
        ends_on=dt.date(2026, 3, 2),  # a one-day event ends the day it starts
    )
    event.refresh_from_db()
    assert (event.title, event.kind, event.sector, event.time_zone, event.owner) == (
        "Critical raw materials lab",
        "flagship_lab",
        "mining",
        "Africa/Kinshasa",
        owner,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "rave"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"sector": "space"}, "sector"),
        ({"sector": "Mining"}, "sector"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"starts_on": dt.date(2026, 5, 2), "ends_on": dt.date(2026, 5, 1)}, "ends_on"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_create_event_refuses_bad_values(changes, field):
    with pytest.raises(ValidationError) as exc:
        factories.make_event(**changes)
    assert field in exc.value.message_dict
    assert not Event.objects.exists()


# --------------------------------------------------------------------------- sessions


def test_sessions_get_distinct_codes_from_the_unambiguous_alphabet():
    event = factories.make_event()
    sessions = [services.create_session(event=event, title=f" S{i} ") for i in range(40)]
    codes = {s.code for s in sessions}
    assert len(codes) == 40
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set(CODE_ALPHABET) & set("01OIL")
    first = Session.objects.get(pk=sessions[0].pk)
    assert (first.title, first.status, first.locked, first.seq, first.current_activity) == (
        "S0",
        Session.Status.DRAFT,
        False,
        0,
        None,
    )


def test_a_taken_code_is_drawn_again(monkeypatch):
    event = factories.make_event()
    taken = services.create_session(event=event, title="First").code
    # The random draw repeats the taken code once, then gives a fresh one.
    letters = itertools.chain(taken, "ABCDEF")
    monkeypatch.setattr("sessions.models.secrets.choice", lambda _alphabet: next(letters))
    second = services.create_session(event=event, title="Second")
    assert second.code == "ABCDEF"
    assert Session.objects.filter(code=taken).count() == 1


def test_a_session_needs_a_title():
    with pytest.raises(ValidationError) as exc:
        services.create_session(event=factories.make_event(), title="   ")
    assert "title" in exc.value.message_dict
    assert not Session.objects.exists()


def test_session_status_and_lock():
    session = factories.make_session()
    services.set_session_locked(session=session, locked=True)
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    session.refresh_from_db()
    assert (session.locked, session.status) == (True, "closed")
    with pytest.raises(CommandError) as exc:
        services.set_session_status(session=session, status="paused")
    assert exc.value.code == "invalid_value"
    session.refresh_from_db()
    assert session.status == "closed"
    services.set_session_locked(session=session, locked=0)
    session.refresh_from_db()
    assert session.locked is False


# --------------------------------------------------------------------------- agenda


def test_activities_are_appended_in_order_with_cleaned_settings():
    session = factories.make_session()
    a = services.add_activity(
        session=session,
        kind="single_choice",
        title="  Which first?  ",
        config={"options": " Yes \n\n No "},
        results_visibility=Activity.Visibility.AFTER_CLOSE,
        allow_change=False,
    )
    b = factories.make_activity(session=session, kind="scale")
    c = factories.make_activity(session=session, kind="word_cloud")
    a.refresh_from_db()
    assert (a.title, a.config, a.position, a.status) == (
        "Which first?",
        {"options": ["Yes", "No"]},
        0,
        "draft",
    )
    assert (a.results_visibility, a.allow_change, a.results_revealed) == (
        "after_close",
        False,
        False,
    )
    assert [b.position, c.position] == [1, 2]
    # Deleting leaves a gap; the next one still goes last.
    services.delete_activity(activity=b)
    d = factories.make_activity(session=session)
    assert d.position == 3
    assert list(session.activities.values_list("pk", flat=True)) == [a.pk, c.pk, d.pk]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "q" * 301}, "title"),
        ({"results_visibility": "everyone"}, "results_visibility"),
        ({"config": {"options": ["Only one"]}}, "options"),
        ({"config": {}}, "options"),
    ],
)
def test_add_activity_refuses_bad_values(changes, field):
    session = factories.make_session()
    with pytest.raises(ValidationError) as exc:
        factories.make_activity(session=session, kind="single_choice", **changes)
    assert field in exc.value.message_dict
    assert not Activity.objects.exists()


def test_add_activity_refuses_an_unknown_kind():
    session = factories.make_session()
    with pytest.raises(CommandError) as exc:
        services.add_activity(session=session, kind="quiz", title="Q", config={})
    assert exc.value.code == "unknown_kind"
    assert not Activity.objects.exists()


def positions(session):
    return list(session.activities.order_by("position").values_list("pk", "position"))


def test_move_activity_reorders_the_whole_agenda():
    session = factories.make_session()
    a, b, c, d = (factories.make_activity(session=session) for _ in range(4))
    assert services.move_activity(activity=d, position=0) == [d.pk, a.pk, b.pk, c.pk]
    assert positions(session) == [(d.pk, 0), (a.pk, 1), (b.pk, 2), (c.pk, 3)]
    assert services.move_activity(activity=d, position=2) == [a.pk, b.pk, d.pk, c.pk]
    # Past the end means last.
    assert services.move_activity(activity=a, position=99) == [b.pk, d.pk, c.pk, a.pk]
    assert positions(session) == [(b.pk, 0), (d.pk, 1), (c.pk, 2), (a.pk, 3)]
    # To its own place: nothing changes.
    assert services.move_activity(activity=c, position=2) == [b.pk, d.pk, c.pk, a.pk]


def test_move_activity_closes_gaps_left_by_deletions():
    session = factories.make_session()
    a, b, c = (factories.make_activity(session=session) for _ in range(3))
    services.delete_activity(activity=b)
    services.move_activity(activity=c, position=0)
    assert positions(session) == [(c.pk, 0), (a.pk, 1)]


@pytest.mark.parametrize("position", [-1, True, False, 1.0, "1", None])
def test_move_activity_refuses_bad_positions(position):
    session = factories.make_session()
    a, b = factories.make_activity(session=session), factories.make_activity(session=session)
    with pytest.raises(CommandError) as exc:
        services.move_activity(activity=b, position=position)
    assert exc.value.code == "invalid_value"
    assert positions(session) == [(a.pk, 0), (b.pk, 1)]


def test_only_activities_never_opened_can_be_deleted():
    session = factories.make_session()
    draft, opened, closed = (factories.make_activity(session=session) for _ in range(3))
    services.open_activity(activity=closed)
    services.close_activity(activity=closed)
    services.open_activity(activity=opened)
    for activity in (opened, closed):
        with pytest.raises(CommandError) as exc:
            services.delete_activity(activity=activity)
        assert exc.value.code == "activity_started"
    services.delete_activity(activity=draft)
    assert set(session.activities.values_list("pk", flat=True)) == {opened.pk, closed.pk}


def test_opening_an_activity_makes_it_current_and_closes_the_previous_one():
    session = factories.make_session()
    first, second, third = (factories.make_activity(session=session) for _ in range(3))
    assert session.status == Session.Status.DRAFT
    services.open_activity(activity=first)
    session.refresh_from_db()
    assert (session.status, session.current_activity_id) == ("open", first.pk)
    services.open_activity(activity=second)
    session.refresh_from_db()
    statuses = dict(session.activities.values_list("pk", "status"))
    assert statuses == {first.pk: "closed", second.pk: "open", third.pk: "draft"}
    assert session.current_activity_id == second.pk
    # Reopening a closed one closes the open one again.
    services.open_activity(activity=first)
    statuses = dict(session.activities.values_list("pk", "status"))
    assert statuses == {first.pk: "open", second.pk: "closed", third.pk: "draft"}


def test_opening_an_activity_leaves_a_closed_session_closed():
    session = factories.make_session()
    activity = factories.make_activity(session=session)
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    services.open_activity(activity=activity)
    session.refresh_from_db()
    assert (session.status, session.current_activity_id) == ("closed", activity.pk)


def test_close_reveal_and_visibility():
    activity = factories.make_activity(open=True)
    services.close_activity(activity=activity)
    services.reveal_results(activity=activity, revealed=True)
    services.set_results_visibility(activity=activity, visibility=Activity.Visibility.HIDDEN)
    activity.refresh_from_db()
    assert (activity.status, activity.results_revealed, activity.results_visibility) == (
        "closed",
        True,
        "hidden",
    )
    with pytest.raises(CommandError) as exc:
        services.set_results_visibility(activity=activity, visibility="public")
    assert exc.value.code == "invalid_value"
    activity.refresh_from_db()
    assert activity.results_visibility == "hidden"
    services.reveal_results(activity=activity, revealed=False)
    activity.refresh_from_db()
    assert activity.results_revealed is False


def test_moderation_only_for_kinds_that_have_it():
    poll = factories.make_activity(kind="single_choice", open=True)
    with pytest.raises(CommandError) as exc:
        services.moderate_activity(activity=poll, action="hide_entry", data="x")
    assert exc.value.code == "unknown_action"
    cloud = factories.make_activity(kind="word_cloud", open=True)
    with pytest.raises(CommandError) as exc:
        services.moderate_activity(activity=cloud, action="delete_everything", data="x")
    assert exc.value.code == "unknown_action"
    for data in (None, 3, "   ", ["x"]):
        with pytest.raises(CommandError) as exc:
            services.moderate_activity(activity=cloud, action="hide_entry", data=data)
        assert exc.value.code == "invalid_value"
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == []


# --------------------------------------------------------------------------- joining


def test_join_stores_the_trimmed_profile():
    session = factories.make_session()
    participant = services.join_session(
        code=session.code,
        display_name="  Ama  ",
        stakeholder_group="civil_society",
        country="GH",
        sector="mining",
        gender="woman",
        organisation="  Miners' Union ",
    )
    participant.refresh_from_db()
    assert (
        participant.session,
        participant.display_name,
        participant.stakeholder_group,
        participant.country.code,
        participant.sector,
        participant.gender,
        participant.organisation,
        participant.user,
    ) == (session, "Ama", "civil_society", "GH", "mining", "woman", "Miners' Union", None)
    assert len(participant.secret) >= 24


def test_every_profile_value_may_be_left_unsaid():
    session = factories.make_session()
    participant = services.join_session(code=session.code)
    assert (participant.display_name, participant.stakeholder_group, participant.gender) == (
        "",
        "",
        "",
    )


def test_join_links_a_logged_in_user_only():
    from django.contrib.auth.models import AnonymousUser

    session = factories.make_session()
    user = factories.make_user()
    assert services.join_session(code=session.code, user=user).user == user
    assert services.join_session(code=session.code, user=AnonymousUser()).user is None


@pytest.mark.parametrize(
    "typed", ["{code}", "{lower}", "  {code}  ", "{a} {b}", " {a_lower}  {b_lower} ", "\t{code}\n"]
)
def test_join_codes_are_normalised(typed):
    session = factories.make_session()
    code = session.code
    typed = typed.format(
        code=code,
        lower=code.lower(),
        a=code[:3],
        b=code[3:],
        a_lower=code[:3].lower(),
        b_lower=code[3:].lower(),
    )
    assert services.join_session(code=typed).session == session


@pytest.mark.parametrize("code", ["ZZZZZZ", "", "   ", "A" * 13, "ZZZ-ZZZ"])
def test_join_with_an_unknown_code(code):
    factories.make_session()
    with pytest.raises(CommandError) as exc:
        services.join_session(code=code)
    assert exc.value.code == "unknown_code"
    assert not Participant.objects.exists()


def test_join_is_refused_when_locked_then_when_closed():
    session = factories.make_session()
    services.set_session_locked(session=session, locked=True)
    with pytest.raises(CommandError) as exc:
        services.join_session(code=session.code)
    assert exc.value.code == "session_locked"
    services.set_session_status(session=session, status=Session.Status.CLOSED)
    with pytest.raises(CommandError) as exc:
        services.join_session(code=session.code)
    assert exc.value.code == "session_closed"
    services.set_session_locked(session=session, locked=False)
    with pytest.raises(CommandError) as exc:
        services.join_session(code=session.code)
    assert exc.value.code == "session_closed"
    assert not Participant.objects.exists()


@pytest.mark.parametrize(("values", "fields"), BAD_PROFILES)
def test_join_refuses_values_outside_the_lists(values, fields):
    session = factories.make_session()
    with pytest.raises(ValidationError) as exc:
        services.join_session(code=session.code, **values)
    assert set(exc.value.message_dict) == fields
    assert not Participant.objects.exists()


def test_joined_participants_stay_when_the_session_locks():
    session = factories.make_session()
    poll = factories.make_activity(session=session, open=True)
    early = factories.make_participant(session=session)
    services.set_session_locked(session=session, locked=True)
    assert vote(poll, early, 0, "k")["duplicate"] is False


# --------------------------------------------------------------------------- commands


def test_a_command_resent_with_its_key_counts_once():
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    first = vote(poll, voter, 1, "same")
    again = vote(poll, voter, 2, "same")
    assert first == {"activity": poll.pk, "ballot": 1, "duplicate": False}
    assert again == {"activity": poll.pk, "ballot": 1, "duplicate": True}
    assert list(Ballot.objects.filter(activity=poll).values_list("choice", flat=True)) == [1]
    receipt = CommandReceipt.objects.get(participant=voter)
    assert (receipt.key, receipt.activity_id, receipt.result) == (
        "same",
        poll.pk,
        {"activity": poll.pk, "ballot": 1},
    )


def test_a_resend_is_answered_even_after_the_activity_closed():
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    vote(poll, voter, 2, "k")
    services.close_activity(activity=poll)
    assert vote(poll, voter, 2, "k") == {"activity": poll.pk, "ballot": 2, "duplicate": True}
    with pytest.raises(CommandError) as exc:
        vote(poll, voter, 2, "new-key")
    assert exc.value.code == "activity_closed"


def test_keys_belong_to_one_participant():
    poll = factories.make_activity(open=True)
    a, b = (factories.make_participant(session=poll.session) for _ in range(2))
    vote(poll, a, 0, "k")
    assert vote(poll, b, 1, "k")["duplicate"] is False
    assert sorted(Ballot.objects.values_list("choice", flat=True)) == [0, 1]


def test_a_refused_vote_leaves_no_receipt_so_its_key_can_be_used_again():
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    with pytest.raises(CommandError):
        vote(poll, voter, 9, "k")
    assert not CommandReceipt.objects.exists()
    assert vote(poll, voter, 0, "k") == {"activity": poll.pk, "ballot": 0, "duplicate": False}


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("unknown", "unknown_activity"),
        ("past_bigint", "unknown_activity"),
        ("negative", "unknown_activity"),
        ("not_a_number", "unknown_activity"),
        ("true", "unknown_activity"),
        ("other_session", "unknown_activity"),
        ("draft", "activity_closed"),
        ("closed", "activity_closed"),
        ("session_closed", "session_closed"),
        ("facilitator_action", "forbidden"),
        ("made_up_action", "unknown_action"),
        ("empty_action", "unknown_action"),
    ],
)
def test_commands_that_are_refused_change_nothing(setup, code):
    cloud = factories.make_activity(kind="word_cloud", open=True)
    voter = factories.make_participant(session=cloud.session)
    activity_id, action = cloud.pk, "vote"
    if setup == "unknown":
        activity_id = 10**9
    elif setup == "past_bigint":  # more than the column holds: refused, not a server error
        activity_id = 2**64
    elif setup == "negative":
        activity_id = -cloud.pk
    elif setup == "not_a_number":
        activity_id = str(cloud.pk)
    elif setup == "true":  # True == 1 in Python; never an id
        activity_id = True
    elif setup == "other_session":
        activity_id = factories.make_activity(kind="word_cloud", open=True).pk
    elif setup == "draft":
        activity_id = factories.make_activity(session=cloud.session, kind="word_cloud").pk
    elif setup == "closed":
        services.close_activity(activity=cloud)
    elif setup == "session_closed":
        services.set_session_status(session=cloud.session, status=Session.Status.CLOSED)
    elif setup == "facilitator_action":
        action = "hide_entry"
    elif setup == "made_up_action":
        action = "vote_twice"
    elif setup == "empty_action":
        action = ""
    with pytest.raises(CommandError) as exc:
        services.perform_command(
            participant=voter, activity_id=activity_id, action=action, data="word", key="k"
        )
    assert exc.value.code == code
    assert exc.value.message
    assert not Ballot.objects.exists() and not CommandReceipt.objects.exists()
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == []


@pytest.mark.parametrize("key", ["", "k" * 65, None, 5, ["k"]])
def test_commands_need_a_proper_key(key):
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    with pytest.raises(CommandError) as exc:
        services.perform_command(
            participant=voter, activity_id=poll.pk, action="vote", data=0, key=key
        )
    assert exc.value.code == "invalid_key"
    assert not Ballot.objects.exists()


def test_the_receipt_of_a_resend_is_found_whatever_activity_it_names():
    """The receipt is keyed by participant and key alone: a resend naming another
    activity, or none there is, still gets the first answer and no second effect."""
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    first = vote(poll, voter, 1, "k")
    for activity_id in (10**9, factories.make_activity(open=True).pk):
        resent = services.perform_command(
            participant=voter, activity_id=activity_id, action="vote", data=0, key="k"
        )
        assert resent == {**first, "duplicate": True}
    assert list(Ballot.objects.values_list("choice", flat=True)) == [1]


def test_the_command_reads_the_activity_as_stored(monkeypatch):
    """The activity a kind gets from the command path has the stored settings and
    flags, with the types the ORM gives them (booleans, a decoded config)."""
    seen = {}
    poll = factories.make_activity(open=True)
    Activity.objects.filter(pk=poll.pk).update(allow_change=False, results_revealed=True)
    voter = factories.make_participant(session=poll.session)
    kind = type(get_kind(poll.kind))
    assert "vote" in kind.batch_commands  # polls carry out votes in batches
    original = kind.apply_batch

    def spy(self, *, activity, **kwargs):
        seen["activity"] = activity
        return original(self, activity=activity, **kwargs)

    monkeypatch.setattr(kind, "apply_batch", spy)
    vote(poll, voter, 0, "k")
    got, stored = seen["activity"], Activity.objects.get(pk=poll.pk)
    for field in ("id", "session_id", "kind", "title", "position", "status", "config"):
        assert getattr(got, field) == getattr(stored, field), field
    assert got.allow_change is False and got.results_revealed is True
    assert got.results_visibility == stored.results_visibility
    assert isinstance(got.config, dict) and got.config["options"] == stored.config["options"]


def test_a_key_of_64_characters_is_enough():
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    assert vote(poll, voter, 0, "k" * 64)["duplicate"] is False
    assert vote(poll, voter, 1, "k" * 64)["duplicate"] is True


# --------------------------------------------------------------------------- broadcasts


def registered(callbacks):
    """(function name, arguments) of each on_commit callback."""
    return [(c.func.__name__, c.args) for c in callbacks]


def test_state_changes_broadcast_from_on_commit_only(django_capture_on_commit_callbacks):
    session = factories.make_session()
    sid = session.pk
    voter = factories.make_participant(session=session)
    with django_capture_on_commit_callbacks() as callbacks:
        poll = factories.make_activity(session=session)
        cloud = factories.make_activity(session=session, kind="word_cloud")
    assert registered(callbacks) == [("room_changed", (sid,))] * 2
    assert all(c.func is room_events.room_changed for c in callbacks)

    steps = [
        lambda: services.open_activity(activity=poll),
        lambda: services.close_activity(activity=poll),
        lambda: services.reveal_results(activity=poll, revealed=True),
        lambda: services.set_results_visibility(activity=poll, visibility="hidden"),
        lambda: services.move_activity(activity=cloud, position=0),
        lambda: services.set_session_locked(session=session, locked=True),
        lambda: services.set_session_status(session=session, status="open"),
        lambda: services.delete_activity(activity=factories.make_activity(session=session)),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks() as callbacks:
            step()
        assert registered(callbacks)[-1] == ("room_changed", (sid,))

    services.open_activity(activity=cloud)
    with django_capture_on_commit_callbacks() as callbacks:
        vote(cloud, voter, "word", "k")
    assert registered(callbacks) == [("tally_changed", (sid, cloud.pk))]
    assert callbacks[0].func is room_events.tally_changed
    with django_capture_on_commit_callbacks() as callbacks:
        services.moderate_activity(activity=cloud, action="hide_entry", data="word")
    assert registered(callbacks) == [("tally_changed", (sid, cloud.pk))]


def test_joining_and_refused_commands_broadcast_nothing(django_capture_on_commit_callbacks):
    """A join takes no room seq (only the facilitators' panels are due again); a
    refused command and a resend send nothing."""
    poll = factories.make_activity(open=True)
    with django_capture_on_commit_callbacks() as callbacks:
        voter = factories.make_participant(session=poll.session)
        with pytest.raises(CommandError):
            vote(poll, voter, 7, "bad")
        vote(poll, voter, 0, "k")
        vote(poll, voter, 0, "k")  # a resend: no second broadcast
    assert registered(callbacks) == [
        ("participants_changed", (poll.session_id,)),
        ("tally_changed", (poll.session_id, poll.pk)),
    ]


def test_nothing_is_broadcast_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.close_activity(activity=poll)
        with pytest.raises(CommandError):  # the poll is already closed within it
            vote(poll, voter, 0, "k")
        services.set_session_locked(session=poll.session, locked=True)
        raise RuntimeError("abort")
    assert callbacks == []
    poll.refresh_from_db()
    poll.session.refresh_from_db()
    assert (poll.status, poll.session.locked, poll.session.seq) == ("open", False, 0)


def test_a_rolled_back_vote_leaves_no_ballot_receipt_or_broadcast(
    django_capture_on_commit_callbacks,
):
    poll = factories.make_activity(open=True)
    voter = factories.make_participant(session=poll.session)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert vote(poll, voter, 1, "k")["duplicate"] is False
        raise RuntimeError("abort")
    assert callbacks == []
    assert not Ballot.objects.exists() and not CommandReceipt.objects.exists()
    # The key was never recorded, so the same command goes through afterwards.
    assert vote(poll, voter, 1, "k")["duplicate"] is False


# --------------------------------------------------------------------------- visibility defaults


@pytest.mark.parametrize(
    ("kind", "config", "default"),
    [
        ("single_choice", {"options": ["Yes", "No"]}, "after_reveal"),
        ("word_cloud", {}, "after_reveal"),
        ("dot_vote", factories.DEFAULT_CONFIGS["dot_vote"], "after_reveal"),
        ("qna", {}, "live"),
        ("idea_board", {"columns": ["Ideas"]}, "live"),
    ],
)
def test_a_new_activity_takes_its_kinds_visibility_when_none_is_chosen(kind, config, default):
    activity = services.add_activity(
        session=factories.make_session(), kind=kind, title="Q?", config=config
    )
    activity.refresh_from_db()
    assert activity.results_visibility == default


def test_a_new_polls_tally_reaches_participants_only_once_revealed():
    activity = services.add_activity(
        session=factories.make_session(),
        kind="single_choice",
        title="Q?",
        config={"options": "A\nB"},
    )
    services.open_activity(activity=activity)
    voter = factories.make_participant(session=activity.session)
    vote(activity, voter, 1, "k1")
    session = Session.objects.select_related("event").get(pk=activity.session_id)

    def views():
        return {role: view["activities"][0] for role, view in selectors.room_views(session).items()}

    before = views()
    assert "tally" not in before["participant"] and "tally" not in before["screen"]
    assert before["participant"]["count"] == 1  # how many voted is not the result
    assert before["facilitator"]["tally"]["total"] == 1
    services.reveal_results(activity=activity, revealed=True)
    after = views()
    assert (
        after["participant"]["tally"] == after["screen"]["tally"] == before["facilitator"]["tally"]
    )
    services.reveal_results(activity=activity, revealed=False)
    assert "tally" not in views()["participant"]
