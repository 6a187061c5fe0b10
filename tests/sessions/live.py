"""Helpers for talking to the live room through Channels' WebsocketCommunicator."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from asgi import application
from polls.models import Ballot
from sessions import selectors
from sessions.kinds import get_kind
from sessions.models import Activity, CommandReceipt, Participant, Session
from tests import factories

ORIGIN = (b"origin", b"http://127.0.0.1")
# Generous: a loaded 2-core machine can take seconds for a first join; only a failing
# test ever waits this long.
TIMEOUT = 15.0
MISSING = object()

db = database_sync_to_async
_refs = itertools.count(1)


def next_ref() -> str:
    return f"r{next(_refs)}"


class Client:
    """One socket: sends frames and reads answers, keeping every JSON message it read."""

    def __init__(self, comm: WebsocketCommunicator) -> None:
        self.comm = comm
        self.seen: list[dict[str, Any]] = []  # every message read, in order
        self.backlog: list[dict[str, Any]] = []  # read but not yet taken by until()
        self.welcome: dict[str, Any] | None = None
        self.unfolded: list[dict[str, Any]] = []

    async def send(self, payload: dict[str, Any]) -> None:
        await self.comm.send_json_to(payload)

    async def send_text(self, text: str) -> None:
        await self.comm.send_to(text_data=text)

    async def send_bytes(self, data: bytes) -> None:
        await self.comm.send_to(bytes_data=data)

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message. An ``items`` event (several item changes of one tick) is
        also unfolded into one ``item`` message per change, after it, with its seq, so
        tests can wait for a change however the hub grouped it."""
        if self.unfolded:
            return self.unfolded.pop(0)
        message = await self.comm.receive_json_from(timeout=timeout)
        self.seen.append(message)
        if message.get("type") == "event" and message.get("name") == "items" and message["data"]:
            activity = message["data"]["activity"]
            self.unfolded = [
                {**message, "name": "item", "data": {"activity": activity, **change}}
                for change in message["data"]["changes"]
            ]
        return message

    async def until(self, predicate, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first message not yet taken that matches ``predicate``.

        Messages read on the way that do not match stay in a backlog for later calls:
        a broadcast can overtake the ack of the command that caused it."""
        for index, message in enumerate(self.backlog):
            if predicate(message):
                del self.backlog[index]
                return message
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                message = await self.receive(timeout=remaining)
            except TimeoutError:
                raise AssertionError(
                    f"no matching message in {timeout}s; last: {self.seen[-5:]}"
                ) from None
            if predicate(message):
                return message
            self.backlog.append(message)

    async def reply(self, ref: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The answer (ack, error, pong or snapshot) to the message sent with this id."""
        return await self.until(
            lambda m: m["type"] in {"ack", "error", "pong", "snapshot"} and m.get("ref") == ref,
            timeout,
        )

    async def error(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return await self.until(lambda m: m["type"] == "error", timeout)

    async def event(self, name: str, predicate=None, timeout: float = TIMEOUT) -> dict[str, Any]:
        return await self.until(
            lambda m: (
                m["type"] == "event" and m["name"] == name and (predicate is None or predicate(m))
            ),
            timeout,
        )

    async def vote(self, activity: int, data: Any, key: str, ref: Any = None) -> dict[str, Any]:
        ref = ref if ref is not None else next_ref()
        await self.send(
            {
                "type": "act",
                "id": ref,
                "activity": activity,
                "action": "vote",
                "data": data,
                "key": key,
            }
        )
        return await self.reply(ref)

    async def control(
        self, action: str, activity: int | None = None, value: Any = MISSING, ref: Any = None
    ) -> dict[str, Any]:
        ref = ref if ref is not None else next_ref()
        message = {"type": "control", "id": ref, "action": action}
        if activity is not None:
            message["activity"] = activity
        if value is not MISSING:
            message["value"] = value
        await self.send(message)
        return await self.reply(ref)

    async def ping(self) -> None:
        """Round trip: the socket is still open and answering."""
        ref = next_ref()
        await self.send({"type": "ping", "id": ref})
        assert (await self.reply(ref))["type"] == "pong"

    async def close_code(self, timeout: float = TIMEOUT) -> int | None:
        """Read until the server closes the socket; its close code."""
        while True:
            output = await self.comm.receive_output(timeout)
            if output["type"] == "websocket.close":
                return output.get("code")
            self.seen.append(json.loads(output["text"]))

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.comm.receive_nothing(timeout=timeout)


@dataclass
class Room:
    session: Session
    activity: Activity
    code: str
    cookie: str
    participants: list[Participant] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


@db
def make_room(kind: str = "single_choice", n: int = 2, revealed: bool = False, **extra) -> Room:
    """An open session with one open activity of ``kind``, ``n`` participants and the
    owner's login cookie. Participants see the tally live unless ``results_visibility``
    says otherwise (these rooms test the tally's way to every role)."""
    extra.setdefault("results_visibility", "live")
    activity = factories.make_activity(kind=kind, open=True, **extra)
    if revealed:
        from sessions import services

        services.reveal_results(activity=activity, revealed=True)
        activity.refresh_from_db()
    session = Session.objects.select_related("event").get(pk=activity.session_id)
    participants = [
        factories.make_participant(session=session, display_name=f"P{i}") for i in range(n)
    ]
    return Room(
        session=session,
        activity=activity,
        code=session.code,
        cookie=factories.login_cookie(session.event.owner),
        participants=participants,
        tokens=[factories.token_for(p) for p in participants],
    )


@db
def ballots(activity_id: int) -> list[Any]:
    return sorted(
        Ballot.objects.filter(activity_id=activity_id).values_list("choice", flat=True), key=repr
    )


@db
def receipts(activity_id: int) -> int:
    return CommandReceipt.objects.filter(activity_id=activity_id).count()


@db
def db_tally(activity_id: int) -> dict[str, Any]:
    activity = Activity.objects.get(pk=activity_id)
    return get_kind(activity.kind).tally(activity)


@db
def room_view(session_id: int, role: str) -> dict[str, Any]:
    session = Session.objects.select_related("event").get(pk=session_id)
    return selectors.room_views(session)[role]


@db
def refreshed(obj):
    obj.refresh_from_db()
    return obj


def is_tally(m: dict[str, Any]) -> bool:
    return m["type"] == "event" and m["name"] == "tally"


def is_room(m: dict[str, Any]) -> bool:
    return m["type"] == "event" and m["name"] == "room"


__all__ = [
    "MISSING",
    "ORIGIN",
    "Client",
    "Room",
    "application",
    "ballots",
    "db",
    "db_tally",
    "is_room",
    "is_tally",
    "make_room",
    "next_ref",
    "receipts",
    "refreshed",
    "room_view",
]
