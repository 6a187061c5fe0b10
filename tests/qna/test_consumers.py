"""The Q&A over the room's WebSocket (WebsocketCommunicator, real Redis and PostgreSQL):
who receives which item event, names of anonymous askers, upvotes and moderation."""

from __future__ import annotations

import json

import pytest

from qna.models import Question, QuestionVote
from tests.qna.qna import qna_room
from tests.sessions.live import Room, db, next_ref

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SECRET_NAME = "Zebediah Quill"


@db
def make_qna_room(names=(SECRET_NAME, "Ben"), revealed=True, **config) -> Room:
    """An open session with an open Q&A, named participants and the owner's cookie."""
    return qna_room(names=names, revealed=revealed, **config)


@db
def questions(activity_id):
    return list(
        Question.objects.filter(activity_id=activity_id).order_by("id").values("id", "status")
    )


@db
def vote_count(question_id):
    return QuestionVote.objects.filter(question_id=question_id).count()


async def act(client, activity, action, data, key=None):
    ref = next_ref()
    await client.send(
        {
            "type": "act",
            "id": ref,
            "activity": activity,
            "action": action,
            "data": data,
            "key": key or ref,
        }
    )
    return await client.reply(ref)


async def moderate(facilitator, activity, action, data):
    return await facilitator.control(
        "moderate", activity=activity, value={"action": action, "data": data}
    )


def is_item(m):
    return m["type"] == "event" and m["name"] == "item"


async def test_a_pending_question_reaches_only_the_facilitator_until_approved(hub, live):
    room = await make_qna_room(premoderate=True)
    qid = room.activity.pk
    asker = await live.join(room.code, token=room.tokens[0])
    other = await live.join(room.code, token=room.tokens[1])
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)

    ack = await act(asker, qid, "ask", {"text": "Who pays for recycling?"})
    assert ack["type"] == "ack", ack
    (own,) = ack["result"]["ballot"]["questions"]
    assert (own["text"], own["status"]) == ("Who pays for recycling?", "pending")
    question_id = own["id"]

    staff = await facilitator.event("item")
    assert staff["data"]["activity"] == qid
    assert staff["data"]["question"]["id"] == question_id
    assert staff["data"]["question"]["status"] == "pending"
    assert staff["data"]["question"]["author"] == SECRET_NAME
    for client in (asker, other, screen):
        event = await client.event("item")
        assert event["seq"] == staff["seq"]  # same seq for everyone: no gap
        assert event["data"] is None
    tally = await facilitator.event("tally", lambda m: m["data"]["tally"]["pending"] == 1)
    assert tally["data"]["count"] == 0
    assert "pending" not in (await other.event("tally"))["data"]["tally"]

    # A participant joining now sees no pending question either.
    late = await live.join(room.code, token=room.tokens[1])
    assert late.welcome["data"]["activities"][0]["items"] == []

    done = await moderate(facilitator, qid, "approve", {"question": question_id})
    assert done == {
        "type": "ack",
        "ref": done["ref"],
        "result": {"action": "moderate", "message": "Moderation saved."},
    }
    expected = {
        "id": question_id,
        "text": "Who pays for recycling?",
        "author": SECRET_NAME,
        "answered": False,
    }
    for client in (asker, other, screen):
        event = await client.event("item", lambda m: m["data"] is not None)
        view = event["data"]["question"]
        assert {k: view[k] for k in expected} == expected
        assert "status" not in view and "participant" not in view
    approved = await facilitator.event(
        "item", lambda m: m["data"]["question"]["status"] == "visible"
    )
    assert approved["data"]["question"]["id"] == question_id
    await other.event("tally", lambda m: m["data"]["tally"]["questions"] == 1)
    assert await questions(qid) == [{"id": question_id, "status": "visible"}]


async def test_an_anonymous_question_never_carries_the_askers_name_to_the_room(hub, live):
    room = await make_qna_room()
    qid = room.activity.pk
    asker = await live.join(room.code, token=room.tokens[0])
    other = await live.join(room.code, token=room.tokens[1])
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)

    ack = await act(asker, qid, "ask", {"text": "Is the target realistic?", "anonymous": True})
    question_id = ack["result"]["ballot"]["questions"][0]["id"]
    for client in (other, screen):
        event = await client.event("item")
        assert event["data"]["question"]["author"] is None
    staff = await facilitator.event("item")
    assert staff["data"]["question"]["author"] == SECRET_NAME  # moderators_see_names
    assert staff["data"]["question"]["anonymous"] is True

    # Moderation, the projector and tallies do not leak it either.
    await moderate(facilitator, qid, "mark_answered", {"question": question_id})
    await moderate(facilitator, qid, "put_on_screen", {"question": question_id})
    for client in (other, screen):
        await client.event("item", lambda m: m["data"].get("on_screen") == question_id)
        await client.event("tally", lambda m: m["data"]["tally"]["answered"] == 1)
    fresh_other = await live.join(room.code, token=room.tokens[1])
    fresh_screen = await live.join(room.code, role="screen")
    for client in (fresh_other, fresh_screen):
        (activity,) = client.welcome["data"]["activities"]
        assert activity["items"][0]["author"] is None
        assert activity["config"]["on_screen"] == question_id
    for client in (other, screen, fresh_other, fresh_screen):
        assert SECRET_NAME not in json.dumps([*client.seen, client.welcome])


