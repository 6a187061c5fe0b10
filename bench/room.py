#!/usr/bin/env python
"""Live-room benchmark (``make bench``; options via ``make bench ARGS="..."``).

Starts the platform the way production runs it (Daphne workers on PostgreSQL and
Redis, 127.0.0.1 only), joins N participants through the HTTP API, connects them all
at once over real WebSockets, has the facilitator open a single-choice poll, and lets
every connected participant vote once at a controlled rate (some change their vote);
with ``--duration M`` they keep voting (changing their vote, each change only after
the previous ack) at that rate for M minutes instead. ``--slow-clients PCT`` makes that
share of the participants slow readers (they only read, one message a second, through
a small socket buffer; their fan-out is reported apart). The servers' memory is sampled
every 5 s from the end of the connect phase to the end of voting
(``rss_growth_kb_per_min``). Then it runs a bare ``websockets`` broadcast server
(bench/baseline_server.py) with the same client code, N clients and the broadcast rate
the platform emitted, and compares.

``--scenario storm`` (bench/storm.py) is the reconnect storm: votes flow while half
the room drops and reconnects (``--storm drop``) or one of two workers is killed
(``--storm kill``). The other scenarios are in their own modules (see ``--scenario``).

Prints progress to stderr and one JSON object as the last line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")

from bench.clients import OPEN_TIMEOUT, child_main  # noqa: E402
from consult.asgi_server import daphne_command  # noqa: E402

# How long the parent waits for the children's answers: the join storm (every
# handshake has OPEN_TIMEOUT for its socket and again for its welcome), and the vote
# phase beyond its own length (the last votes' ack timeout).
OPEN_TIMEOUT_TOTAL = 2 * OPEN_TIMEOUT + 120
VOTE_TIMEOUT_EXTRA = 300


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def merge_hists(hists: list[dict[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for hist in hists:
        for key, count in hist.items():
            merged[key] = merged.get(key, 0) + count
    return merged


def hist_percentile(hist: dict[int, int], q: float) -> float | None:
    """``percentile`` over a histogram of bench.clients.hist_add (0.1 ms buckets)."""
    from bench.clients import HIST_SCALE

    total = sum(hist.values())
    if not total:
        return None
    index = min(total - 1, max(0, round(q / 100 * (total - 1))))
    seen = 0
    for key in sorted(hist):
        seen += hist[key]
        if seen > index:
            return key / HIST_SCALE
    return None


def share_within(values: list[float], limit: float) -> float | None:
    """Percent of ``values`` at or under ``limit``, one decimal."""
    if not values:
        return None
    return round(100 * sum(1 for v in values if v <= limit) / len(values), 1)


def slope_per_minute(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (time in seconds, value) samples, per minute."""
    if len(samples) < 2:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return cov / var * 60


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------- set-up


def ensure_database() -> None:
    """Create the benchmark's database when it does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    params = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
    }
    if config["PASSWORD"]:
        params["password"] = config["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def prepare_database(options: int, activity_spec: dict | None = None):
    """A facilitator, an event, a session with one activity (a single-choice poll with
    ``options`` options unless ``activity_spec`` gives add_activity's arguments), and
    the facilitator's login cookie."""
    import django

    ensure_database()

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Permission, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection

    from sessions import services
    from sessions.models import Event

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-facilitator")
    user.user_permissions.add(
        Permission.objects.get(codename="organise", content_type__app_label="live")
    )
    import datetime as dt

    # Earlier runs' rooms go first, so that every run measures the same database
    # (their notes, votes and receipts would otherwise pile up run after run).
    Event.objects.filter(owner=user).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    event = services.create_event(
        owner=user,
        title="Benchmark plenary",
        kind="conference",
        starts_on=dt.date.today(),
        ends_on=dt.date.today(),
    )
    session = services.create_session(event=event, title="Benchmark room")
    activity = services.add_activity(
        session=session,
        **(
            activity_spec
            or {
                "kind": "single_choice",
                "title": "Which lever matters most?",
                "config": {"options": [f"Option {i + 1}" for i in range(options)]},
                # Participants get every tally: the fan-out this benchmark measures.
                "results_visibility": "live",
            }
        ),
    )
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return session, activity, store.session_key


class Servers:
    def __init__(self, count: int) -> None:
        self.ports = [free_port() for _ in range(count)]
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self) -> None:
        env = {
            **os.environ,
            "API_ANON_RATE": "1000000/minute",
            # Every participant joins from 127.0.0.1: no bound per address.
            "JOIN_PARTICIPANTS_PER_ADDRESS": "0",
            "DB_POOL_MAX": "20",
            "STATIC_MANIFEST": "0",
            "LOG_LEVEL": "ERROR",
        }
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        for port in self.ports:
            self.logs.append(LOG_DIR / f"server-{port}.log")
            self.procs.append(
                subprocess.Popen(
                    daphne_command(host="127.0.0.1", port=port),
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=self.logs[-1].open("w"),
                )
            )
        for port, proc in zip(self.ports, self.procs, strict=True):
            wait_http(f"http://127.0.0.1:{port}/healthz", proc)

    def rss_kb(self) -> int:
        """The live workers' resident memory together (a killed one counts 0)."""
        return sum(self.rss_each().values())

    def rss_each(self) -> dict[int, int]:
        out = {}
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    out[proc.pid] = rss_kb(proc.pid)
                except OSError:  # exited between the check and the read
                    pass
        return out

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


