"""Load-generating participants, run in child processes by ``bench/room.py``.

Each child holds a share of the participants, each a real WebSocket speaking only the
documented protocol (docs/protocol.md). The parent steers the children through a pipe:
``connect`` -> ``vote`` -> ``finish``. Every wall-clock stamp is ``time.time()`` on the
same machine as the server, so server stamps (``ts``, ``as_of``) compare directly.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

OPEN_TIMEOUT = 60


@dataclass
class Participant:
    pid: int
    token: str
    url: str
    origin: str
    ws: object = None
    last_seq: int = 0
    current: int | None = None
    current_event: asyncio.Event = field(default_factory=asyncio.Event)
    welcomed: asyncio.Event = field(default_factory=asyncio.Event)
    acks: dict = field(default_factory=dict)  # request id -> future
    tally_recv: list = field(default_factory=list)  # (seq, recv time)
    last_tally: str | None = None
    last_as_of: float = 0.0
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)
    target_as_of: float = float("inf")
    errors: int = 0
    gaps: int = 0


class Child:
    def __init__(self, conn, spec: dict) -> None:
        self.conn = conn
        self.spec = spec
        self.people = [Participant(**p) for p in spec["participants"]]
        self.events: dict[int, tuple[float, float, int, str]] = {}  # seq -> ts, as_of, count, tally
        self.parsed: dict[str, dict] = {}
        self.fanout: list[float] = []
        self.baseline = spec.get("baseline", False)
        self.closed_unexpectedly = 0

    # -- connections

    async def open_one(self, p: Participant) -> bool:
        try:
            p.ws = await connect(
                p.url,
                origin=p.origin,
                open_timeout=OPEN_TIMEOUT,
                max_queue=None,
                ping_interval=None,
            )
        except Exception:
            return False
        asyncio.get_running_loop().create_task(self.reader(p))
        if self.baseline:
            p.welcomed.set()
            return True
        await p.ws.send(json.dumps({"type": "hello", "role": "participant", "token": p.token}))
        try:
            await asyncio.wait_for(p.welcomed.wait(), OPEN_TIMEOUT)
        except TimeoutError:
            return False
        return True

    def parse(self, text: str) -> dict:
        # Broadcast texts are identical for every participant: parse each one once.
        msg = self.parsed.get(text)
        if msg is None:
            msg = json.loads(text)
            if msg.get("type") == "event":
                self.parsed[text] = msg
        return msg

    async def reader(self, p: Participant) -> None:
        try:
            async for text in p.ws:
                now = time.time()
                msg = self.parse(text)
                kind = msg["type"]
                if kind == "event":
                    self.fanout.append(now - msg["ts"])
                    seq = msg["seq"]
                    if p.last_seq and seq != p.last_seq + 1 and not self.baseline:
                        p.gaps += 1
                    p.last_seq = max(p.last_seq, seq)
                    if self.baseline:
                        if seq >= self.spec.get("baseline_count", 0):
                            p.caught_up.set()
                        continue
                    if msg["name"] == "tally":
                        data = msg["data"]
                        if seq not in self.events:
                            self.events[seq] = (
                                msg["ts"],
                                msg["as_of"],
                                data["count"],
                                json.dumps(data.get("tally"), sort_keys=True),
                            )
                        p.tally_recv.append((seq, now))
                        p.last_tally = self.events[seq][3]
                        p.last_as_of = msg["as_of"]
                        if p.last_as_of >= p.target_as_of:
                            p.caught_up.set()
                    else:
                        self.on_event(p, msg, now)
                elif kind == "ack":
                    fut = p.acks.pop(msg["ref"], None)
                    if fut is not None and not fut.done():
                        fut.set_result((now, {**msg["result"], "at": msg["at"]}))
                elif kind == "welcome":
                    p.last_seq = msg["seq"]
                    self.on_event(p, {"name": "room", "data": msg["data"]}, now)
                    p.welcomed.set()
                elif kind == "error":
                    p.errors += 1
                    fut = p.acks.pop(msg.get("ref"), None)
                    if fut is not None and not fut.done():
                        fut.set_result((now, {"error": msg["code"]}))
        except ConnectionClosed:
            pass
        self.closed_unexpectedly += 1

    def on_event(self, p: Participant, msg: dict, now: float) -> None:
        """A room (or, in other scenarios, item) event; tallies are handled above."""
        if msg["name"] == "room":
            p.current = msg["data"]["current_activity"]
            if p.current is not None:
                p.current_event.set()

    # -- voting

    async def vote(self, p: Participant, activity: int, choice: int) -> dict:
        ref = uuid.uuid4().hex[:12]
        fut = asyncio.get_running_loop().create_future()
        p.acks[ref] = fut
        sent = time.time()
        await p.ws.send(
            json.dumps(
                {
                    "type": "act",
                    "id": ref,
                    "activity": activity,
                    "action": "vote",
                    "data": choice,
                    "key": ref,
                }
            )
        )
        try:
            acked, result = await asyncio.wait_for(fut, 60)
        except TimeoutError:
            return {"pid": p.pid, "sent": sent, "acked": None, "choice": choice, "result": None}
        return {"pid": p.pid, "sent": sent, "acked": acked, "choice": choice, "result": result}

    async def run_votes(self, order: dict) -> list[dict]:
        activity, rate, options = order["activity"], order["rate"], order["options"]
        await asyncio.wait_for(
            asyncio.gather(*(p.current_event.wait() for p in self.people)), OPEN_TIMEOUT
        )
        rng = random.Random(self.spec["seed"])
        schedule = [(p, rng.randrange(options)) for p in self.people]
        changers = rng.sample(self.people, int(len(self.people) * order["change_ratio"]))
        schedule += [(p, rng.randrange(options)) for p in changers]
        start = order["start_at"]
        tasks = []
        by_person: dict[int, asyncio.Task] = {}
        for i, (p, choice) in enumerate(schedule):
            delay = start + i / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            previous = by_person.get(p.pid)
            if previous is not None:
                await previous  # a change is sent only after the first vote was acked
            task = asyncio.get_running_loop().create_task(self.vote(p, activity, choice))
            by_person[p.pid] = task
            tasks.append(task)
        return list(await asyncio.gather(*tasks))

    async def wait_caught_up(self, target: float, timeout: float) -> int:
        for p in self.people:
            if self.baseline:
                continue  # the reader sets caught_up on the last broadcast
            p.target_as_of = target
            if p.last_as_of >= target:
                p.caught_up.set()
            else:
                p.caught_up.clear()
        try:
            await asyncio.wait_for(
                asyncio.gather(*(p.caught_up.wait() for p in self.people)), timeout
            )
        except TimeoutError:
            pass
        return sum(1 for p in self.people if not p.caught_up.is_set())

    # -- the conversation with the parent

    async def recv_order(self) -> dict:
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    async def main(self) -> None:
        await self.recv_order()  # "connect"
        started = time.time()
        results = await asyncio.gather(*(self.open_one(p) for p in self.people))
        self.conn.send(
            {
                "connected": sum(results),
                "failed": len(results) - sum(results),
                "started": started,
                "done": time.time(),
            }
        )
        order = await self.recv_order()
        if order == "close":  # only connected (the directory scenario's room)
            await asyncio.gather(
                *(p.ws.close() for p in self.people if p.ws is not None), return_exceptions=True
            )
            return
        if self.baseline:
            finish = await self.recv_order()
            behind = await self.wait_caught_up(0, finish["timeout"])
            self.conn.send({"fanout": self.fanout, "behind": behind})
        else:
            votes = await self.run_votes(order)
            self.conn.send({"votes": votes})
            finish = await self.recv_order()
            behind = await self.wait_caught_up(finish["as_of"], finish["timeout"])
            sample = self.people[: self.spec["observers"]]
            self.conn.send(
                {
                    "fanout": self.fanout,
                    "events": self.events,
                    "observers": {p.pid: p.tally_recv for p in sample},
                    "final": [p.last_tally for p in self.people],
                    "behind": behind,
                    "errors": sum(p.errors for p in self.people),
                    "gaps": sum(p.gaps for p in self.people),
                }
            )
        await self.recv_order()  # "close"
        await asyncio.gather(
            *(p.ws.close() for p in self.people if p.ws is not None), return_exceptions=True
        )


def child_main(conn, spec: dict) -> None:
    asyncio.run(Child(conn, spec).main())
