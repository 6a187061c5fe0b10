"""Test data for Q&A activities, built through the product's services."""

from __future__ import annotations

from typing import Any

from sessions import services
from tests import factories
from tests.sessions.live import Room


def qna_room(names: tuple[str, ...] = ("P0", "P1"), revealed: bool = True, **config: Any) -> Room:
    """An open session with an open Q&A (its results on the projector with
    ``revealed``), participants with these display names and the owner's cookie."""
    session = factories.make_session()
    activity = services.add_activity(session=session, kind="qna", title="Ask us", config=config)
    services.open_activity(activity=activity)
    if revealed:
        services.reveal_results(activity=activity, revealed=True)
    activity.refresh_from_db()
    session.refresh_from_db()
    participants = [factories.make_participant(session=session, display_name=n) for n in names]
    return Room(
        session=session,
        activity=activity,
        code=session.code,
        cookie=factories.login_cookie(session.event.owner),
        participants=participants,
        tokens=[factories.token_for(p) for p in participants],
    )
