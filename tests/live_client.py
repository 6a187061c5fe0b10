"""A live-room client for end-to-end tests, speaking only docs/protocol.md.

It behaves like the browser client: keeps the room state from ``welcome``,
``snapshot`` and ordered ``event`` messages (applying item changes with
``tests.sessions.item_invariant.apply_event``), asks for ``resync`` on a ``seq`` gap,
reconnects with exponential backoff and full jitter (trying the next server in its
list, as a load balancer would send it elsewhere), resumes with ``last_seq``, and
resends any vote not yet acknowledged with the same idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import ssl as ssl_module
import uuid
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.sessions.item_invariant import apply_event

_refs = itertools.count(1)


class LiveClient:
    def __init__(
        self,
        servers: list[str],
        code: str,
        *,
        role: str = "participant",
        token: str | None = None,
        cookie: str | None = None,
        backoff: float = 0.1,
        backoff_cap: float = 2.0,
        ssl: ssl_module.SSLContext | None = None,
    ) -> None:
        self.servers = servers  # base URLs, e.g. "http://127.0.0.1:8001" or https://...
        self.ssl = ssl  # for wss: the context that trusts the server's certificate
        self.server_index = 0
        self.code = code
        self.role = role
        self.token = token
        self.cookie = cookie
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.ws = None
        self.seq: int | None = None
        self.room: dict[str, Any] | None = None
        self.tallies: dict[int, dict] = {}
        self.me: dict | None = None
        self.connected_count: int | None = None
        self.acks: dict[Any, dict] = {}
        self.errors: list[dict] = []
        self.unacked: dict[str, dict] = {}  # key -> act message
        self.welcomes: list[dict] = []
        self.events: list[dict] = []
        self.reconnects = 0
        self.closed_codes: list[int | None] = []
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task | None = None
        self._stopping = False
        self.auto_reconnect = True

    # -- connection

    @property
    def server(self) -> str:
        return self.servers[self.server_index % len(self.servers)]

    async def open(self) -> None:
        """Connect (or reconnect) and join; returns once the welcome arrived."""
        attempt = 0
        while True:
            try:
                await self._open_once()
                return
            except (OSError, InvalidStatus, ConnectionClosed, TimeoutError):
                attempt += 1
                self.server_index += 1
                delay = random.uniform(0, min(self.backoff_cap, self.backoff * 2**attempt))
                await asyncio.sleep(delay)  # backoff with full jitter between attempts
                if attempt > 60:
                    raise

    async def _open_once(self) -> None:
        ws_url = self.server.replace("http", "ws", 1) + f"/ws/s/{self.code}/"
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else None
        options = {"ssl": self.ssl} if ws_url.startswith("wss://") else {}
        self.ws = await connect(
            ws_url, origin=self.server, additional_headers=headers, open_timeout=5, **options
        )
        hello: dict[str, Any] = {"type": "hello", "role": self.role}
        if self.token:
            hello["token"] = self.token
        if self.seq is not None:
            hello["last_seq"] = self.seq
        await self.ws.send(json.dumps(hello))
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        if welcome["type"] != "welcome":
            raise ConnectionClosed(None, None)
        await self._apply(welcome)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        for message in list(self.unacked.values()):
            await self.ws.send(json.dumps(message))

    async def close(self) -> None:
        self._stopping = True
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _read(self) -> None:
        ws = self.ws
        try:
            async for text in ws:
                await self._apply(json.loads(text))
        except ConnectionClosed:
            pass
        self.closed_codes.append(ws.close_code)
        if not self._stopping and self.auto_reconnect:
            self.reconnects += 1
            await self.open()

    # -- state

    async def _apply(self, message: dict) -> None:
        kind = message["type"]
        if kind == "welcome":
            self.welcomes.append(message)
            self.me = message.get("me") or self.me
            if not message["resumed"]:
                self._set_room(message["data"])
            self.seq = message["seq"]
            self.connected_count = message.get("connected", self.connected_count)
        elif kind == "snapshot":
            self._set_room(message["data"])
            self.seq = message["seq"]
        elif kind == "event":
            if self.seq is not None and message["seq"] <= self.seq:
                pass  # already applied
            elif self.seq is not None and message["seq"] != self.seq + 1:
                await self.ws.send(json.dumps({"type": "resync"}))
            else:
                self.events.append(message)
                self.seq = message["seq"]
                if message["name"] == "room":
                    self._set_room(message["data"])
                elif message["name"] == "tally":
                    self._set_tally(message["data"])
                else:  # item changes of a board or a Q&A, as every client applies them
                    self.room = apply_event(self.room, message["name"], message["data"])
        elif kind == "ack":
            self.acks[message["ref"]] = message
            key = message["ref"]
            self.unacked.pop(key, None)
        elif kind == "error":
            self.errors.append(message)
            if message.get("ref") in self.unacked:
                self.unacked.pop(message["ref"])
        elif kind == "presence":
            self.connected_count = message["connected"]
        async with self._changed:
            self._changed.notify_all()

    def _set_room(self, data: dict) -> None:
        self.room = data
        for activity in data["activities"]:
            self._set_tally(
                {
                    "activity": activity["id"],
                    **{k: activity[k] for k in ("count", "tally") if k in activity},
                }
            )

    def _set_tally(self, data: dict) -> None:
        self.tallies[data["activity"]] = data

    async def wait_for(self, predicate: Callable[[LiveClient], bool], timeout: float = 20) -> None:
        async def waiting() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))

        await asyncio.wait_for(waiting(), timeout)

    # -- commands

    async def vote(self, activity: int, data: Any, *, key: str | None = None) -> dict:
        """Send a vote and wait for its answer (ack or error), across reconnects."""
        key = key or uuid.uuid4().hex
        message = {
            "type": "act",
            "id": key,
            "activity": activity,
            "action": "vote",
            "data": data,
            "key": key,
        }
        self.unacked[key] = message
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps(message))
        await self.wait_for(
            lambda c: key in c.acks or any(e.get("ref") == key for e in c.errors), timeout=60
        )
        return self.acks.get(key) or next(e for e in self.errors if e.get("ref") == key)

    async def control(self, action: str, activity: int | None = None, value: Any = None) -> dict:
        ref = f"c{next(_refs)}"
        message: dict[str, Any] = {"type": "control", "id": ref, "action": action}
        if activity is not None:
            message["activity"] = activity
        if value is not None:
            message["value"] = value
        await self.ws.send(json.dumps(message))
        await self.wait_for(lambda c: ref in c.acks or any(e.get("ref") == ref for e in c.errors))
        return self.acks.get(ref) or next(e for e in self.errors if e.get("ref") == ref)

    def tally_of(self, activity: int) -> dict | None:
        return self.tallies.get(activity)
