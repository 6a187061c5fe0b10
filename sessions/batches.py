"""Database reads of many sockets gathered into one trip to a database thread.

In a reconnect storm a process answers hundreds of handshakes and hellos a second,
and each read a few rows. Made one at a time, every query hands the interpreter lock
to a database thread and back while the event loop is busiest: the storm's cost was
in those hand-overs, not in PostgreSQL (docs/performance.md, "Reconnect storms").
A ``Batcher`` reads what the sockets asked for while its previous batch ran, all
together: when the room is quiet a batch is of one and nothing waits longer than
before; under a storm a few queries serve a hundred sockets.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from .db import db_call

Item = TypeVar("Item")
Answer = TypeVar("Answer")

# The most requests one batch reads: its queries stay small, and the sockets first in
# line are answered without waiting for the whole storm.
BATCH_MAX = 200


class Batcher(Generic[Item, Answer]):
    """Requests of one kind, read in batches by ``read`` on a database thread.

    ``read`` takes the batch's requests and returns one answer per request, in order;
    an exception in its place is raised to that request's caller alone. If ``read``
    raises, every request of the batch gets the exception."""

    def __init__(
        self,
        read: Callable[[Sequence[Item]], Sequence[Answer | Exception]],
        *,
        batch_max: int = BATCH_MAX,
    ) -> None:
        self.read = db_call(read)
        self.batch_max = batch_max
        self.waiting: list[tuple[Item, asyncio.Future]] = []
        self.working = False
        self.batches = 0

    async def ask(self, item: Item) -> Answer:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if not self.working:
            self.working = True
            asyncio.get_running_loop().create_task(self._work())
        return await future

    async def _work(self) -> None:
        try:
            while self.waiting:
                batch = [entry for entry in self.waiting[: self.batch_max] if not entry[1].done()]
                del self.waiting[: self.batch_max]
                if not batch:
                    continue
                self.batches += 1
                try:
                    answers = await self.read([item for item, _future in batch])
                except Exception as exc:
                    answers = [exc] * len(batch)
                settle([future for _item, future in batch], answers)
        finally:
            self.working = False


def settle(futures: Sequence[asyncio.Future], outcomes: Sequence[object]) -> None:
    """Give each future its outcome: raised if it is an exception, else returned. A
    future already done (its waiter went) is left alone."""
    for future, outcome in zip(futures, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Callable, Batcher]] = (
    weakref.WeakKeyDictionary()
)


def batcher(read: Callable[[Sequence[Item]], Sequence[Answer | Exception]]) -> Batcher:
    """This event loop's batcher of ``read``, made on first use (a batch's futures
    belong to one loop)."""
    loop = asyncio.get_running_loop()
    mine = _batchers.setdefault(loop, {})
    if read not in mine:
        mine[read] = Batcher(read)
    return mine[read]
