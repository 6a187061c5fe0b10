"""What one more connected participant costs the server in memory (docs/performance.md,
"Memory per participant"), and what keeps it low.

The benchmark's figure (``rss_per_participant_kb``, bench/room.py) is the resident
memory of a real Daphne process; these tests guard the part this project controls,
without timing anything: the bytes Python allocates and keeps for one more welcomed
participant in-process (middleware, consumer, hub, rows), counted by ``tracemalloc``,
and the sharing of the process's cache between connections.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import os
import subprocess
import sys
import tracemalloc
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from tests.sessions.live import ORIGIN, application, make_room

ROOT = Path(__file__).resolve().parent.parent.parent

# Daphne runs every connection in a copy of the process's context (what importing
# ``asgi`` left in it); Channels' test communicator runs it in an empty one. Taken when
# this module is imported, after ``asgi``, before any test has touched it.
PROCESS_CONTEXT = contextvars.copy_context()

# Participants welcomed before counting (the room's first joins load what every later
# one shares: the hub's room, its snapshot, the database threads' connections), and
# counted.
WARM = 5
COUNTED = 40

# Allocations of the test itself and of Channels' in-process communicator, which stands
# in for Daphne: not the application's.
HARNESS = (
    "*/asgiref/testing.py",
    "*/channels/testing/*",
    "*/tests/*",
    tracemalloc.__file__,
)

# Measured at 12.7 KB per participant run alone and 16.9 KB in the whole suite (after
# other tests in the same worker process; December 2026; Daphne's own objects come on
# top in a real process). The budget fails at the regression this figure was cut by
# most: a cache client per connection (11.7 KB more, measured without it). Raise it
# only knowingly: docs/performance.md, "Memory per participant", has the benchmark's
# figure and the breakdown.
BUDGET_BYTES = 20_480


async def as_daphne_runs_it(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The application, in a copy of the process's context as under Daphne."""
    await asyncio.create_task(application(scope, receive, send), context=PROCESS_CONTEXT.copy())


async def welcomed(code: str, token: str) -> WebsocketCommunicator:
    """A participant's socket, joined as a browser on http://127.0.0.1 would."""
    comm = WebsocketCommunicator(
        as_daphne_runs_it, f"/ws/s/{code}/", headers=[(b"host", b"127.0.0.1"), ORIGIN]
    )
    connected, _ = await comm.connect()
    assert connected
    await comm.send_json_to({"type": "hello", "role": "participant", "token": token})
    welcome = await comm.receive_json_from(timeout=15)
    assert welcome["type"] == "welcome", welcome
    return comm


def made_by_the_harness(traceback: tracemalloc.Traceback) -> bool:
    """Whether the test or the communicator made this allocation. The event loop runs
    inside pytest's own calls, so the frames below a loop callback (``Handle._run``) say
    nothing; the ones above it say who allocated."""
    files = [frame.filename for frame in traceback]  # oldest first
    for index in range(len(files) - 1, -1, -1):
        if files[index].endswith(os.path.join("asyncio", "events.py")):
            files = files[index + 1 :]
            break
    return any(fnmatch(name, pattern) for name in files for pattern in HARNESS)


def counted_bytes(snapshot: tracemalloc.Snapshot) -> int:
    """Bytes allocated since tracing started and still held, the harness's left out."""
    return sum(trace.size for trace in snapshot.traces if not made_by_the_harness(trace.traceback))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_one_more_welcomed_participant_holds_under_its_budget(hub):
    room = await make_room(n=WARM + COUNTED)
    sockets = [await welcomed(room.code, token) for token in room.tokens[:WARM]]
    try:
        gc.collect()
        tracemalloc.start(64)
        try:
            before = tracemalloc.take_snapshot()
            for token in room.tokens[WARM:]:
                sockets.append(await welcomed(room.code, token))
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        assert hub.connected(room.session.pk) == WARM + COUNTED
        per_participant = (counted_bytes(after) - counted_bytes(before)) / COUNTED
        # Every participant holds something (its consumer, its rows): a count that
        # finds almost nothing counts wrongly.
        assert 1_024 < per_participant <= BUDGET_BYTES, per_participant
    finally:
        for comm in reversed(sockets):
            await comm.disconnect()


# Imports the entry point as Daphne does, then asks for the cache from two connections'
# contexts (each a copy of the process's, as Daphne makes them) on a database thread,
# as the consumer's join-limit check does.
CACHE_PROBE = """
import asyncio, json
import asgi
from asgiref.sync import sync_to_async
from django.core.cache import caches

async def from_a_connection():
    return await sync_to_async(lambda: caches["default"], thread_sensitive=False)()

async def main():
    first = await asyncio.ensure_future(from_a_connection())
    second = await asyncio.ensure_future(from_a_connection())
    return [first is second, first is caches["default"]]

print(json.dumps(asyncio.run(main())))
"""


def test_every_connection_uses_the_process_cache_instance():
    """Django keeps a cache instance per asyncio context: without the one ``asgi.py``
    makes at start-up, every socket kept a Redis client, pool and connection of its
    own (10 KB and a Redis connection per participant)."""
    out = subprocess.run(
        [sys.executable, "-c", CACHE_PROBE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    shared, the_process_one = json.loads(out.stdout.strip().splitlines()[-1])
    assert shared
    assert the_process_one
