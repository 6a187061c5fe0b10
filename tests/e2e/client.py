"""A small asyncio client for the live room, speaking only ``docs/protocol.md``.

It is used by the end-to-end tests and meant to be reused by benchmarks, so it does
nothing on its own initiative beyond what the protocol asks of every client:

* joins with ``hello`` (``last_seq`` on a reconnect) and keeps the room state from
  ``welcome``, ``snapshot`` and ``event`` messages, applied in ``seq`` order;
* ignores old events (``seq <= last_seq``), holds early ones back and sends ``resync``
  when it sees a gap, counting every gap in :attr:`RoomClient.gaps`; takes the seqs of a
  ``skipped`` message (events a slow socket was not sent because later ones replaced
  them) as received;
* numbers the messages it sends (``id``) and matches ``ack``/``error``/``pong``/
  ``snapshot`` answers to them by ``ref``.

It never reconnects by itself: call :meth:`RoomClient.reconnect` (bounded, with
backoff and full jitter) when a test or benchmark wants it to.

State kept (everything the server said, nothing guessed):

``seq``
    The last sequence number applied.
``room``
    The room data of the last ``welcome``/``snapshot``/``room`` event, with later
    ``tally`` events written into its activity (``count`` and ``tally``, the latter
    removed when the event carries none) and ``item``/``items`` events applied to its
    ``items`` (``tests.sessions.item_invariant.apply_event``), so once the events of
    the last change have come it equals what a fresh snapshot would say.
``tallies``
    Activity id -> the latest ``{"activity", "count", "tally"?}`` known, from room data
    or a ``tally`` event (kept for activities that left a participant's view).
``tally_events``
    Activity id -> every ``tally`` event applied for it (the whole message).
``events``
    Every ``event`` applied, in order (set ``keep_events=False`` for long benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.sessions.item_invariant import apply_event

_refs = itertools.count(1)

#: ``connect(last_seq=RESUME)``: resume from the last applied ``seq`` if there is one.
RESUME = object()


class ClientClosed(Exception):
    """The socket closed while waiting for something that can no longer arrive."""


class RequestError(Exception):
    """The server answered a request with an ``error``; :attr:`reply` holds it."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(f"{reply.get('code')}: {reply.get('message')}")
        self.reply = reply


async def join(base_url: str, code: str, **profile: str) -> tuple[int, dict[str, Any]]:
    """``POST /api/sessions/<code>/join`` with the profile as JSON: ``(status, body)``."""

    def post() -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{base_url}/api/sessions/{code}/join",
            data=json.dumps(profile).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read() or b"{}")

    return await asyncio.to_thread(post)


async def in_step(*clients: RoomClient, timeout: float = 10.0) -> int:
    """Wait until every client has applied the same ``seq`` (the highest any of them
    has reached), so their states can be compared; returns that seq."""
    while True:
        target = max(c.seq or 0 for c in clients)
        await asyncio.gather(
            *(c.wait_for(lambda c, t=target: (c.seq or 0) >= t, timeout=timeout) for c in clients)
        )
        if len({c.seq for c in clients}) == 1:
            return target


