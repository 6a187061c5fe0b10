"""Realtime fan-out for live rooms.

Publishing (sync, called after a transaction commits): ``room_changed`` and
``tally_changed`` stamp the next room sequence number under the session's row lock,
build each role's view, serialise it to text once per role, and send *one* message to
the room's channel-layer group.

Receiving (async, one :class:`RoomHub` per process and event loop): the hub subscribes
the process to the group of every room that has local connections, puts events back in
``seq`` order, keeps a short replay buffer for reconnecting clients, and writes the
already-serialised text straight to its local sockets. Tallies are coalesced: a vote
marks its activity dirty and the hub sends the activity's current tally at most once
per ``LIVE_ROOM["TALLY_INTERVAL_MS"]``. Item changes (notes, questions) are gathered
the same way: every change of one tick goes out as one event per activity, so a burst
of 100 notes a second costs each socket a few messages a second, not 100. Presence (connected participants) is
aggregated from every process's report.

The channel layer is at-most-once: nothing here is a record. Votes live in the
database; a lost event shows up as a ``seq`` gap, which the hub repairs with a fresh
snapshot. The last event of a burst has no later event to reveal its loss, so a failed
send is tried again (``send_to_room``) and the hub's tallies and items go out again on
the next tick if it still fails.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import random
import time
import uuid
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from .db import broadcast_db_call, db_call
from .kinds import Role, get_kind
from .models import Activity, Session
from .panels import panel_texts
from .selectors import activity_results_views, room_views

log = logging.getLogger(__name__)

PRESENCE_HEARTBEAT_S = 10.0
PRESENCE_EXPIRY_S = 30.0
GAP_WAIT_S = 0.3
# Pauses before sending again after a failed group_send.
SEND_RETRY_DELAYS_S = (0.0, 0.05, 0.25)

current_hub: contextvars.ContextVar[RoomHub | None] = contextvars.ContextVar(
    "current_hub", default=None
)


def group_name(session_id: int) -> str:
    return f"room.{session_id}"


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------- publishing


def _stamp(
    session_id: int, name: str, build: Callable[[Session], dict[str, Any]]
) -> dict[str, Any]:
    """Take the next seq and build the per-role views in one locked transaction, so the
    order of seq numbers is the order in which the states were read."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(no_key=True, of=("self",))
            .select_related("event")
            .get(pk=session_id)
        )
        session.seq += 1
        session.save(update_fields=["seq"])
        # Everything committed before this instant is in the views built below.
        as_of = time.time()
        views = build(session)
    ts = time.time()
    texts = {
        role: dumps(
            {
                "type": "event",
                "seq": session.seq,
                "name": name,
                "ts": ts,
                "as_of": as_of,
                "data": view,
            }
        )
        for role, view in views.items()
    }
    return {"type": "room.event", "session": session_id, "seq": session.seq, "texts": texts}


def stamp_room(session_id: int) -> dict[str, Any]:
    return _stamp(session_id, "room", room_views)


def stamp_tally(session_id: int, activity_id: int) -> dict[str, Any]:
    def build(session: Session) -> dict[str, Any]:
        activity = Activity.objects.get(pk=activity_id, session=session)
        return activity_results_views(activity)

    return _stamp(session_id, "tally", build)


def _item_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def stamp_items(session_id: int, activity_id: int, items: list[Any]) -> dict[str, Any]:
    """One event for the changed items of one activity, views read now.

    A single change goes out as an ``item`` event (``data``: the change); several as
    one ``items`` event (``data``: ``{"activity", "changes": [...]}``), so a burst of
    notes costs each socket one message per tick, not one per note. The same item
    changed twice is sent once: its view is read at this moment anyway."""
    unique = list({_item_key(item): item for item in items}.values())

    def build(session: Session) -> dict[str, Any]:
        activity = Activity.objects.get(pk=activity_id, session=session)
        kind = get_kind(activity.kind)
        per_role: dict[str, list[dict[str, Any]]] = {role.value: [] for role in Role}
        for views in kind.item_views_many(activity, unique):
            for role in Role:
                view = views.get(role.value)
                if view is not None:
                    per_role[role.value].append(view)
        # Every role gets the seq, with null data where it may see none of the changes,
        # so nobody mistakes a withheld item for a lost message.
        if len(unique) == 1:
            return {
                role: {"activity": activity.pk, **changes[0]} if changes else None
                for role, changes in per_role.items()
            }
        return {
            role: {"activity": activity.pk, "changes": changes} if changes else None
            for role, changes in per_role.items()
        }

    return _stamp(session_id, "item" if len(unique) == 1 else "items", build)


