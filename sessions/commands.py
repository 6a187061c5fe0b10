"""The facilitator's commands: one table, one set of names, for every way of sending
them (the room's ``control`` message, docs/protocol.md, and the console's forms).

Each command says whether it names an activity, how its ``value`` reads from a posted
form (a WebSocket message carries it as JSON already), what it does (a service), and
what the console tells the facilitator when it is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .kinds import CommandError
from .models import Activity, Session


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CommandError("invalid_value", _("'value' must be true or false."))
    return value


def _form_flag(data: Mapping[str, str]) -> Any:
    return {"true": True, "false": False}.get(data.get("value", ""), data.get("value"))


def _form_int(data: Mapping[str, str]) -> Any:
    raw = data.get("value", "")
    return int(raw) if raw.lstrip("-").isdigit() else raw


def _said(on: Any, off: Any = None) -> Callable[[Any], Any]:
    """The console's message: ``on`` (for a command that switches something, ``off``
    when its value is false)."""
    return lambda value: on if value or off is None else off


@dataclass(frozen=True)
class Command:
    name: str
    run: Callable[[Session, Activity | None, Any], None]
    done: Callable[[Any], Any]  # the console's message, given the value
    needs_activity: bool = False
    form_value: Callable[[Mapping[str, str]], Any] = lambda data: data.get("value")


def _moderate(session: Session, activity: Activity | None, value: Any) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("action"), str):
        raise CommandError("invalid_value", _("'value' must name an action."))
    services.moderate_activity(activity=activity, action=value["action"], data=value.get("data"))


def _show_panel(session: Session, activity: Activity | None, value: Any) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("panel"), str):
        raise CommandError("invalid_value", _("'value' must name a panel."))
    services.set_screen_panel(session=session, name=value["panel"], shown=_flag(value.get("shown")))


_ON_PROJECTOR = _said(
    gettext_lazy("Shown on the projector."), gettext_lazy("Taken off the projector.")
)

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "open_session",
            lambda s, a, v: services.set_session_status(session=s, status=Session.Status.OPEN),
            _said(gettext_lazy("Session opened.")),
        ),
        Command(
            "close_session",
            lambda s, a, v: services.set_session_status(session=s, status=Session.Status.CLOSED),
            _said(gettext_lazy("Session closed.")),
        ),
        Command(
            "lock",
            lambda s, a, v: services.set_session_locked(session=s, locked=_flag(v)),
            _said(
                gettext_lazy("Session locked: nobody new can join."),
                gettext_lazy("Session unlocked: new participants can join."),
            ),
            form_value=_form_flag,
        ),
        Command(
            "show_panel",
            _show_panel,
            lambda v: _ON_PROJECTOR(v.get("shown")),
            form_value=lambda d: {"panel": d.get("panel", ""), "shown": _form_flag(d)},
        ),
        Command(
            "join_panel",
            lambda s, a, v: services.set_join_panel(session=s, mode=v),
            _said(gettext_lazy("Join panel changed.")),
        ),
        Command(
            "timer",
            lambda s, a, v: services.set_timer(session=s, seconds=v),
            _said(gettext_lazy("Timer started."), gettext_lazy("Timer stopped.")),
            form_value=_form_int,
        ),
        Command(
            "open_activity",
            lambda s, a, v: services.open_activity(activity=a),
            _said(gettext_lazy("Opened: participants see it now.")),
            needs_activity=True,
        ),
        Command(
            "show_activity",
            lambda s, a, v: services.show_activity(activity=a),
            _said(gettext_lazy("On every screen now.")),
            needs_activity=True,
        ),
        Command(
            "close_activity",
            lambda s, a, v: services.close_activity(activity=a),
            _said(gettext_lazy("Closed.")),
            needs_activity=True,
        ),
        Command(
            "reveal",
            lambda s, a, v: services.reveal_results(activity=a, revealed=_flag(v)),
            _said(
                gettext_lazy("Results shown on the projector."),
                gettext_lazy("Results hidden from the projector."),
            ),
            needs_activity=True,
            form_value=_form_flag,
        ),
        Command(
            "set_visibility",
            lambda s, a, v: services.set_results_visibility(activity=a, visibility=v),
            _said(gettext_lazy("Result visibility saved.")),
            needs_activity=True,
        ),
        Command(
            "move",
            lambda s, a, v: services.move_activity(activity=a, position=v),
            _said(gettext_lazy("Moved.")),
            needs_activity=True,
            form_value=_form_int,
        ),
        Command(
            "delete_activity",
            lambda s, a, v: services.delete_activity(activity=a),
            _said(gettext_lazy("Deleted.")),
            needs_activity=True,
        ),
        Command(
            "moderate",
            _moderate,
            _said(gettext_lazy("Moderation saved.")),
            needs_activity=True,
            form_value=lambda d: {"action": d.get("moderate", ""), "data": d.get("value")},
        ),
    )
}


def run(*, session: Session, name: str, activity_id: Any, value: Any) -> Command:
    """Carry out the facilitator command ``name``; the caller has checked that the
    person facilitates ``session``. Returns the command (for its message)."""
    command = COMMANDS.get(name) if isinstance(name, str) else None
    if command is None:
        raise CommandError("unknown_action", _("Unknown facilitator action."))
    activity = None
    if command.needs_activity:
        if isinstance(activity_id, bool) or not isinstance(activity_id, int):
            raise CommandError("unknown_activity", _("This activity does not exist."))
        activity = Activity.objects.filter(pk=activity_id, session=session).first()
        if activity is None:
            raise CommandError("unknown_activity", _("This activity does not exist."))
    command.run(session, activity, value)
    return command
