"""The console's representation panel (a room panel, sessions/panels.py): who joined
and who contributed in this live session, per stakeholder group, region and gender,
against the process's target mix. The facilitators see the session's figures as the
session's representation page shows them (invited, accepted, joined, contributed); the
projector, when a facilitator puts it there, the live stages with every count under 5
shown as "fewer than 5"."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from sessions.models import Session

from .selectors import LIVE_STAGES, only_stages, representation, session_scope, suppress


def build(session: Session) -> dict[str, Any]:
    process = session.event.process
    if process is None:
        note = {
            "unavailable": _(
                "This session's event is not part of a process, so there is no target mix "
                "to compare with."
            )
        }
        return {"facilitator": note, "screen": None}
    rep = representation(scope=session_scope(session))
    full = rep.as_json()
    full["page"] = reverse(
        "representation:session_page", kwargs={"slug": process.slug, "code": session.code}
    )
    screen = suppress(only_stages(rep, LIVE_STAGES)).as_json()
    return {"facilitator": full, "screen": screen}