def stamp_item(session_id: int, activity_id: int, item: Any) -> dict[str, Any]:
    return stamp_items(session_id, activity_id, [item])


def snapshot_texts(session_id: int) -> tuple[int, dict[str, str]]:
    """The whole room per role with the seq it was read at (no new seq is taken)."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(no_key=True, of=("self",))
            .select_related("event")
            .get(pk=session_id)
        )
        views = room_views(session)
    texts = {
        role: dumps({"type": "snapshot", "seq": session.seq, "data": view})
        for role, view in views.items()
    }
    return session.seq, texts


async def send_to_room(layer: Any, session_id: int, message: dict[str, Any]) -> None:
    """``group_send``, tried again briefly when it fails.

    After a Redis restart every connection redis-py kept in its pool is dead and fails
    once when next used (then it is replaced), so the first sends after a restart fail
    although Redis is back. Sending the same message twice is harmless: receivers drop
    a ``seq`` they already have, and presence reports are idempotent. Raises the last
    error if every attempt failed."""
    for attempt, delay in enumerate((0.0, *SEND_RETRY_DELAYS_S)):
        if delay:
            await asyncio.sleep(delay)
        try:
            await layer.group_send(group_name(session_id), message)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            if attempt == len(SEND_RETRY_DELAYS_S):
                raise
            log.info("group_send failed for room %s; trying again", session_id, exc_info=True)


def _send_sync(message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(send_to_room)(layer, message["session"], message)


def room_changed(session_id: int) -> None:
    """Broadcast the room's new state. Call from ``transaction.on_commit``."""
    try:
        _send_sync(stamp_room(session_id))
    except Exception:  # the layer is at-most-once; clients resync on the next event
        log.exception("room broadcast failed for session %s", session_id)


def item_changed(session_id: int, activity_id: int, item: Any) -> None:
    """One item of an activity changed (a note posted, a question hidden). Call from
    ``transaction.on_commit``.

    Inside a live-room process the hub gathers the changes of one tick into one event
    (``stamp_items``); elsewhere the change is sent at once."""
    hub = current_hub.get()
    if hub is not None and not hub.closed:
        hub.loop.call_soon_threadsafe(hub.mark_item, session_id, activity_id, item)
        return
    try:
        _send_sync(stamp_item(session_id, activity_id, item))
    except Exception:  # the layer is at-most-once; clients resync on the next event
        log.exception("item broadcast failed for session %s", session_id)


def tally_changed(session_id: int, activity_id: int) -> None:
    """An activity's result changed. Call from ``transaction.on_commit``.

    Inside a live-room process the hub coalesces; elsewhere (a command, a plain HTTP
    request) the tally is sent at once."""
    hub = current_hub.get()
    if hub is not None and not hub.closed:
        hub.loop.call_soon_threadsafe(hub.mark_dirty, session_id, activity_id)
        return
    try:
        _send_sync(stamp_tally(session_id, activity_id))
    except Exception:
        log.exception("tally broadcast failed for session %s", session_id)


def participants_changed(session_id: int) -> None:
    """Someone joined the session or changed their profile: its panels (e.g. who is
    represented) are due again. Call from ``transaction.on_commit``.

    A join is an HTTP request on some process: if that process runs a hub, the hub
    tells the room's group once per tick; otherwise the notice is sent at once. Every
    hub with local facilitators or projectors in the room then recomputes the panels
    for them, at most once per ``PANEL_INTERVAL_MS``."""
    hub = _process_hub
    if hub is not None and not hub.closed:
        hub.loop.call_soon_threadsafe(hub.participants_changed, session_id)
        return
    try:
        _send_sync({"type": "room.panels_due", "session": session_id})
    except Exception:  # at-most-once: the next join or connection brings them again
        log.exception("panel notice failed for session %s", session_id)


