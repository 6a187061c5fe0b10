"""Which rows the live room's writes lock. A participant's command locks that
participant's row and nothing shared: the session row is what every broadcast locks to
take the next seq, and a command queued behind it (or behind another person's command)
made the whole room one queue (docs/performance.md, "One lock per person").

Each test holds a lock on the session row from a second connection, as a broadcast or
a join would, and runs the write with a lock timeout: it must not wait for that lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections

from boards.models import Note, NoteVote
from qna.models import Question
from sessions import room_events, services
from sessions.models import Session
from tests import factories
from tests.boards.boards import act, make_board, moderate, people

pytestmark = pytest.mark.django_db(transaction=True)


LOCKS = {
    "FOR UPDATE": "SELECT id FROM live_session WHERE id = %s FOR UPDATE",
    "FOR KEY SHARE": "SELECT id FROM live_session WHERE id = %s FOR KEY SHARE",
}


@contextmanager
def session_row_held(session: Session, lock: str) -> Iterator[None]:
    """``lock`` (e.g. ``FOR UPDATE``) on the session's row from another connection, and
    a 2 s lock timeout on this one, for the duration of the block."""
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(LOCKS[lock], [session.pk])
            assert cursor.fetchone() == (session.pk,)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        other.rollback()
        other.close()


def test_board_notes_and_upvotes_do_not_wait_for_the_session_row():
    board = make_board()
    ana, ben = people(board, 2)
    with session_row_held(board.session, "FOR UPDATE"):
        act(board, ana, "post", {"column": 0, "text": "Shared traceability data"})
    note = Note.objects.get(activity=board)
    moderate(board, "start_voting", {"budget": 3})
    with session_row_held(board.session, "FOR UPDATE"):
        result = act(board, ben, "upvote", {"note": note.pk})
    assert result["ballot"]["votes"] == [note.pk]
    assert NoteVote.objects.filter(note=note, participant=ben).count() == 1


def test_questions_do_not_wait_for_the_session_row():
    activity = services.add_activity(
        session=factories.make_session(), kind="qna", title="Ask the panel", config={}
    )
    services.open_activity(activity=activity)
    asker = factories.make_participant(session=activity.session)
    with session_row_held(activity.session, "FOR UPDATE"):
        services.perform_command(
            participant=asker,
            activity_id=activity.pk,
            action="ask",
            data={"text": "Who pays for recycling?", "anonymous": False},
            key="ask-1",
        )
    assert Question.objects.filter(participant=asker).count() == 1


def test_a_broadcast_takes_its_seq_beside_a_join_in_progress():
    # A join inserts a participant: its foreign key holds FOR KEY SHARE on the session
    # row until it commits. Taking the next seq updates no key, so it need not wait.
    session = factories.make_session()
    before = Session.objects.get(pk=session.pk).seq
    with session_row_held(session, "FOR KEY SHARE"):
        message = room_events.stamp_room(session.pk)
        seq, _texts = room_events.snapshot_texts(session.pk)
    assert message["seq"] == seq == before + 1
