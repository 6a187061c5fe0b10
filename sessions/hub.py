"""The live room's hub: one per process and event loop, receiving and fanning out.

The hub (:class:`RoomHub`, got with ``get_hub``) subscribes the process to the group of
every room that has local connections, puts events back in ``seq`` order, keeps a short
replay buffer for reconnecting clients, and writes the already-serialised text straight
to its local sockets (``connections``, ``wire``). Tallies are coalesced: a vote marks
its activity dirty and the hub sends the activity's current tally at most once per
``LIVE_ROOM["TALLY_INTERVAL_MS"]``. Item changes (notes, questions) are gathered the
same way: every change of one tick goes out as one event per activity, so a burst of
100 notes a second costs each socket a few messages a second, not 100. Presence
(connected participants) is aggregated from every process's report. Panels are
recomputed for local facilitators and projectors at most once per
``LIVE_ROOM["PANEL_INTERVAL_MS"]``.

Changes reach the hub from the services' ``on_commit`` notices in ``room_events``,
through ``hub_context``: the hub started last is this process's hub
(``hub_context.process_hub``), and each consumer sets ``hub_context.current_hub``.

The channel layer is at-most-once: nothing here is a record. Votes live in the
database; a lost event shows up as a ``seq`` gap, which the hub repairs with a fresh
snapshot. The last event of a burst has no later event to reveal its loss, so a failed
send is tried again (``room_events.send_to_room``) and the hub's tallies and items go
out again on the next tick if it still fails.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
import weakref
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from . import hub_context
from .connections import LocalRoom, RoomConnection
from .db import broadcast_db_call, db_call
from .kinds import Role
from .models import Activity
from .panels import panel_texts
from .room_events import (
    dumps,
    group_name,
    send_to_room,
    snapshot_texts,
    stamp_items,
    stamp_tally,
)
from .wire import Frame

log = logging.getLogger(__name__)

PRESENCE_HEARTBEAT_S = 10.0
GAP_WAIT_S = 0.3


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
        hub_context.process_hub = self
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
        recheck = settings.LIVE_ROOM["RECHECK_MS"] / 1000
        while True:
            await self.dirty_event.wait()
            self.dirty_event.clear()
            await self._send_items()
            batch, self.dirty = self.dirty, set()
            for session_id, activity_id in batch:
                try:
                    message = await broadcast_db_call(stamp_tally)(session_id, activity_id)
                    if message.pop("recheck", False):
                        self.loop.call_later(recheck, self.mark_dirty, session_id, activity_id)
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
