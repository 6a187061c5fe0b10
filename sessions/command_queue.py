"""The live room's queue of participant commands, one per process and event loop.

Consumers hand their participants' commands (``act``) to the queue and await the
answer. Up to ``LIVE_ROOM["COMMAND_WORKERS"]`` workers take what has gathered (at most
``COMMAND_BATCH_MAX`` commands) and carry it out as one batch on a database thread of
their own (``db.command_db_call``: votes never wait behind joins;
``participant_commands.perform_commands``): under load the commands that arrive while
a batch commits form the next one, so a room's votes share transactions without any
wait being added when the room is quiet. One person's commands are never in two
batches at once, so they keep their order.

The queue is bounded: past ``COMMAND_QUEUE_MAX`` waiting commands, a command is refused
at once with the ``busy`` error and the time after which to send it again (estimated
from how long recent batches took per command), instead of being answered ever later
(docs/protocol.md, "Over capacity").
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .batches import settle
from .db import command_db_call
from .hub_context import current_hub
from .kinds import Command, CommandError
from .participant_commands import perform_commands

# The retry time a busy answer carries, in milliseconds, stays within these.
RETRY_AFTER_MS = (100, 10_000)


class Busy(CommandError):
    """The queue is full: send the command again after ``retry_after_ms``."""

    def __init__(self, retry_after_ms: int) -> None:
        super().__init__(
            "busy",
            _("The room is very busy; your answer is sent again in a moment."),
            retry_after_ms=retry_after_ms,
        )
        self.retry_after_ms = retry_after_ms


class CommandQueue:
    """This loop's participant commands, carried out in batches; see the module."""

    def __init__(self, *, hub: Any) -> None:
        limits = settings.LIVE_ROOM
        self.hub = hub
        self.limit: int = limits["COMMAND_QUEUE_MAX"]
        self.batch_max: int = limits["COMMAND_BATCH_MAX"]
        self.workers_max: int = limits["COMMAND_WORKERS"]
        self.waiting: deque[tuple[Command, asyncio.Future]] = deque()
        # Participants with a command in a batch being carried out.
        self.in_flight: set[int] = set()
        self.workers = 0
        # Seconds of batch time per command, averaged over recent batches.
        self.per_command_s = 0.002
        self.batches = 0
        self.refused = 0

    async def submit(self, command: Command) -> dict[str, Any]:
        """The command's result once committed; raises its refusal, or ``Busy``."""
        if len(self.waiting) >= self.limit:
            self.refused += 1
            raise Busy(self.retry_after_ms())
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((command, future))
        if self.workers < self.workers_max:
            self.workers += 1
            asyncio.get_running_loop().create_task(self._work())
        return await future

    def retry_after_ms(self) -> int:
        """About how long the commands waiting now take to carry out."""
        estimate = len(self.waiting) * self.per_command_s * 1000
        low, high = RETRY_AFTER_MS
        return int(min(max(estimate, low), high))

    def _take(self) -> list[tuple[Command, asyncio.Future]]:
        """The next batch: waiting commands in order, up to the batch size, leaving
        (in order) those of participants whose earlier command is in flight."""
        batch: list[tuple[Command, asyncio.Future]] = []
        kept: deque[tuple[Command, asyncio.Future]] = deque()
        while self.waiting and len(batch) < self.batch_max:
            item = self.waiting.popleft()
            if item[1].done():  # cancelled: nobody waits for it any more
                continue
            if item[0].participant.pk in self.in_flight:
                kept.append(item)
            else:
                batch.append(item)
        for command, _future in batch:
            self.in_flight.add(command.participant.pk)
        kept.extend(self.waiting)
        self.waiting = kept
        return batch

    async def _work(self) -> None:
        # Tally notices sent from the database thread on commit reach this hub.
        current_hub.set(self.hub)
        try:
            while batch := self._take():
                started = time.monotonic()
                try:
                    outcomes = await command_db_call(perform_commands)(
                        commands=[command for command, _future in batch]
                    )
                except Exception as exc:  # the batch failed as a whole: every command says so
                    outcomes = [exc] * len(batch)
                finally:
                    for command, _future in batch:
                        self.in_flight.discard(command.participant.pk)
                self._learn(len(batch), time.monotonic() - started)
                settle([future for _command, future in batch], outcomes)
        finally:
            self.workers -= 1

    def _learn(self, size: int, seconds: float) -> None:
        self.batches += 1
        self.per_command_s = 0.8 * self.per_command_s + 0.2 * (seconds / size)


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CommandQueue] = (
    weakref.WeakKeyDictionary()
)


def get_command_queue(*, hub: Any) -> CommandQueue:
    """This event loop's queue, made on first use; its batches notify ``hub``."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None or queue.hub is not hub:
        queue = _queues[loop] = CommandQueue(hub=hub)
    return queue
