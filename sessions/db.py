"""Database calls from the live room's async code.

Channels' ``database_sync_to_async`` runs every call on one shared thread by default,
which serialises a whole process's votes and joins behind each other. The live room
uses a small pool of worker threads instead, each with its own database connection.
"""

from concurrent.futures import ThreadPoolExecutor

from channels.db import DatabaseSyncToAsync
from django.conf import settings

_executor = ThreadPoolExecutor(
    max_workers=settings.LIVE_ROOM["DB_THREADS"], thread_name_prefix="live-db"
)


# Broadcasts get a thread of their own so they never queue behind a burst of votes.
_broadcast_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-broadcast")

# Participants' command batches (command_queue.py) get threads of their own too, so that
# votes never queue behind a reconnect storm's joins: a process taking over a dead
# one's thousand clients queued a thousand hellos ahead of every vote
# (docs/performance.md, "Losing a process").
# The queue's COMMAND_WORKERS bounds how many are busy; a thread starts only when needed.
_command_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="live-commands")


def db_call(func):
    """Wrap a sync function that touches the database for ``await``-ing from the room."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_executor)


def broadcast_db_call(func):
    """Like :func:`db_call`, on the broadcast thread."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_broadcast_executor)


def command_db_call(func):
    """Like :func:`db_call`, on the command batches' threads."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_command_executor)


def close_thread_connections() -> None:
    """Close the database connections the worker threads hold (tests, before dropping
    the test database). One task per thread: each waits at a barrier until all run,
    so every call still in flight has finished when this returns."""
    from threading import Barrier

    from django.db import connections

    for executor in (_executor, _broadcast_executor, _command_executor):
        size = executor._max_workers
        barrier = Barrier(size)

        def close(barrier=barrier) -> None:
            barrier.wait(timeout=30)
            connections.close_all()

        for future in [executor.submit(close) for _ in range(size)]:
            future.result(timeout=15)
