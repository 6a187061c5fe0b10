"""Building, stamping and sending the room's events (sessions/room_events.py): every
stamp takes the next room seq and carries one text per role, items are grouped and
withheld per role, snapshots take no seq, a tally is stamped only when one is due, and a
failed group send is tried again. Where the on_commit notices go (a hub or the layer) is
tested in test_hub_context.py."""

from __future__ import annotations

import json
import time

import pytest

from sessions import room_events, selectors, services
from sessions.kinds import Role
from sessions.models import Activity, Session
from tests import factories

ROLES = {role.value for role in Role}


def texts_of(message):
    return {role: json.loads(text) for role, text in message["texts"].items()}


def as_sent(value):
    """A view as a client reads it (after JSON)."""
    return json.loads(room_events.dumps(value))


def make_qna():
    activity = services.add_activity(
        session=factories.make_session(), kind="qna", title="Ask the panel", config={}
    )
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    return activity


@pytest.mark.django_db
def test_each_stamp_takes_the_next_room_seq_and_carries_one_text_per_role():
    session = factories.make_session()
    before = Session.objects.get(pk=session.pk).seq
    first = room_events.stamp_room(session.pk)
    second = room_events.stamp_room(session.pk)
    assert (first["seq"], second["seq"]) == (before + 1, before + 2)
    assert Session.objects.get(pk=session.pk).seq == before + 2
    assert first["type"] == "room.event"
    assert first["session"] == session.pk
    assert set(first["texts"]) == ROLES
    views = selectors.room_views(Session.objects.select_related("event").get(pk=session.pk))
    for role, event in texts_of(second).items():
        assert event["type"] == "event"
        assert event["name"] == "room"
        assert event["seq"] == before + 2
        assert event["as_of"] <= event["ts"]
        assert event["data"] == as_sent(views[role])


@pytest.mark.django_db
def test_a_snapshot_reads_the_room_at_its_seq_without_taking_one():
    session = factories.make_session()
    stamped = room_events.stamp_room(session.pk)
    seq, texts = room_events.snapshot_texts(session.pk)
    assert seq == stamped["seq"] == Session.objects.get(pk=session.pk).seq
    assert set(texts) == ROLES
    for role, text in texts.items():
        snapshot = json.loads(text)
        assert snapshot["type"] == "snapshot"
        assert snapshot["seq"] == seq
        assert snapshot["data"] == texts_of(stamped)[role]["data"]


@pytest.mark.django_db
def test_one_changed_item_is_an_item_event_and_a_role_that_may_not_see_it_gets_null():
    activity = make_qna()
    # A question nobody but the moderators saw was withdrawn: only they are told.
    withdrawn = {"question": 10**9, "was_public": False}
    message = room_events.stamp_items(activity.session_id, activity.pk, [withdrawn, withdrawn])
    events = texts_of(message)
    assert {event["name"] for event in events.values()} == {"item"}
    assert {event["seq"] for event in events.values()} == {message["seq"]}
    assert events[Role.FACILITATOR.value]["data"] == {"activity": activity.pk, "removed": 10**9}
    assert events[Role.PARTICIPANT.value]["data"] is None
    assert events[Role.SCREEN.value]["data"] is None


@pytest.mark.django_db
def test_several_changed_items_of_one_activity_are_one_items_event():
    activity = make_qna()
    changes = [{"on_screen": True}, {"question": 10**9, "was_public": True}]
    message = room_events.stamp_items(activity.session_id, activity.pk, changes)
    for event in texts_of(message).values():
        assert event["name"] == "items"
        assert event["data"] == {
            "activity": activity.pk,
            "changes": [{"on_screen": None}, {"removed": 10**9}],
        }


