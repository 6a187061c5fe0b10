"""The reconnect storm (``make bench ARGS="--scenario storm [--storm drop|kill]"``).

N participants (default 2,000, split over ``--workers``) vote at ``--rate`` (default
100/s) for the whole run, each changing their vote again once the previous one was
acknowledged, while a facilitator socket on worker 0 records the ``presence`` messages.
After ``--storm-after`` seconds (10):

- ``drop``: half the participants, picked at random with ``--seed``, reset their
  sockets (no close handshake: SO_LINGER 0, so the server sees a TCP reset) and each
  reconnects after a random delay in [0, 5] s. One in ten of them that has no vote
  out sends one just before its socket goes, so that resending an unanswered vote is
  exercised, not left to chance.
- ``kill``: worker 1 (of ``--workers 2``) gets SIGKILL; its clients reconnect to
  worker 0 after a random delay in [0, 1] s.

A reconnecting client sends ``hello`` with its ``last_seq`` and, once welcomed, sends
again every vote that was out when its socket went (same ``id`` and ``key``); a
client that sees a ``seq`` gap sends ``resync``, as the browser does. Voting goes on
for ``--storm-tail`` seconds (40) after the storm, then every connected client waits
for a tally that includes the last acknowledged vote and the database is compared.

When a reconnected client is "current": once it was welcomed again and then received
a ``tally`` event whose ``as_of`` (the time the server read the state) is at or after
the moment its own socket went: it then holds a state at least as new as the one it
lost. ``reconnect_*_ms`` run from the moment it starts reconnecting (after its random
delay) to then; ``current_after_storm_*_ms`` from the drop or the kill.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import random
import socket
import struct
import threading
import time

from bench import room
from bench.clients import ACK_TIMEOUT, Child, Participant

DROP_DELAY_MAX_S = 5.0
KILL_DELAY_MAX_S = 1.0
# A client gives up reconnecting after this long (counted in reconnect_failed).
RECONNECT_DEADLINE_S = 30.0
# Share of the dropping clients that send a vote just before their socket goes.
INFLIGHT_SHARE = 0.1


class StormChild(Child):
    """One load-generator process of the storm scenario."""

    def __init__(self, conn, spec: dict) -> None:
        super().__init__(conn, {**spec, "fanout_hist": True, "resync_on_gap": True})
        self.reconnects: dict[int, list[dict]] = {}  # pid -> its reconnections
        self.tasks: list[asyncio.Task] = []
        self.extra_votes: list[asyncio.Task] = []
        self.order: dict = {}
        self.rng = random.Random(1000 + spec["seed"])
        self.in_flight: set[int] = set()
        self.inflight_at_drop = 0

    # -- the storm

    async def drop_at(self, when: float, pids: set[int]) -> None:
        await asyncio.sleep(max(0.0, when - time.time()))
        for p in self.people:
            if p.pid not in pids or not p.online.is_set():
                continue
            if p.pid not in self.in_flight and self.rng.random() < INFLIGHT_SHARE:
                self.inflight_at_drop += 1
                self.start_vote(p)
                await asyncio.sleep(0)  # let the vote's frame reach the socket first
            self.drop(p)

    def drop(self, p: Participant) -> None:
        """Reset ``p``'s socket (no close frame, no FIN) and reconnect it later."""
        ws = p.ws
        sock = ws.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        p.online.clear()  # so that the reader does not take it for a server's close
        ws.transport.abort()
        self.schedule_reconnect(p, p.url, p.origin, self.rng.uniform(0, DROP_DELAY_MAX_S))

    def on_closed(self, p: Participant, ws) -> None:
        if not self.reconnecting:
            return
        failover = self.order.get("failover")
        if failover and p.url == failover["from"]:
            url, origin = failover["url"], failover["origin"]
        else:
            url, origin = p.url, p.origin
        self.schedule_reconnect(p, url, origin, self.rng.uniform(0, KILL_DELAY_MAX_S))

    def schedule_reconnect(self, p: Participant, url: str, origin: str, delay: float) -> None:
        record = {
            "pid": p.pid,
            "dropped_at": time.time(),
            "start": None,
            "welcomed": None,
            "current": None,
            "resumed": None,
            "attempts": 0,
            "moved": url != p.url,
        }
        self.reconnects.setdefault(p.pid, []).append(record)
        self.tasks.append(
            asyncio.get_running_loop().create_task(self.reconnect(p, url, origin, delay, record))
        )

    async def reconnect(
        self, p: Participant, url: str, origin: str, delay: float, record: dict
    ) -> None:
        await asyncio.sleep(delay)
        record["start"] = time.time()
        p.url, p.origin = url, origin
        deadline = record["start"] + RECONNECT_DEADLINE_S
        backoff = 0.25
        while self.reconnecting and time.time() < deadline:
            record["attempts"] += 1
            try:
                ok = await asyncio.wait_for(
                    self.open_one(p, last_seq=p.last_seq or None), deadline - time.time()
                )
            except TimeoutError:
                ok = False
            if ok:
                return
            if p.ws is not None and not p.online.is_set():
                p.ws.transport.abort()
            await asyncio.sleep(self.rng.uniform(0, backoff))
            backoff = min(backoff * 2, 4.0)

    def pending_record(self, p: Participant) -> dict | None:
        records = self.reconnects.get(p.pid)
        if records and records[-1]["start"] is not None and records[-1]["current"] is None:
            return records[-1]
        return None

    def on_welcome(self, p: Participant, msg: dict, now: float) -> None:
        record = self.pending_record(p)
        if record is not None and record["welcomed"] is None:
            record["welcomed"] = now
            record["resumed"] = bool(msg.get("resumed"))

    def on_tally(self, p: Participant, msg: dict, now: float) -> None:
        record = self.pending_record(p)
        if (
            record is not None
            and record["welcomed"] is not None
            and msg["as_of"] >= record["dropped_at"]
        ):
            record["current"] = now

    # -- voting

    def start_vote(self, p: Participant) -> asyncio.Task:
        self.in_flight.add(p.pid)
        task = asyncio.get_running_loop().create_task(
            self.vote(p, self.order["activity"], self.rng.randrange(self.order["options"]))
        )
        task.add_done_callback(lambda _t, pid=p.pid: self.in_flight.discard(pid))
        self.extra_votes.append(task)
        return task

    def voting_state(self) -> tuple[random.Random, set[int]]:
        """Child's continuous voting, sharing ``in_flight`` with the votes sent at the
        drop."""
        return self.rng, self.in_flight

    # -- the conversation with the parent

    async def main(self) -> None:
        await self.recv_order()  # "connect"
        await self.connect_all()
        self.order = order = await self.recv_order()
        self.reconnecting = True
        if order["kind"] == "drop":
            mine = set(order["droppers"]) & {p.pid for p in self.people}
            asyncio.get_running_loop().create_task(self.drop_at(order["storm_at"], mine))
        votes = await self.run_votes(order)
        votes += await asyncio.gather(*self.extra_votes)
        # Reconnections still under way end by their own deadline.
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.conn.send(
            {
                "votes": votes,
                "reconnects": [r for rs in self.reconnects.values() for r in rs],
                "inflight_at_drop": self.inflight_at_drop,
            }
        )
        finish = await self.recv_order()
        behind = await self.wait_caught_up(finish["as_of"], finish["timeout"])
        online = [p for p in self.people if p.online.is_set()]
        self.conn.send(
            {
                **self.fanout_report(),
                "events": self.events,
                "final": [p.last_tally for p in online],
                "online": len(online),
                "behind": behind,
                "errors": sum(p.errors for p in self.people),
                "gaps": sum(p.gaps for p in self.people),
                "snapshots_pushed": self.snapshots_pushed,
                "resyncs_sent": self.resyncs_sent,
                "busy_retries": self.busy_retries,
            }
        )
        await self.recv_order()  # "close"
        await self.close_all()


