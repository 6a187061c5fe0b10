"""The hub's bookkeeping of local sockets: :class:`RoomConnection` and :class:`LocalRoom`.

A :class:`RoomConnection` is one local socket as the hub sees it: its role, how to
write to it (the Daphne fast path of ``wire`` or the ASGI ``send``), and the events
held back until the client has its starting state. A :class:`LocalRoom` is one room
seen from this process: its local connections per role, the last ``seq`` delivered and
a replay buffer of recent events, events waiting for a missing ``seq``, every
process's presence report, and a shared snapshot for joins.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .kinds import Role
from .wire import Frame, write_prepared

# A process's presence report counts for this long after it was heard.
PRESENCE_EXPIRY_S = 30.0


SendText = Callable[[str], Awaitable[None]]


@dataclass(eq=False)
class RoomConnection:
    """One local socket as the hub sees it: a role and a way to send text."""

    role: Role
    send_text: SendText
    wire: Any = None
    session_id: int = 0
    last_sent: int = -1
    ready: bool = False
    pending: list[tuple[int, Frame]] = field(default_factory=list)

    async def write(self, frame: Frame) -> None:
        wire = self.wire
        if wire is not None:
            if wire.state == wire.STATE_OPEN:
                write_prepared(wire, frame.prepared)
        else:
            await self.send_text(frame.text)

    async def push(self, seq: int, frame: Frame) -> None:
        if not self.ready:
            self.pending.append((seq, frame))
        elif seq > self.last_sent:
            self.last_sent = seq
            await self.write(frame)

    async def start(self, since_seq: int) -> None:
        """Begin delivery after the client holds the state as of ``since_seq``."""
        self.last_sent = since_seq
        while self.pending:
            batch = sorted(self.pending, key=lambda item: item[0])
            self.pending = []
            for seq, frame in batch:
                if seq > self.last_sent:
                    self.last_sent = seq
                    await self.write(frame)
        self.ready = True


@dataclass(eq=False)
class LocalRoom:
    session_id: int
    conns: dict[Role, set[RoomConnection]] = field(
        default_factory=lambda: {role: set() for role in Role}
    )
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    last_seq: int | None = None
    buffer: deque = field(default_factory=lambda: deque(maxlen=settings.LIVE_ROOM["REPLAY_BUFFER"]))
    pending: dict[int, dict[str, str]] = field(default_factory=dict)
    gap_timer: asyncio.TimerHandle | None = None
    presence: dict[str, tuple[int, float]] = field(default_factory=dict)
    announced: int | None = None
    report_timer: asyncio.TimerHandle | None = None
    snapshot: tuple[int, dict[str, str]] | None = None
    snapshot_loading: asyncio.Future | None = None

    def empty(self) -> bool:
        return not any(self.conns.values())

    def connected(self) -> int:
        now = time.monotonic()
        return sum(n for n, seen in self.presence.values() if now - seen < PRESENCE_EXPIRY_S)
