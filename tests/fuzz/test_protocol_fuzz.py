"""Protocol fuzzing against a real Daphne process: thousands of generated messages from a
participant get typed answers only, the server logs no exception, and the room's
invariants hold afterwards (one ballot per participant per poll; every client's tally
equals the database)."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from polls.models import Ballot
from sessions.kinds import get_kind
from sessions.models import Activity
from tests import factories
from tests.servers import DaphneProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANSWER_TYPES = {"welcome", "event", "snapshot", "ack", "error", "pong", "presence"}
ERROR_CODES = {
    "invalid_json", "invalid_message", "unknown_type", "missing_field", "invalid_field",
    "not_joined", "already_joined", "unknown_session", "invalid_token", "forbidden",
    "unknown_activity", "unknown_action", "unknown_kind", "activity_closed", "session_closed",
    "invalid_choice", "too_many_choices", "too_long", "already_voted", "invalid_key",
    "invalid_value", "conflict", "too_large", "rate_limited", "flooding",
}  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


def messages(activity_ids: list[int]):
    activity = st.sampled_from(activity_ids) | json_values
    structured = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["act", "control", "resync", "ping", "hello", "vote", ""]),
        },
        optional={
            "id": st.integers(-5, 2**60) | st.text(max_size=80) | json_values,
            "activity": activity,
            "action": st.sampled_from(["vote", "hide_entry", "open_activity", "lock", "x"])
            | json_values,
            "data": json_values | st.integers(-2, 6) | st.lists(st.integers(-1, 5), max_size=6),
            "key": st.text(min_size=0, max_size=70) | json_values,
            "value": json_values,
            "role": st.sampled_from(["participant", "facilitator", "screen", "admin"]),
            "token": st.text(max_size=40),
            "last_seq": json_values,
        },
    ).map(json.dumps)
    raw = st.text(max_size=200) | json_values.map(json.dumps) | st.just("x" * 5000)
    return st.lists(structured | raw, min_size=1, max_size=40)


@pytest.fixture
def fuzz_room(transactional_db, static_root):
    session = factories.make_session()
    for kind in ("single_choice", "multiple_choice", "scale", "word_cloud", "ranking"):
        factories.make_activity(session=session, kind=kind, results_visibility="live")
    activities = list(session.activities.all())
    for activity in activities:  # every kind open at once: open_activity closes the others
        Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.OPEN)
    session.current_activity = activities[0]
    session.status = session.Status.OPEN
    session.save()
    fuzzer = factories.make_participant(session=session)
    observer = factories.make_participant(session=session)
    server = DaphneProcess(
        static_root=static_root,
        extra_env={
            "LIVE_RATE_PER_SECOND": "100000",
            "LIVE_RATE_BURST": "100000",
            "LIVE_ABUSE_CLOSE_AFTER": "100000",
        },
    ).start()
    yield server, session, activities, fuzzer, observer
    server.stop()


@contextmanager
def joined(server, session, participant):
    with connect(f"{server.ws_base}/ws/s/{session.code}/", origin=server.base_url) as ws:
        token = factories.token_for(participant)
        ws.send(json.dumps({"type": "hello", "role": "participant", "token": token}))
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        yield ws


def test_generated_messages_get_typed_answers_and_invariants_hold(fuzz_room):
    server, session, activities, fuzzer, observer = fuzz_room
    ids = [a.pk for a in activities]
    sent = {"messages": 0}
    with joined(server, session, fuzzer) as ws:
        fuzz(ws, [*ids, 0, -1, 10**9], sent)
    assert sent["messages"] >= 1000, sent["messages"]

    # One ballot per participant per poll (the constraint holds under any input) ...
    for activity in activities:
        assert Ballot.objects.filter(activity=activity, participant=fuzzer).count() <= 1
    # ... and a client's view of the current poll equals the database.
    with joined(server, session, observer) as watcher:
        watcher.send(json.dumps({"type": "resync", "id": "r"}))
        message = json.loads(watcher.recv(timeout=10))
        while message["type"] != "snapshot":
            message = json.loads(watcher.recv(timeout=10))
    views = message["data"]["activities"]
    assert [v["id"] for v in views] == [ids[0]]
    for view in views:
        activity = Activity.objects.get(pk=view["id"])
        assert view["count"] == Ballot.objects.filter(activity=activity).count()
        assert view["tally"] == json.loads(json.dumps(get_kind(activity.kind).tally(activity)))

    server.stop()
    assert "Traceback" not in server.log(), server.log()[-3000:]


def fuzz(ws, activity_ids: list[int], sent: dict) -> None:
    @settings(
        max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(messages(activity_ids))
    def run(batch):
        for text in batch:
            ws.send(text)
            sent["messages"] += 1
            ws.send(json.dumps({"type": "ping", "id": "fence"}))
            # Read up to the fence: every answer before it belongs to the message above.
            while True:
                answer = json.loads(ws.recv(timeout=10))
                assert answer.get("type") in ANSWER_TYPES, answer
                if answer["type"] == "error":
                    assert answer["code"] in ERROR_CODES, answer
                    assert isinstance(answer["message"], str) and answer["message"]
                if answer["type"] == "pong" and answer.get("ref") == "fence":
                    break

    run()
