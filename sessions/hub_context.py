"""Which hub a change made in a thread is handed to: ``current_hub`` and ``process_hub``.

The services that change a room run in a database thread and announce what changed
from ``transaction.on_commit`` (``room_events.item_changed``, ``tally_changed``,
``participants_changed``). Inside a live-room process those notices are cheaper when
the process's :class:`~sessions.hub.RoomHub` gathers them into one event per tick than
when each goes through the channel layer at once; the two names here tell them which
hub, if any, to hand the change to. This module holds no logic, so that ``room_events``
(which reads both) and ``hub`` (which imports ``room_events``) need not import each
other.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .hub import RoomHub

current_hub: contextvars.ContextVar[RoomHub | None] = contextvars.ContextVar(
    "current_hub", default=None
)
"""The hub of the live-room consumer whose command is running, or None.

Who sets it: ``RoomConsumer`` when a socket says hello (``current_hub.set(self.hub)``,
in the consumer's own task on the server's event loop), and ``bench/commands.py`` (a
stand-in hub, so that the cost of a command is measured without its broadcast).

Who reads it: ``room_events.item_changed`` and ``room_events.tally_changed``. With an
open hub they hand the change to that hub's loop (``mark_item`` or ``mark_dirty``,
through ``loop.call_soon_threadsafe``) and it goes out, coalesced, with the hub's next
tick; with None they stamp the event and send it to the room's channel-layer group at
once.

Why a context variable: the consumer runs the services through ``sync_to_async``
(``sessions.db.db_call``), which calls them in a worker thread *inside a copy of the
calling task's context*. The ``on_commit`` callback runs in that thread when the
transaction commits, so it sees the hub of the very consumer that ran the command,
although the worker threads are shared by every consumer (and, in tests, by several
event loops, each with its own hub). A module global could not tell those callers
apart, and a thread-local set on the event loop's thread would not be seen in the
worker thread. A thread that no consumer started (a Django request, a management
command, the task worker) sees the default, None, and sends through the channel layer.
"""

process_hub: RoomHub | None = None
"""The hub of this process's server loop, for notices from threads that no consumer
started (``room_events.participants_changed``, called when someone joins over HTTP);
the latest hub started (``RoomHub.start`` assigns it). Read it as
``hub_context.process_hub``: a name imported from here would keep the old value."""