def storm_child_main(conn, spec: dict) -> None:
    asyncio.run(StormChild(conn, spec).main())


class PresenceWatch:
    """A facilitator socket on one worker, in a thread of the parent, recording
    ``(receive time, connected)`` from its welcome and every ``presence`` message."""

    def __init__(self, port: int, code: str, cookie: str) -> None:
        self.port, self.code, self.cookie = port, code, cookie
        self.timeline: list[tuple[float, int]] = []
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.error: str | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self.watch()), daemon=True)

    async def watch(self) -> None:
        from websockets.asyncio.client import connect

        try:
            async with connect(
                f"ws://127.0.0.1:{self.port}/ws/s/{self.code}/",
                origin=f"http://127.0.0.1:{self.port}",
                additional_headers={"Cookie": f"sessionid={self.cookie}"},
                max_queue=None,
                ping_interval=None,
            ) as ws:
                await ws.send(json.dumps({"type": "hello", "role": "facilitator"}))
                while not self.stopping.is_set():
                    try:
                        text = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    msg = json.loads(text)
                    if msg["type"] == "welcome":
                        self.timeline.append((time.time(), msg.get("connected")))
                        self.ready.set()
                    elif msg["type"] == "presence":
                        self.timeline.append((time.time(), msg["connected"]))
        except Exception as exc:  # reported as a figure, the run goes on
            self.error = repr(exc)
        finally:
            self.ready.set()

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(30)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)


