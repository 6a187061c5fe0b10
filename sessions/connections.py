"""The hub's bookkeeping of local sockets: :class:`RoomConnection` and :class:`LocalRoom`.

A :class:`RoomConnection` is one local socket as the hub sees it: its role, how to
write to it (the Daphne fast path of ``wire`` or the ASGI ``send``), and the events
held back until the client has its starting state. A :class:`LocalRoom` is one room
seen from this process: its local connections per role, the last ``seq`` delivered and
a replay buffer of recent events, events waiting for a missing ``seq``, every
process's presence report, and a shared snapshot for joins.

Slow sockets. On the fast path a connection stops writing while its socket holds more
than ``LIVE_ROOM["SOCKET_BUFFER_BYTES"]`` unsent (``wire.watch_socket``) and holds its
frames itself, in order, until the socket has sent everything. A held frame is
replaced by a later one with the same ``supersedes`` key (a tally by the activity's
next tally); where the replaced frame had a ``seq``, a ``{"type": "skipped", "seqs":
[...]}`` frame takes its place, so the client's ``seq`` still runs without a gap. Past
``LIVE_ROOM["SOCKET_HELD_MAX"]`` held frames the backlog is dropped and the connection
waits for a fresh snapshot once its socket has drained (``on_resync``, which the hub
sets to :func:`send_fresh_snapshot`). So a slow reader costs the fan-out a few checks
and a bounded amount of memory, never the others' delivery. The portable path (any
other server, the test communicator) writes through the ASGI ``send`` without a bound.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .kinds import Role
from .wire import Frame, SocketWatch, watch_socket, write_prepared

log = logging.getLogger(__name__)

# Replaced events a slow socket may owe its client a ``skipped`` for, per held frame
# allowed: past it the backlog is dropped as for too many held frames.
SKIPPED_PER_HELD = 4


SendText = Callable[[str], Awaitable[None]]
Snapshot = Callable[[int], Awaitable[tuple[int, dict[str, str]]]]


def skipped_frame(seqs: list[int]) -> Frame:
    """What a client is sent in place of the events ``seqs``, replaced before they went
    out by later events with the same ``supersedes`` key."""
    return Frame(json.dumps({"type": "skipped", "seqs": seqs}, separators=(",", ":")))


@dataclass(eq=False, slots=True)
class Held:
    """A frame a slow socket holds; without a frame, the seqs replaced at this place."""

    seq: int | None
    frame: Frame | None
    key: str | None = None
    skipped: list[int] = field(default_factory=list)


@dataclass(eq=False)
class RoomConnection:
    """One local socket as the hub sees it: a role and a way to send text.

    ``last_sent`` is the last ``seq`` this socket was given: written, held for it, or
    (after an overflow) left to the fresh snapshot it waits for.
    """

    role: Role
    send_text: SendText
    wire: Any = None
    session_id: int = 0
    last_sent: int = -1
    ready: bool = False
    pending: list[tuple[int, Frame]] = field(default_factory=list)
    # Set by the hub: sends this connection a fresh snapshot (send_fresh_snapshot).
    on_resync: Callable[[RoomConnection], Awaitable[None]] | None = None
    # Frames held while the socket cannot take them, oldest first.
    held: deque[Held] = field(default_factory=deque)
    paused: bool = False
    closed: bool = False
    # Counters: frames replaced while held; backlogs dropped for a snapshot.
    superseded: int = 0
    overflows: int = 0
    # The seq a fresh snapshot must reach before delivery goes on (None: none needed).
    snapshot_floor: int | None = None
    resyncing: bool = False
    held_frames: int = 0
    held_skipped: int = 0
    held_max: int = field(default_factory=lambda: settings.LIVE_ROOM.get("SOCKET_HELD_MAX", 64))
    watch: SocketWatch | None = None
    resync_task: asyncio.Task | None = None

    def __post_init__(self) -> None:
        if self.wire is not None:
            self.watch = watch_socket(
                self.wire,
                limit=settings.LIVE_ROOM.get("SOCKET_BUFFER_BYTES", 65536),
                on_pause=self._pause,
                on_resume=self._resume,
                on_stop=self._stop,
            )

    @property
    def needs_snapshot(self) -> bool:
        return self.snapshot_floor is not None

    async def write(self, frame: Frame, *, supersedes: str | None = None) -> None:
        """Send a frame that has no ``seq`` (a snapshot, panel, presence), after every
        frame already held for this socket; ``supersedes`` as for :meth:`push`."""
        if self.wire is None:
            await self.send_text(frame.text)
        else:
            self._accept(None, frame, supersedes)

    async def push(self, seq: int, frame: Frame, *, supersedes: str | None = None) -> None:
        """Send event ``seq`` once, in order, when the client is ready for it.

        ``supersedes``: a key saying a later frame with the same key replaces this one
        entirely, so a slow socket holding this one unsent drops it for the later one.
        """
        if not self.ready:
            self.pending.append((seq, frame))
        elif seq > self.last_sent:
            self.last_sent = seq
            if self.wire is None:
                await self.send_text(frame.text)
            else:
                self._accept(seq, frame, supersedes)

    async def start(self, since_seq: int) -> None:
        """Begin delivery after the client holds the state as of ``since_seq``."""
        self.last_sent = since_seq
        while self.pending:
            batch = sorted(self.pending, key=lambda item: item[0])
            self.pending = []
            for seq, frame in batch:
                if seq > self.last_sent:
                    self.last_sent = seq
                    if self.wire is None:
                        await self.send_text(frame.text)
                    else:
                        self._accept(seq, frame, None)
        self.ready = True

    async def resync(self, seq: int, frame: Frame) -> None:
        """Send the room's snapshot ``frame`` as of ``seq``: held events it covers are
        dropped, later ones follow it."""
        if self.wire is None:
            self.last_sent = max(self.last_sent, seq)
            await self.send_text(frame.text)
            return
        # A snapshot older than the events this socket dropped (the hub's never is)
        # leaves a gap, which the client repairs by asking for one itself.
        self.snapshot_floor = None
        self.resyncing = False
        self.last_sent = max(self.last_sent, seq)
        kept: deque[Held] = deque([Held(None, frame)])
        for entry in self.held:
            if entry.frame is None:
                entry.skipped = [s for s in entry.skipped if s > seq]
                if entry.skipped:
                    kept.append(entry)
            elif entry.seq is None or entry.seq > seq:
                kept.append(entry)
        self.held = kept
        self._count_held()
        if not self.paused:
            self._flush()

    # -- the fast path: writing, holding, replacing

    def _accept(self, seq: int | None, frame: Frame, key: str | None) -> None:
        if self.closed:
            return
        if self.snapshot_floor is not None and not self.resyncing:
            # Stuck with a dropped backlog: the coming snapshot covers this event.
            if seq is not None:
                self.snapshot_floor = seq
        elif self.paused or self.held or self.resyncing:
            self._hold(seq, frame, key)
        else:
            self._send(frame)

    def _send(self, frame: Frame) -> None:
        wire = self.wire
        if wire.state != wire.STATE_OPEN:
            self._stop()
            return
        write_prepared(wire, frame.prepared)
        self.watch.written()

    def _hold(self, seq: int | None, frame: Frame, key: str | None) -> None:
        if key is not None:
            for index, entry in enumerate(self.held):
                if entry.key == key and entry.frame is not None:
                    self._replace(index)
                    break
        self.held.append(Held(seq, frame, key))
        self.held_frames += 1
        if self.held_frames > self.held_max or self.held_skipped > SKIPPED_PER_HELD * self.held_max:
            self._overflow()

    def _replace(self, index: int) -> None:
        """Drop held frame ``index`` for a later one with the same key; a seq it had is
        owed to the client as skipped, at its place, merged with skipped neighbours."""
        held = self.held
        entry = held[index]
        self.superseded += 1
        self.held_frames -= 1
        if entry.seq is None:
            del held[index]
            index -= 1  # the neighbours to merge, if both are skipped seqs
            if not (0 <= index < len(held) - 1 and held[index].frame is None):
                return
        else:
            held[index] = Held(None, None, skipped=[entry.seq])
            self.held_skipped += 1
            if index > 0 and held[index - 1].frame is None:
                held[index - 1].skipped.extend(held[index].skipped)
                del held[index]
                index -= 1
        if index + 1 < len(held) and held[index + 1].frame is None:
            held[index].skipped.extend(held[index + 1].skipped)
            del held[index + 1]

    def _overflow(self) -> None:
        """Too much held: drop it all and wait for a fresh snapshot."""
        self.overflows += 1
        self.held.clear()
        self.held_frames = self.held_skipped = 0
        self.snapshot_floor = max(self.snapshot_floor or -1, self.last_sent)

    def _count_held(self) -> None:
        self.held_frames = sum(entry.frame is not None for entry in self.held)
        self.held_skipped = sum(len(entry.skipped) for entry in self.held)

    def _flush(self) -> None:
        """Write held frames in order until the socket pauses again or all are out."""
        held = self.held
        while held and not self.paused and not self.closed:
            entry = held.popleft()
            if entry.frame is None:
                self.held_skipped -= len(entry.skipped)
                self._send(skipped_frame(entry.skipped))
            else:
                self.held_frames -= 1
                self._send(entry.frame)

    # -- the socket watch's calls

    def _pause(self) -> None:
        self.paused = True

    def _resume(self) -> None:
        self.paused = False
        if self.closed:
            return
        if self.snapshot_floor is not None and not self.resyncing:
            self._start_resync()
        elif not self.resyncing:
            self._flush()

    def _stop(self) -> None:
        self.closed = True
        self.held.clear()
        self.held_frames = self.held_skipped = 0
        if self.watch is not None:
            self.watch.stop()

    def _start_resync(self) -> None:
        if self.on_resync is None:
            # No one to send a snapshot: the client finds the gap and asks for one.
            self.snapshot_floor = None
            self._flush()
            return
        self.resyncing = True
        self.resync_task = asyncio.get_running_loop().create_task(self._run_resync())

    async def _run_resync(self) -> None:
        try:
            await self.on_resync(self)
        except Exception:
            log.warning("fresh snapshot for a slow socket failed", exc_info=True)
            # Delivery goes on after the gap: the client sees it and resyncs.
            self.snapshot_floor = None
            self.resyncing = False
            if not self.paused:
                self._flush()


async def send_fresh_snapshot(conn: RoomConnection, *, snapshot: Snapshot) -> None:
    """Send ``conn`` its room's current snapshot (``snapshot``: the hub's
    ``RoomHub.snapshot``): what a slow socket that dropped its backlog gets once it
    has drained."""
    seq, texts = await snapshot(conn.session_id)
    await conn.resync(seq, Frame(texts[conn.role.value]))


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
    fanout_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    announced: int | None = None
    report_timer: asyncio.TimerHandle | None = None
    snapshot: tuple[int, dict[str, str]] | None = None
    snapshot_loading: asyncio.Future | None = None

    def empty(self) -> bool:
        return not any(self.conns.values())
