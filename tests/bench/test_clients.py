"""The benchmark's load-generating client against a tiny fake room server: it resends
a command answered ``busy`` and one left unanswered by a dropped socket, unchanged and
keeping its first send time; and the figures' helpers."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.server import serve

from bench.clients import Child
from bench.room import hist_percentile, lost_and_doubled, percentile, slope_per_minute
from bench.storm import StormChild, presence_overcount_until

WELCOME = {"type": "welcome", "seq": 3, "resumed": False, "data": {"current_activity": 7}}


class FakeRoom:
    """Answers hello with a welcome; what it does with each ``act`` is ``on_act``."""

    def __init__(self, on_act) -> None:
        self.on_act = on_act
        self.hellos: list[dict] = []
        self.acts: list[dict] = []

    async def handler(self, ws) -> None:
        async for text in ws:
            msg = json.loads(text)
            if msg["type"] == "hello":
                self.hellos.append(msg)
                await ws.send(json.dumps(WELCOME))
            elif msg["type"] == "act":
                self.acts.append(msg)
                await self.on_act(ws, msg, len(self.acts))


def ack(msg: dict, *, duplicate: bool) -> str:
    result = {"activity": 7, "ballot": msg["data"], "duplicate": duplicate}
    return json.dumps({"type": "ack", "ref": msg["id"], "at": time.time(), "result": result})


def person(port: int) -> dict:
    return {
        "pid": 1,
        "token": "t",
        "url": f"ws://127.0.0.1:{port}/",
        "origin": f"http://127.0.0.1:{port}",
    }


@pytest.mark.asyncio
async def test_busy_is_answered_by_the_same_act_after_retry_after_ms() -> None:
    async def on_act(ws, msg, n) -> None:
        if n == 1:
            busy = {"type": "error", "code": "busy", "message": "Busy", "ref": msg["id"]}
            await ws.send(json.dumps({**busy, "retry_after_ms": 200}))
        else:
            await ws.send(ack(msg, duplicate=False))

    room = FakeRoom(on_act)
    async with serve(room.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        child = Child(None, {"participants": [person(port)], "seed": 0})
        p = child.people[0]
        assert await child.open_one(p)
        vote = await child.vote(p, 7, 2)
        await child.close_all()

    assert len(room.acts) == 2
    assert room.acts[0] == room.acts[1]  # same id, key and data
    assert room.acts[0]["key"] == room.acts[0]["id"]
    assert vote["busy"] == 1 and child.busy_retries == 1
    assert vote["resent"] is False
    assert vote["result"]["duplicate"] is False
    assert vote["acked"] - vote["sent"] >= 0.2  # the wait counts in the ack latency
    assert p.errors == 0  # busy is not a protocol error


@pytest.mark.asyncio
async def test_an_unanswered_vote_is_resent_unchanged_after_the_reconnect() -> None:
    async def on_act(ws, msg, n) -> None:
        if n == 1:
            ws.transport.abort()  # committed, then the connection is gone
        else:
            await ws.send(ack(msg, duplicate=True))

    room = FakeRoom(on_act)
    async with serve(room.handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        child = StormChild(None, {"participants": [person(port)], "seed": 0})
        child.order = {"activity": 7, "options": 4}
        child.reconnecting = True
        p = child.people[0]
        assert await child.open_one(p)
        vote = await asyncio.wait_for(child.vote(p, 7, 1), 10)
        await child.close_all()

    assert [h.get("last_seq") for h in room.hellos] == [None, 3]
    assert len(room.acts) == 2 and room.acts[0] == room.acts[1]
    assert vote["resent"] is True
    assert vote["result"]["duplicate"] is True
    [record] = child.reconnects[1]
    assert record["welcomed"] is not None and record["attempts"] == 1


def test_histogram_percentiles_match_the_list_percentiles() -> None:
    values = [0.0123, 0.5, 0.0311, 1.25, 0.0999, 0.2]
    hist: dict[int, int] = {}
    for v in values:
        hist[round(v * 10_000)] = hist.get(round(v * 10_000), 0) + 1
    for q in (0, 50, 95, 100):
        assert hist_percentile(hist, q) == pytest.approx(percentile(values, q))
    assert hist_percentile({}, 50) is None


def test_slope_is_per_minute() -> None:
    assert slope_per_minute([(0, 100), (30, 150), (60, 200)]) == pytest.approx(100)
    assert slope_per_minute([(0, 100)]) is None


def test_lost_and_doubled() -> None:
    def vote(pid, sent, choice, *, acked=True, duplicate=False, resent=False):
        result = {"at": sent, "duplicate": duplicate} if acked else None
        return {"pid": pid, "sent": sent, "choice": choice, "resent": resent,
                "acked": sent + 0.01 if acked else None, "result": result}  # fmt: skip

    votes = [
        vote(1, 1.0, 0),
        vote(1, 2.0, 3),  # changed: 3 counts
        vote(2, 1.0, 1),
        vote(2, 2.0, 2, acked=False),  # never answered, may have been committed
        vote(3, 1.0, 1, duplicate=True, resent=True),  # a resend: correct
        vote(4, 1.0, 0),
    ]
    assert lost_and_doubled(votes, {1: 3, 2: 2, 3: 1, 4: 0}) == (0, 0)
    assert lost_and_doubled(votes, {1: 0, 2: 1, 3: 1}) == (2, 0)  # 1 wrong, 4 missing
    doubled = [*votes, vote(5, 1.0, 1, duplicate=True)]
    assert lost_and_doubled(doubled, {1: 3, 2: 2, 3: 1, 4: 0, 5: 1, 6: 2}) == (0, 2)


def test_presence_overcount_is_read_against_who_was_connected_when_it_arrived():
    # 10 participants; at t=100 the 4 on a killed process go, welcomed back at 100.4,
    # 100.6, 101.0 and never. The survivor counted the dead process's report until 101.5.
    records = [
        {"pid": 1, "welcomed": 100.4},
        {"pid": 2, "welcomed": 100.6},
        {"pid": 3, "welcomed": 101.0},
        {"pid": 4, "welcomed": None},
    ]
    timeline = [
        (99.0, 10),  # before the storm: not read
        (100.5, 10),  # 7 connected then: stale
        (101.2, 10),  # 9 connected: stale
        (101.5, 9),  # right
        (102.0, 9),
    ]
    assert presence_overcount_until(timeline, 100.0, 10, records) == pytest.approx(1.2)
    # A count that follows the clients back never counted more.
    honest = [(100.1, 6), (100.5, 7), (100.7, 8), (101.1, 9)]
    assert presence_overcount_until(honest, 100.0, 10, records) == 0.0
