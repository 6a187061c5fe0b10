"""Common ground over the room's WebSocket (WebsocketCommunicator, real Redis and
PostgreSQL): answers are acknowledged with the participant's state, the facilitator sees
the analysis arrive once the background task has run, and refusals are typed errors."""

from __future__ import annotations

import pytest

from consensus.models import Statement
from consensus.tasks import recompute_analysis
from sessions import services
from tests import factories
from tests.sessions import conftest as room_fixtures
from tests.sessions.live import Room, db, next_ref

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

live = room_fixtures.live  # the room sockets


@db
def make_consensus_room(n: int = 3) -> tuple[Room, list[int]]:
    session = factories.make_session()
    activity = services.add_activity(
        session=session,
        kind="consensus",
        title="Where do we agree?",
        config={"statements": ["Publish every contract", "Ban unprocessed ore exports"]},
        results_visibility="live",
    )
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    session.refresh_from_db()
    groups = ["industry_upstream", "civil_society", "policy"]
    participants = [
        factories.make_participant(session=session, stakeholder_group=groups[i % 3])
        for i in range(n)
    ]
    room = Room(
        session=session,
        activity=activity,
        code=session.code,
        cookie=factories.login_cookie(session.event.owner),
        participants=participants,
        tokens=[factories.token_for(p) for p in participants],
    )
    ids = list(
        Statement.objects.filter(activity=activity).order_by("id").values_list("id", flat=True)
    )
    return room, ids


async def act(client, activity, action, data):
    ref = next_ref()
    await client.send(
        {"type": "act", "id": ref, "activity": activity, "action": action, "data": data, "key": ref}
    )
    return await client.reply(ref)


def analysed(message):
    tally = (message.get("data") or {}).get("tally") or {}
    return message["type"] == "event" and message["name"] == "tally" and tally.get("analysis")


async def test_answers_are_acknowledged_and_the_analysis_reaches_the_room(hub, live):
    room, (publish, ban) = await make_consensus_room()
    aid = room.activity.pk
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    people = [await live.join(room.code, token=token) for token in room.tokens]

    for person, vote in zip(people, ["agree", "agree", "disagree"], strict=True):
        ack = await act(person, aid, "answer", {"statement": publish, "vote": vote})
        assert ack["type"] == "ack", ack
        assert ack["result"]["ballot"]["answers"] == {str(publish): vote}
    # The live counts come at once; the analysis is queued, not computed in the room.
    counted = await facilitator.event(
        "tally", lambda m: m["data"]["tally"]["counts"].get(str(publish)) == [2, 1, 0]
    )
    assert counted["data"]["tally"]["updating"] is True

    # The worker's job (run here in-process, as `db_worker` would): the hub's recheck
    # brings the stored analysis to the room without another answer.
    await db(recompute_analysis.call)(activity_id=aid)
    message = await facilitator.until(analysed)
    analysis = message["data"]["tally"]["analysis"]
    assert analysis["participants"] == 3 and analysis["answers"] == 3
    assert message["data"]["tally"]["updating"] is False
    assert analysis["statements"][str(publish)]["by_group"]["policy"] is None  # under 5
    seen_by_participant = await people[0].until(analysed)
    assert (
        "by_group"
        not in seen_by_participant["data"]["tally"]["analysis"]["statements"][str(publish)]
    )
    assert str(ban) in analysis["statements"]


async def test_refusals_are_typed_errors(hub, live):
    room, (publish, _ban) = await make_consensus_room(n=1)
    aid = room.activity.pk
    person = await live.join(room.code, token=room.tokens[0])
    reply = await act(person, aid, "answer", {"statement": publish, "vote": "maybe"})
    assert (reply["type"], reply["code"]) == ("error", "invalid_value")
    reply = await act(person, aid, "approve", {"statement": publish})
    assert (reply["type"], reply["code"]) == ("error", "forbidden")
    reply = await act(person, aid, "submit", {"text": "publish every CONTRACT!"})
    assert (reply["type"], reply["code"]) == ("error", "duplicate")


@pytest.mark.parametrize(
    ("headers", "cookies", "language"),
    [
        ([(b"accept-language", b"es-ES,es;q=0.9,en;q=0.5")], None, "es"),
        ([(b"accept-language", b"fr")], {"django_language": "zh-hans"}, "zh-hans"),
        ([(b"accept-language", b"xx, *")], None, "en"),
    ],
)
async def test_errors_are_written_in_the_socket_s_language(hub, live, headers, cookies, language):
    from django.utils import translation
    from django.utils.translation import gettext

    room, (publish, _ban) = await make_consensus_room(n=1)
    person = await live.connect(room.code, headers=headers, cookies=cookies)
    await person.send({"type": "hello", "role": "participant", "token": room.tokens[0]})
    assert (await person.receive())["type"] == "welcome"
    reply = await act(person, room.activity.pk, "answer", {"statement": publish, "vote": "maybe"})
    with translation.override(language):
        expected = gettext("Answer agree, disagree or pass.")
    assert (reply["code"], reply["message"]) == ("invalid_value", expected)
    if language != "en":
        assert expected != "Answer agree, disagree or pass."
