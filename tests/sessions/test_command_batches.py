"""Participants' commands carried out many at a time (sessions/participant_commands.py):
each command keeps its own answer, in order, in its own language, in one transaction
with a few statements whatever the batch's size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from boards.models import Note
from polls.models import Ballot
from sessions import command_queries, participant_commands
from sessions.kinds import Command, CommandError, get_kind
from sessions.models import CommandReceipt
from tests import factories
from tests.boards.boards import make_board

pytestmark = pytest.mark.django_db


def command(participant, activity, data, key, *, action="vote", language="en"):
    return Command(
        participant=participant,
        activity_id=activity.pk if activity is not None else 10**9,
        action=action,
        data=data,
        key=key,
        language=language,
    )


def perform(*commands):
    return participant_commands.perform_commands(commands=list(commands))


def test_each_command_of_a_batch_gets_its_own_answer_in_order(django_capture_on_commit_callbacks):
    poll = factories.make_activity(open=True)
    scale = factories.make_activity(session=poll.session, kind="scale", open=False)
    a, b, c, d = (factories.make_participant(session=poll.session) for _ in range(4))
    participant_commands.perform_command(command=command(a, poll, 2, "earlier"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcomes = perform(
            command(a, poll, 0, "earlier"),  # a resend: its stored answer
            command(b, poll, 1, "b1"),
            command(c, poll, 9, "c1"),  # no such option
            command(d, None, 0, "d1"),  # no such activity
            command(d, scale, 3, "d2"),  # not open
            command(d, poll, 0, ""),  # no key
            command(d, poll, 0, "d3", action="post"),  # not this kind's
            command(d, poll, 2, "d4"),
        )
    assert outcomes[0] == {"activity": poll.pk, "ballot": 2, "duplicate": True}
    assert outcomes[1] == {"activity": poll.pk, "ballot": 1, "duplicate": False}
    codes = [o.code if isinstance(o, CommandError) else None for o in outcomes]
    assert codes[2:7] == [
        "invalid_choice",
        "unknown_activity",
        "activity_closed",
        "invalid_key",
        "unknown_action",
    ]
    assert outcomes[7] == {"activity": poll.pk, "ballot": 2, "duplicate": False}
    assert dict(Ballot.objects.values_list("participant_id", "choice")) == {
        a.pk: 2,
        b.pk: 1,
        d.pk: 2,
    }
    assert set(CommandReceipt.objects.values_list("key", flat=True)) == {"earlier", "b1", "d4"}
    # One tally notice for the activity the batch changed, after the commit.
    assert [(cb.func.__name__, cb.args) for cb in callbacks] == [
        ("tally_changed", (poll.session_id, poll.pk))
    ]


def test_refusals_are_in_each_participants_language():
    poll = factories.make_activity(open=True, allow_change=False)
    a, b = (factories.make_participant(session=poll.session) for _ in range(2))
    perform(command(a, poll, 0, "a0"), command(b, poll, 0, "b0"))
    outcomes = perform(
        command(a, poll, 1, "a1", language="fr"),
        command(b, poll, 1, "b1", language="es"),
        command(b, poll, 7, "b2", language="fr"),
    )
    assert [o.code for o in outcomes] == ["already_voted", "already_voted", "invalid_choice"]
    refusal = "You have already voted in this poll."
    for outcome, language in ((outcomes[0], "fr"), (outcomes[1], "es")):
        with translation.override(language):
            assert outcome.message == gettext(refusal) != refusal
    assert outcomes[0].message != outcomes[2].message
    assert list(Ballot.objects.values_list("choice", flat=True)) == [0, 0]


def test_one_persons_commands_in_one_batch_keep_their_order():
    poll = factories.make_activity(open=True)
    a = factories.make_participant(session=poll.session)
    outcomes = perform(
        command(a, poll, 0, "k1"), command(a, poll, 1, "k2"), command(a, poll, 2, "k3")
    )
    assert [o["ballot"] for o in outcomes] == [0, 1, 2]
    assert Ballot.objects.get(activity=poll, participant=a).choice == 2
    # Without changes allowed, the first of the batch counts and the second is refused.
    fixed = factories.make_activity(open=True, allow_change=False)
    b = factories.make_participant(session=fixed.session)
    first, second = perform(command(b, fixed, 1, "f1"), command(b, fixed, 2, "f2"))
    assert first["ballot"] == 1 and second.code == "already_voted"
    assert Ballot.objects.get(activity=fixed, participant=b).choice == 1


def test_a_batch_of_votes_costs_the_same_few_statements_whatever_its_size():
    poll = factories.make_activity(open=True)
    people = [factories.make_participant(session=poll.session) for _ in range(60)]

    def statements(batch):
        with CaptureQueriesContext(connection) as queries:
            outcomes = perform(*batch)
        assert all(o["duplicate"] is False for o in outcomes)
        return [q["sql"] for q in queries.captured_queries]

    small = statements([command(p, poll, 0, "s") for p in people[:3]])
    large = statements([command(p, poll, 1, "l") for p in people[3:]])
    assert len(small) == len(large)
    # The reads, the ballots and the receipts: one statement each.
    assert sum("INSERT" in sql for sql in large) == 2
    assert Ballot.objects.filter(activity=poll).count() == 60


def test_a_key_stored_by_another_process_meanwhile_is_answered_as_a_duplicate(monkeypatch):
    poll = factories.make_activity(open=True)
    a, b = (factories.make_participant(session=poll.session) for _ in range(2))
    participant_commands.perform_command(command=command(a, poll, 1, "same"))
    read = command_queries.command_targets

    def stale(*, requests):
        # As if another process stored a's receipt after this batch read the receipts.
        return [(activity, status, None) for activity, status, _stored in read(requests=requests)]

    monkeypatch.setattr(command_queries, "command_targets", stale)
    resent, other = perform(command(a, poll, 1, "same"), command(b, poll, 0, "b"))
    assert resent == {"activity": poll.pk, "ballot": 1, "duplicate": True}
    assert other["duplicate"] is False
    assert CommandReceipt.objects.filter(participant=a).count() == 1


def test_a_batch_that_fails_as_a_whole_is_carried_out_one_command_at_a_time(monkeypatch):
    poll = factories.make_activity(open=True)
    a, b = (factories.make_participant(session=poll.session) for _ in range(2))
    kind = type(get_kind(poll.kind))
    original = kind.apply_batch
    sizes = []

    def fails_when_many(self, *, activity, commands):
        sizes.append(len(commands))
        if len(commands) > 1:
            raise RuntimeError("a bug in the batch path")
        return original(self, activity=activity, commands=commands)

    monkeypatch.setattr(kind, "apply_batch", fails_when_many)
    outcomes = perform(command(a, poll, 0, "a"), command(b, poll, 9, "b"))
    assert sizes == [2, 1, 1]
    assert outcomes[0]["duplicate"] is False
    assert outcomes[1].code == "invalid_choice"
    # Nothing of the failed attempt stayed: one ballot, one receipt.
    assert list(Ballot.objects.values_list("participant_id", flat=True)) == [a.pk]
    assert CommandReceipt.objects.count() == 1


def test_kinds_without_a_batch_path_carry_out_each_command_in_a_savepoint():
    board = make_board()
    a, b = (factories.make_participant(session=board.session) for _ in range(2))
    outcomes = perform(
        command(a, board, {"column": 0, "text": "First idea"}, "a1", action="post"),
        command(b, board, {"column": 0, "text": ""}, "b1", action="post"),  # refused: empty
        command(b, board, {"column": 1, "text": "Second idea"}, "b2", action="post"),
    )
    assert outcomes[0]["duplicate"] is False and outcomes[2]["duplicate"] is False
    assert isinstance(outcomes[1], CommandError)
    assert set(CommandReceipt.objects.values_list("key", flat=True)) == {"a1", "b2"}
    assert sorted(Note.objects.values_list("text", flat=True)) == ["First idea", "Second idea"]
