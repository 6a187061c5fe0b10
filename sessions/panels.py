"""Room panels: figures about a live session that apps above the live room compute for
its facilitators (and, when a facilitator puts them there, for the projector), such as
the representation of stakeholder groups among the people who joined.

The room knows no panel by name. An app registers a builder from its ``ready()``::

    register_panel("representation", build, title=_("Who is here"),
                   script="representation/panel.js", style="representation/panel.css")

``build(session)`` returns ``{"facilitator": data, "screen": data}``; the screen's data
is what anyone in the room may see (aggregate, small groups suppressed) and is sent to
projectors only while ``session.screen_panels`` names the panel. Panels are not room
state: they take no ``seq``; each ``panel`` message is the panel's whole current state,
so a lost one is made good by the next. The hub recomputes a session's panels when
people join (``room_events.participants_changed``) at most once per
``LIVE_ROOM["PANEL_INTERVAL_MS"]``, and when a facilitator or projector connects.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .kinds import Role
from .models import Session

log = logging.getLogger(__name__)

PanelBuilder = Callable[[Session], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    name: str
    build: PanelBuilder
    title: Any  # a lazy translation
    script: str = ""  # static path of the script drawing it (registers window.LivePanels[name])
    style: str = ""


_panels: dict[str, Panel] = {}


def register_panel(
    name: str, build: PanelBuilder, *, title: Any, script: str = "", style: str = ""
) -> None:
    _panels[name] = Panel(name=name, build=build, title=title, script=script, style=style)


def panels() -> list[Panel]:
    return [_panels[name] for name in sorted(_panels)]


def panel_names() -> list[str]:
    return sorted(_panels)


def panel_texts(session_id: int) -> dict[str, list[str]]:
    """Every registered panel of the session as ``panel`` messages, serialised once per
    role: {"facilitator": [text, ...], "screen": [text, ...]}."""
    session = Session.objects.select_related("event").get(pk=session_id)
    shown = set(session.screen_panels or [])
    texts: dict[str, list[str]] = {Role.FACILITATOR.value: [], Role.SCREEN.value: []}
    for panel in panels():
        name = panel.name
        try:
            views = panel.build(session)
        except Exception:  # one broken panel must not take the others down
            log.exception("panel %s failed for session %s", name, session_id)
            continue
        shown_here = name in shown
        for role, data in (
            (Role.FACILITATOR, views.get(Role.FACILITATOR.value)),
            (Role.SCREEN, views.get(Role.SCREEN.value) if shown_here else None),
        ):
            message = {"type": "panel", "name": name, "shown": shown_here, "data": data}
            texts[role.value].append(json.dumps(message, separators=(",", ":"), ensure_ascii=False))
    return texts