class FlakyLayer:
    """A channel layer whose first ``failures`` sends fail, as every pooled Redis
    connection does once after a restart."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sends: list[tuple[str, dict]] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.sends.append((group, message))
        if len(self.sends) <= self.failures:
            raise ConnectionError("Connection closed by server.")


@pytest.mark.asyncio
async def test_a_failed_send_to_the_room_is_tried_again():
    layer = FlakyLayer(failures=len(room_events.SEND_RETRY_DELAYS_S))
    message = {"type": "room.presence_query", "session": 7}
    await room_events.send_to_room(layer, 7, message)
    attempts = 1 + len(room_events.SEND_RETRY_DELAYS_S)
    assert layer.sends == [("room.7", message)] * attempts


@pytest.mark.asyncio
async def test_a_send_that_fails_every_time_raises_the_last_error():
    layer = FlakyLayer(failures=100)
    with pytest.raises(ConnectionError):
        await room_events.send_to_room(layer, 7, {"type": "room.presence_query", "session": 7})
    assert len(layer.sends) == 1 + len(room_events.SEND_RETRY_DELAYS_S)


def tallied_at_and_seq(activity):
    activity.refresh_from_db()
    return activity.tallied_at, Session.objects.get(pk=activity.session_id).seq


@pytest.mark.django_db
def test_a_tally_is_one_event_that_supersedes_the_last_and_records_when_it_was_read():
    activity = factories.make_activity(open=True)
    assert activity.tallied_at is None
    message = room_events.stamp_tally(activity.session_id, activity.pk)
    assert message["supersedes"] == f"tally:{activity.pk}"
    assert "recheck" not in message
    events = texts_of(message)
    assert {event["name"] for event in events.values()} == {"tally"}
    tallied_at, seq = tallied_at_and_seq(activity)
    assert seq == message["seq"]
    assert {event["as_of"] for event in events.values()} == {tallied_at}


@pytest.mark.django_db
def test_a_tally_already_stamped_after_the_change_covers_it():
    activity = factories.make_activity(open=True)
    stamped = room_events.stamp_tally(activity.session_id, activity.pk)
    as_of = texts_of(stamped)[Role.SCREEN.value]["as_of"]
    for changed_at in (as_of - 5, as_of):
        due = room_events.stamp_tally_due(
            activity.session_id, activity.pk, changed_at=changed_at, interval_s=0.0
        )
        assert due is None
    assert tallied_at_and_seq(activity) == (as_of, stamped["seq"])  # no seq taken


@pytest.mark.django_db
def test_a_change_after_a_tally_younger_than_the_interval_waits_for_the_rest_of_it():
    activity = factories.make_activity(open=True)
    stamped = room_events.stamp_tally(activity.session_id, activity.pk)
    as_of = texts_of(stamped)[Role.SCREEN.value]["as_of"]
    before = time.time()
    due = room_events.stamp_tally_due(
        activity.session_id, activity.pk, changed_at=as_of + 0.001, interval_s=60.0
    )
    after = time.time()
    assert isinstance(due, float)
    # What is left of the interval after the last tally.
    assert as_of + 60.0 - after <= due <= as_of + 60.0 - before
    assert tallied_at_and_seq(activity) == (as_of, stamped["seq"])


@pytest.mark.django_db
def test_a_change_after_a_tally_older_than_the_interval_is_stamped_at_once():
    activity = factories.make_activity(open=True)
    Activity.objects.filter(pk=activity.pk).update(tallied_at=time.time() - 10)
    changed_at = time.time()
    message = room_events.stamp_tally_due(
        activity.session_id, activity.pk, changed_at=changed_at, interval_s=1.0
    )
    assert message["type"] == "room.event"
    assert message["supersedes"] == f"tally:{activity.pk}"
    event = texts_of(message)[Role.SCREEN.value]
    assert event["name"] == "tally"
    assert event["as_of"] >= changed_at
    assert tallied_at_and_seq(activity) == (event["as_of"], message["seq"])


@pytest.mark.django_db
def test_the_first_tally_of_an_activity_is_due_at_once():
    activity = factories.make_activity(open=True)
    message = room_events.stamp_tally_due(
        activity.session_id, activity.pk, changed_at=time.time(), interval_s=60.0
    )
    assert texts_of(message)[Role.SCREEN.value]["name"] == "tally"


@pytest.mark.django_db
def test_no_tally_is_due_for_an_activity_of_another_session():
    activity = factories.make_activity(open=True)
    other = factories.make_session()
    seq = Session.objects.get(pk=other.pk).seq
    with pytest.raises(Activity.DoesNotExist):
        room_events.stamp_tally_due(other.pk, activity.pk, changed_at=0.0, interval_s=0.0)
    assert Session.objects.get(pk=other.pk).seq == seq
