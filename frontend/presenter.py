"""The presenter view: one screen to run a session from (docs/facilitation.md).

The page is drawn whole by the server so that every button works as a plain form
without JavaScript (each posts to ``console_action``); ``presenter.js`` then sends the
same commands over the room's WebSocket and keeps the page up to date in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sessions import selectors
from sessions.kinds import kind_choices
from sessions.models import Activity, Session

from .views import agenda_kinds, facilitated_session, organiser_required

# The projector's join panel: what "j" turns it to next ("full" is "f"'s own mode).
JOIN_PANEL_CYCLE = {
    Session.JoinPanel.SHOWN: Session.JoinPanel.SMALL,
    Session.JoinPanel.SMALL: Session.JoinPanel.HIDDEN,
    Session.JoinPanel.HIDDEN: Session.JoinPanel.SHOWN,
    Session.JoinPanel.FULL: Session.JoinPanel.SHOWN,
}

# The join panel's mode in a word, as the "j" button shows it (presenter.js says the same).
JOIN_PANEL_WORDS = {
    Session.JoinPanel.SHOWN: _("shown"),
    Session.JoinPanel.SMALL: _("small"),
    Session.JoinPanel.HIDDEN: _("hidden"),
    Session.JoinPanel.FULL: _("code full screen"),
}

# Timer lengths offered without JavaScript (the script turns the list into a number
# field of minutes); the console's forms post the timer in seconds.
TIMER_MINUTES = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60)
DEFAULT_TIMER_MINUTES = 2


@dataclass(frozen=True)
class Position:
    """Where the session stands in its agenda, for the page's first drawing."""

    current: Activity | None
    index: int | None  # of the current activity, from 0
    previous: Activity | None
    next: Activity | None


def agenda_position(*, agenda: list[Activity], current_id: int | None) -> Position:
    """The current activity and its neighbours; with no current one, Next starts at the
    first activity and there is no Previous."""
    ids = [activity.pk for activity in agenda]
    if current_id not in ids:
        return Position(current=None, index=None, previous=None, next=agenda[0] if agenda else None)
    index = ids.index(current_id)
    return Position(
        current=agenda[index],
        index=index,
        previous=agenda[index - 1] if index > 0 else None,
        next=agenda[index + 1] if index + 1 < len(agenda) else None,
    )


@organiser_required
def present(request, code: str):
    session = facilitated_session(request, code)
    agenda = selectors.agenda(session)
    position = agenda_position(agenda=agenda, current_id=session.current_activity_id)
    join_panel = session.join_panel
    return render(
        request,
        "frontend/presenter.html",
        {
            "session": session,
            "ws_path": f"/ws/s/{session.code}/",
            "join_url": request.build_absolute_uri(
                reverse("frontend:join_code", args=[session.code])
            ),
            "agenda": agenda,
            "page_kinds": agenda_kinds(agenda),
            "position": position,
            "kind_labels": kind_choices(),
            "join_panel_label": JOIN_PANEL_WORDS[Session.JoinPanel(join_panel)],
            "join_panel_next": JOIN_PANEL_CYCLE[Session.JoinPanel(join_panel)],
            "join_panel_full": join_panel == Session.JoinPanel.FULL,
            "timer_running": session.timer_ends_at is not None,
            "timer_choices": [(m, m * 60, m == DEFAULT_TIMER_MINUTES) for m in TIMER_MINUTES],
        },
    )