async def test_a_double_upvote_stays_one_and_the_tally_counts_it(hub, live):
    room = await make_qna_room()
    qid = room.activity.pk
    asker = await live.join(room.code, token=room.tokens[0])
    voter = await live.join(room.code, token=room.tokens[1])
    screen = await live.join(room.code, role="screen")
    ack = await act(asker, qid, "ask", {"text": "When do the pilots start?"})
    question_id = ack["result"]["ballot"]["questions"][0]["id"]

    first = await act(voter, qid, "upvote", {"question": question_id}, key="up-1")
    second = await act(voter, qid, "upvote", {"question": question_id}, key="up-2")
    resent = await act(voter, qid, "upvote", {"question": question_id}, key="up-1")
    for ack in (first, second, resent):
        assert ack["type"] == "ack"
        assert ack["result"]["ballot"] == {"questions": [], "upvoted": [question_id]}
    assert resent["result"]["duplicate"] is True
    assert await vote_count(question_id) == 1
    event = await screen.event("tally", lambda m: m["data"]["tally"]["votes"])
    assert event["data"]["tally"]["votes"] == {str(question_id): 1}

    own = await act(asker, qid, "upvote", {"question": question_id})
    assert (own["type"], own["code"]) == ("error", "own_question")
    back = await act(voter, qid, "unvote", {"question": question_id})
    assert back["result"]["ballot"] is None
    await screen.event("tally", lambda m: m["data"]["tally"]["votes"] == {})
    assert await vote_count(question_id) == 0


async def test_a_participant_sending_approve_is_forbidden(hub, live):
    room = await make_qna_room(premoderate=True)
    qid = room.activity.pk
    asker = await live.join(room.code, token=room.tokens[0])
    ack = await act(asker, qid, "ask", {"text": "May I approve myself?"})
    question_id = ack["result"]["ballot"]["questions"][0]["id"]
    for action in ("approve", "put_on_screen", "mark_answered"):
        error = await act(asker, qid, action, {"question": question_id})
        assert (error["type"], error["code"]) == ("error", "forbidden")
    # The facilitator's envelope does not help a participant either.
    ref = next_ref()
    await asker.send(
        {
            "type": "control",
            "id": ref,
            "action": "moderate",
            "activity": qid,
            "value": {"action": "approve", "data": {"question": question_id}},
        }
    )
    error = await asker.reply(ref)
    assert (error["type"], error["code"]) == ("error", "forbidden")
    assert await questions(qid) == [{"id": question_id, "status": "pending"}]


async def test_hiding_removes_the_question_and_the_projector_follows(hub, live):
    room = await make_qna_room()
    qid = room.activity.pk
    asker = await live.join(room.code, token=room.tokens[0])
    other = await live.join(room.code, token=room.tokens[1])
    screen = await live.join(room.code, role="screen")
    facilitator = await live.join(room.code, role="facilitator", cookie=room.cookie)
    first = await act(asker, qid, "ask", {"text": "First?"})
    second = await act(other, qid, "ask", {"text": "Second?"})
    a = first["result"]["ballot"]["questions"][0]["id"]
    b = second["result"]["ballot"]["questions"][0]["id"]

    await moderate(facilitator, qid, "put_on_screen", {"question": a})
    await screen.event("item", lambda m: m["data"] == {"activity": qid, "on_screen": a})
    await moderate(facilitator, qid, "put_on_screen", {"question": b})  # replaces a
    await screen.event("item", lambda m: m["data"] == {"activity": qid, "on_screen": b})
    await moderate(facilitator, qid, "hide", {"question": b})
    await screen.event("item", lambda m: m["data"] == {"activity": qid, "on_screen": None})
    for client in (asker, other, screen):
        await client.event("item", lambda m: m["data"] == {"activity": qid, "removed": b})
    staff = await facilitator.event(
        "item", lambda m: (m["data"].get("question") or {}).get("status") == "hidden"
    )
    assert staff["data"]["question"]["id"] == b

    refused = await moderate(facilitator, qid, "put_on_screen", {"question": b})
    assert (refused["type"], refused["code"]) == ("error", "not_visible")
    withdrawn = await act(asker, qid, "withdraw", {"question": a})
    assert withdrawn["result"]["ballot"] is None
    for client in (other, screen, facilitator):
        await client.event("item", lambda m: m["data"] == {"activity": qid, "removed": a})
    assert await questions(qid) == [{"id": b, "status": "hidden"}]