# --------------------------------------------------------------------------- receiving


SendText = Callable[[str], Awaitable[None]]


class Frame:
    """One broadcast text, framed for the wire at most once however many sockets get it."""

    __slots__ = ("_prepared", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._prepared = None

    @property
    def prepared(self):
        if self._prepared is None:
            from autobahn.websocket.protocol import PreparedMessage

            self._prepared = PreparedMessage(self.text.encode(), False, False, True)
        return self._prepared


def wire_of(send: Callable) -> Any:
    """Daphne's WebSocket protocol object behind the server's ASGI ``send``, or None.

    Under Daphne the hub writes pre-framed broadcasts straight to that protocol,
    skipping the per-socket ASGI message, UTF-8 encoding and framing. Any other
    server (or the test communicator) gets the portable path through ``send``.
    """
    protocol = send.args[0] if isinstance(send, partial) and send.args else None
    if protocol is not None and hasattr(protocol, "sendPreparedMessage"):
        return protocol
    return None


def write_prepared(wire: Any, prepared: Any) -> None:
    """Send a pre-framed message on a Daphne socket.

    Twisted buffers every write and sends it on the next reactor turn, which costs
    two more ``epoll_ctl`` calls and a reactor callback per socket: a third of a
    2,000-socket broadcast. When the socket has nothing queued, this tries the
    ``send()`` at once, as asyncio does, and hands only what did not fit to Twisted,
    so order is kept. TLS, compressed or unusual transports take the normal path.
    """
    transport = wire.transport
    sock = getattr(transport, "socket", None)
    if (
        wire._perMessageCompress is not None
        or sock is None
        or getattr(transport, "TLS", True)
        or not getattr(transport, "connected", False)
        or transport.disconnecting
        or transport._tempDataLen
        or len(transport.dataBuffer) > transport.offset
    ):
        wire.sendPreparedMessage(prepared)
        return
    data = prepared.payloadHybi
    try:
        sent = sock.send(data)
    except (BlockingIOError, InterruptedError):
        sent = 0
    except OSError:
        # A broken socket: let Twisted find out and close it the usual way.
        sent = 0
    if sent < len(data):
        transport.write(data[sent:])


class WireMiddleware:
    """Outermost ASGI middleware: notes the server's own ``send`` (before session
    middleware wraps it) in ``scope["live_wire"]`` for the hub's fast path."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        return await self.inner({**scope, "live_wire": wire_of(send)}, receive, send)


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


class RoomHub:
    """This process's single subscriber per room; see the module docstring."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.layer = get_channel_layer()
        self.process_id = uuid.uuid4().hex[:12]
        self.rooms: dict[int, LocalRoom] = {}
        self.channel: str | None = None
        self.dirty: set[tuple[int, int]] = set()
        # Changed items per (session, activity), in the order they changed.
        self.items: dict[tuple[int, int], list[Any]] = {}
        self.dirty_event = asyncio.Event()
        # Sessions whose panels are due here, and sessions to tell the group about.
        self.panels_due: set[int] = set()
        self.panels_notice: set[int] = set()
        self.panels_event = asyncio.Event()
        self.closed = False
        self.tasks: list[asyncio.Task] = []
        self.ready = asyncio.Event()

    async def start(self) -> None:
        self.channel = await self.layer.new_channel("hub.")
        self.tasks = [
            self.loop.create_task(self._read_loop()),
            self.loop.create_task(self._tally_loop()),
            self.loop.create_task(self._heartbeat_loop()),
            self.loop.create_task(self._panel_loop()),
        ]
        global _process_hub
        _process_hub = self
        self.ready.set()

    async def close(self) -> None:
        self.closed = True
        # Cancel until every task has ended: on Python 3.11 asyncio.wait_for (which
        # redis-py wraps around each command) can swallow a cancellation.
        pending = [task for task in self.tasks if not task.done()]
        while pending:
            for task in pending:
                task.cancel()
            _done, still = await asyncio.wait(pending, timeout=0.5)
            pending = list(still)
        for session_id in list(self.rooms):
            try:
                await self.layer.group_discard(group_name(session_id), self.channel)
            except Exception:
                log.debug("group_discard failed on close", exc_info=True)
        self.rooms.clear()

    # -- membership

    async def attach(self, session_id: int, conn: RoomConnection) -> LocalRoom:
        await self.ready.wait()
        conn.session_id = session_id
        room = self.rooms.get(session_id)
        if room is None:
            room = self.rooms[session_id] = LocalRoom(session_id)
            await self.layer.group_add(group_name(session_id), self.channel)
            room.subscribed.set()
            await self._send(session_id, {"type": "room.presence_query", "session": session_id})
        else:
            await room.subscribed.wait()
        room.conns[conn.role].add(conn)
        if conn.role is Role.PARTICIPANT:
            self._schedule_report(room)
        return room

    async def detach(self, conn: RoomConnection) -> None:
        room = self.rooms.get(conn.session_id)
        if room is None:
            return
        room.conns[conn.role].discard(conn)
        if conn.role is Role.PARTICIPANT:
            self._schedule_report(room)
        if room.empty():
            self.rooms.pop(conn.session_id, None)
            if room.report_timer:
                room.report_timer.cancel()
            await self._report(room, count=0)
            try:
                await self.layer.group_discard(group_name(conn.session_id), self.channel)
            except Exception:
                log.warning("group_discard failed for room %s", conn.session_id, exc_info=True)

    def replay_since(
        self, session_id: int, since_seq: int
    ) -> list[tuple[int, dict[str, Frame]]] | None:
        """Events after ``since_seq`` if this process still holds all of them, else None."""
        room = self.rooms.get(session_id)
        if room is None or room.last_seq is None or not room.buffer:
            return None
        if since_seq == room.last_seq:
            return []
        if since_seq > room.last_seq or not room.buffer or room.buffer[0][0] > since_seq + 1:
            return None
        return [(seq, texts) for seq, texts in room.buffer if seq > since_seq]

    async def snapshot(self, session_id: int) -> tuple[int, dict[str, str]]:
        """The room per role and its seq, shared by every join while nothing changed.

        Valid for a connection attached to the room before this call: every event
        after the returned seq will still be delivered to it.
        """
        room = self.rooms.get(session_id)
        if room is None:
            return await db_call(snapshot_texts)(session_id)
        if room.snapshot is not None and room.snapshot[0] == room.last_seq:
            return room.snapshot
        if room.snapshot_loading is not None:
            return await asyncio.shield(room.snapshot_loading)
        room.snapshot_loading = self.loop.create_future()
        try:
            seq, texts = await db_call(snapshot_texts)(session_id)
        except BaseException as exc:
            room.snapshot_loading.set_exception(exc)
            room.snapshot_loading.exception()  # retrieved: joiners waiting on it get it
            room.snapshot_loading = None
            raise
        if room.last_seq is None or seq == room.last_seq:
            # Nothing was delivered here yet, or nothing since seq: share it. (When
            # events are still on their way, seq runs ahead and the next join reads again.)
            room.last_seq = seq
            room.snapshot = (seq, texts)
        room.snapshot_loading.set_result((seq, texts))
        room.snapshot_loading = None
        return seq, texts

    def connected(self, session_id: int) -> int:
        room = self.rooms.get(session_id)
        return room.connected() if room else 0

    # -- receiving from the layer

    async def _read_loop(self) -> None:
        backoff = 0.1
        recovering = False
        while True:
            try:
                if recovering:
                    await self._recover()
                    recovering = False
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("channel layer unavailable (%s); retrying", exc)
                await asyncio.sleep(backoff * (1 + random.random()))
                backoff = min(backoff * 2, 5.0)
                recovering = True
                continue
            backoff = 0.1
            try:
                await self._dispatch(message)
            except Exception:
                log.exception("live room message failed: %r", message.get("type"))

    async def _recover(self) -> None:
        """After the layer comes back: subscribe again (Redis may have lost the groups)
        and resend every room's state, since events may have been lost meanwhile.
        Raises while the layer is still down, so the caller retries."""
        for session_id in list(self.rooms):
            await self.layer.group_add(group_name(session_id), self.channel)
        for room in list(self.rooms.values()):
            await self._push_snapshot(room)
        log.warning("channel layer back; %d room(s) resynchronised", len(self.rooms))

    async def _dispatch(self, message: dict[str, Any]) -> None:
        room = self.rooms.get(message.get("session"))
        if room is None:
            return
        kind = message.get("type")
        if kind == "room.event":
            await self._on_event(room, message["seq"], message["texts"])
        elif kind == "room.presence":
            room.presence[message["process"]] = (int(message["count"]), time.monotonic())
            await self._announce_presence(room)
        elif kind == "room.presence_query":
            self._schedule_report(room)
        elif kind == "room.panels_due":
            self.mark_panels(room.session_id)

    async def _on_event(self, room: LocalRoom, seq: int, texts: dict[str, str]) -> None:
        if room.last_seq is not None and seq <= room.last_seq:
            return
        if room.last_seq is not None and seq > room.last_seq + 1:
            room.pending[seq] = texts
            if room.gap_timer is None:
                room.gap_timer = self.loop.call_later(
                    GAP_WAIT_S, lambda: self.loop.create_task(self._fill_gap(room))
                )
            return
        await self._deliver(room, seq, texts)
        while room.last_seq + 1 in room.pending:
            nxt = room.last_seq + 1
            await self._deliver(room, nxt, room.pending.pop(nxt))
        if not room.pending and room.gap_timer is not None:
            room.gap_timer.cancel()
            room.gap_timer = None

    async def _fill_gap(self, room: LocalRoom) -> None:
        room.gap_timer = None
        if room.pending:
            await self._push_snapshot(room)

    async def _push_snapshot(self, room: LocalRoom) -> None:
        seq, texts = await db_call(snapshot_texts)(room.session_id)
        room.buffer.clear()
        room.last_seq = seq
        room.snapshot = (seq, texts)
        room.pending = {s: t for s, t in room.pending.items() if s > seq}
        for role, conns in room.conns.items():
            frame = Frame(texts[role.value])
            for conn in list(conns):
                if conn.ready:
                    conn.last_sent = seq
                    await conn.write(frame)
        while room.last_seq + 1 in room.pending:
            nxt = room.last_seq + 1
            await self._deliver(room, nxt, room.pending.pop(nxt))

    async def _deliver(self, room: LocalRoom, seq: int, texts: dict[str, str]) -> None:
        frames = {role: Frame(text) for role, text in texts.items()}
        room.last_seq = seq
        room.buffer.append((seq, frames))
        for role, conns in room.conns.items():
            frame = frames.get(role.value)
            if frame is None:
                continue
            for conn in list(conns):
                try:
                    await conn.push(seq, frame)
                except Exception:
                    log.debug("send to a closing socket failed", exc_info=True)

    # -- tallies

    def mark_dirty(self, session_id: int, activity_id: int) -> None:
        self.dirty.add((session_id, activity_id))
        self.dirty_event.set()

    def mark_item(self, session_id: int, activity_id: int, item: Any) -> None:
        self.items.setdefault((session_id, activity_id), []).append(item)
        self.dirty_event.set()

    async def _send_items(self) -> None:
        """The changed items of every activity since the last tick, one event each.
        Sent before the tallies of the same tick, so a tally never counts a note the
        clients have not been sent yet."""
        batch, self.items = self.items, {}
        for (session_id, activity_id), items in batch.items():
            try:
                message = await broadcast_db_call(stamp_items)(session_id, activity_id, items)
                sent = await self._send(session_id, message)
            except asyncio.CancelledError:
                raise
            except Activity.DoesNotExist:  # deleted meanwhile: nothing left to show
                continue
            except Exception:
                log.exception("item broadcast failed; retrying next tick")
                sent = False
            if not sent:
                self.items.setdefault((session_id, activity_id), [])[:0] = items
                self.dirty_event.set()

    async def _tally_loop(self) -> None:
        interval = settings.LIVE_ROOM["TALLY_INTERVAL_MS"] / 1000
        while True:
            await self.dirty_event.wait()
            self.dirty_event.clear()
            await self._send_items()
            batch, self.dirty = self.dirty, set()
            for session_id, activity_id in batch:
                try:
                    message = await broadcast_db_call(stamp_tally)(session_id, activity_id)
                    sent = await self._send(session_id, message)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("tally broadcast failed; retrying next tick")
                    sent = False
                if not sent:
                    self.dirty.add((session_id, activity_id))
                    self.dirty_event.set()
            await asyncio.sleep(interval)

    # -- panels

    def participants_changed(self, session_id: int) -> None:
        self.panels_notice.add(session_id)
        self.panels_event.set()

    def mark_panels(self, session_id: int) -> None:
        room = self.rooms.get(session_id)
        if room is not None and (room.conns[Role.FACILITATOR] or room.conns[Role.SCREEN]):
            self.panels_due.add(session_id)
            self.panels_event.set()

    async def _panel_loop(self) -> None:
        interval = settings.LIVE_ROOM["PANEL_INTERVAL_MS"] / 1000
        while True:
            await self.panels_event.wait()
            self.panels_event.clear()
            notices, self.panels_notice = self.panels_notice, set()
            for session_id in notices:
                # Every process with facilitators in the room hears it, this one too.
                try:
                    await send_to_room(
                        self.layer, session_id, {"type": "room.panels_due", "session": session_id}
                    )
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.info("panel notice failed for room %s", session_id, exc_info=True)
                    self.mark_panels(session_id)
            due, self.panels_due = self.panels_due, set()
            for session_id in due:
                await self._send_panels(session_id)
            if due:  # a notice alone is no reason to wait: its echo makes panels due
                await asyncio.sleep(interval)

    async def _send_panels(self, session_id: int) -> None:
        room = self.rooms.get(session_id)
        if room is None:
            return
        try:
            texts = await broadcast_db_call(panel_texts)(session_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("panels failed for room %s", session_id)
            return
        for role in (Role.FACILITATOR, Role.SCREEN):
            frames = [Frame(text) for text in texts[role.value]]
            for conn in list(room.conns[role]):
                if not conn.ready:  # before its welcome: it asks again once welcomed
                    continue
                for frame in frames:
                    try:
                        await conn.write(frame)
                    except Exception:
                        log.debug("panel send failed", exc_info=True)

    # -- presence

    def _schedule_report(self, room: LocalRoom) -> None:
        if room.report_timer is None:
            room.report_timer = self.loop.call_later(
                0.25, lambda: self.loop.create_task(self._report(room))
            )

    async def _report(self, room: LocalRoom, count: int | None = None) -> None:
        room.report_timer = None
        if count is None:
            count = len(room.conns[Role.PARTICIPANT])
        room.presence[self.process_id] = (count, time.monotonic())
        await self._announce_presence(room)
        await self._send(
            room.session_id,
            {
                "type": "room.presence",
                "session": room.session_id,
                "process": self.process_id,
                "count": count,
            },
        )

    async def _announce_presence(self, room: LocalRoom) -> None:
        total = room.connected()
        if total == room.announced:
            return
        room.announced = total
        frame = Frame(dumps({"type": "presence", "connected": total}))
        for role in (Role.FACILITATOR, Role.SCREEN):
            for conn in list(room.conns[role]):
                if conn.ready:
                    try:
                        await conn.write(frame)
                    except Exception:
                        log.debug("presence send failed", exc_info=True)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_HEARTBEAT_S)
            for room in list(self.rooms.values()):
                try:
                    # Re-joining is cheap and heals a group lost with a Redis restart.
                    await self.layer.group_add(group_name(room.session_id), self.channel)
                    await self._report(room)
                except Exception:
                    log.info("heartbeat failed", exc_info=True)

    async def _send(self, session_id: int, message: dict[str, Any]) -> bool:
        """Whether the message went out (see ``send_to_room``)."""
        try:
            await send_to_room(self.layer, session_id, message)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("group_send failed for room %s", session_id, exc_info=True)
            return False
        return True


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub] = weakref.WeakKeyDictionary()
# The hub of this process's server loop, for notices from request threads
# (participants_changed); the latest one started.
_process_hub: RoomHub | None = None


async def get_hub() -> RoomHub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.closed:
        hub = _hubs[loop] = RoomHub()
        await hub.start()
    await hub.ready.wait()
    return hub


async def close_hub() -> None:
    """Stop this loop's hub (tests; a process that ends closes with its loop)."""
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        await hub.close()
