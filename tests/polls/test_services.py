"""The poll kinds' writes (polls/services.py, polls/command_queries.py): casting a
ballot and hiding a word-cloud entry."""

from __future__ import annotations

import pytest
from django.db import transaction

from polls import command_queries, services
from polls.models import Ballot
from sessions.kinds import CommandError
from tests import factories

pytestmark = pytest.mark.django_db


def ballots(activity):
    return list(
        Ballot.objects.filter(activity=activity).order_by("pk").values_list("participant", "choice")
    )


def test_a_ballot_is_cast_and_replaced_when_changes_are_allowed():
    poll = factories.make_activity(open=True)
    person = factories.make_participant(session=poll.session)
    result = services.cast_ballot(activity=poll, participant=person, choice=2)
    assert result == {"activity": poll.pk, "ballot": 2}
    assert services.cast_ballot(activity=poll, participant=person, choice=0) == {
        "activity": poll.pk,
        "ballot": 0,
    }
    assert ballots(poll) == [(person.pk, 0)]


def test_a_second_ballot_is_refused_when_changes_are_not_allowed():
    poll = factories.make_activity(open=True, allow_change=False)
    person = factories.make_participant(session=poll.session)
    services.cast_ballot(activity=poll, participant=person, choice=1)
    with pytest.raises(CommandError) as refused, transaction.atomic():
        services.cast_ballot(activity=poll, participant=person, choice=0)
    assert refused.value.code == "already_voted"
    assert refused.value.message == "You have already voted in this poll."
    assert ballots(poll) == [(person.pk, 1)]


def test_the_upsert_says_whether_it_wrote():
    poll = factories.make_activity(kind="word_cloud", open=True)
    person = factories.make_participant(session=poll.session)
    common = {"activity": poll, "participant": person}
    assert command_queries.upsert_ballot(**common, choice=["tin"], replace=False) is True
    assert command_queries.upsert_ballot(**common, choice=["gold"], replace=False) is False
    assert ballots(poll) == [(person.pk, ["tin"])]
    assert command_queries.upsert_ballot(**common, choice=["gold", "tin"], replace=True) is True
    assert ballots(poll) == [(person.pk, ["gold", "tin"])]


def test_word_cloud_entries_are_hidden_and_shown_in_their_normal_form():
    cloud = factories.make_activity(kind="word_cloud", open=True)
    hidden = services.set_entry_hidden(activity=cloud, entry="  Green   WASHING ", hidden=True)
    assert hidden == ["green washing"]
    assert services.set_entry_hidden(activity=cloud, entry="abc", hidden=True) == [
        "abc",
        "green washing",
    ]
    # The caller's activity is brought up to date with the stored settings.
    assert cloud.config["hidden"] == ["abc", "green washing"]
    assert services.set_entry_hidden(activity=cloud, entry="Green washing", hidden=False) == ["abc"]
    # Showing an entry that is not hidden changes nothing.
    assert services.set_entry_hidden(activity=cloud, entry="never", hidden=False) == ["abc"]
    cloud.refresh_from_db()
    assert cloud.config == {"max_entries": 3, "max_length": 30, "hidden": ["abc"]}


@pytest.mark.parametrize("entry", [None, 3, "", "   ", ["word"]])
def test_an_entry_to_hide_must_be_a_text(entry):
    cloud = factories.make_activity(kind="word_cloud", open=True)
    with pytest.raises(CommandError) as refused:
        services.set_entry_hidden(activity=cloud, entry=entry, hidden=True)
    assert refused.value.code == "invalid_value"
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == []


def test_normalise_word():
    assert services.normalise_word("  Fair\t\nWages  ") == "fair wages"
    assert services.normalise_word("   ") == ""
