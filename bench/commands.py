"""The command-cost scenario (``make bench ARGS="--scenario commands"``).

What one participant command costs the live-room process, measured in-process on
PostgreSQL (database ``consult_bench``) with the connection pool Daphne uses: a poll
vote, an idea-board note and upvote, a Q&A question and upvote, each sent once by every
participant through ``sessions.services.perform_command``, as the room's worker thread
runs them (the connection handed back to the pool between commands, as Channels does).
A live room's commands share one process's GIL, so the CPU a command takes bounds how
many a process carries per second.

The baseline, measured in the same run and the same way: one ``SELECT 1`` through
Django's cursor, the cheapest round trip a command could make.

Per command kind: ``cpu_ms`` (median and p95 of the thread's CPU time), ``wall_ms``
(median), ``statements`` (SQL statements sent, BEGIN and COMMIT included), and
``x_baseline`` (median CPU over the baseline's). The room's broadcast after a commit
is what it is inside Daphne: the activity marked dirty on the hub's event loop (a
loop that is not running here), not a tally built per command.

Prints progress to stderr and one JSON object as the last line of stdout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(calls: list[Callable[[], Any]]) -> tuple[list[float], list[float]]:
    """CPU and wall milliseconds of each call, the connection back in the pool between."""
    from django.db import close_old_connections

    cpu, wall = [], []
    for call in calls:
        close_old_connections()
        started_cpu, started = time.thread_time(), time.perf_counter()
        call()
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        close_old_connections()
    return cpu, wall


def _statements(call: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def run_commands(args) -> dict[str, Any]:
    os.environ.setdefault("DB_POOL_MAX", "20")
    from bench.room import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from boards.models import Note
    from qna.models import Question
    from sessions import services
    from sessions.hub_context import current_hub
    from sessions.models import Event

    call_command("migrate", verbosity=0)
    owner, _ = User.objects.get_or_create(username="bench-commands")
    Event.objects.filter(owner=owner).delete()
    event = services.create_event(
        owner=owner,
        title="Command costs",
        kind="conference",
        starts_on=dt.date.today(),
        ends_on=dt.date.today(),
    )
    session = services.create_session(event=event, title="Command costs")
    count = args.participants
    log(f"joining {count} participants")
    people = [
        services.join_session(code=session.code, display_name=f"P{i}") for i in range(count + 1)
    ]
    warm, people = people[0], people[1:]

    loop = asyncio.new_event_loop()
    hub = SimpleNamespace(
        closed=False, loop=loop, mark_dirty=lambda *a: None, mark_item=lambda *a: None
    )
    current_hub.set(hub)

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    _timed([baseline] * 20)  # warm-up
    base_cpu, base_wall = _timed([baseline] * count)
    base = statistics.median(base_cpu)
    figures: dict[str, Any] = {
        "scenario": "commands",
        "participants": count,
        "baseline_cpu_ms": round(base, 3),
        "baseline_wall_ms": round(statistics.median(base_wall), 3),
    }

    def measure(name: str, activity, action: str, data: Callable[[int], Any]) -> None:
        def command(i: int, person) -> Callable[[], Any]:
            return lambda: services.perform_command(
                participant=person,
                activity_id=activity.pk,
                action=action,
                data=data(i),
                key=f"{name}-{i}",
            )

        statements = _statements(command(count, warm))
        cpu, wall = _timed([command(i, person) for i, person in enumerate(people)])
        figures[name] = {
            "cpu_ms_p50": round(statistics.median(cpu), 3),
            "cpu_ms_p95": round(_p95(cpu), 3),
            "wall_ms_p50": round(statistics.median(wall), 3),
            "statements": statements,
            "x_baseline": round(statistics.median(cpu) / base, 1),
        }
        log(f"{name}: {figures[name]}")

    def opened(kind: str, config: dict[str, Any]):
        activity = services.add_activity(session=session, kind=kind, title=kind, config=config)
        services.open_activity(activity=activity)
        activity.refresh_from_db()
        return activity

    poll = opened("single_choice", {"options": ["A", "B", "C", "D"]})
    measure("poll_vote", poll, "vote", lambda i: i % 4)
    board = opened("idea_board", {"columns": ["Challenges", "Solutions"], "mode": "open"})
    measure("board_post", board, "post", lambda i: {"column": i % 2, "text": f"Idea {i}"})
    services.moderate_activity(activity=board, action="start_voting", data={"budget": 3})
    notes = list(Note.objects.filter(activity=board).order_by("id").values_list("id", flat=True))
    measure("board_upvote", board, "upvote", lambda i: {"note": notes[(i + 2) % len(notes)]})
    qna = opened("qna", {})
    # Each person's note and question: index i + 1 (the warm-up's is 0); i + 2 is another's.
    measure("qna_ask", qna, "ask", lambda i: {"text": f"Question number {i}?"})
    questions = list(
        Question.objects.filter(activity=qna).order_by("id").values_list("id", flat=True)
    )
    measure(
        "qna_upvote",
        qna,
        "upvote",
        lambda i: {"question": questions[(i + 2) % len(questions)]},
    )
    current_hub.set(None)
    loop.close()
    return figures
