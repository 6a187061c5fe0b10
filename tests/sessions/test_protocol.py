"""Parsing client messages (docs/protocol.md, "Client to server"), and the rate limit."""

from __future__ import annotations

import json

import pytest

from sessions.limits import TokenBucket
from sessions.protocol import ProtocolError, parse


def dumps(payload) -> str:
    return json.dumps(payload)


# --------------------------------------------------------------------------- valid


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"type": "ping"}, {}),
        ({"type": "resync", "id": "r-1"}, {}),
        ({"type": "hello", "role": "screen"}, {"role": "screen"}),
        (
            {"type": "hello", "role": "participant", "token": "t", "last_seq": 0},
            {"role": "participant", "token": "t", "last_seq": 0},
        ),
        (
            {"type": "act", "activity": 7, "action": "vote", "data": [2, 0], "key": "k"},
            {"activity": 7, "action": "vote", "data": [2, 0], "key": "k"},
        ),
        (
            {"type": "act", "activity": 7, "action": "vote", "key": "k"},
            {"activity": 7, "action": "vote", "key": "k"},
        ),
        (
            {"type": "act", "activity": 7, "action": "vote", "data": None, "key": "k"},
            {"activity": 7, "action": "vote", "data": None, "key": "k"},
        ),
        ({"type": "control", "action": "lock", "value": True}, {"action": "lock", "value": True}),
        (
            {
                "type": "control",
                "action": "moderate",
                "activity": 3,
                "value": {"action": "hide_entry", "data": "x"},
            },
            {"action": "moderate", "activity": 3, "value": {"action": "hide_entry", "data": "x"}},
        ),
    ],
)
def test_valid_messages_parse_into_their_schema_fields(payload, fields):
    message = parse(dumps(payload))
    assert message.type == payload["type"]
    assert message.fields == fields
    assert message.ref == payload.get("id")


@pytest.mark.parametrize("ref", [0, -3, 2**53 - 1, "", "x" * 64, "r-1"])
def test_ids_that_are_short_strings_or_safe_integers_come_back_as_ref(ref):
    assert parse(dumps({"type": "ping", "id": ref})).ref == ref


def test_unknown_fields_are_dropped_and_get_reads_with_a_default():
    message = parse(dumps({"type": "ping", "extra": 1, "role": "screen"}))
    assert message.fields == {}
    assert message.get("role", "none") == "none"


def test_unicode_text_is_accepted():
    message = parse(
        dumps({"type": "act", "activity": 1, "action": "vote", "data": "élan 🌍", "key": "ü"})
    )
    assert message.get("data") == "élan 🌍"


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # not JSON
        ("{not json", "invalid_json"),
        ("", "invalid_json"),
        ("   ", "invalid_json"),
        ("{'type': 'ping'}", "invalid_json"),
        ("[" * 100_000, "invalid_json"),
        # JSON, but not an object
        ("[1, 2]", "invalid_message"),
        ('"ping"', "invalid_message"),
        ("42", "invalid_message"),
        ("null", "invalid_message"),
        ("true", "invalid_message"),
        # no usable type
        ("{}", "invalid_message"),
        ('{"type": 5}', "invalid_message"),
        ('{"type": null}', "invalid_message"),
        ('{"type": ["ping"]}', "invalid_message"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "PING"}', "unknown_type"),
        ('{"type": ""}', "unknown_type"),
        # missing fields
        ('{"type": "hello"}', "missing_field"),
        ('{"type": "act", "action": "vote", "key": "k"}', "missing_field"),
        ('{"type": "act", "activity": 1, "key": "k"}', "missing_field"),
        ('{"type": "act", "activity": 1, "action": "vote"}', "missing_field"),
        ('{"type": "control"}', "missing_field"),
        # wrong types
        ('{"type": "hello", "role": 1}', "invalid_field"),
        ('{"type": "hello", "role": null}', "invalid_field"),
        ('{"type": "hello", "role": "participant", "token": 5}', "invalid_field"),
        ('{"type": "hello", "role": "participant", "last_seq": "4"}', "invalid_field"),
        ('{"type": "hello", "role": "participant", "last_seq": true}', "invalid_field"),
        ('{"type": "hello", "role": "participant", "last_seq": 4.0}', "invalid_field"),
        ('{"type": "act", "activity": "1", "action": "vote", "key": "k"}', "invalid_field"),
        ('{"type": "act", "activity": true, "action": "vote", "key": "k"}', "invalid_field"),
        ('{"type": "act", "activity": 1.5, "action": "vote", "key": "k"}', "invalid_field"),
        ('{"type": "act", "activity": null, "action": "vote", "key": "k"}', "invalid_field"),
        ('{"type": "act", "activity": 1, "action": ["vote"], "key": "k"}', "invalid_field"),
        ('{"type": "act", "activity": 1, "action": "vote", "key": 5}', "invalid_field"),
        ('{"type": "act", "activity": 1, "action": "vote", "key": null}', "invalid_field"),
        ('{"type": "control", "action": true}', "invalid_field"),
        ('{"type": "control", "action": "open_activity", "activity": false}', "invalid_field"),
        ('{"type": "control", "action": "open_activity", "activity": "3"}', "invalid_field"),
        # bad ids
        ('{"type": "ping", "id": [1]}', "invalid_field"),
        ('{"type": "ping", "id": {"a": 1}}', "invalid_field"),
        ('{"type": "ping", "id": true}', "invalid_field"),
        ('{"type": "ping", "id": 1.5}', "invalid_field"),
        ('{"type": "ping", "id": 9007199254740992}', "invalid_field"),
        ('{"type": "ping", "id": -9007199254740992}', "invalid_field"),
        ('{"type": "ping", "id": "%s"}' % ("x" * 65), "invalid_field"),
        # text the database and UTF-8 refuse
        ('{"type": "act", "activity": 1, "action": "vote", "key": "a\\u0000b"}', "invalid_message"),
        ('{"type": "act", "activity": 1, "action": "vote", "key": "\\ud800"}', "invalid_message"),
        (
            '{"type": "act", "activity": 1, "action": "vote", "key": "k", "data": ["\\udfff"]}',
            "invalid_message",
        ),
        ('{"type": "ping", "x": {"\\u0000": 1}}', "invalid_message"),
        ('{"type": "ping\\u0000"}', "invalid_message"),
    ],
)
def test_malformed_messages_get_typed_errors(text, code):
    with pytest.raises(ProtocolError) as exc:
        parse(text)
    assert exc.value.code == code
    assert exc.value.message


