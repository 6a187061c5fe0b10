"""Parsing client messages, and the per-connection rate limit."""

from __future__ import annotations

import json

import pytest

from sessions.limits import TokenBucket
from sessions.protocol import ProtocolError, parse


def test_a_valid_vote_parses():
    message = parse(
        json.dumps(
            {"type": "act", "id": 3, "activity": 7, "action": "vote", "data": [1], "key": "k"}
        )
    )
    assert (message.type, message.ref, message.get("activity"), message.get("data")) == (
        "act",
        3,
        7,
        [1],
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('"hello"', "invalid_message"),
        ("{}", "invalid_message"),
        ('{"type": 5}', "invalid_message"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "act", "activity": 1, "action": "vote"}', "missing_field"),
        ('{"type": "act", "activity": "1", "action": "vote", "key": "k"}', "invalid_field"),
        ('{"type": "act", "activity": true, "action": "vote", "key": "k"}', "invalid_field"),
        ('{"type": "hello", "role": 1}', "invalid_field"),
        ('{"type": "ping", "id": [1]}', "invalid_field"),
        ('{"type": "ping", "id": true}', "invalid_field"),
        ('{"type": "ping", "id": "%s"}' % ("x" * 65), "invalid_field"),
        ('{"type": "act", "activity": 1, "action": "vote", "key": "a\\u0000b"}', "invalid_message"),
        ('{"type": "act", "activity": 1, "action": "vote", "key": "\\ud800"}', "invalid_message"),
        ("[" * 100000, "invalid_json"),
    ],
)
def test_malformed_messages_get_typed_errors(text, code):
    with pytest.raises(ProtocolError) as exc:
        parse(text)
    assert exc.value.code == code
    assert exc.value.message


def test_the_error_keeps_the_request_id_when_it_could_be_read():
    with pytest.raises(ProtocolError) as exc:
        parse('{"type": "dance", "id": "r1"}')
    assert exc.value.ref == "r1"


def test_token_bucket_allows_a_burst_then_the_rate(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("sessions.limits.time.monotonic", lambda: now[0])
    bucket = TokenBucket(rate=10, burst=3)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.11  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 10
    assert sum(bucket.take() for _ in range(10)) == 3
