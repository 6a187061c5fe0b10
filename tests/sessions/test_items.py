"""sessions/items.py on its own: how a command names an item of an activity (the
kinds' own tests run it through their commands)."""

from __future__ import annotations

import pytest

from boards.models import Note
from qna.models import Question
from sessions import services
from sessions.items import MAX_ROW_ID, Items, item_id
from sessions.kinds import CommandError
from tests import factories

pytestmark = pytest.mark.django_db

NOTES = Items(Note, "unknown_note", "No such note.", "Name a note.", highest=2**31 - 1)


@pytest.mark.parametrize("value", [True, 0, -1, 1.0, "3", None, [1], MAX_ROW_ID + 1])
def test_only_a_whole_number_within_the_row_ids_names_an_item(value):
    with pytest.raises(CommandError) as refused:
        item_id(value, refusal="Name an item.")
    assert (refused.value.code, refused.value.message) == ("invalid_value", "Name an item.")


def test_a_kind_may_take_fewer_ids_than_a_row_can_have():
    assert item_id(MAX_ROW_ID, refusal="x") == MAX_ROW_ID
    assert NOTES.id_of(2**31 - 1) == 2**31 - 1
    with pytest.raises(CommandError) as refused:
        NOTES.id_of(2**31)
    assert refused.value.code == "invalid_value"


def test_an_item_is_found_in_its_own_activity_only():
    session = factories.make_session()
    board, other = (
        services.add_activity(session=session, kind="idea_board", title=t, config={"columns": "A"})
        for t in ("One", "Two")
    )
    participant = factories.make_participant(session=session)
    note = Note.objects.create(activity=board, participant=participant, column=0, text="A")
    assert NOTES.find(board, note.pk) == note
    with pytest.raises(CommandError) as refused:
        NOTES.find(other, note.pk)
    assert (refused.value.code, refused.value.message) == ("unknown_note", "No such note.")
    questions = Items(Question, "unknown_question", "No such question.", "Name a question.")
    with pytest.raises(CommandError) as refused:
        questions.find(board, note.pk)
    assert refused.value.code == "unknown_question"
