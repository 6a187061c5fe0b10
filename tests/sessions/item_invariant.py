"""The live room's item invariant (issue 14): a client that starts from a snapshot
and applies, in ``seq`` order, every event it is sent (``room``, ``tally``, ``item``
and ``items``) holds exactly what a fresh snapshot says, whatever the commands were.

Two halves:

- **The applier** (``apply_event``): what a client does with each event, following
  docs/protocol.md ("Room data", "Tally data", "Item data", "Items data" and the
  kinds' "Items:" paragraphs), as the browser's room.js and the kinds' ``applyItem``
  (boards/static/boards/board.js, qna/static/qna/qna.js) do. Plain Python on the
  protocol's JSON; the end-to-end clients (tests/e2e/client.py,
  tests/live_client.py) apply item events with it too.
- **The driver** (``connect``, ``Runs.run``, ``settle``): a socket for every role
  through the real consumer (the ``live`` fixture of tests/sessions/conftest.py), a
  random sequence of participant and facilitator commands, and after each command,
  for each role, the events applied so far compared with a fresh snapshot (what a
  ``resync`` answers, ``fresh_room``).

What is compared: the whole room data, the activities' ``items``, ``count``,
``tally`` and ``config`` included, exactly. The protocol gives clients nothing to
track that a snapshot leaves out, so nothing is left out of the comparison. The
participant's own state (``me``) is not room data: it comes with ``welcome``,
``snapshot`` and the ``ack`` of the participant's own commands, not with events, and
is not compared here.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from sessions import selectors
from sessions.models import Session

# --------------------------------------------------------------------------- the applier


class ProtocolBreach(AssertionError):
    """An event no client could apply (a change of an unknown shape, an item event for
    a kind without items): the server broke docs/protocol.md."""


def _put(rows: list[dict[str, Any]], row: dict[str, Any], order: Callable[[dict], Any]) -> None:
    """An item with the same id replaces the one held; a new one goes in its place in
    the list's order."""
    rows[:] = sorted([r for r in rows if r["id"] != row["id"]] + [row], key=order)


def _drop(rows: list[dict[str, Any]], item_id: int) -> None:
    """A removed item leaves the list (nothing happens if it was not there)."""
    rows[:] = [r for r in rows if r["id"] != item_id]


def _by_id(row: dict[str, Any]) -> int:
    return row["id"]


def _by_position(row: dict[str, Any]) -> tuple[int, int]:
    return (row["position"], row["id"])


def _board_change(activity: dict[str, Any], change: dict[str, Any]) -> None:
    """Idea board: ``items`` is ``{"notes": [...] by id, "clusters": [...] by position
    and id}``; a change is ``{"note"}``, ``{"removed"}``, ``{"cluster"}`` or
    ``{"removed_cluster"}`` (its notes are unclustered: no note event says so)."""
    items = activity["items"]
    if "note" in change:
        _put(items["notes"], change["note"], _by_id)
    elif "removed" in change:
        _drop(items["notes"], change["removed"])
    elif "cluster" in change:
        _put(items["clusters"], change["cluster"], _by_position)
    elif "removed_cluster" in change:
        _drop(items["clusters"], change["removed_cluster"])
        for note in items["notes"]:
            if note["cluster"] == change["removed_cluster"]:
                note["cluster"] = None
    else:
        raise ProtocolBreach(f"an idea board change of no known shape: {change}")


def _qna_change(activity: dict[str, Any], change: dict[str, Any]) -> None:
    """Q&A: ``items`` is the list of questions by id; a change is ``{"question"}``,
    ``{"removed"}`` or ``{"on_screen": id or null}`` (the question on the projector,
    ``config.on_screen``)."""
    if "on_screen" in change:
        activity["config"]["on_screen"] = change["on_screen"]
    elif "question" in change:
        _put(activity["items"], change["question"], _by_id)
    elif "removed" in change:
        _drop(activity["items"], change["removed"])
    else:
        raise ProtocolBreach(f"a Q&A change of no known shape: {change}")


# Kind -> how one change of an ``item``/``items`` event is applied to the activity.
CHANGE_APPLIERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
    "idea_board": _board_change,
    "qna": _qna_change,
}


def _activity(room: dict[str, Any], activity_id: int) -> dict[str, Any] | None:
    """The activity in this role's room data (participants and the projector hold only
    the current one: events of the others change nothing they hold)."""
    return next((a for a in room["activities"] if a["id"] == activity_id), None)


