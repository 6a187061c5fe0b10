"""The live room's hub: one per process and event loop, receiving and fanning out.

The hub (:class:`RoomHub`, got with ``get_hub``) subscribes the process to the group of
every room that has local connections, puts events back in ``seq`` order, keeps a short
replay buffer for reconnecting clients, and writes the already-serialised text straight
to its local sockets (``connections``, ``wire``).

Tallies: a vote marks its activity dirty with the time of the change
(``mark_dirty``). Each tick the hub asks ``room_events.stamp_tally_due``, which decides
under the session's row lock against ``Activity.tallied_at`` (the ``as_of`` of the last
tally, whichever process stamped it): a tally read after the change already covers it
(nothing is sent), or the last tally is younger than ``LIVE_ROOM["TALLY_INTERVAL_MS"]``
(the hub asks again when the interval is over), or the tally is stamped now. So a room
has one tally stream, at most one tally per activity per interval, however many
processes hear of its votes. A tally event carries ``supersedes: "tally:<activity>"``,
passed on to each connection (a slow socket drops an unsent tally for the next one).
Item changes (notes, questions) are gathered per process: every change of one tick
goes out as one event per activity, so a burst of 100 notes a second costs each socket
a few messages a second, not 100. Panels are recomputed for local facilitators and
projectors at most once per ``LIVE_ROOM["PANEL_INTERVAL_MS"]``.

Presence (connected participants) is every process's count, reported to the room's
group every ``PRESENCE_REPORT_S`` (and ``PRESENCE_DEBOUNCE_S`` after a change); a report
not renewed within ``PRESENCE_EXPIRY_S`` no longer counts, and a timer announces the
new total to local facilitators and projectors when it expires, so a killed process
stops counting within two seconds. The groups are joined again every ``GROUP_REJOIN_S``.

Changes reach the hub from the services' ``on_commit`` notices in ``room_events``,
through ``hub_context``: the hub started last is this process's hub
(``hub_context.process_hub``), and each consumer sets ``hub_context.current_hub``.

The channel layer is at-most-once: nothing here is a record. Votes live in the
database; a lost event shows up as a ``seq`` gap. Events of one room are stamped by
several processes and can arrive out of order, so the hub waits for a missing ``seq``
before it repairs the gap with a fresh snapshot: twice the recent 95th percentile of
how late out-of-order events turned out to be (one that arrives after its snapshot
counts too), between ``GAP_WAIT_MIN_S`` and ``GAP_WAIT_MAX_S``, and at most one
snapshot per room per wait (``snapshots_pushed``, ``late_events`` count them). The last
event of a burst has no later event to reveal its loss, so a failed send is tried again
(``room_events.send_to_room``) and the hub's tallies and items go out again on the next
tick if it still fails.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
import uuid
import weakref
from collections import deque
from collections.abc import Coroutine
from functools import partial
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from . import hub_context
from .connections import LocalRoom, RoomConnection, send_fresh_snapshot
from .db import broadcast_db_call, db_call
from .kinds import Role
from .models import Activity, Session
from .panels import panel_texts
from .room_events import (
    dumps,
    group_name,
    send_to_room,
    snapshot_texts,
    stamp_items,
    stamp_tally_due,
)
from .wire import Frame

log = logging.getLogger(__name__)

# Each process reports its participant count per room this often; a report not
# renewed within PRESENCE_EXPIRY_S no longer counts (its process died or lost Redis).
PRESENCE_REPORT_S = 0.5
PRESENCE_EXPIRY_S = 1.5
# A count change is reported after this pause, gathering a burst of joins into one report.
PRESENCE_DEBOUNCE_S = 0.25
# Re-joining the room's group heals a group lost with a Redis restart.
GROUP_REJOIN_S = 10.0

# Sockets written to between two turns of the event loop in one event's fan-out: at
# 5,000 sockets an unbroken fan-out held the loop for 150-200 ms, and every ack and vote
# read waited behind it.
FANOUT_CHUNK = 250

# How long the hub waits for a missing seq before it pushes a snapshot:
# twice the recent 95th percentile of how late out-of-order events were, within bounds.
GAP_WAIT_MIN_S = 0.3
GAP_WAIT_MAX_S = 2.0
# Lateness samples: the latest LATENESS_SAMPLES, none older than LATENESS_HORIZON_S.
LATENESS_SAMPLES = 200
LATENESS_HORIZON_S = 60.0
# A seq given up on (a snapshot replaced it) still counts as late if it arrives within this.
OVERDUE_HORIZON_S = 30.0
# At most this many seqs of one gap are remembered as missing.
MISSING_LIMIT = 1024


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


class RoomHub:
    """This process's single subscriber per room; see the module docstring."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.layer = get_channel_layer()
        self.process_id = uuid.uuid4().hex[:12]
        self.rooms: dict[int, LocalRoom] = {}
        self.channel: str | None = None
        # Activities whose tally is due, each with its latest change (Unix seconds) no
        # tally is known to cover yet.
        self.dirty: dict[tuple[int, int], float] = {}
        # Activities whose last tally is too young: tried again when the timer fires.
        self.tally_waits: dict[tuple[int, int], asyncio.TimerHandle] = {}
        # Changed items per (session, activity), in the order they changed.
        self.items: dict[tuple[int, int], list[Any]] = {}
        self.dirty_event = asyncio.Event()
        # Sessions whose panels are due here, and sessions to tell the group about.
        self.panels_due: set[int] = set()
        self.panels_notice: set[int] = set()
        self.panels_event = asyncio.Event()
        # Gaps in the seq, per session: when each missing seq was first missed, and
        # the seqs a snapshot replaced that may still arrive (late).
        self.missing: dict[int, dict[int, float]] = {}
        self.overdue: dict[int, dict[int, float]] = {}
        self.last_snapshot_push: dict[int, float] = {}
        # (when, how late) of events that arrived after a later seq (monotonic seconds).
        self.lateness: deque[tuple[float, float]] = deque(maxlen=LATENESS_SAMPLES)
        self.snapshots_pushed = 0  # snapshots pushed to a room's local sockets
        self.late_events = 0  # events that arrived after a snapshot replaced them
        # Presence: the count each room was last reported with, and expiry timers.
        self.reported: dict[int, int] = {}
        self.presence_timers: dict[int, asyncio.TimerHandle] = {}
        self.closed = False
        self.tasks: list[asyncio.Task] = []
        self.background: set[asyncio.Task] = set()
        self.ready = asyncio.Event()

    async def start(self) -> None:
        self.channel = await self.layer.new_channel("hub.")
        self.tasks = [
            self.loop.create_task(self._read_loop()),
            self.loop.create_task(self._tally_loop()),
            self.loop.create_task(self._presence_loop()),
            self.loop.create_task(self._panel_loop()),
        ]
        for task in self.tasks:
            task.add_done_callback(self._task_ended)
        hub_context.process_hub = self
        self.ready.set()

    def _task_ended(self, task: asyncio.Task) -> None:
        """A loop of the hub never ends on its own: say so if one does (else silently)."""
        if not task.cancelled() and not self.closed:
            log.error("live room hub task %s ended", task.get_coro(), exc_info=task.exception())

    async def close(self) -> None:
        self.closed = True
        for timer in [*self.tally_waits.values(), *self.presence_timers.values()]:
            timer.cancel()
        for room in self.rooms.values():
            for timer in (room.gap_timer, room.report_timer):
                if timer is not None:
                    timer.cancel()
        # Cancel until every task has ended: on Python 3.11 asyncio.wait_for (which
        # redis-py wraps around each command) can swallow a cancellation.
        pending = [task for task in [*self.tasks, *self.background] if not task.done()]
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

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as a task the hub keeps (the loop holds only weak references)."""
        task = self.loop.create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    # -- membership

    async def attach(self, session_id: int, conn: RoomConnection) -> LocalRoom:
        await self.ready.wait()
        conn.session_id = session_id
        if conn.on_resync is None:  # a slow socket that dropped its backlog gets this
            conn.on_resync = partial(send_fresh_snapshot, snapshot=self.snapshot)
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
            self._drop_room(room)
            await self._report(room, count=0)
            try:
                await self.layer.group_discard(group_name(conn.session_id), self.channel)
            except Exception:
                log.warning("group_discard failed for room %s", conn.session_id, exc_info=True)

    def _drop_room(self, room: LocalRoom) -> None:
        session_id = room.session_id
        self.rooms.pop(session_id, None)
        for timer in (
            room.report_timer,
            room.gap_timer,
            self.presence_timers.pop(session_id, None),
        ):
            if timer is not None:
                timer.cancel()
        room.report_timer = room.gap_timer = None
        for per_room in (self.missing, self.overdue, self.last_snapshot_push, self.reported):
            per_room.pop(session_id, None)

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
        return [(seq, frames) for seq, frames, _supersedes in room.buffer if seq > since_seq]

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
        """Participants connected to the room, on every process."""
        room = self.rooms.get(session_id)
        return self._connected(room) if room else 0

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
            await self._on_event(room, message["seq"], message["texts"], message.get("supersedes"))
        elif kind == "room.presence":
            room.presence[message["process"]] = (int(message["count"]), time.monotonic())
            self._schedule_expiry(room)
            await self._announce_presence(room)
        elif kind == "room.presence_query":
            self._schedule_report(room)
        elif kind == "room.panels_due":
            self.mark_panels(room.session_id)

    # -- putting events in order

    async def _on_event(
        self, room: LocalRoom, seq: int, texts: dict[str, str], supersedes: str | None
    ) -> None:
        now = time.monotonic()
        if room.last_seq is not None and seq <= room.last_seq:
            missed = self.overdue.get(room.session_id, {}).pop(seq, None)
            if missed is not None:  # a snapshot replaced it: too late
                self.late_events += 1
                self.lateness.append((now, now - missed))
            return
        missing = self.missing.setdefault(room.session_id, {})
        missed = missing.pop(seq, None)
        if missed is not None:
            self.lateness.append((now, now - missed))
        if room.last_seq is not None and seq > room.last_seq + 1:
            room.pending[seq] = (texts, supersedes)
            for gap in range(max(room.last_seq + 1, seq - MISSING_LIMIT), seq):
                if gap not in room.pending:
                    missing.setdefault(gap, now)
            self._arm_gap_timer(room)
            return
        await self._deliver(room, seq, texts, supersedes)
        await self._deliver_pending(room)

    async def _deliver_pending(self, room: LocalRoom) -> None:
        while room.last_seq + 1 in room.pending:
            nxt = room.last_seq + 1
            await self._deliver(room, nxt, *room.pending.pop(nxt))
        if not room.pending and room.gap_timer is not None:
            room.gap_timer.cancel()
            room.gap_timer = None

    def gap_wait(self) -> float:
        """How long to wait for a missing seq before pushing a snapshot: twice the
        95th percentile of the recent lateness of out-of-order events, within
        ``GAP_WAIT_MIN_S`` and ``GAP_WAIT_MAX_S``."""
        horizon = time.monotonic() - LATENESS_HORIZON_S
        recent = [late for when, late in self.lateness if when >= horizon]
        if not recent:
            return GAP_WAIT_MIN_S
        return min(max(2 * _p95(recent), GAP_WAIT_MIN_S), GAP_WAIT_MAX_S)

    def _gap_due(self, room: LocalRoom) -> float:
        """When (monotonic) the room's oldest gap has been waited for long enough; at
        most one snapshot per room per wait."""
        wait = self.gap_wait()
        missing = self.missing.get(room.session_id, {})
        first_missed = missing.get(room.last_seq + 1, time.monotonic())
        last_push = self.last_snapshot_push.get(room.session_id, -math.inf)
        return max(first_missed, last_push) + wait

    def _arm_gap_timer(self, room: LocalRoom) -> None:
        if room.gap_timer is None:
            delay = max(self._gap_due(room) - time.monotonic(), 0.0)
            room.gap_timer = self.loop.call_later(delay, lambda: self._spawn(self._fill_gap(room)))

    async def _fill_gap(self, room: LocalRoom) -> None:
        room.gap_timer = None
        if not room.pending or self.rooms.get(room.session_id) is not room:
            return
        # The wait may have grown (new lateness samples) since the timer was set.
        if self._gap_due(room) > time.monotonic() + 0.005:
            self._arm_gap_timer(room)
            return
        try:
            await self._push_snapshot(room)
        except Exception:
            # Held events wait for the next try: no later event may come to set one.
            log.exception("snapshot for room %s failed; trying again", room.session_id)
            if room.pending and self.rooms.get(room.session_id) is room:
                room.gap_timer = self.loop.call_later(
                    GAP_WAIT_MIN_S, lambda: self._spawn(self._fill_gap(room))
                )

    async def _push_snapshot(self, room: LocalRoom) -> None:
        seq, texts = await db_call(snapshot_texts)(room.session_id)
        if room.last_seq is not None and seq <= room.last_seq:
            # The missing events arrived while the snapshot was read: nothing to repair.
            if room.pending:
                self._arm_gap_timer(room)
            return
        now = time.monotonic()
        self.snapshots_pushed += 1
        self.last_snapshot_push[room.session_id] = now
        missing = self.missing.get(room.session_id, {})
        overdue = self.overdue.setdefault(room.session_id, {})
        for gap in [gap for gap in missing if gap <= seq]:
            overdue[gap] = missing.pop(gap)
        for gap in [gap for gap, missed in overdue.items() if now - missed > OVERDUE_HORIZON_S]:
            del overdue[gap]
        room.buffer.clear()
        room.last_seq = seq
        room.snapshot = (seq, texts)
        room.pending = {s: event for s, event in room.pending.items() if s > seq}
        for role, conns in room.conns.items():
            frame = Frame(texts[role.value])
            for conn in list(conns):
                if conn.ready:
                    try:
                        await conn.resync(seq, frame)
                    except Exception:
                        log.debug("snapshot send to a closing socket failed", exc_info=True)
        await self._deliver_pending(room)
        if room.pending:
            self._arm_gap_timer(room)

    async def _deliver(
        self, room: LocalRoom, seq: int, texts: dict[str, str], supersedes: str | None = None
    ) -> None:
        frames = {role: Frame(text) for role, text in texts.items()}
        room.last_seq = seq
        room.buffer.append((seq, frames, supersedes))
        # One event's fan-out at a time per room, even across the pauses below.
        async with room.fanout_lock:
            written = 0
            for role, conns in room.conns.items():
                frame = frames.get(role.value)
                if frame is None:
                    continue
                for conn in list(conns):
                    try:
                        await conn.push(seq, frame, supersedes=supersedes)
                    except Exception:
                        log.debug("send to a closing socket failed", exc_info=True)
                    written += 1
                    if written % FANOUT_CHUNK == 0:
                        # Let the loop read votes and send acks between slices of a
                        # big room's fan-out (docs/performance.md, "5,000 in one room").
                        await asyncio.sleep(0)

    # -- tallies

    def mark_dirty(self, session_id: int, activity_id: int, at: float | None = None) -> None:
        """The activity's result changed at ``at`` (Unix seconds; now by default): its
        tally is due, unless a tally read after ``at`` (by any process) covers it.

        Of the changes not yet sent, the latest is kept: a tally read after it covers
        them all, while one read after the earliest may have missed the later ones."""
        key = (session_id, activity_id)
        changed_at = time.time() if at is None else at
        latest = self.dirty.get(key)
        if latest is None or changed_at > latest:
            self.dirty[key] = changed_at
        if key not in self.tally_waits:
            self.dirty_event.set()

    def mark_item(self, session_id: int, activity_id: int, item: Any) -> None:
        self.items.setdefault((session_id, activity_id), []).append(item)
        self.dirty_event.set()

    async def _send_items(self) -> bool:
        """The changed items of every activity since the last tick, one event each.
        Sent before the tallies of the same tick, so a tally never counts a note the
        clients have not been sent yet. Whether there were any (the loop then pauses)."""
        batch, self.items = self.items, {}
        for (session_id, activity_id), items in batch.items():
            try:
                message = await broadcast_db_call(stamp_items)(session_id, activity_id, items)
                sent = await self._send(session_id, message)
            except asyncio.CancelledError:
                raise
            except (Activity.DoesNotExist, Session.DoesNotExist):  # deleted meanwhile
                continue
            except Exception:
                log.exception("item broadcast failed; retrying next tick")
                sent = False
            if not sent:
                self.items.setdefault((session_id, activity_id), [])[:0] = items
                self.dirty_event.set()
        return bool(batch)

    async def _tally_loop(self) -> None:
        interval = settings.LIVE_ROOM["TALLY_INTERVAL_MS"] / 1000
        while True:
            await self.dirty_event.wait()
            self.dirty_event.clear()
            pause = await self._send_items()
            batch = {key: at for key, at in self.dirty.items() if key not in self.tally_waits}
            for key in batch:
                del self.dirty[key]
            for key, changed_at in batch.items():
                pause = await self._send_tally(key, changed_at, interval) or pause
            # Only after sending: an idle room's first change goes out at once.
            if pause:
                await asyncio.sleep(interval)

    async def _send_tally(self, key: tuple[int, int], changed_at: float, interval: float) -> bool:
        """The activity's tally if one is due (``stamp_tally_due``). Whether the loop
        pauses before its next tick: a tally was stamped, or stamping failed."""
        session_id, activity_id = key
        try:
            due = await broadcast_db_call(stamp_tally_due)(
                session_id, activity_id, changed_at=changed_at, interval_s=interval
            )
        except asyncio.CancelledError:
            raise
        except (Activity.DoesNotExist, Session.DoesNotExist):  # deleted: nothing to show
            return False
        except Exception:
            log.exception("tally broadcast failed; retrying next tick")
            self.mark_dirty(session_id, activity_id, changed_at)
            return True
        if due is None:  # a tally read after the change covers it
            return False
        if isinstance(due, float):
            self.tally_waits[key] = self.loop.call_later(due, self._tally_wait_over, key)
            self.mark_dirty(session_id, activity_id, changed_at)
            return False
        if due.pop("recheck", False):
            recheck = settings.LIVE_ROOM["RECHECK_MS"] / 1000
            self.loop.call_later(recheck, self.mark_dirty, session_id, activity_id)
        if not await self._send(session_id, due):
            # Sent by no one: only a tally stamped after this one covers the change.
            self.mark_dirty(session_id, activity_id)
        return True

    def _tally_wait_over(self, key: tuple[int, int]) -> None:
        self.tally_waits.pop(key, None)
        if key in self.dirty:
            self.dirty_event.set()

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

    def _connected(self, room: LocalRoom) -> int:
        """This process's participants in the room and every other process's last
        report not older than ``PRESENCE_EXPIRY_S`` (older ones are dropped)."""
        now = time.monotonic()
        total = len(room.conns[Role.PARTICIPANT])
        for process, (count, seen) in list(room.presence.items()):
            if process == self.process_id:
                continue
            if now - seen >= PRESENCE_EXPIRY_S:
                del room.presence[process]
            else:
                total += count
        return total

    def _schedule_expiry(self, room: LocalRoom) -> None:
        """Announce the total again when the oldest report of another process that
        counts someone expires, whether or not any report arrives meanwhile."""
        timer = self.presence_timers.pop(room.session_id, None)
        if timer is not None:
            timer.cancel()
        seen = [
            heard
            for process, (count, heard) in room.presence.items()
            if count and process != self.process_id
        ]
        if seen:
            delay = max(min(seen) + PRESENCE_EXPIRY_S - time.monotonic(), 0.0)
            self.presence_timers[room.session_id] = self.loop.call_later(
                delay, self._presence_expired, room
            )

    def _presence_expired(self, room: LocalRoom) -> None:
        self.presence_timers.pop(room.session_id, None)
        if self.rooms.get(room.session_id) is room:
            self._spawn(self._announce_presence(room))
            self._schedule_expiry(room)

    def _schedule_report(self, room: LocalRoom) -> None:
        if room.report_timer is None:
            room.report_timer = self.loop.call_later(
                PRESENCE_DEBOUNCE_S, lambda: self._spawn(self._report(room))
            )

    async def _report(self, room: LocalRoom, count: int | None = None) -> None:
        room.report_timer = None
        if count is None:
            count = len(room.conns[Role.PARTICIPANT])
        room.presence[self.process_id] = (count, time.monotonic())
        if self.rooms.get(room.session_id) is room:
            self.reported[room.session_id] = count
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
        total = self._connected(room)
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

    async def _presence_loop(self) -> None:
        """Report every room's count every ``PRESENCE_REPORT_S`` (a room with no
        participants here once, after its last one left), and re-join the rooms'
        groups every ``GROUP_REJOIN_S``."""
        rejoin_at = time.monotonic() + GROUP_REJOIN_S
        while True:
            await asyncio.sleep(PRESENCE_REPORT_S)
            rejoin = time.monotonic() >= rejoin_at
            if rejoin:
                rejoin_at = time.monotonic() + GROUP_REJOIN_S
            for room in list(self.rooms.values()):
                try:
                    if rejoin:
                        await self.layer.group_add(group_name(room.session_id), self.channel)
                    if room.report_timer is None and (
                        room.conns[Role.PARTICIPANT] or self.reported.get(room.session_id)
                    ):
                        await self._report(room)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.info("presence report failed", exc_info=True)

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