class RssSampler:
    """Samples every worker's RSS every ``interval`` seconds in a background thread,
    from ``start()`` to ``stop()``; ``growth_kb_per_min()`` is the sum over workers of
    each one's least-squares slope (a worker killed mid-run counts while it lived)."""

    def __init__(self, servers: Servers, interval: float = 5.0) -> None:
        self.servers = servers
        self.interval = interval
        self.samples: dict[int, list[tuple[float, float]]] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def sample(self) -> None:
        now = time.monotonic()
        for pid, kb in self.servers.rss_each().items():
            self.samples.setdefault(pid, []).append((now, kb))

    def loop(self) -> None:
        self.sample()
        while not self.done.wait(self.interval):
            self.sample()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join(self.interval + 5)
        self.sample()

    def growth_kb_per_min(self) -> float | None:
        slopes = [slope_per_minute(points) for points in self.samples.values()]
        slopes = [s for s in slopes if s is not None]
        return round(sum(slopes), 1) if slopes else None


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)  # waiting for the port to open
    raise RuntimeError(f"{url} did not answer")


def join_all(ports: list[int], code: str, count: int) -> list[dict]:
    groups = [
        "industry_upstream",
        "industry_downstream",
        "civil_society",
        "policy",
        "research",
        "finance",
    ]

    def join(i: int) -> dict:
        port = ports[i % len(ports)]
        body = json.dumps(
            {"display_name": f"P{i}", "stakeholder_group": groups[i % len(groups)]}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/sessions/{code}/join",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            data = json.load(response)
        return {
            "pid": data["participant"],
            "token": data["token"],
            "url": f"ws://127.0.0.1:{port}/ws/s/{code}/",
            "origin": f"http://127.0.0.1:{port}",
        }

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(join, range(count)))


async def open_poll(port: int, code: str, cookie: str, activity: int) -> None:
    await facilitator_control(port, code, cookie, "open_activity", activity)


async def facilitator_control(
    port: int, code: str, cookie: str, action: str, activity: int, value=None
) -> None:
    """Send one facilitator command over the documented protocol and wait for its ack."""
    from websockets.asyncio.client import connect

    async with connect(
        f"ws://127.0.0.1:{port}/ws/s/{code}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
    ) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "facilitator"}))
        while json.loads(await ws.recv())["type"] != "welcome":
            pass
        control = {"type": "control", "id": 1, "action": action, "activity": activity}
        if value is not None:
            control["value"] = value
        await ws.send(json.dumps(control))
        while True:
            msg = json.loads(await ws.recv())
            if msg["type"] == "ack" and msg["ref"] == 1:
                return
            if msg["type"] == "error":
                raise RuntimeError(msg)


# --------------------------------------------------------------------------- clients


