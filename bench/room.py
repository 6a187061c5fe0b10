#!/usr/bin/env python
"""Live-room benchmark (``make bench``; options via ``make bench ARGS="..."``).

Starts the platform the way production runs it (Daphne workers on PostgreSQL and
Redis, 127.0.0.1 only), joins N participants through the HTTP API, connects them all
at once over real WebSockets, has the facilitator open a single-choice poll, and lets
every participant vote once at a controlled rate (some change their vote). Then it
runs a bare ``websockets`` broadcast server (bench/baseline_server.py) with the same
client code, N clients and the broadcast rate the platform emitted, and compares.

Prints progress to stderr and one JSON object as the last line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")

from bench.clients import child_main  # noqa: E402


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
                    [
                        sys.executable,
                        "-m",
                        "daphne",
                        "-b",
                        "127.0.0.1",
                        "-p",
                        str(port),
                        "asgi:application",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=self.logs[-1].open("w"),
                )
            )
        for port, proc in zip(self.ports, self.procs, strict=True):
            wait_http(f"http://127.0.0.1:{port}/healthz", proc)

    def rss_kb(self) -> int:
        return sum(rss_kb(p.pid) for p in self.procs)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


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
    def __init__(
        self, participants: list[dict], procs: int, observers: int, target=child_main, **extra
    ) -> None:
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.procs = []
        for i in range(procs):
            share = participants[i::procs]
            parent, child = ctx.Pipe()
            spec = {"participants": share, "seed": i, "observers": observers, **extra}
            proc = ctx.Process(target=target, args=(child, spec), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def send(self, message) -> None:
        for pipe in self.pipes:
            pipe.send(message)

    def recv(self, timeout: float = 300) -> list:
        out = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError("a client process did not answer in time")
            out.append(pipe.recv())
        return out

    def close(self) -> None:
        self.send("close")
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()


# --------------------------------------------------------------------------- figures


def vote_to_visible(votes: list[dict], events: dict, observers: dict) -> list[float]:
    seqs = sorted(events)
    as_of = [events[s][1] for s in seqs]
    lists = {pid: sorted(recv) for pid, recv in observers.items()}
    out = []
    for vote in votes:
        if vote["acked"] is None or "error" in (vote["result"] or {}):
            continue
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


def run(args) -> dict:
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


def measure(args, session, activity, cookie, servers) -> dict:
    started = time.time()
    participants = join_all(servers.ports, session.code, args.participants)
    join_s = time.time() - started
    log(f"{len(participants)} participants joined over HTTP in {join_s:.1f}s")
    rss_before = servers.rss_kb()
    pool = ClientPool(participants, args.client_procs, args.observers)
    pool.send("connect")
    reports = pool.recv()
    connected = sum(r["connected"] for r in reports)
    failed = sum(r["failed"] for r in reports)
    connect_s = max(r["done"] for r in reports) - min(r["started"] for r in reports)
    rss_after = servers.rss_kb()
    log(f"{connected} connected ({failed} failed) in {connect_s:.1f}s")

    asyncio.run(open_poll(servers.ports[0], session.code, cookie, activity.pk))
    start_at = time.time() + 1.0
    pool.send(
        {
            "activity": activity.pk,
            "rate": args.rate / args.client_procs,
            "options": args.options,
            "change_ratio": args.change_ratio,
            "start_at": start_at,
        }
    )
    votes = [v for r in pool.recv() for v in r["votes"]]
    acked = [v for v in votes if v["acked"] is not None and "error" not in v["result"]]
    last_ack = max(v["acked"] for v in acked)
    last_commit = max(v["result"]["at"] for v in acked)
    log(f"{len(acked)}/{len(votes)} votes acked in {last_ack - start_at:.1f}s")
    pool.send({"as_of": last_commit, "timeout": 30})
    results = pool.recv()
    pool.close()

    events = {}
    observers = {}
    for r in results:
        events.update(r["events"])
        observers.update(r["observers"])
    fanout = [x for r in results for x in r["fanout"]]
    visible = vote_to_visible(acked, events, observers)
    tally_ts = sorted(e[0] for e in events.values())
    window = max(tally_ts[-1] - tally_ts[0], 1e-9) if len(tally_ts) > 1 else 1.0
    broadcasts_per_s = len(events) / window
    deliveries_per_s = len(fanout) / window

    ballots, db_tally = database_state(activity.pk)
    final_acked: dict[int, int] = {}
    for vote in sorted(acked, key=lambda v: v["acked"]):
        final_acked[vote["pid"]] = vote["choice"]
    lost = sum(1 for pid, choice in final_acked.items() if ballots.get(pid) != choice)
    duplicates = max(0, len(ballots) - len(final_acked)) + sum(
        1 for v in acked if v["result"].get("duplicate")
    )
    finals = [t for r in results for t in r["final"]]
    disagreeing = sum(1 for t in finals if t != db_tally)

    figures = {
        "scenario": "poll",
        "participants": args.participants,
        "workers": args.workers,
        "client_processes": args.client_procs,
        "vote_rate": args.rate,
        "join_api_s": round(join_s, 2),
        "connect_s": round(connect_s, 2),
        "failed_handshakes": failed,
        "votes_sent": len(votes),
        "votes_acked": len(acked),
        "ack_p50_ms": ms(percentile([v["acked"] - v["sent"] for v in acked], 50)),
        "ack_p95_ms": ms(percentile([v["acked"] - v["sent"] for v in acked], 95)),
        "ack_p99_ms": ms(percentile([v["acked"] - v["sent"] for v in acked], 99)),
        "vote_to_visible_p50_ms": ms(percentile(visible, 50)),
        "vote_to_visible_p95_ms": ms(percentile(visible, 95)),
        "vote_to_visible_p99_ms": ms(percentile(visible, 99)),
        "vote_to_visible_samples": len(visible),
        "fanout_p50_ms": ms(percentile(fanout, 50)),
        "fanout_p95_ms": ms(percentile(fanout, 95)),
        "fanout_p99_ms": ms(percentile(fanout, 99)),
        "broadcasts": len(events),
        "broadcasts_per_s": round(broadcasts_per_s, 2),
        "deliveries_per_s": round(deliveries_per_s, 1),
        "rss_per_participant_kb": round((rss_after - rss_before) / max(connected, 1), 1),
        "lost": lost,
        "duplicates": duplicates,
        "db_ballots": len(ballots),
        "clients_with_other_final_tally": disagreeing,
        "clients_behind_at_end": sum(r["behind"] for r in results),
        "protocol_errors": sum(r["errors"] for r in results),
        "seq_gaps": sum(r["gaps"] for r in results),
    }
    sample = json.loads(db_tally)
    figures.update(baseline(args, broadcasts_per_s, len(events), sample))
    base = figures["baseline_fanout_p95_ms"]
    figures["ratio_vs_baseline"] = (
        round(figures["fanout_p95_ms"] / base, 2) if base and figures["fanout_p95_ms"] else None
    )
    return figures


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
        count = max(count, 10)
        pool = ClientPool(people, args.client_procs, 0, baseline=True, baseline_count=count)
        pool.send("connect")
        reports = pool.recv()
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
                await ws.recv()

        pool.send("go")
        asyncio.run(control())
        pool.send({"timeout": 30})
        results = pool.recv()
        pool.close()
    finally:
        server.terminate()
        server.wait(10)
    fanout = [x for r in results for x in r["fanout"]]
    return {
        "baseline_fanout_p50_ms": ms(percentile(fanout, 50)),
        "baseline_fanout_p95_ms": ms(percentile(fanout, 95)),
        "baseline_fanout_p99_ms": ms(percentile(fanout, 99)),
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
        ],
    )
    parser.add_argument(
        "--participants",
        type=int,
        default=None,
        help="default 2,000 (poll), 500 (board), 300 (commands)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="Daphne processes (clients split between them)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="votes (poll) or notes and upvotes (board) per second, all clients together;"
        " default 200 (poll), 100 (board)",
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
        args.rate = 100 if args.scenario == "board" else 200
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        sys.exit("bench: set DATABASE_URL (PostgreSQL) and REDIS_URL, or run `make bench`")
    figures = run(args)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
