"""What the hub tests share: a fake local socket, and more hubs on Redis standing for
other server processes of the same room."""

from __future__ import annotations

import asyncio
import copy
import json

from channels_redis.core import RedisChannelLayer
from django.conf import settings

from sessions import hub_context
from sessions.connections import RoomConnection
from sessions.hub import RoomHub
from sessions.kinds import Role

TIMEOUT = 15.0  # generous for a loaded machine; only a failing test waits this long


class Socket:
    """A local socket: every text the hub writes to it, to be awaited in order."""

    def __init__(self, role: Role) -> None:
        self.texts: asyncio.Queue[str] = asyncio.Queue()
        self.conn = RoomConnection(role=role, send_text=self.send_text)

    async def send_text(self, text: str) -> None:
        await self.texts.put(text)

    async def next(self, *, skip: str | None = None, timeout: float = TIMEOUT) -> dict:
        """The next message written to this socket (past any of type ``skip``)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.texts.get(), timeout))
            if message["type"] != skip:
                return message


def own_layer() -> RedisChannelLayer:
    """A channel layer of its own (its own Redis connections), configured as the
    platform's: what another server process would have."""
    config = copy.deepcopy(settings.CHANNEL_LAYERS["default"]["CONFIG"])
    return RedisChannelLayer(**config)


async def other_process_hub() -> RoomHub:
    """A second hub on this loop, with its own process id and channel layer, standing
    for another server process. ``close_other(hub)`` after the test."""
    this_process = hub_context.process_hub
    hub = RoomHub()
    hub.layer = own_layer()
    await hub.start()
    hub_context.process_hub = this_process  # starting made it the process's hub
    return hub


async def die(hub: RoomHub) -> None:
    """Stop ``hub`` as a killed process stops: its tasks and timers end, it sends
    nothing more (no goodbye report, no group_discard)."""
    timers = [*hub.tally_waits.values(), *hub.presence_timers.values()]
    for room in hub.rooms.values():
        timers += [room.report_timer, room.gap_timer]
    for timer in timers:
        if timer is not None:
            timer.cancel()
    # Cancelled until ended (on Python 3.11 redis-py's wait_for can swallow one).
    pending = [task for task in [*hub.tasks, *hub.background] if not task.done()]
    while pending:
        for task in pending:
            task.cancel()
        _done, still = await asyncio.wait(pending, timeout=0.5)
        pending = list(still)


async def close_other(hub: RoomHub) -> None:
    await hub.close()
    await hub.layer.close_pools()