class ClientPool:
    """Load-generator processes, each holding ``participants[i::procs]``; the first
    ``observers`` of each share are the vote-to-visible observers."""

    def __init__(
        self, participants: list[dict], procs: int, observers: int, target=child_main, **extra
    ) -> None:
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.procs = []
        # Children that missed an answer are not asked again (a late answer would be
        # taken for the next one); the figures then cover the others, and say so.
        self.lost: set[int] = set()
        for i in range(procs):
            share = participants[i::procs]
            parent, child = ctx.Pipe()
            spec = {"participants": share, "seed": i, "observers": observers, **extra}
            proc = ctx.Process(target=target, args=(child, spec), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    @staticmethod
    def observer_pids(participants: list[dict], procs: int, observers: int) -> set[int]:
        return {p["pid"] for i in range(procs) for p in participants[i::procs][:observers]}

    def send(self, message) -> None:
        for i, pipe in enumerate(self.pipes):
            if i in self.lost:
                continue
            try:
                pipe.send(message)
            except OSError:
                self.lost.add(i)

    def recv(self, timeout: float = 300) -> list:
        """Every child's answer; a child that does not answer within ``timeout`` seconds
        (all children together) is left out from then on and counted in ``lost``."""
        deadline = time.monotonic() + timeout
        out = []
        for i, pipe in enumerate(self.pipes):
            if i in self.lost:
                continue
            try:
                if pipe.poll(max(0.0, deadline - time.monotonic())):
                    out.append(pipe.recv())
                    continue
            except (OSError, EOFError):
                pass
            log(f"client process {i} did not answer in time; its figures are left out")
            self.lost.add(i)
        return out

    def close(self) -> None:
        self.send("close")
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()


# --------------------------------------------------------------------------- figures


# At most this many acked votes are matched against the observers (a 30-minute run
# acks hundreds of thousands): an even sample of them.
VISIBLE_SAMPLE_VOTES = 5_000


def vote_to_visible(votes: list[dict], events: dict, observers: dict) -> list[float]:
    seqs = sorted(events)
    as_of = [events[s][1] for s in seqs]
    lists = {pid: sorted(recv) for pid, recv in observers.items()}
    out = []
    acked = [v for v in votes if v["acked"] is not None and "error" not in (v["result"] or {})]
    step = max(1, -(-len(acked) // VISIBLE_SAMPLE_VOTES))
    for vote in acked[::step]:
        index = bisect.bisect_left(as_of, vote["result"]["at"])
        if index == len(seqs):
            continue
        target = seqs[index]
        for pid, received in lists.items():
            if pid == vote["pid"]:
                continue
            at = bisect.bisect_left(received, (target, 0.0))
            if at < len(received):
                out.append(received[at][1] - vote["sent"])
    return out


def database_state(activity_id: int) -> tuple[dict[int, int], str]:
    from polls.models import Ballot
    from sessions.kinds import get_kind
    from sessions.models import Activity

    activity = Activity.objects.get(pk=activity_id)
    ballots = dict(Ballot.objects.filter(activity=activity).values_list("participant_id", "choice"))
    return ballots, json.dumps(get_kind(activity.kind).tally(activity), sort_keys=True)


def final_broadcast_lag_ms(events: dict, last_commit: float) -> float | None:
    """The last tally's ``as_of`` minus the last acked commit: negative when no tally
    read after the last vote was ever broadcast (then every client ends behind)."""
    if not events:
        return None
    return ms(max(e[1] for e in events.values()) - last_commit)


def is_acked(vote: dict) -> bool:
    return vote["acked"] is not None and "error" not in (vote["result"] or {})


def accepted_rate(votes: list[dict]) -> float | None:
    """Acked votes per second from the first send to the last ack."""
    acked = [v for v in votes if is_acked(v)]
    if not acked:
        return None
    window = max(v["acked"] for v in acked) - min(v["sent"] for v in votes)
    return round(len(acked) / window, 1) if window > 0 else None


def lost_and_doubled(votes: list[dict], ballots: dict[int, int]) -> tuple[int, int]:
    """Participants whose ballot is not their last acked choice (nor a later choice sent
    but never answered, which may have been committed), and duplicates: ballots of
    nobody who was acked, plus acks flagged duplicate for a vote sent only once."""
    by_person: dict[int, list[dict]] = {}
    for vote in sorted(votes, key=lambda v: v["sent"]):
        by_person.setdefault(vote["pid"], []).append(vote)
    lost = 0
    acked_people = 0
    for pid, mine in by_person.items():
        last = max((i for i, v in enumerate(mine) if is_acked(v)), default=None)
        if last is None:
            continue
        acked_people += 1
        allowed = {mine[last]["choice"]} | {
            v["choice"] for v in mine[last + 1 :] if v["acked"] is None
        }
        if ballots.get(pid) not in allowed:
            lost += 1
    doubled = max(0, len(ballots) - acked_people) + sum(
        1 for v in votes if is_acked(v) and v["result"].get("duplicate") and not v.get("resent")
    )
    return lost, doubled


def run(args) -> dict:
    if args.scenario == "storm":
        from bench.storm import run_storm

        return run_storm(args)
    if args.scenario == "board":
        from bench.board import run_board

        return run_board(args)
    if args.scenario == "consultation":
        from bench.consultation import run_consultation

        return run_consultation(args)
    if args.scenario == "commands":
        from bench.commands import run_commands

        return run_commands(args)
    if args.scenario == "directory":
        from bench.directory import run_directory

        return run_directory(args)
    if args.scenario == "synthesis":
        from bench.synthesis import run_synthesis

        return run_synthesis(args)
    if args.scenario == "report":
        from bench.report import run_report

        return run_report(args)
    if args.scenario == "knowledge":
        from bench.knowledge import run_knowledge

        return run_knowledge(args)
    session, activity, cookie = prepare_database(args.options)
    servers = Servers(args.workers)
    log(f"starting {args.workers} Daphne worker(s)")
    servers.start()
    try:
        return measure(args, session, activity, cookie, servers)
    finally:
        servers.stop()


def choose_slow(participants: list[dict], args) -> list[int]:
    """``--slow-clients`` percent of the participants, at random with the seed, never
    an observer."""
    count = round(len(participants) * args.slow_clients / 100)
    if count <= 0:
        return []
    observers = ClientPool.observer_pids(participants, args.client_procs, args.observers)
    candidates = [p["pid"] for p in participants if p["pid"] not in observers]
    return sorted(random.Random(args.seed).sample(candidates, min(count, len(candidates))))


def measure(args, session, activity, cookie, servers) -> dict:
    started = time.time()
    participants = join_all(servers.ports, session.code, args.participants)
    join_s = time.time() - started
    log(f"{len(participants)} participants joined over HTTP in {join_s:.1f}s")
    slow = choose_slow(participants, args)
    rss_before = servers.rss_kb()
    pool = ClientPool(participants, args.client_procs, args.observers, fanout_hist=True, slow=slow)
    pool.send("connect")
    reports = pool.recv(OPEN_TIMEOUT_TOTAL)
    connected = sum(r["connected"] for r in reports)
    # Participants of a client process that did not answer count as not connected.
    failed = len(participants) - connected
    connect_s = (
        max(r["done"] for r in reports) - min(r["started"] for r in reports) if reports else None
    )
    rss_after = servers.rss_kb()
    log(f"{connected} connected ({failed} failed) in {connect_s or 0:.1f}s")
    sampler = RssSampler(servers)
    sampler.start()

    asyncio.run(open_poll(servers.ports[0], session.code, cookie, activity.pk))
    start_at = time.time() + 1.0
    order = {
        "activity": activity.pk,
        "rate": args.rate / args.client_procs,
        "options": args.options,
        "change_ratio": args.change_ratio,
        "start_at": start_at,
    }
    if args.duration > 0:
        order["until"] = start_at + args.duration * 60
        log(f"voting at {args.rate:g}/s for {args.duration:g} minutes")
    pool.send(order)
    planned_s = (
        args.duration * 60
        if args.duration > 0
        else args.participants * (1 + args.change_ratio) / args.rate
    )
    answers = pool.recv(planned_s + VOTE_TIMEOUT_EXTRA)
    sampler.stop()
    votes = [v for r in answers for v in r["votes"]]
    acked = [v for v in votes if is_acked(v)]
    if acked:
        last_ack = max(v["acked"] for v in acked)
        last_commit = max(v["result"]["at"] for v in acked)
        log(f"{len(acked)}/{len(votes)} votes acked in {last_ack - start_at:.1f}s")
    else:
        last_commit = time.time()
        log(f"no vote acked of {len(votes)}")
    pool.send({"as_of": last_commit, "timeout": 30})
    results = pool.recv(120)
    pool.close()

    events = {}
    observers = {}
    for r in results:
        events.update(r["events"])
        observers.update(r["observers"])
    normal_hist = merge_hists([r["fanout_hist"]["normal"] for r in results])
    slow_hist = merge_hists([r["fanout_hist"]["slow"] for r in results])
    visible = vote_to_visible(acked, events, observers)
    tally_ts = sorted(e[0] for e in events.values())
    window = max(tally_ts[-1] - tally_ts[0], 1e-9) if len(tally_ts) > 1 else 1.0
    broadcasts_per_s = len(events) / window
    deliveries_per_s = (sum(normal_hist.values()) + sum(slow_hist.values())) / window

    ballots, db_tally = database_state(activity.pk)
    old = sum(r["old_events"] for r in results)
    if old:
        newest = max(r["old_as_of"] for r in results)
        log(
            f"{old} events arrived with an old seq (newest as_of - last commit {newest - last_commit:+.3f}s)"
        )
    lost, duplicates = lost_and_doubled(votes, ballots)
    finals = [t for r in results for t in r["final"]]
    disagreeing = sum(1 for t in finals if t != db_tally)
    ack_times = [v["acked"] - v["sent"] for v in acked]

    figures = {
        "scenario": "poll",
        "participants": args.participants,
        "workers": args.workers,
        "client_processes": args.client_procs,
        "client_processes_lost": len(pool.lost),
        "vote_rate": args.rate,
        "duration_min": args.duration,
        "join_api_s": round(join_s, 2),
        "connect_s": None if connect_s is None else round(connect_s, 2),
        "failed_handshakes": failed,
        "voters": sum(r["voters"] for r in answers),
        "votes_sent": len(votes),
        "votes_acked": len(acked),
        "votes_per_s_accepted": accepted_rate(votes),
        "busy_retries": sum(v["busy"] for v in votes),
        "ack_p50_ms": ms(percentile(ack_times, 50)),
        "ack_p95_ms": ms(percentile(ack_times, 95)),
        "ack_p99_ms": ms(percentile(ack_times, 99)),
        "vote_to_visible_p50_ms": ms(percentile(visible, 50)),
        "vote_to_visible_p95_ms": ms(percentile(visible, 95)),
        "vote_to_visible_p99_ms": ms(percentile(visible, 99)),
        "vote_to_visible_samples": len(visible),
        "broadcasts_within_500ms_pct": share_within(visible, 0.5),
        "fanout_p50_ms": ms(hist_percentile(normal_hist, 50)),
        "fanout_p95_ms": ms(hist_percentile(normal_hist, 95)),
        "fanout_p99_ms": ms(hist_percentile(normal_hist, 99)),
        "slow_clients": len(slow),
        "broadcasts": len(events),
        "broadcasts_per_s": round(broadcasts_per_s, 2),
        "deliveries_per_s": round(deliveries_per_s, 1),
        "rss_per_participant_kb": round((rss_after - rss_before) / max(connected, 1), 1),
        "rss_growth_kb_per_min": sampler.growth_kb_per_min(),
        "lost": lost,
        "duplicates": duplicates,
        "db_ballots": len(ballots),
        "clients_with_other_final_tally": disagreeing,
        "clients_behind_at_end": sum(r["behind"] for r in results),
        "final_broadcast_lag_ms": final_broadcast_lag_ms(events, last_commit),
        "protocol_errors": sum(r["errors"] for r in results),
        "seq_gaps": sum(r["gaps"] for r in results),
        "sockets_closed_by_server": sum(r["closed_unexpectedly"] for r in results),
    }
    if slow:
        slow_finals = [t for r in results for t in r["slow_final"]]
        figures["slow_fanout_p50_ms"] = ms(hist_percentile(slow_hist, 50))
        figures["slow_fanout_p95_ms"] = ms(hist_percentile(slow_hist, 95))
        figures["slow_clients_final_ok"] = sum(1 for t in slow_finals if t == db_tally)
        figures["slow_clients_disconnected"] = sum(r["slow_closed"] for r in results)
        figures["slow_clients_reconnects"] = sum(r["slow_reconnects"] for r in results)
    sample = json.loads(db_tally)
    figures.update(baseline(args, broadcasts_per_s, len(events), sample))
    base = figures["baseline_fanout_p95_ms"]
    figures["ratio_vs_baseline"] = (
        round(figures["fanout_p95_ms"] / base, 2) if base and figures["fanout_p95_ms"] else None
    )
    return figures


BASELINE_MAX_BROADCASTS = 600


def baseline(args, rate: float, count: int, payload: dict) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "baseline_server.py"), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        server.stdout.readline()  # "ready"
        rss_before = rss_kb(server.pid)
        people = [
            {
                "pid": i,
                "token": "",
                "url": f"ws://127.0.0.1:{port}/",
                "origin": f"http://127.0.0.1:{port}",
            }
            for i in range(args.participants)
        ]
        # At least 10; at most BASELINE_MAX_BROADCASTS, so that a long run (--duration)
        # is not followed by as long a baseline: its rate is what is compared.
        count = min(max(count, 10), BASELINE_MAX_BROADCASTS)
        pool = ClientPool(
            people, args.client_procs, 0, baseline=True, baseline_count=count, fanout_hist=True
        )
        pool.send("connect")
        reports = pool.recv(OPEN_TIMEOUT_TOTAL)
        rss_after = rss_kb(server.pid)
        log(
            f"baseline: {sum(r['connected'] for r in reports)} connected; {count} broadcasts at {rate:.1f}/s"
        )

        async def control() -> None:
            from websockets.asyncio.client import connect

            async with connect(f"ws://127.0.0.1:{port}/control") as ws:
                await ws.send(
                    json.dumps({"count": count, "rate": max(rate, 0.5), "payload": payload})
                )
                await asyncio.wait_for(ws.recv(), count / max(rate, 0.5) + 120)

        pool.send("go")
        try:
            asyncio.run(control())
        except TimeoutError:
            log("baseline: the broadcast server did not finish in time")
        pool.send({"timeout": 30})
        results = pool.recv(120)
        pool.close()
    finally:
        server.terminate()
        server.wait(10)
    fanout = merge_hists([r["fanout_hist"]["normal"] for r in results])
    return {
        "baseline_fanout_p50_ms": ms(hist_percentile(fanout, 50)),
        "baseline_fanout_p95_ms": ms(hist_percentile(fanout, 95)),
        "baseline_fanout_p99_ms": ms(hist_percentile(fanout, 99)),
        "baseline_rss_per_participant_kb": round((rss_after - rss_before) / args.participants, 1),
        "baseline_clients_behind_at_end": sum(r["behind"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenario",
        default="poll",
        choices=[
            "poll",
            "board",
            "consultation",
            "commands",
            "directory",
            "synthesis",
            "report",
            "knowledge",
            "storm",
        ],
    )
    parser.add_argument(
        "--participants",
        type=int,
        default=None,
        help="default 2,000 (poll, storm), 500 (board), 300 (commands)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="Daphne processes (clients split between them)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="votes (poll, storm) or notes and upvotes (board) per second, all clients"
        " together; default 200 (poll), 100 (board, storm)",
    )
    parser.add_argument(
        "--upvotes", type=int, default=2, help="board: upvotes per participant (budget 3)"
    )
    parser.add_argument(
        "--change-ratio",
        type=float,
        default=0.1,
        help="share of participants who change their vote",
    )
    parser.add_argument("--options", type=int, default=4)
    parser.add_argument(
        "--requests", type=int, default=50, help="consultation, directory: timed requests per page"
    )
    parser.add_argument(
        "--joins", type=int, default=30, help="directory: timed joins for the panel update"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=0,
        metavar="MINUTES",
        help="poll: keep voting at --rate for this many minutes, participants changing"
        " their vote (0: everyone votes once, --change-ratio of them change)",
    )
    parser.add_argument(
        "--slow-clients",
        type=float,
        default=0,
        metavar="PCT",
        help="poll: percent of participants (never observers) who only read, one message"
        " then a 1 s pause, through a 4 KB socket receive buffer",
    )
    parser.add_argument(
        "--storm",
        choices=["drop", "kill"],
        default="drop",
        help="storm: half the participants drop and reconnect within 5 s (drop), or worker"
        " 1 of --workers 2 is killed and its clients reconnect to worker 0 within 1 s (kill)",
    )
    parser.add_argument(
        "--storm-after",
        type=float,
        default=10,
        metavar="SECONDS",
        help="storm: seconds of voting before the drop or kill",
    )
    parser.add_argument(
        "--storm-tail",
        type=float,
        default=40,
        metavar="SECONDS",
        help="storm: seconds of voting after the drop or kill (presence figures need it"
        " longer than the server's presence expiry)",
    )
    parser.add_argument("--seed", type=int, default=0, help="picks slow clients and droppers")
    parser.add_argument("--client-procs", type=int, default=2, help="load-generator processes")
    parser.add_argument(
        "--observers",
        type=int,
        default=100,
        help="participants per client process sampled for vote-to-visible",
    )
    args = parser.parse_args()
    if args.participants is None:
        args.participants = {"board": 500, "commands": 300}.get(args.scenario, 2000)
    if args.rate is None:
        args.rate = 100 if args.scenario in ("board", "storm") else 200
    if args.scenario == "storm" and args.storm == "kill" and args.workers < 2:
        parser.error("--storm kill needs --workers 2 (or more)")
    if not 0 <= args.slow_clients < 100:
        parser.error("--slow-clients is a percentage from 0 to under 100")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        sys.exit("bench: set DATABASE_URL (PostgreSQL) and REDIS_URL, or run `make bench`")
    figures = run(args)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