def apply_changes(room: dict[str, Any], activity_id: int, changes: list[dict[str, Any]]) -> None:
    """Apply item changes of one activity to ``room``, in order."""
    activity = _activity(room, activity_id)
    if activity is None:
        return
    applier = CHANGE_APPLIERS.get(activity["kind"])
    if applier is None or "items" not in activity:
        raise ProtocolBreach(f"item changes for a {activity['kind']} activity: {changes}")
    for change in changes:
        applier(activity, change)


def apply_tally(room: dict[str, Any], data: dict[str, Any]) -> None:
    """A ``tally`` event: the activity's ``count``, and its ``tally`` (gone when the
    event carries none: this role may no longer see results)."""
    activity = _activity(room, data["activity"])
    if activity is None:
        return
    activity["count"] = data["count"]
    if "tally" in data:
        activity["tally"] = copy.deepcopy(data["tally"])
    else:
        activity.pop("tally", None)


def apply_event(room: dict[str, Any] | None, name: str, data: Any) -> dict[str, Any] | None:
    """The room data after one event (``name`` and ``data`` of an ``event`` message);
    ``room`` is changed in place, except by a ``room`` event, which replaces it.
    ``data: null`` (a change this role may not see) changes nothing."""
    if name == "room":
        return copy.deepcopy(data)
    if room is None or data is None:
        return room
    if name == "tally":
        apply_tally(room, data)
    elif name == "item":
        change = {k: copy.deepcopy(v) for k, v in data.items() if k != "activity"}
        apply_changes(room, data["activity"], [change])
    elif name == "items":
        apply_changes(room, data["activity"], copy.deepcopy(data["changes"]))
    else:
        raise ProtocolBreach(f"an event of no known name: {name}")
    return room


# --------------------------------------------------------------------------- the driver

# Bound on waiting for an answer, or for the room to settle after a command; only a
# failing run waits this long.
TIMEOUT = 10.0
_keys = itertools.count(1)


def difference(held: Any, fresh: Any, path: str = "") -> str:
    """Where two room datas first differ, for a readable failure."""
    if isinstance(held, dict) and isinstance(fresh, dict):
        for key in sorted(set(held) | set(fresh), key=str):
            if key not in held or key not in fresh:
                return f"{path}.{key}: held {held.get(key, '<missing>')!r}, fresh {fresh.get(key, '<missing>')!r}"
            if held[key] != fresh[key]:
                return difference(held[key], fresh[key], f"{path}.{key}")
    if isinstance(held, list) and isinstance(fresh, list) and len(held) == len(fresh):
        for index, (a, b) in enumerate(zip(held, fresh, strict=True)):
            if a != b:
                return difference(a, b, f"{path}[{index}]")
    return f"{path}: held {json.dumps(held)}, fresh {json.dumps(fresh)}"


@database_sync_to_async
def fresh_room(session_id: int) -> tuple[int, dict[str, dict[str, Any]]]:
    """A fresh snapshot of the room for every role and the seq it is at: what a
    ``resync`` answers (``sessions.selectors.room_views``), read as the room reads it,
    under the session row's lock, so no event is being stamped meanwhile.

    Read here rather than asked for with ``resync``: the room may answer a ``resync``
    with the snapshot it keeps for the last seq it sent, read before a command whose
    events are still on their way, and a resync moves the socket's stream on to the
    snapshot's seq, so the events before it that had not left yet never come."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(no_key=True, of=("self",))
            .select_related("event")
            .get(pk=session_id)
        )
        return session.seq, selectors.room_views(session)


class Mirror:
    """One role's socket and the room it holds: the ``welcome``'s data and every event
    after it, applied with ``apply_event``, kept per ``seq``."""

    def __init__(self, name: str, role: str, client: Any) -> None:
        self.name = name
        self.role = role  # the protocol's role: participant, facilitator or screen
        self.comm = client.comm  # channels' WebsocketCommunicator
        welcome = client.welcome
        self.seq: int = welcome["seq"]
        self.room: dict[str, Any] = copy.deepcopy(welcome["data"])
        self.held: dict[int, dict[str, Any]] = {self.seq: copy.deepcopy(self.room)}
        self.applied: Counter[str] = Counter()  # events applied, by name and change kind

    def activity(self, activity_id: int) -> dict[str, Any]:
        found = _activity(self.room, activity_id)
        assert found is not None, f"{self.name} holds no activity {activity_id}"
        return found

    def _take(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "event":
            seq = message["seq"]
            if seq <= self.seq:
                return  # old: already applied
            assert seq == self.seq + 1, f"{self.name}: seq {seq} after {self.seq}: an event lost"
            self.room = apply_event(self.room, message["name"], message["data"])
            self.seq = seq
            self.held[seq] = copy.deepcopy(self.room)
            self._count(message)
        assert kind != "snapshot", f"{self.name}: a snapshot pushed by the server (events lost)"

    def _count(self, message: dict[str, Any]) -> None:
        data = message["data"]
        name = message["name"]
        if name in ("room", "tally") or data is None:
            self.applied[name if data is not None else f"{name}:null"] += 1
            return
        changes = data["changes"] if name == "items" else [data]
        for change in changes:
            shape = next(k for k in change if k != "activity")
            self.applied[f"{name}:{shape}"] += 1

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send ``message`` (a command) with a fresh id and return its answer (``ack``
        or ``error``), applying every event read on the way."""
        ref = f"m{next(_keys)}"
        await self.comm.send_json_to({**message, "id": ref})
        while True:
            try:
                answer = await self.comm.receive_json_from(timeout=TIMEOUT)
            except TimeoutError:
                raise AssertionError(f"{self.name}: no answer to {message}") from None
            if answer.get("ref") == ref:
                return answer
            self._take(answer)

    async def reach(self, seq: int, deadline: float) -> None:
        """Read until the events up to ``seq`` are applied (TimeoutError past
        ``deadline``)."""
        loop = asyncio.get_running_loop()
        while self.seq < seq:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            self._take(await self.comm.receive_json_from(timeout=remaining))