class RoomClient:
    """One live-room connection (one browser tab) and the state it was sent."""

    def __init__(
        self,
        base_url: str,
        code: str,
        *,
        role: str = "participant",
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
        name: str = "",
        keep_events: bool = True,
    ) -> None:
        self.base_url = base_url  # "http://127.0.0.1:PORT"
        self.code = code
        self.role = role
        self.token = token
        self.cookie = cookie  # the Django ``sessionid`` (facilitators)
        self.origin = origin or base_url
        self.name = name or role
        self.keep_events = keep_events
        self.participant: int | None = None  # the participant id (from the join API)

        self.ws: ClientConnection | None = None
        self.seq: int | None = None
        self.room: dict[str, Any] | None = None
        self.me: dict[str, Any] | None = None
        self.connected: int | None = None  # presence (facilitator, screen)
        self.tallies: dict[int, dict[str, Any]] = {}
        self.tally_events: dict[int, list[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.welcomes: list[dict[str, Any]] = []
        self.snapshots: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []  # every error, answered or not
        self.replies: dict[Any, dict[str, Any]] = {}
        self.gaps = 0  # events seen whose seq was not last_seq + 1 (nor old)
        self.skipped = 0  # seqs the server said it replaced (``skipped``)
        self.stale = 0  # old events ignored
        self.closed = True
        self.close_code: int | None = None
        self.close_reason: str = ""

        self._held: dict[int, dict[str, Any]] = {}  # events after a gap, by seq
        self._resyncing = False
        self._futures: dict[Any, asyncio.Future] = {}
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task | None = None

    def __repr__(self) -> str:
        return f"<RoomClient {self.name} seq={self.seq} closed={self.closed}>"

    # ------------------------------------------------------------------ connection

    @property
    def url(self) -> str:
        return self.base_url.replace("http", "ws", 1) + f"/ws/s/{self.code}/"

    async def connect(self, *, last_seq: Any = RESUME, timeout: float = 10.0) -> dict[str, Any]:
        """Open the socket, send ``hello`` and return the ``welcome``.

        ``last_seq``: ``RESUME`` (default) resumes from :attr:`seq` when there is one;
        ``None`` joins afresh; an int is sent as it is.
        Raises ``InvalidStatus`` when the handshake is refused and :class:`RequestError`
        when ``hello`` is (the socket is then closed by the server).
        """
        if not self.closed:
            raise RuntimeError("already connected")
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else None
        self.ws = await connect(
            self.url,
            origin=self.origin,
            additional_headers=headers,
            open_timeout=timeout,
            max_size=None,
        )
        self.closed = False
        self.close_code = None
        self._held.clear()
        self._resyncing = False
        self._reader = asyncio.get_running_loop().create_task(self._read(self.ws))
        hello: dict[str, Any] = {"type": "hello", "role": self.role}
        if self.token is not None:
            hello["token"] = self.token
        if last_seq is RESUME:
            last_seq = self.seq
        if last_seq is not None:
            hello["last_seq"] = last_seq
        count = len(self.welcomes)
        ref = await self.send(hello)
        await self.wait_for(lambda c: len(c.welcomes) > count or ref in c.replies, timeout=timeout)
        if len(self.welcomes) > count:
            return self.welcomes[-1]
        raise RequestError(self.replies[ref])

    async def reconnect(self, *, timeout: float = 20.0, backoff: float = 0.1) -> dict[str, Any]:
        """:meth:`connect` (resuming) until it works or ``timeout`` passes; backoff
        doubles from ``backoff`` with full jitter between failed attempts."""
        await self._close_socket()  # the old socket, if the reader has not noticed yet
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            try:
                return await self.connect(timeout=max(0.5, deadline - time.monotonic()))
            except (OSError, InvalidStatus, ConnectionClosed, ClientClosed, TimeoutError):
                await self._close_socket()
                attempt += 1
                delay = random.uniform(0, min(2.0, backoff * 2**attempt))
                if time.monotonic() + delay > deadline:
                    raise
                await asyncio.sleep(delay)  # backoff between attempts, not a settle wait

    async def close(self, *, read: bool = True) -> None:
        """Close cleanly (close handshake) and wait until the reader has stopped.

        ``read=False`` stops reading first: whatever the server sent and this client
        had not read yet (an ``ack`` on its way, say) is never seen, as when a tab
        closes right after sending."""
        await self._close_socket(read=read)

    async def drop(self) -> None:
        """Lose the connection abruptly (TCP reset, no close handshake), as a network
        failure would; anything still in the send buffer is discarded."""
        if self.ws is not None:
            self.ws.transport.abort()
        await self._close_socket(read=False)

    async def _close_socket(self, *, read: bool = True) -> None:
        if not read and self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._reader, 5)
        if self.ws is not None and self.close_code is None:
            self.close_code = self.ws.close_code
        self.closed = True

    async def wait_closed(self, timeout: float = 10.0) -> int | None:
        """Wait until the server closes the socket; returns the close code."""
        await self.wait_for(lambda c: c.closed, timeout=timeout)
        return self.close_code

    # ------------------------------------------------------------------ sending

    async def send(self, message: dict[str, Any]) -> Any:
        """Send ``message`` with a fresh ``id`` (unless it has one); returns the id."""
        message = {**message}
        message.setdefault("id", next(_refs))
        await self.send_raw(json.dumps(message))
        return message["id"]

    async def send_raw(self, text: str | bytes) -> None:
        if self.ws is None or self.closed:
            raise ClientClosed(f"{self.name} is not connected")
        await self.ws.send(text)

    async def request(self, message: dict[str, Any], *, timeout: float = 10.0) -> dict[str, Any]:
        """Send and wait for the answer with its ``ref`` (``ack``, ``pong``, ``snapshot``
        or ``error``); returns it, errors included."""
        ref = message.get("id", next(_refs))
        future = asyncio.get_running_loop().create_future()
        self._futures[ref] = future
        try:
            await self.send({**message, "id": ref})
            closed = asyncio.ensure_future(self.wait_for(lambda c: c.closed, timeout=timeout + 5))
            try:
                done, _ = await asyncio.wait(
                    {future, closed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                closed.cancel()
            if future in done:
                return future.result()
            if not done:
                raise TimeoutError(f"{self.name}: no answer to {message.get('type')} {ref}")
            raise ClientClosed(f"{self.name}: closed ({self.close_code}) before answering {ref}")
        finally:
            self._futures.pop(ref, None)

    async def vote(
        self, activity: int, data: Any, *, key: str, timeout: float = 10.0
    ) -> dict[str, Any]:
        """``act``/``vote``; returns the ``ack`` or ``error``."""
        return await self.request(
            {"type": "act", "activity": activity, "action": "vote", "data": data, "key": key},
            timeout=timeout,
        )

    async def control(
        self, action: str, activity: int | None = None, value: Any = None, *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """A facilitator ``control``; returns the ``ack`` or ``error``."""
        message: dict[str, Any] = {"type": "control", "action": action}
        if activity is not None:
            message["activity"] = activity
        if value is not None:
            message["value"] = value
        return await self.request(message, timeout=timeout)

    async def ping(self, *, timeout: float = 10.0) -> dict[str, Any]:
        return await self.request({"type": "ping"}, timeout=timeout)

    async def resync(self, *, timeout: float = 10.0) -> dict[str, Any]:
        return await self.request({"type": "resync"}, timeout=timeout)

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self, predicate: Callable[[RoomClient], Any], *, timeout: float = 10.0
    ) -> Any:
        """Wait until ``predicate(self)`` is true after some message; returns its value.

        Raises :class:`ClientClosed` when the socket closed with the predicate still
        false, ``TimeoutError`` after ``timeout`` seconds."""

        async def waiting() -> Any:
            async with self._changed:
                while True:
                    value = predicate(self)
                    if value:
                        return value
                    if self.closed:
                        raise ClientClosed(
                            f"{self.name} closed ({self.close_code} {self.close_reason!r})"
                        )
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(waiting(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{self.name}: condition not met in {timeout}s (seq={self.seq}, "
                f"tallies={self.tallies}, last errors={self.errors[-3:]})"
            ) from None

    # ------------------------------------------------------------------ state

    @property
    def current_activity(self) -> dict[str, Any] | None:
        """The current activity as this role sees it, or None."""
        if not self.room or self.room.get("current_activity") is None:
            return None
        return next(
            (a for a in self.room["activities"] if a["id"] == self.room["current_activity"]),
            None,
        )

    def tally(self, activity: int) -> dict[str, Any] | None:
        """The latest ``{"activity", "count", "tally"?}`` of an activity, or None."""
        return self.tallies.get(activity)

    def option_counts(self, activity: int) -> list[int] | None:
        """Per-option counts of a choice poll's latest tally, or None if not visible."""
        known = self.tallies.get(activity)
        if not known or "tally" not in known:
            return None
        return [option["count"] for option in known["tally"]["options"]]

    # ------------------------------------------------------------------ receiving

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for text in ws:
                message = json.loads(text)
                async with self._changed:
                    await self._apply(message)
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            async with self._changed:
                if ws is self.ws:
                    self.closed = True
                    self.close_code = ws.close_code
                    self.close_reason = ws.close_reason or ""
                self._changed.notify_all()

    async def _apply(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "welcome":
            self.welcomes.append(message)
            self.me = message.get("me")
            if "connected" in message:
                self.connected = message["connected"]
            if not message["resumed"]:
                self._set_room(message["data"])
            self.seq = message["seq"]
        elif kind == "event":
            await self._on_event(message)
        elif kind == "snapshot":
            self.snapshots.append(message)
            if "me" in message:
                self.me = message["me"]
            self._set_room(message["data"])
            self.seq = message["seq"]
            self._resyncing = False
            self._held = {s: e for s, e in self._held.items() if s > self.seq}
            await self._drain()
        elif kind == "ack":
            self.acks.append(message)
        elif kind == "error":
            self.errors.append(message)
        elif kind == "presence":
            self.connected = message["connected"]
        elif kind == "skipped":
            # Replaced while this socket was slow: as good as received (docs/protocol.md).
            self.skipped += len(message["seqs"])
            for seq in sorted(message["seqs"]):
                if self.seq is not None and seq == self.seq + 1:
                    self.seq = seq
            await self._drain()
        ref = message.get("ref")
        if kind in {"ack", "error", "pong", "snapshot"} and ref is not None:
            self.replies[ref] = message
            future = self._futures.get(ref)
            if future is not None and not future.done():
                future.set_result(message)

    async def _on_event(self, event: dict[str, Any]) -> None:
        seq = event["seq"]
        if self.seq is not None and seq <= self.seq:
            self.stale += 1
            return
        if self.seq is not None and seq != self.seq + 1:
            self.gaps += 1
            self._held[seq] = event
            if not self._resyncing:
                self._resyncing = True
                await self.send({"type": "resync"})
            return
        self._apply_event(event)
        await self._drain()

    async def _drain(self) -> None:
        while self.seq is not None and self.seq + 1 in self._held:
            self._apply_event(self._held.pop(self.seq + 1))
        if self._held and not self._resyncing:  # still a hole after a snapshot
            self._resyncing = True
            await self.send({"type": "resync"})

    def _apply_event(self, event: dict[str, Any]) -> None:
        self.seq = event["seq"]
        if self.keep_events:
            self.events.append(event)
        if event["name"] == "room":
            self._set_room(event["data"])
        elif event["name"] == "tally":
            self._set_tally(event["data"])
            self.tally_events.setdefault(event["data"]["activity"], []).append(event)
        else:  # item changes of a board or a Q&A, as every client applies them
            self.room = apply_event(self.room, event["name"], event["data"])

    def _set_room(self, data: dict[str, Any]) -> None:
        self.room = copy.deepcopy(data)
        for activity in self.room["activities"]:
            if "count" in activity:
                known = {"activity": activity["id"], "count": activity["count"]}
                if "tally" in activity:
                    known["tally"] = activity["tally"]
                self.tallies[activity["id"]] = known

    def _set_tally(self, data: dict[str, Any]) -> None:
        self.tallies[data["activity"]] = copy.deepcopy(data)
        for activity in (self.room or {}).get("activities", []):
            if activity["id"] == data["activity"]:
                activity["count"] = data["count"]
                if "tally" in data:
                    activity["tally"] = copy.deepcopy(data["tally"])
                else:
                    activity.pop("tally", None)