def presence_right_after(timeline: list[tuple[float, int]], storm_at: float, truth: int):
    """Seconds from the storm until presence equals ``truth`` and stays so to the end
    of the watch (0 when it never left it); None when the last value is not ``truth``."""
    if not timeline or timeline[-1][1] != truth:
        return None
    index = len(timeline) - 1
    while index > 0 and timeline[index - 1][1] == truth:
        index -= 1
    return max(0.0, timeline[index][0] - storm_at)


def presence_overcount_until(
    timeline: list[tuple[float, int]], storm_at: float, total: int, records: list[dict]
) -> float:
    """Seconds from the storm to the last presence value above the number of
    participants connected when it arrived (``total`` less the storm's, plus those
    welcomed back by then): how long the count stayed stale (a dead process's report
    still counted, a reset socket not yet noticed), whatever the clients' own return
    takes; 0 when it never counted more."""
    back = sorted(r["welcomed"] for r in records if r["welcomed"] is not None)
    away = len({r["pid"] for r in records})
    last = None
    for at, value in timeline:
        if at >= storm_at and value > total - away + bisect.bisect_right(back, at):
            last = at
    return 0.0 if last is None else last - storm_at


def run_storm(args) -> dict:
    session, activity, cookie = room.prepare_database(args.options)
    servers = room.Servers(args.workers)
    room.log(f"starting {args.workers} Daphne worker(s)")
    servers.start()
    try:
        return measure_storm(args, session, activity, cookie, servers)
    finally:
        servers.stop()


