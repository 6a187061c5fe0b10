"""The representation panel in the facilitator console and on the projector: sent over
the live connection as people join, against the process's target mix."""

from __future__ import annotations

import pytest

from sessions import services
from tests import factories
from tests.consult.factories import make_process
from tests.representation.world import set_targets
from tests.sessions.conftest import live  # noqa: F401 - the fixture
from tests.sessions.live import db

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@db
def live_room_of_a_process():
    owner = factories.make_user(organiser=True)
    process = make_process(owner=owner)
    set_targets(process, "stakeholder_group", {"civil_society": "50", "industry_upstream": "50"})
    event = factories.make_event(owner=owner, process=process)
    session = factories.make_session(event=event)
    factories.make_activity(session=session, open=True)
    for _ in range(5):
        factories.make_participant(session=session, stakeholder_group="industry_upstream")
    return session, factories.login_cookie(owner)


def group_rows(message):
    (groups,) = [d for d in message["data"]["dimensions"] if d["dimension"] == "stakeholder_group"]
    return {r["value"]: r for r in groups["rows"]}


def is_representation(joined_civil: int | None = None):
    def check(m):
        if m["type"] != "panel" or m["name"] != "representation" or not m["data"]:
            return False
        if joined_civil is None:
            return True
        return group_rows(m)["civil_society"]["cells"]["joined"]["count"] == joined_civil

    return check


async def test_the_console_panel_shows_joiners_against_the_target_and_flags_the_missing_group(
    hub,
    live,  # noqa: F811
):
    session, cookie = await live_room_of_a_process()
    console = await live.join(session.code, role="facilitator", cookie=cookie)
    first = await console.until(is_representation(0))
    rows = group_rows(first)
    assert rows["industry_upstream"]["cells"]["joined"]["count"] == 5
    assert rows["industry_upstream"]["cells"]["joined"]["share"] == 100.0
    civil = rows["civil_society"]["cells"]["joined"]
    assert (civil["count"], civil["gap"], civil["below_target"]) == (0, -50.0, True)
    assert rows["civil_society"]["target"] == 50.0
    assert first["data"]["page"].endswith(f"/sessions/{session.code}/representation/")

    await db(services.join_session)(code=session.code, stakeholder_group="civil_society")
    update = await console.until(is_representation(1))
    assert group_rows(update)["civil_society"]["cells"]["joined"]["share"] == pytest.approx(
        100 / 6, abs=0.05
    )


async def test_the_projector_shows_the_aggregate_with_small_groups_suppressed(
    hub,
    live,  # noqa: F811
):
    session, _cookie = await live_room_of_a_process()
    screen = await live.join(session.code, role="screen")
    assert (await screen.until(lambda m: m["type"] == "panel"))["data"] is None
    await db(services.set_screen_panel)(session=session, name="representation", shown=True)
    shown = await screen.until(is_representation())
    rows = group_rows(shown)
    assert [s["key"] for s in shown["data"]["stages"]] == ["joined", "live_contributed"]
    assert rows["industry_upstream"]["cells"]["joined"]["count"] == 5
    assert rows["civil_society"]["cells"]["joined"] == {
        "count": None, "share": None, "gap": None, "alert": True, "too_few": True,
        "below_target": False, "suppressed": "fewer",
    }  # fmt: skip
    assert "page" not in shown["data"]