async def settle(mirrors: list[Mirror], session_id: int, timeout: float = TIMEOUT) -> None:
    """Wait until what every mirror holds equals a fresh snapshot of its role;
    AssertionError if one still differs after ``timeout`` with no event left on its way.

    A command's item and tally events leave on the hub's next tick, after the
    command's ``ack``, while a fresh snapshot already shows its effect: a snapshot can
    run ahead of the events of its seq, and the events that catch up come with later
    seqs. So what a role held at a snapshot's seq must equal it, or a later event must
    come (and the next snapshot is compared); a difference that no later event mends
    is a broken invariant."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seq, views = await fresh_room(session_id)
        behind = []
        try:
            for mirror in mirrors:
                await mirror.reach(seq, deadline)
                if mirror.held[seq] != views[mirror.role]:
                    behind.append(mirror)
            if not behind:
                return
            for mirror in behind:
                await mirror.reach(seq + 1, deadline)
        except TimeoutError:
            for mirror in behind or mirrors:
                if seq in mirror.held and mirror.held[seq] != views[mirror.role]:
                    raise AssertionError(
                        f"{mirror.name} at seq {seq} holds what a fresh snapshot does not: "
                        f"{difference(mirror.held[seq], views[mirror.role])}"
                    ) from None
            raise AssertionError(f"no event up to seq {seq} in {timeout}s") from None


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Command:
    """One message a role sends (without its id): ``who`` names the role's mirror."""

    who: str
    message: dict[str, Any]

    @property
    def label(self) -> str:
        if self.message["type"] == "control" and self.message["action"] == "moderate":
            return self.message["value"]["action"]
        return self.message["action"]


def act(who: str, activity: int, action: str, data: Any) -> Command:
    """A participant's command (``act``) with a new idempotency key."""
    message = {"type": "act", "activity": activity, "action": action, "data": data}
    return Command(who, {**message, "key": f"k{next(_keys)}"})


def moderate(activity: int, action: str, data: Any = None) -> Command:
    """A facilitator's command of the activity's kind (``control`` ``moderate``)."""
    value = {"action": action, "data": data}
    return Command(
        FACILITATOR,
        {"type": "control", "action": "moderate", "activity": activity, "value": value},
    )


def control(action: str, activity: int, value: Any) -> Command:
    """A facilitator's room command on the activity (``reveal``, ``set_visibility``)."""
    return Command(
        FACILITATOR, {"type": "control", "action": action, "activity": activity, "value": value}
    )


AUTHOR, OTHER, FACILITATOR, SCREEN = "author", "other participant", "facilitator", "screen"