def measure_storm(args, session, activity, cookie, servers) -> dict:
    started = time.time()
    participants = room.join_all(servers.ports, session.code, args.participants)
    room.log(f"{len(participants)} participants joined over HTTP in {time.time() - started:.1f}s")
    pool = room.ClientPool(participants, args.client_procs, 0, target=storm_child_main)
    pool.send("connect")
    reports = pool.recv(room.OPEN_TIMEOUT_TOTAL)
    connected = sum(r["connected"] for r in reports)
    failed = len(participants) - connected
    room.log(f"{connected} connected ({failed} failed)")

    asyncio.run(room.open_poll(servers.ports[0], session.code, cookie, activity.pk))
    watch = PresenceWatch(servers.ports[0], session.code, cookie)
    watch.start()
    sampler = room.RssSampler(servers)
    sampler.start()

    start_at = time.time() + 1.0
    storm_at = start_at + args.storm_after
    until = storm_at + args.storm_tail
    order = {
        "activity": activity.pk,
        "rate": args.rate / args.client_procs,
        "options": args.options,
        "start_at": start_at,
        "until": until,
        "storm_at": storm_at,
        "kind": args.storm,
    }
    if args.storm == "drop":
        order["droppers"] = random.Random(args.seed).sample(
            [p["pid"] for p in participants], len(participants) // 2
        )
    else:
        port0, port1 = servers.ports[0], servers.ports[1]
        order["failover"] = {
            "from": f"ws://127.0.0.1:{port1}/ws/s/{session.code}/",
            "url": f"ws://127.0.0.1:{port0}/ws/s/{session.code}/",
            "origin": f"http://127.0.0.1:{port0}",
        }
    pool.send(order)
    room.log(
        f"voting at {args.rate:g}/s; {args.storm} at +{args.storm_after:g}s,"
        f" {args.storm_tail:g}s more after it"
    )
    time.sleep(max(0.0, storm_at - time.time()))
    if args.storm == "kill":
        servers.procs[1].kill()
        storm_at = time.time()
        room.log(f"worker 1 (pid {servers.procs[1].pid}) killed")
    else:
        room.log(f"{len(order['droppers'])} participants dropping")
    answers = pool.recv(until - time.time() + RECONNECT_DEADLINE_S + ACK_TIMEOUT + 120)
    sampler.stop()
    votes = [v for r in answers for v in r["votes"]]
    records = [rec for r in answers for rec in r["reconnects"]]
    acked = [v for v in votes if room.is_acked(v)]
    last_commit = max((v["result"]["at"] for v in acked), default=time.time())
    room.log(f"{len(acked)}/{len(votes)} votes acked; {len(records)} reconnections")
    pool.send({"as_of": last_commit, "timeout": 30})
    results = pool.recv(120)
    watch.stop()
    pool.close()

    ballots, db_tally = room.database_state(activity.pk)
    events = {}
    for r in results:
        events.update(r["events"])
    lost, duplicates = room.lost_and_doubled(votes, ballots)
    connected_final = sum(r["online"] for r in results)
    finals = [t for r in results for t in r["final"]]
    fanout = room.merge_hists([r["fanout_hist"]["normal"] for r in results])

    welcomed = [r for r in records if r["welcomed"] is not None]
    current = [r for r in welcomed if r["current"] is not None]
    reconnect_s = [r["current"] - r["start"] for r in current]
    welcome_s = [r["welcomed"] - r["start"] for r in welcomed]
    after_storm_s = [r["current"] - storm_at for r in current]
    dropped = {r["pid"] for r in records}
    window_end = max(
        [r["current"] for r in current] + [storm_at + DROP_DELAY_MAX_S], default=storm_at
    )
    others = [
        v["acked"] - v["sent"]
        for v in acked
        if v["pid"] not in dropped and storm_at <= v["sent"] <= window_end
    ]
    ack_all = [v["acked"] - v["sent"] for v in acked]
    after = presence_right_after(watch.timeline, storm_at, connected_final)
    latest = list({r["pid"]: r for r in records}.values())  # each client's last reconnection
    settled = max((r["welcomed"] for r in welcomed), default=storm_at)
    return {
        "scenario": "storm",
        "storm": args.storm,
        "participants": args.participants,
        "workers": args.workers,
        "client_processes": args.client_procs,
        "client_processes_lost": len(pool.lost),
        "vote_rate": args.rate,
        "failed_handshakes": failed,
        "storm_after_s": args.storm_after,
        "storm_tail_s": args.storm_tail,
        "dropped": len(dropped),
        "inflight_at_drop": sum(r["inflight_at_drop"] for r in answers),
        "reconnects": len(records),
        "reconnected": len(welcomed),
        "reconnect_failed": len(records) - len(welcomed),
        "reconnected_not_current": len(welcomed) - len(current),
        "resumed": sum(1 for r in welcomed if r["resumed"]),
        "reconnect_attempts": sum(r["attempts"] for r in records),
        "reconnect_p50_ms": room.ms(room.percentile(reconnect_s, 50)),
        "reconnect_p95_ms": room.ms(room.percentile(reconnect_s, 95)),
        "welcome_p50_ms": room.ms(room.percentile(welcome_s, 50)),
        "welcome_p95_ms": room.ms(room.percentile(welcome_s, 95)),
        "current_after_storm_p50_ms": room.ms(room.percentile(after_storm_s, 50)),
        "current_after_storm_p95_ms": room.ms(room.percentile(after_storm_s, 95)),
        "storm_window_s": round(window_end - storm_at, 2),
        "votes_sent": len(votes),
        "votes_acked": len(acked),
        "votes_per_s_accepted": room.accepted_rate(votes),
        "votes_resent": sum(1 for v in votes if v["resent"]),
        "busy_retries": sum(v["busy"] for v in votes),
        "ack_p50_ms": room.ms(room.percentile(ack_all, 50)),
        "ack_p95_ms": room.ms(room.percentile(ack_all, 95)),
        "ack_p95_ms_others": room.ms(room.percentile(others, 95)),
        "ack_samples_others": len(others),
        "presence_right_after_ms": room.ms(after),
        "presence_lag_after_last_reconnect_ms": (
            None if after is None else room.ms(max(0.0, storm_at + after - settled))
        ),
        "presence_overcount_until_ms": room.ms(
            presence_overcount_until(watch.timeline, storm_at, connected, latest)
        ),
        "presence_final": watch.timeline[-1][1] if watch.timeline else None,
        "presence_messages": len(watch.timeline),
        "presence_watch_error": watch.error,
        "connected_final": connected_final,
        "lost": lost,
        "duplicates": duplicates,
        "resent_duplicates": sum(1 for v in acked if v["resent"] and v["result"].get("duplicate")),
        "db_ballots": len(ballots),
        "clients_with_other_final_tally": sum(1 for t in finals if t != db_tally),
        "clients_behind_at_end": sum(r["behind"] for r in results),
        "final_broadcast_lag_ms": room.final_broadcast_lag_ms(events, last_commit),
        "protocol_errors": sum(r["errors"] for r in results),
        "seq_gaps": sum(r["gaps"] for r in results),
        "resyncs_sent": sum(r["resyncs_sent"] for r in results),
        "snapshots": sum(r["snapshots_pushed"] for r in results),
        "fanout_p95_ms": room.ms(room.hist_percentile(fanout, 95)),
        "rss_growth_kb_per_min": sampler.growth_kb_per_min(),
    }
