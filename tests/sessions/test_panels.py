"""Room panels (sessions/panels.py): computed for facilitators when they connect and
when people join, put on the projector only when a facilitator says so."""

from __future__ import annotations

import pytest

from sessions import panels, services
from sessions.kinds import CommandError
from sessions.models import Participant, Session
from tests.sessions.live import db, make_room

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _headcount(session: Session) -> dict:
    n = Participant.objects.filter(session=session).count()
    return {"facilitator": {"joined": n}, "screen": {"joined": "fewer than 5" if n < 5 else n}}


@pytest.fixture
def headcount_panel():
    panels.register_panel("headcount", _headcount, title="Headcount")
    yield
    panels._panels.pop("headcount", None)


def is_panel(value=None):
    return lambda m: (
        m["type"] == "panel" and m["name"] == "headcount" and (value is None or m["data"] == value)
    )


async def test_facilitators_get_the_panel_on_connecting_and_again_as_people_join(
    hub, live, headcount_panel
):
    room = await make_room(n=2)
    console = await live.join(room.code, role="facilitator", cookie=room.cookie)
    first = await console.until(is_panel())
    assert first == {"type": "panel", "name": "headcount", "shown": False, "data": {"joined": 2}}

    await db(services.join_session)(code=room.code, display_name="Late")
    await console.until(is_panel({"joined": 3}))
    # A burst of joins comes out as few panel messages, ending with the final count.
    for i in range(6):
        await db(services.join_session)(code=room.code, display_name=f"Burst {i}")
    await console.until(is_panel({"joined": 9}))
    panel_messages = [m for m in console.seen if m["type"] == "panel"]
    assert len(panel_messages) < 1 + 1 + 6


async def test_the_projector_gets_the_aggregate_only_while_it_is_shown(hub, live, headcount_panel):
    room = await make_room(n=2)
    screen = await live.join(room.code, role="screen")
    hidden = await screen.until(is_panel())
    assert (hidden["shown"], hidden["data"]) == (False, None)

    session = await db(services.set_screen_panel)(
        session=room.session, name="headcount", shown=True
    )
    assert session.screen_panels == ["headcount"]
    shown = await screen.until(lambda m: m["type"] == "panel" and m["shown"])
    assert shown["data"] == {"joined": "fewer than 5"}

    await db(services.set_screen_panel)(session=room.session, name="headcount", shown=False)
    off = await screen.until(lambda m: m["type"] == "panel" and not m["shown"])
    assert off["data"] is None


async def test_participants_never_get_panels_and_unknown_panels_are_refused(
    hub, live, headcount_panel
):
    room = await make_room(n=1)
    participant = await live.join(room.code, token=room.tokens[0])
    await db(services.join_session)(code=room.code, display_name="Another")
    await participant.ping()
    assert await participant.nothing(0.8)
    assert not [m for m in participant.seen if m["type"] == "panel"]
    with pytest.raises(CommandError):
        await db(services.set_screen_panel)(session=room.session, name="nope", shown=True)
