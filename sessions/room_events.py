"""The live room's events: building, stamping and sending them, and the notices that
services register with ``transaction.on_commit``.

Stamping (sync, in a database thread): ``stamp_room``, ``stamp_tally`` and
``stamp_items`` take the next room sequence number under the session's row lock, build
each role's view, serialise it to text once per role, and return *one* ``room.event``
message for the room's channel-layer group (``group_name``). A tally's message also
carries ``supersedes`` (``tally_key``): a later tally of the activity replaces it
entirely. Every tally stamped records its ``as_of`` in ``Activity.tallied_at``;
``stamp_tally_due`` (the hub's) stamps one only when no tally read after the change
exists and the last one is at least the tally interval old, so the processes of a room
share one tally stream. ``snapshot_texts`` reads the whole room per role without taking
a seq. ``send_to_room`` sends a message to the group, trying again briefly when the
send fails.

Notices (sync, called after a transaction commits): ``room_changed`` stamps and sends
the room at once. ``item_changed`` and ``tally_changed`` hand the change to the hub of
the consumer that ran the command when there is one (``hub_context.current_hub``), so
that it goes out coalesced with the next tick (see ``hub``); elsewhere (a plain HTTP
request, a command) they stamp and send at once. ``participants_changed`` does the same
with this process's hub (``hub_context.process_hub``).

The channel layer is at-most-once: nothing sent here is a record. A lost event shows
up as a ``seq`` gap at the receiving hubs, which repair it with a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from . import hub_context
from .hub_context import current_hub
from .kinds import Role, get_kind
from .models import Activity, Session
from .selectors import activity_results_views, room_views

log = logging.getLogger(__name__)

# Pauses before sending again after a failed group_send.
SEND_RETRY_DELAYS_S = (0.0, 0.05, 0.25)


def group_name(session_id: int) -> str:
    return f"room.{session_id}"


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _locked_session(session_id: int) -> Session:
    """The session with its row locked for the rest of the transaction: every stamp
    takes it, so stamps of one room run one at a time."""
    return (
        Session.objects.select_for_update(no_key=True, of=("self",))
        .select_related("event")
        .get(pk=session_id)
    )


def _take_seq(session: Session) -> float:
    """Take the session's next seq (under its row lock); returns the event's ``as_of``:
    everything committed before this instant is in the views built after it."""
    session.seq += 1
    session.save(update_fields=["seq"])
    return time.time()


def _event_message(
    session_id: int,
    *,
    seq: int,
    name: str,
    as_of: float,
    views: dict[str, Any],
    supersedes: str | None = None,
) -> dict[str, Any]:
    """The ``room.event`` message: each role's view serialised once (after the commit,
    so the session row is not held while serialising)."""
    ts = time.time()
    texts = {
        role: dumps(
            {"type": "event", "seq": seq, "name": name, "ts": ts, "as_of": as_of, "data": view}
        )
        for role, view in views.items()
    }
    message = {"type": "room.event", "session": session_id, "seq": seq, "texts": texts}
    if supersedes is not None:
        message["supersedes"] = supersedes
    return message


def _stamp(
    session_id: int, name: str, build: Callable[[Session], dict[str, Any]]
) -> dict[str, Any]:
    """Take the next seq and build the per-role views in one locked transaction, so the
    order of seq numbers is the order in which the states were read."""
    with transaction.atomic():
        session = _locked_session(session_id)
        as_of = _take_seq(session)
        views = build(session)
    return _event_message(session_id, seq=session.seq, name=name, as_of=as_of, views=views)


def stamp_room(session_id: int) -> dict[str, Any]:
    return _stamp(session_id, "room", room_views)


def tally_key(activity_id: int) -> str:
    """The ``supersedes`` key of an activity's tally events: a later tally of the same
    activity replaces an earlier one entirely (a tally is a small full state)."""
    return f"tally:{activity_id}"


class _Tally(NamedTuple):
    seq: int
    as_of: float
    views: dict[str, Any]
    pending: bool  # the kind computes a newer result in the background


def _stamp_tally_locked(session: Session, activity_id: int) -> _Tally:
    """The activity's tally, inside the transaction holding ``session``'s row lock;
    records its ``as_of`` as the activity's ``tallied_at``."""
    as_of = _take_seq(session)
    activity = Activity.objects.get(pk=activity_id, session=session)
    pending = get_kind(activity.kind).results_pending(activity)
    views = activity_results_views(activity)
    Activity.objects.filter(pk=activity_id).update(tallied_at=as_of)
    return _Tally(seq=session.seq, as_of=as_of, views=views, pending=pending)


def _tally_message(session_id: int, activity_id: int, tally: _Tally) -> dict[str, Any]:
    message = _event_message(
        session_id,
        seq=tally.seq,
        name="tally",
        as_of=tally.as_of,
        views=tally.views,
        supersedes=tally_key(activity_id),
    )
    if tally.pending:
        message["recheck"] = True
    return message


def stamp_tally(session_id: int, activity_id: int) -> dict[str, Any]:
    """The activity's tally event, stamped now whenever the last one was (a command, an
    HTTP request: no hub coalesces there).

    With ``"recheck": True`` when its kind is computing a newer result in the background
    (``ActivityKind.results_pending``), so the hub sends it again shortly (the key is
    dropped before the event is sent)."""
    with transaction.atomic():
        session = _locked_session(session_id)
        tally = _stamp_tally_locked(session, activity_id)
    return _tally_message(session_id, activity_id, tally)


def stamp_tally_due(
    session_id: int, activity_id: int, *, changed_at: float, interval_s: float
) -> dict[str, Any] | float | None:
    """The activity's tally event if one is due for a change made at ``changed_at``
    (Unix seconds), deciding under the session's row lock so that every process of the
    room decides against the same ``Activity.tallied_at``:

    - None: a tally stamped since (by any process) already covers the change; no seq
      is taken and nothing is to be sent;
    - a float: the last tally is younger than ``interval_s``; try again after that many
      seconds (the tally then stamped covers the change, whoever stamps it);
    - else the tally event, as ``stamp_tally`` returns it.

    So an activity's tallies are at most one per ``interval_s`` whatever the number of
    processes, and a change is covered by the first tally stamped after it. The
    processes compare their wall clocks: on several hosts those must be synchronised
    (NTP) to well under ``interval_s``."""
    with transaction.atomic():
        session = _locked_session(session_id)
        found = list(
            Activity.objects.filter(pk=activity_id, session=session).values_list(
                "tallied_at", flat=True
            )
        )
        if not found:
            raise Activity.DoesNotExist(f"no activity {activity_id} in session {session_id}")
        last = found[0]
        if last is not None:
            if last >= changed_at:
                return None
            wait = interval_s - (time.time() - last)
            if wait > 0:
                # A clock behind another host's would wait longer than an interval.
                return min(wait, interval_s)
        tally = _stamp_tally_locked(session, activity_id)
    return _tally_message(session_id, activity_id, tally)


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
        session = _locked_session(session_id)
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
    hub = hub_context.process_hub
    if hub is not None and not hub.closed:
        hub.loop.call_soon_threadsafe(hub.participants_changed, session_id)
        return
    try:
        _send_sync({"type": "room.panels_due", "session": session_id})
    except Exception:  # at-most-once: the next join or connection brings them again
        log.exception("panel notice failed for session %s", session_id)
