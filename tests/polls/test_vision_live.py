"""A dot vote through the room consumer (WebsocketCommunicator, real Redis layer and
PostgreSQL): a refused ballot changes nothing; an accepted one reaches the projector."""

from __future__ import annotations

import pytest

from tests.sessions.conftest import live  # noqa: F401 - the fixture
from tests.sessions.live import ballots, db_tally, is_tally, make_room, receipts

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

STATEMENTS = "Zero-waste mines\nmilestone 2030: Half recycled\naction industry: Audits"


async def test_an_over_budget_dot_vote_is_refused_and_a_valid_one_reaches_the_screen(hub, live):  # noqa: F811
    room = await make_room(
        kind="dot_vote",
        n=2,
        revealed=True,
        config={"statements": STATEMENTS, "dots": 4, "max_per_statement": 3},
    )
    voter, other = [await live.join(room.code, token=t) for t in room.tokens]
    screen = await live.join(room.code, role="screen")
    (shown,) = screen.welcome["data"]["activities"]
    assert shown["config"]["dots"] == 4 and len(shown["config"]["statements"]) == 3
    assert shown["tally"]["total"] == 0

    error = await voter.vote(room.activity.pk, {"0": 3, "1": 2}, key="over", ref="over")
    assert (error["type"], error["code"], error["ref"]) == ("error", "over_budget", "over")
    error = await voter.vote(room.activity.pk, {"2": 4}, key="heap", ref="heap")
    assert (error["type"], error["code"]) == ("error", "too_many_on_one")
    assert await ballots(room.activity.pk) == []
    assert await receipts(room.activity.pk) == 0

    ack = await voter.vote(room.activity.pk, {"2": 3, "0": 1}, key="ok", ref="ok")
    assert ack["type"] == "ack"
    assert ack["result"] == {
        "activity": room.activity.pk,
        "ballot": {"0": 1, "2": 3},
        "duplicate": False,
    }
    await other.vote(room.activity.pk, {"1": 2, "0": 2}, key="ok2")
    assert await ballots(room.activity.pk) == [{"0": 1, "2": 3}, {"0": 2, "1": 2}]

    expected = await db_tally(room.activity.pk)
    assert expected["statements"] == [
        {"index": 0, "dots": 3, "voters": 2},
        {"index": 2, "dots": 3, "voters": 1},
        {"index": 1, "dots": 2, "voters": 1},
    ]
    event = await screen.event("tally", lambda m: m["data"]["count"] == 2)
    # The refused ballots changed nothing, so they sent no tally either.
    assert all(m["data"]["count"] > 0 for m in screen.seen + voter.seen if is_tally(m))
    assert event["data"] == {"activity": room.activity.pk, "count": 2, "tally": expected}
    assert event["data"]["tally"]["by_group"][-1] == {
        "group": "not_said",
        "label": "Not said",
        "respondents": 2,
        "hidden": True,
    }
