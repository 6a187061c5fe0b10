"""Load-generating participants, run in child processes by ``bench/room.py``.

Each child holds a share of the participants, each a real WebSocket speaking only the
documented protocol (docs/protocol.md). The parent steers the children through a pipe:
``connect`` -> ``vote`` -> ``finish``. Every wall-clock stamp is ``time.time()`` on the
same machine as the server, so server stamps (``ts``, ``as_of``) compare directly.

Commands (:meth:`Child.act`) follow the protocol's rules for resending: an ``error``
with code ``busy`` is answered by sending the same ``act`` again (same ``id``, ``key``
and data) after its ``retry_after_ms``; when the child reconnects its participants
(the storm scenario, ``bench/storm.py``), a command that was sent but not acknowledged
before the socket dropped is sent again, unchanged, after the new ``welcome``. Either
way the command keeps its first send time, so its ack latency includes the wait.

Slow readers (``spec["slow"]``, the poll scenario's ``--slow-clients``) connect with a
small socket receive buffer and a one-frame client queue, and pause after every message
they read, so that the server's buffer for their socket really fills.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

OPEN_TIMEOUT = 60
# A command given up after this long without an answer (busy retries and reconnects
# included): it is reported as not acknowledged.
ACK_TIMEOUT = 60
# Slow readers: receive buffer asked of the kernel (Linux doubles it) and the pause
# after each message read.
SLOW_RCVBUF = 4096
SLOW_PAUSE_S = 1.0
# Fan-out histograms count delays in buckets of 0.1 ms.
HIST_SCALE = 10_000
# The parent's "continuous voting" picks the next idle participant in this many tries.
PICK_TRIES = 50

DISCONNECTED = "disconnected"


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
    # Set while the socket is open and welcomed; cleared when it closes.
    online: asyncio.Event = field(default_factory=asyncio.Event)
    acks: dict = field(default_factory=dict)  # request id -> future
    tally_recv: list = field(default_factory=list)  # (seq, recv time), observers only
    last_tally: str | None = None
    last_as_of: float = 0.0
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)
    target_as_of: float = float("inf")
    errors: int = 0
    gaps: int = 0
    observer: bool = False
    slow: bool = False
    resyncing: bool = False
    # When the current socket was welcomed with "resumed": events stamped before it are
    # replays of what it missed, not fan-out.
    resumed_at: float = 0.0


def unanswered(sent: float, resent: bool, busy: int) -> dict:
    return {"sent": sent, "acked": None, "result": None, "resent": resent, "busy": busy}


def hist_add(hist: dict[int, int], seconds: float) -> None:
    key = round(seconds * HIST_SCALE)
    hist[key] = hist.get(key, 0) + 1


class Child:
    def __init__(self, conn, spec: dict) -> None:
        self.conn = conn
        self.spec = spec
        self.people = [Participant(**p) for p in spec["participants"]]
        for p in self.people[: spec.get("observers", 0)]:
            p.observer = True
        slow = set(spec.get("slow", ()))
        for p in self.people:
            p.slow = p.pid in slow
        self.events: dict[int, tuple[float, float, int, str]] = {}  # seq -> ts, as_of, count, tally
        self.parsed: dict[str, dict] = {}
        # Fan-out delays: a list (the board scenario reads it) or, with
        # spec["fanout_hist"], histograms per reader class ("normal", "slow"), so that
        # a 30-minute run does not keep millions of floats.
        self.fanout: list[float] = []
        self.hist: dict[str, dict[int, int]] | None = (
            {"normal": {}, "slow": {}} if spec.get("fanout_hist") else None
        )
        self.baseline = spec.get("baseline", False)
        self.closed_unexpectedly = 0
        self.slow_reading = True
        self.resync_on_gap = spec.get("resync_on_gap", False)
        self.reconnecting = False  # set by children that bring dropped sockets back
        self.snapshots_pushed = 0
        self.resyncs_sent = 0
        self.busy_retries = 0
        self.closing = False
        self.old_events = 0  # events with a seq at or below the one already applied
        self.old_as_of = 0.0
        self.slow_closed = 0  # slow readers whose socket the server closed
        self.slow_reconnects = 0  # their reconnections (as the browser's)

    # -- connections

    async def open_socket(self, p: Participant, url: str, origin: str):
        """A client connection; a slow reader's with a small kernel receive buffer."""
        options = {"origin": origin, "open_timeout": OPEN_TIMEOUT, "ping_interval": None}
        if not p.slow:
            return await connect(url, max_queue=None, **options)
        parts = urlsplit(url)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # Before connecting, so that the window the handshake announces is small.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SLOW_RCVBUF)
            sock.setblocking(False)
            await asyncio.wait_for(
                asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port)),
                OPEN_TIMEOUT,
            )
        except BaseException:
            sock.close()
            raise
        return await connect(url, sock=sock, max_queue=1, **options)

    async def open_one(self, p: Participant, *, last_seq: int | None = None) -> bool:
        """Connect and say hello; True once welcomed. A socket not welcomed in time is
        closed, so that it cannot join the room later unseen."""
        try:
            ws = await self.open_socket(p, p.url, p.origin)
        except Exception:
            return False
        for fut in p.acks.values():  # anything still out on an earlier socket is lost
            if not fut.done():
                fut.set_result((time.time(), {"error": DISCONNECTED}))
        p.acks.clear()
        p.ws = ws
        p.welcomed.clear()
        asyncio.get_running_loop().create_task(self.reader(p, ws))
        if self.baseline:
            p.welcomed.set()
            p.online.set()
            return True
        hello = {"type": "hello", "role": "participant", "token": p.token}
        if last_seq is not None:
            hello["last_seq"] = last_seq
        try:
            await ws.send(json.dumps(hello))
        except ConnectionClosed:
            return False
        # Welcomed, or refused (an error and a close), or neither in time.
        welcomed = asyncio.ensure_future(p.welcomed.wait())
        closed = asyncio.ensure_future(ws.wait_closed())
        await asyncio.wait(
            {welcomed, closed}, timeout=OPEN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        welcomed.cancel()
        closed.cancel()
        if not p.welcomed.is_set():
            ws.transport.abort()
            return False
        if p.ws is not ws or ws.state.name != "OPEN":
            return False
        p.online.set()
        return True

    def parse(self, text: str) -> dict:
        # Broadcast texts are identical for every participant: parse each one once.
        msg = self.parsed.get(text)
        if msg is None:
            msg = json.loads(text)
            if msg.get("type") == "event":
                self.parsed[text] = msg
        return msg

    def record_fanout(self, p: Participant, delay: float) -> None:
        if self.hist is None:
            self.fanout.append(delay)
        else:
            hist_add(self.hist["slow" if p.slow else "normal"], delay)

    async def reader(self, p: Participant, ws) -> None:
        try:
            async for text in ws:
                now = time.time()
                self.handle(p, ws, self.parse(text), now)
                if p.slow and self.slow_reading:
                    await asyncio.sleep(SLOW_PAUSE_S)
        except (ConnectionClosed, OSError):  # a reset socket may surface as OSError
            pass
        if p.ws is ws:
            was_online = p.online.is_set()
            p.online.clear()
            for ref, fut in list(p.acks.items()):
                if not fut.done():
                    fut.set_result((time.time(), {"error": DISCONNECTED}))
                p.acks.pop(ref, None)
            if was_online and not self.closing:
                self.closed_unexpectedly += 1
                self.slow_closed += p.slow
                self.on_closed(p, ws)

    def handle(self, p: Participant, ws, msg: dict, now: float) -> None:
        kind = msg["type"]
        if kind == "event":
            if msg["ts"] >= p.resumed_at:
                self.record_fanout(p, now - msg["ts"])
            seq = msg["seq"]
            if self.baseline:
                p.last_seq = max(p.last_seq, seq)
                if seq >= self.spec.get("baseline_count", 0):
                    p.caught_up.set()
                return
            if p.last_seq and seq <= p.last_seq:
                self.old_events += 1  # old: replayed or answered by a snapshot already
                if msg["name"] == "tally":
                    self.old_as_of = max(self.old_as_of, msg["as_of"])
                return
            if p.last_seq and seq != p.last_seq + 1:
                p.gaps += 1
                if self.resync_on_gap and not p.resyncing:
                    self.resync(p, ws)
            p.last_seq = seq
            if msg["name"] == "tally":
                data = msg["data"]
                if seq not in self.events:
                    self.events[seq] = (
                        msg["ts"],
                        msg["as_of"],
                        data["count"],
                        json.dumps(data.get("tally"), sort_keys=True),
                    )
                if p.observer:
                    p.tally_recv.append((seq, now))
                p.last_tally = self.events[seq][3]
                p.last_as_of = msg["as_of"]
                if p.last_as_of >= p.target_as_of:
                    p.caught_up.set()
                self.on_tally(p, msg, now)
            else:
                self.on_event(p, msg, now)
        elif kind == "ack":
            fut = p.acks.pop(msg["ref"], None)
            if fut is not None and not fut.done():
                fut.set_result((now, {**msg["result"], "at": msg["at"]}))
        elif kind == "welcome":
            p.last_seq = msg["seq"]
            p.resumed_at = now if msg.get("resumed") else 0.0
            if "data" in msg:
                self.on_event(p, {"name": "room", "data": msg["data"]}, now)
            p.welcomed.set()
            self.on_welcome(p, msg, now)
        elif kind == "snapshot":
            if msg.get("ref") is None:
                self.snapshots_pushed += 1
            p.resyncing = False
            p.last_seq = max(p.last_seq, msg["seq"])
            self.on_event(p, {"name": "room", "data": msg["data"]}, now)
        elif kind == "error":
            fut = p.acks.pop(msg.get("ref"), None)
            if msg["code"] != "busy":
                p.errors += 1
            if fut is not None and not fut.done():
                fut.set_result(
                    (now, {"error": msg["code"], "retry_after_ms": msg.get("retry_after_ms")})
                )

    def resync(self, p: Participant, ws) -> None:
        p.resyncing = True
        self.resyncs_sent += 1
        ref = f"resync-{self.resyncs_sent}"
        asyncio.get_running_loop().create_task(
            self.send_quietly(ws, json.dumps({"type": "resync", "id": ref}))
        )

    @staticmethod
    async def send_quietly(ws, text: str) -> None:
        try:
            await ws.send(text)
        except ConnectionClosed:
            pass

    def on_event(self, p: Participant, msg: dict, now: float) -> None:
        """A room (or, in other scenarios, item) event; tallies are handled above."""
        if msg["name"] == "room":
            p.current = msg["data"]["current_activity"]
            if p.current is not None:
                p.current_event.set()

    def on_tally(self, p: Participant, msg: dict, now: float) -> None:
        """A tally event was applied (the storm scenario times reconnections with it)."""

    def on_welcome(self, p: Participant, msg: dict, now: float) -> None:
        """A welcome was received."""

    def on_closed(self, p: Participant, ws) -> None:
        """``p``'s socket closed without the child closing it (the storm reconnects).

        A slow reader the server closed (Daphne closes a socket whose pings go
        unanswered for 30 s: a reader a minute behind answers late) comes back as the
        browser does, with its ``last_seq``, after a second."""
        if p.slow:
            self.slow_reconnects += 1
            asyncio.get_running_loop().create_task(self.come_back(p))

    async def come_back(self, p: Participant) -> None:
        await asyncio.sleep(1.0)  # the browser's backoff starts at 0.5 s, jittered
        if not self.closing:
            await self.open_one(p, last_seq=p.last_seq or None)

    # -- commands

    async def act(self, p: Participant, message: dict) -> dict:
        """Send ``message`` (an ``act`` with ``id`` and ``key``) until it is answered.

        Returns ``{"sent", "acked", "result", "resent", "busy"}``: ``sent`` the first
        send time, ``acked`` None when it was never answered, ``resent`` whether it went
        out again after a reconnect, ``busy`` how many ``busy`` answers came first."""
        ref = message["id"]
        text = json.dumps(message)
        loop = asyncio.get_running_loop()
        sent = time.time()
        give_up = sent + ACK_TIMEOUT
        resent = False
        busy = 0
        while True:
            result = None
            if p.online.is_set():
                fut = loop.create_future()
                p.acks[ref] = fut
                try:
                    await p.ws.send(text)
                except ConnectionClosed:
                    p.acks.pop(ref, None)
                else:
                    try:
                        acked, result = await asyncio.wait_for(fut, give_up - time.time())
                    except TimeoutError:
                        p.acks.pop(ref, None)
                        return unanswered(sent, resent, busy)
            if result is None or result.get("error") == DISCONNECTED:
                if not self.reconnecting:
                    return unanswered(sent, resent, busy)
                try:
                    await asyncio.wait_for(p.online.wait(), give_up - time.time())
                except TimeoutError:
                    return unanswered(sent, resent, busy)
                resent = True
                continue
            if result.get("error") == "busy":
                busy += 1
                self.busy_retries += 1
                await asyncio.sleep(max(0, result.get("retry_after_ms") or 0) / 1000)
                continue
            return {"sent": sent, "acked": acked, "result": result, "resent": resent, "busy": busy}

    async def vote(self, p: Participant, activity: int, choice: int) -> dict:
        ref = uuid.uuid4().hex[:12]
        message = {
            "type": "act",
            "id": ref,
            "activity": activity,
            "action": "vote",
            "data": choice,
            "key": ref,
        }
        return {"pid": p.pid, "choice": choice, **(await self.act(p, message))}

    def voters(self) -> list[Participant]:
        """Participants who vote: welcomed, and not slow readers (who only read)."""
        return [p for p in self.people if p.online.is_set() and not p.slow]

    async def run_votes(self, order: dict) -> list[dict]:
        voters = self.voters()
        # Participants that missed the poll's opening (none, normally) do not vote.
        try:
            await asyncio.wait_for(
                asyncio.gather(*(p.current_event.wait() for p in voters)), OPEN_TIMEOUT
            )
        except TimeoutError:
            pass
        voters = [p for p in voters if p.current_event.is_set()]
        if order.get("until"):
            return await self.run_continuous(order, voters)
        activity, rate, options = order["activity"], order["rate"], order["options"]
        rng = random.Random(self.spec["seed"])
        schedule = [(p, rng.randrange(options)) for p in voters]
        changers = rng.sample(voters, int(len(voters) * order["change_ratio"]))
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

    def voting_state(self) -> tuple[random.Random, set[int]]:
        """``run_continuous``'s random source and the ids of participants with a vote
        out (a subclass shares them with votes it sends itself)."""
        return random.Random(self.spec["seed"]), set()

    async def run_continuous(self, order: dict, voters: list[Participant]) -> list[dict]:
        """Votes at ``order["rate"]`` from ``start_at`` to ``until``: participants in a
        shuffled cycle, each voting again (a change) once its previous vote was answered;
        one whose vote is still out, or whose socket is down, is passed over."""
        activity, rate, options = order["activity"], order["rate"], order["options"]
        rng, in_flight = self.voting_state()
        cycle = list(voters)
        rng.shuffle(cycle)
        tasks: list[asyncio.Task] = []
        start, until = order["start_at"], order["until"]
        position = 0
        self.skipped_ticks = 0
        i = 0
        while cycle:
            at = start + i / rate
            if at >= until:
                break
            i += 1
            delay = at - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            for _ in range(min(PICK_TRIES, len(cycle))):
                p = cycle[position % len(cycle)]
                position += 1
                if p.pid not in in_flight and p.online.is_set():
                    break
            else:
                self.skipped_ticks += 1
                continue
            in_flight.add(p.pid)
            task = asyncio.get_running_loop().create_task(
                self.vote(p, activity, rng.randrange(options))
            )
            task.add_done_callback(lambda _t, pid=p.pid: in_flight.discard(pid))
            tasks.append(task)
        return list(await asyncio.gather(*tasks))

    async def wait_caught_up(self, target: float, timeout: float) -> int:
        """Wait until every connected participant holds a tally read at ``target`` or
        later; returns how many did not in ``timeout`` seconds."""
        waiting = [p for p in self.people if p.online.is_set()]
        for p in waiting:
            if self.baseline:
                continue  # the reader sets caught_up on the last broadcast
            p.target_as_of = target
            if p.last_as_of >= target:
                p.caught_up.set()
            else:
                p.caught_up.clear()
        try:
            await asyncio.wait_for(asyncio.gather(*(p.caught_up.wait() for p in waiting)), timeout)
        except TimeoutError:
            pass
        return sum(1 for p in waiting if not p.caught_up.is_set())

    # -- the conversation with the parent

    async def recv_order(self) -> dict:
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    async def connect_all(self) -> None:
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

    def fanout_report(self) -> dict:
        return {"fanout": self.fanout} if self.hist is None else {"fanout_hist": self.hist}

    async def close_all(self) -> None:
        self.closing = True
        self.reconnecting = False
        await asyncio.gather(
            *(p.ws.close() for p in self.people if p.ws is not None), return_exceptions=True
        )

    async def main(self) -> None:
        await self.recv_order()  # "connect"
        await self.connect_all()
        order = await self.recv_order()
        if order == "close":  # only connected (the directory scenario's room)
            await self.close_all()
            return
        if self.baseline:
            finish = await self.recv_order()
            behind = await self.wait_caught_up(0, finish["timeout"])
            self.conn.send({**self.fanout_report(), "behind": behind})
        else:
            votes = await self.run_votes(order)
            self.conn.send({"votes": votes, "voters": len(self.voters())})
            finish = await self.recv_order()
            # Slow readers drain at full speed now: their final state is read once the
            # server's backlog for them has arrived.
            self.slow_reading = False
            behind = await self.wait_caught_up(finish["as_of"], finish["timeout"])
            online = [p for p in self.people if p.online.is_set()]
            normal = [p for p in online if not p.slow]
            slow = [p for p in self.people if p.slow]
            self.conn.send(
                {
                    **self.fanout_report(),
                    "events": self.events,
                    "observers": {p.pid: p.tally_recv for p in self.people if p.observer},
                    "final": [p.last_tally for p in normal],
                    "slow_final": [p.last_tally for p in slow],
                    "behind": sum(1 for p in normal if not p.caught_up.is_set()),
                    "slow_behind": behind - sum(1 for p in normal if not p.caught_up.is_set()),
                    "errors": sum(p.errors for p in self.people),
                    "gaps": sum(p.gaps for p in self.people),
                    "busy_retries": self.busy_retries,
                    "closed_unexpectedly": self.closed_unexpectedly,
                    "slow_closed": self.slow_closed,
                    "slow_reconnects": self.slow_reconnects,
                    "old_events": self.old_events,
                    "old_as_of": self.old_as_of,
                }
            )
        await self.recv_order()  # "close"
        await self.close_all()


def child_main(conn, spec: dict) -> None:
    asyncio.run(Child(conn, spec).main())
