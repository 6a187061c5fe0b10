"""docs/protocol.md stays true to the code: every message type the server parses, with
each of its fields, every facilitator control action, and every message type the server
sends are in the document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sessions import commands, protocol

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
SOURCES = [
    Path(__file__).resolve().parents[2] / "sessions" / name
    for name in ("consumers.py", "room_events.py", "hub.py", "panels.py", "connections.py")
]


def section(title: str) -> str:
    start = DOC.index(title)
    following = re.search(r"^#{2,3} ", DOC[start + len(title) :], re.MULTILINE)
    return DOC[start : start + len(title) + (following.start() if following else len(DOC))]


def row(text: str, name: str) -> str:
    match = re.search(rf"^\| `{re.escape(name)}`[^\n]*", text, re.MULTILINE)
    assert match, f"`{name}` has no row"
    return match.group(0)


@pytest.mark.parametrize("kind", sorted(protocol.SCHEMAS))
def test_every_client_message_type_is_documented_with_its_fields(kind):
    line = row(section("## Client to server"), kind)
    for field in protocol.SCHEMAS[kind]:
        assert f"`{field}`" in line, f"{kind}: field `{field}` is not documented"


@pytest.mark.parametrize("action", sorted(commands.COMMANDS))
def test_every_control_action_is_documented(action):
    table = section("### Facilitator `control` actions")
    assert re.search(rf"^\|[^|\n]*`{action}`", table, re.MULTILINE), f"`{action}` missing"


def test_every_message_type_the_server_sends_is_documented():
    sent = set()
    for source in SOURCES:
        sent |= set(re.findall(r'"type": "([a-z_]+)"', source.read_text()))
    sent = {t for t in sent if not t.startswith("room")}  # channel-layer messages
    assert sent >= {"welcome", "event", "ack", "error", "pong", "presence", "panel"}
    server = section("## Server to client")
    for kind in sorted(sent):
        row(server, kind)


def test_every_close_code_is_documented():
    from sessions import consumers

    codes = {v for k, v in vars(consumers).items() if k.startswith("CLOSE_")}
    assert {4401, 4403, 4404, 4410, 4429, 4008} <= codes
    table = section("## Close codes")
    for code in sorted(codes - {1009}):  # 1009 is the WebSocket standard's "too big"
        assert re.search(rf"^\| {code} \|", table, re.MULTILINE), f"close code {code}"