@pytest.mark.parametrize("depth", [400, 900])
def test_deeply_nested_json_under_the_frame_limit_is_a_typed_error(depth):
    text = '{"type": "ping", "x": ' + "[" * depth + "]" * depth + "}"
    assert len(text.encode()) < 4096
    with pytest.raises(ProtocolError) as exc:
        parse(text)
    assert exc.value.code in {"invalid_json", "invalid_message"}


def test_the_error_keeps_the_request_id_when_it_could_be_read():
    with pytest.raises(ProtocolError) as exc:
        parse('{"type": "dance", "id": "r1"}')
    assert exc.value.ref == "r1"
    with pytest.raises(ProtocolError) as exc:
        parse('{"type": "act", "id": 7, "activity": "x", "action": "vote", "key": "k"}')
    assert (exc.value.code, exc.value.ref) == ("invalid_field", 7)
    with pytest.raises(ProtocolError) as exc:  # an unusable id is not echoed
        parse('{"type": "ping", "id": [1]}')
    assert exc.value.ref is None


def test_error_messages_name_the_field():
    with pytest.raises(ProtocolError) as exc:
        parse('{"type": "act", "activity": 1, "action": "vote"}')
    assert "key" in exc.value.message
    with pytest.raises(ProtocolError) as exc:
        parse('{"type": "act", "activity": 1, "action": 2, "key": "k"}')
    assert "action" in exc.value.message


# --------------------------------------------------------------------------- rate limit


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("sessions.limits.time.monotonic", lambda: now[0])
    return now


def test_token_bucket_allows_a_burst_then_refuses(clock):
    bucket = TokenBucket(rate=10, burst=3)
    assert [bucket.take() for _ in range(5)] == [True, True, True, False, False]


def test_token_bucket_refills_at_its_rate(clock):
    bucket = TokenBucket(rate=10, burst=3)
    for _ in range(3):
        bucket.take()
    clock[0] += 0.05  # half a token
    assert bucket.take() is False
    clock[0] += 0.06  # now over one token
    assert [bucket.take(), bucket.take()] == [True, False]
    clock[0] += 0.25  # 2.5 tokens
    assert [bucket.take() for _ in range(3)] == [True, True, False]


def test_token_bucket_never_holds_more_than_its_burst(clock):
    bucket = TokenBucket(rate=10, burst=3)
    clock[0] += 3600
    assert sum(bucket.take() for _ in range(10)) == 3


def test_refused_takes_do_not_spend_tokens(clock):
    bucket = TokenBucket(rate=1, burst=1)
    assert bucket.take() is True
    for _ in range(50):
        assert bucket.take() is False
    clock[0] += 1.0
    assert bucket.take() is True


def test_sustained_rate_matches_the_setting(clock):
    bucket = TokenBucket(rate=10, burst=20)
    allowed = 0
    for _ in range(1000):  # 10 s of attempts every 10 ms
        allowed += bucket.take()
        clock[0] += 0.01
    # The burst, then 10 per second for the 10 s.
    assert 119 <= allowed <= 121