class Commands:
    """A kind's random commands: ``choices`` gives ``(weight, maker)`` pairs from the
    activity as the facilitator holds it (every item, with its state), and one maker
    is drawn. A maker not drawn yet in this run weighs four times as much, so a run
    tries every command."""

    def __init__(self, rng: random.Random, activity: int) -> None:
        self.rng = rng
        self.activity = activity
        self.chosen: set[str] = set()

    def choices(self, view: dict[str, Any]) -> list[tuple[float, Callable[[], Command]]]:
        raise NotImplementedError

    def __call__(self, mirrors: dict[str, Mirror]) -> Command:
        choices = self.choices(mirrors[FACILITATOR].activity(self.activity))
        weights = [w * (1 if maker.__name__ in self.chosen else 4) for w, maker in choices]
        maker = self.rng.choices([maker for _w, maker in choices], weights)[0]
        self.chosen.add(maker.__name__)
        return maker()

    def room_control(self) -> Command:
        """Who may see the activity's tally: the projector (``reveal``) and the
        participants (``set_visibility``); each a room event."""
        if self.rng.random() < 0.5:
            return control("reveal", self.activity, self.rng.random() < 0.7)
        visibility = self.rng.choice(["live", "live", "hidden", "after_close"])
        return control("set_visibility", self.activity, visibility)

    def participant(self) -> str:
        """Mostly the author; now and then the other participant."""
        return AUTHOR if self.rng.random() < 0.7 else OTHER

    def pick(
        self, rows: list[dict[str, Any]], prefer: Callable[[dict[str, Any]], Any], unknown: int
    ) -> int:
        """The id of a row: mostly one ``prefer`` picks, else any, now and then
        ``unknown`` (an id naming nothing here)."""
        preferred = [row["id"] for row in rows if prefer(row)]
        anyone = [row["id"] for row in rows]
        if preferred and self.rng.random() < 0.85:
            return self.rng.choice(preferred)
        return self.rng.choice(anyone) if anyone and self.rng.random() < 0.8 else unknown


@pytest.fixture
def quick_room(settings):
    """The hub ticks every 5 ms rather than 200 (the same events, sooner), and no rate
    limit holds: a run sends its commands as fast as the room settles after each."""
    settings.LIVE_ROOM = {
        **settings.LIVE_ROOM,
        "TALLY_INTERVAL_MS": 5,
        "RATE_PER_SECOND": 10_000,
        "RATE_BURST": 10_000,
    }


async def connect(live: Any, room: Any, label: str) -> dict[str, Mirror]:
    """A socket for each role of ``room`` (a ``tests.sessions.live.Room`` with two
    participants): the author (the first participant), another participant, the
    facilitator and the projector. ``label`` (the run's seed, say) names them in
    failures."""
    author, other = room.tokens[:2]
    return {
        AUTHOR: Mirror(
            f"{AUTHOR} ({label})", "participant", await live.join(room.code, token=author)
        ),
        OTHER: Mirror(f"{OTHER} ({label})", "participant", await live.join(room.code, token=other)),
        FACILITATOR: Mirror(
            f"{FACILITATOR} ({label})",
            "facilitator",
            await live.join(room.code, role="facilitator", cookie=room.cookie),
        ),
        SCREEN: Mirror(f"{SCREEN} ({label})", "screen", await live.join(room.code, role="screen")),
    }


@dataclass
class Runs:
    """What runs did: each command's label with its outcome (``ok`` or the error's
    code), and the events applied by every role (``"item:note"``, ``"tally"`` ...)."""

    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    applied: dict[str, Counter[str]] = field(default_factory=dict)

    def succeeded(self) -> set[str]:
        """The labels of the commands carried out at least once."""
        return {label for (label, outcome) in self.outcomes if outcome == "ok"}

    def shapes(self, *roles: str) -> set[str]:
        """The changes applied by any of ``roles``: ``note``, ``removed`` ... and
        ``null`` (an item event withheld from the role)."""
        return {
            name.split(":")[1]
            for role in roles
            for name in self.applied.get(role, ())
            if ":" in name
        }

    async def run(
        self,
        mirrors: dict[str, Mirror],
        session_id: int,
        next_command: Callable[[dict[str, Mirror]], Command],
        steps: int,
    ) -> None:
        """Send ``steps`` commands chosen by ``next_command`` (from what the mirrors
        hold), one at a time; after each, every role must settle on a fresh snapshot."""
        await settle(list(mirrors.values()), session_id)
        for _step in range(steps):
            command = next_command(mirrors)
            reply = await mirrors[command.who].request(command.message)
            outcome = "ok" if reply["type"] == "ack" else reply.get("code", reply["type"])
            assert outcome != "server_error", (command, reply)
            self.outcomes[(command.label, outcome)] += 1
            await settle(list(mirrors.values()), session_id)
        for role, mirror in mirrors.items():
            self.applied.setdefault(role, Counter()).update(mirror.applied)
