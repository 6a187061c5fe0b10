"""The live room on the embedded default (`make run`): SQLite and the in-process
channel layer, in a real Daphne process. The command path's written-out SQL
(``sessions.command_queries``, ``boards.command_queries``) runs here on SQLite;
every other test of it runs on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.client import RoomClient, join
from tests.servers import ROOT, DaphneProcess

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio]

WAIT = 15.0

SET_UP = """
import datetime as dt, json
from django.contrib.auth.models import User
from sessions import services
owner = User.objects.create_user("embedded-facilitator")
event = services.create_event(owner=owner, title="Embedded", kind="roadmap_workshop",
    starts_on=dt.date.today(), ends_on=dt.date.today())
session = services.create_session(event=event, title="Embedded room")
board = services.add_activity(session=session, kind="idea_board", title="Ideas",
    config={"columns": ["Challenges", "Solutions"], "mode": "open", "max_notes": 2})
services.open_activity(activity=board)
services.moderate_activity(activity=board, action="start_voting", data={"budget": 1})
forum = services.create_session(event=event, title="Embedded Q&A")
qna = services.add_activity(session=forum, kind="qna", title="Questions", config={})
services.open_activity(activity=qna)
print(json.dumps({"code": session.code, "board": board.pk, "qna_code": forum.code, "qna": qna.pk}))
"""

COUNT = """
import json
from boards.models import Note, NoteVote
from qna.models import Question, QuestionVote
print(json.dumps({"notes": Note.objects.count(), "votes": NoteVote.objects.count(),
    "questions": Question.objects.count(), "question_votes": QuestionVote.objects.count()}))
"""


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, static_root):
    """Daphne on a new SQLite file with the in-process channel layer, and a board
    open for notes and an upvote round (one upvote each), and a Q&A in a session of its
    own. One server for the module (migrating SQLite and starting Daphne take most of
    its time): each test uses its own session and counts only its own kind's rows."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('embedded') / 'db.sqlite3'}",
        "REDIS_URL": "",
        "STATIC_MANIFEST": "0",
    }
    manage(env, "migrate", "--noinput", "-v0")
    room = json.loads(manage(env, "shell", "-c", SET_UP).strip().splitlines()[-1])
    server = DaphneProcess(
        static_root=static_root,
        extra_env={"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": ""},
    ).start()
    yield server, room, lambda: json.loads(manage(env, "shell", "-c", COUNT).splitlines()[-1])
    server.stop()


def act(client: RoomClient, activity: int, action: str, data: dict, key: str):
    return client.request(
        {"type": "act", "activity": activity, "action": action, "data": data, "key": key},
        timeout=WAIT,
    )


async def connected(server, code: str, *names: str) -> list[RoomClient]:
    clients = []
    for name in names:
        status, body = await join(server.base_url, code, display_name=name)
        assert status == 201, body
        client = RoomClient(server.base_url, code, token=body["token"], name=name)
        client.participant = body["participant"]
        await client.connect()
        clients.append(client)
    return clients


async def test_notes_and_upvotes_on_sqlite(embedded):
    server, room, counts = embedded
    board = room["board"]
    clients = await connected(server, room["code"], "ana", "ben")
    ana, ben = clients
    try:
        posted = await act(ana, board, "post", {"column": 1, "text": "  Shared data \n"}, "a1")
        assert posted["type"] == "ack", posted
        ballot = posted["result"]["ballot"]
        [note] = ballot["notes"]
        assert note["column"] == 1 and note["text"] == "Shared data"
        assert note["hidden"] is False
        assert ballot["votes"] == [] and ballot["remaining"] == 1

        # The other participant sees the note counted, then upvotes it.
        await ben.wait_for(lambda c: (c.tallies.get(board) or {}).get("count") == 1, timeout=WAIT)
        upvoted = await act(ben, board, "upvote", {"note": note["id"]}, "b1")
        assert upvoted["result"]["ballot"] == {"notes": [], "votes": [note["id"]], "remaining": 0}
        assert upvoted["result"]["duplicate"] is False
        await ana.wait_for(
            lambda c: (
                (c.tallies.get(board) or {}).get("tally", {}).get("votes") == {str(note["id"]): 1}
            ),
            timeout=WAIT,
        )

        # A resend gets the stored answer; a second upvote of the note changes nothing.
        resent = await act(ben, board, "upvote", {"note": note["id"]}, "b1")
        assert resent["result"] == {**upvoted["result"], "duplicate": True}
        again = await act(ben, board, "upvote", {"note": note["id"]}, "b2")
        assert again["result"]["ballot"]["votes"] == [note["id"]]

        # Refusals are typed, and change nothing.
        second = await act(ana, board, "post", {"column": 0, "text": "Second"}, "a2")
        assert second["type"] == "ack"
        assert [n["text"] for n in second["result"]["ballot"]["notes"]] == [
            "Shared data",
            "Second",
        ]
        refused = {
            "too_many": await act(ana, board, "post", {"column": 0, "text": "Third"}, "a3"),
            "over_budget": await act(
                ben, board, "upvote", {"note": second["result"]["ballot"]["notes"][1]["id"]}, "b3"
            ),
            "unknown_note": await act(ben, board, "upvote", {"note": 999999}, "b4"),
            "too_long": await act(ben, board, "post", {"column": 0, "text": "x" * 281}, "b5"),
            "unknown_activity": await act(ben, board + 1000, "upvote", {"note": 1}, "b6"),
        }
        for code, reply in refused.items():
            assert (reply["type"], reply["code"]) == ("error", code), reply
        assert counts()["notes"] == 2 and counts()["votes"] == 1
    finally:
        for client in clients:
            await client.close()


async def test_questions_and_upvotes_on_sqlite(embedded):
    server, room, counts = embedded
    qna = room["qna"]
    clients = await connected(server, room["qna_code"], "ana", "ben")
    ana, ben = clients
    try:
        asked = await act(ana, qna, "ask", {"text": "Who pays  for traceability?"}, "a1")
        assert asked["type"] == "ack", asked
        [question] = asked["result"]["ballot"]["questions"]
        assert question["text"] == "Who pays for traceability?"
        assert (question["anonymous"], question["status"], question["answered"]) == (
            False,
            "visible",
            False,
        )
        assert question["created_at"].endswith("+00:00")
        upvoted = await act(ben, qna, "upvote", {"question": question["id"]}, "b1")
        assert upvoted["result"]["ballot"] == {"questions": [], "upvoted": [question["id"]]}
        again = await act(ben, qna, "upvote", {"question": question["id"]}, "b2")
        assert again["result"]["ballot"]["upvoted"] == [question["id"]]
        # The state read back from SQLite is the one the ack gave, time included.
        snapshot = await ana.resync()
        assert snapshot["me"]["ballots"][str(qna)] == asked["result"]["ballot"]
        refused = {
            "own_question": await act(ana, qna, "upvote", {"question": question["id"]}, "a2"),
            "not_found": await act(ben, qna, "upvote", {"question": 999999}, "b3"),
        }
        for code, reply in refused.items():
            assert (reply["type"], reply["code"]) == ("error", code), reply
        assert counts()["questions"] == 1 and counts()["question_votes"] == 1
    finally:
        for client in clients:
            await client.close()
