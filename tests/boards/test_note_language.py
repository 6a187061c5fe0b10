"""Notes, questions and statements record the language they were written in (the
author's interface language: the socket's, for commands sent over the live room), the
room's items carry it and the activity exports have it as a column."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from boards.models import Note
from consensus.models import Statement
from qna.models import Question
from sessions import services
from sessions.kinds import get_kind
from tests import factories
from tests.boards.boards import board_room, make_board
from tests.factories import act
from tests.sessions.live import db, next_ref


def open_activity(kind: str, **config):
    activity = services.add_activity(
        session=factories.make_session(), kind=kind, title="Speak", config=config
    )
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    return activity


def exported(activity) -> list[dict[str, str]]:
    client = Client()
    client.force_login(activity.session.event.owner)
    url = reverse("frontend:export_csv", args=[activity.session.code, activity.pk])
    return list(csv.DictReader(io.StringIO(client.get(url).content.decode())))


def exported_json(activity) -> dict:
    client = Client()
    client.force_login(activity.session.event.owner)
    url = reverse("frontend:export_json", args=[activity.session.code, activity.pk])
    return client.get(url).json()


# --------------------------------------------------------------------------- the live room


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_note_posted_over_a_french_socket_records_fr_and_the_room_hears_it(hub, live):
    room = await db(board_room)(n=2)
    board = room.activity.pk
    french = await live.join(room.code, token=room.tokens[0], cookies={"django_language": "fr"})
    other = await live.join(room.code, token=room.tokens[1])
    ref = next_ref()
    await french.send(
        {
            "type": "act",
            "id": ref,
            "key": ref,
            "activity": board,
            "action": "post",
            "data": {"column": 0, "text": "Plus de recyclage"},
        }
    )
    ack = await french.reply(ref)
    assert ack["type"] == "ack", ack
    note_id = ack["result"]["ballot"]["notes"][0]["id"]
    seen = await other.until(lambda m: m["type"] == "event" and m["name"] == "item")
    assert seen["data"]["note"]["id"] == note_id
    assert seen["data"]["note"]["language"] == "fr"
    language = await db(lambda: Note.objects.get(pk=note_id).language)()
    assert language == "fr"


# --------------------------------------------------------------------------- services


@pytest.mark.django_db
def test_notes_questions_and_statements_record_the_active_language():
    board = make_board()
    ana = factories.make_participant(session=board.session, display_name="Ana")
    with translation.override("es"):
        act(board, ana, "post", {"column": 0, "text": "Más reciclaje"})
    note = Note.objects.get()
    assert note.language == "es"
    # Edited from a Portuguese interface: still the language it was written in.
    with translation.override("pt"):
        act(board, ana, "edit", {"note": note.pk, "text": "Más reciclaje ya"})
    note.refresh_from_db()
    assert (note.text, note.language) == ("Más reciclaje ya", "es")

    qna = open_activity("qna")
    ben = factories.make_participant(session=qna.session, display_name="Ben")
    with translation.override("zh-hans"):
        act(qna, ben, "ask", {"text": "谁来支付回收费用?", "anonymous": False})
    assert Question.objects.get().language == "zh-hans"

    with translation.override("fr"):
        consensus = open_activity("consensus", statements=["Les contrats doivent être publiés."])
    cleo = factories.make_participant(session=consensus.session, display_name="Cleo")
    with translation.override("pt"):
        act(consensus, cleo, "submit", {"text": "Os contratos devem ser auditados."})
    with translation.override("es"):
        services.moderate_activity(
            activity=consensus, action="add", data={"text": "Los contratos deben ser públicos."}
        )
    assert sorted(Statement.objects.values_list("text", "language")) == [
        ("Les contrats doivent être publiés.", "fr"),  # the facilitator's first statements
        ("Los contratos deben ser públicos.", "es"),  # added by the facilitator
        ("Os contratos devem ser auditados.", "pt"),  # submitted by a participant
    ]


@pytest.mark.django_db
def test_item_views_carry_the_language_but_not_an_anonymous_question_s():
    qna = open_activity("qna")
    kind = get_kind("qna")
    ana = factories.make_participant(session=qna.session, display_name="Ana")
    with translation.override("es"):
        act(qna, ana, "ask", {"text": "¿Quién paga?", "anonymous": False})
        act(qna, ana, "ask", {"text": "¿Y el agua?", "anonymous": True})
    _named, anonymous = Question.objects.order_by("id")
    assert anonymous.language == "es"  # recorded, but shown only with the name
    views = kind.item_lists(qna)
    assert [(q["text"], q["language"]) for q in views["participant"]] == [
        ("¿Quién paga?", "es"),
        ("¿Y el agua?", ""),
    ]
    # The facilitator sees the asker's name (moderators_see_names is on), so the language.
    assert [q["language"] for q in views["facilitator"]] == ["es", "es"]
    item = kind.item_views(qna, {"question": anonymous.pk, "was_public": True})
    assert item["participant"]["question"]["language"] == ""


# --------------------------------------------------------------------------- exports


@pytest.mark.django_db
def test_the_exports_carry_the_language_of_each_note_question_and_statement():
    board = make_board()
    ana = factories.make_participant(session=board.session, display_name="Ana")
    with translation.override("fr"):
        act(board, ana, "post", {"column": 0, "text": "Plus de recyclage"})
    act(board, ana, "post", {"column": 1, "text": "More audits"})
    Note.objects.filter(text="More audits").update(language="")  # from before: unknown
    assert [(r["note"], r["language"]) for r in exported(board)] == [
        ("Plus de recyclage", "fr"),
        ("More audits", ""),
    ]
    body = exported_json(board)
    assert "language" in body["columns"]
    assert [r["language"] for r in body["responses"]] == ["fr", ""]

    qna = open_activity("qna")
    ben = factories.make_participant(session=qna.session, display_name="Ben")
    with translation.override("pt"):
        act(qna, ben, "ask", {"text": "Quem paga?", "anonymous": False})
        act(qna, ben, "ask", {"text": "E a água?", "anonymous": True})
    # An anonymous question's language is left out with its asker: Ben's named row
    # shows his, and would tie the two together.
    assert [(r["question"], r["language"], r["display_name"]) for r in exported(qna)] == [
        ("Quem paga?", "pt", "Ben"),
        ("E a água?", "", ""),
    ]

    with translation.override("es"):
        consensus = open_activity("consensus", statements=["Los contratos deben ser públicos."])
    cleo = factories.make_participant(session=consensus.session, display_name="Cleo")
    statement = Statement.objects.get(activity=consensus)
    act(consensus, cleo, "answer", {"statement": statement.pk, "vote": "agree"})
    assert [(r["statement"], r["language"], r["answer"]) for r in exported(consensus)] == [
        ("Los contratos deben ser públicos.", "es", "agree")
    ]
