"""A board's notes through the console's CSV and JSON exports: one row per note, with
the author's stakeholder profile."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from boards.models import Cluster
from tests import factories
from tests.boards.boards import act, make_board, moderate, post

pytestmark = pytest.mark.django_db

COLUMNS = [
    "participant",
    "display_name",
    "stakeholder_group",
    "stakeholder_group_label",
    "country",
    "country_label",
    "sector",
    "sector_label",
    "gender",
    "gender_label",
    "organisation",
    "note_id",
    "column",
    "note",
    "language",
    "cluster",
    "upvotes",
    "hidden",
    "merged_into",
    "created_at",
    "updated_at",
]
UNSAID = "Prefer not to say"
BEN = {
    "display_name": "",
    "stakeholder_group": "",
    "stakeholder_group_label": UNSAID,
    "country": "",
    "country_label": UNSAID,
    "sector": "",
    "sector_label": UNSAID,
    "gender": "",
    "gender_label": UNSAID,
    "organisation": "",
}


def times(note) -> dict[str, str]:
    """The note's times as the export writes them: ISO 8601 in UTC."""
    note.refresh_from_db()
    return {
        "created_at": note.created_at.astimezone(dt.UTC).isoformat(),
        "updated_at": note.updated_at.astimezone(dt.UTC).isoformat(),
    }


@pytest.fixture
def board():
    board = make_board()
    ana = factories.make_participant(
        session=board.session,
        display_name="Ana",
        stakeholder_group="civil_society",
        country="BR",
        sector="mobility",
    )
    ben = factories.make_participant(session=board.session)
    a1 = post(board, ana, '=HYPERLINK("x")', column=1)
    b1 = post(board, ben, "Audit smelters")
    b2 = post(board, ben, "Audit the smelters")
    moderate(board, "create_cluster", {"name": "Audits"})
    moderate(board, "assign", {"note": b1.pk, "cluster": Cluster.objects.get().pk})
    moderate(board, "start_voting", {"budget": 3})
    act(board, ana, "upvote", {"note": b1.pk})
    act(board, ana, "upvote", {"note": b2.pk})
    act(board, ben, "upvote", {"note": b2.pk})
    moderate(board, "merge", {"note": b2.pk, "into": b1.pk})
    moderate(board, "hide", {"note": a1.pk})
    return board, ana, ben, (a1, b1, b2)


def test_csv_and_json_exports_have_one_row_per_note(client, board):
    board, ana, ben, (a1, b1, b2) = board
    client.force_login(board.session.event.owner)
    code = board.session.code
    response = client.get(reverse("frontend:export_json", args=[code, board.pk]))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["activity"]["kind"] == "idea_board" and body["columns"] == COLUMNS
    assert body["responses"] == [
        {
            "participant": ben.pk,
            **BEN,
            "note_id": b1.pk,
            "column": "Challenges",
            "note": "Audit smelters",
            "language": "en",
            "cluster": "Audits",
            "upvotes": 2,  # Ana's two votes count once after the merge, plus Ben's
            "hidden": False,
            "merged_into": "",
            **times(b1),
        },
        {
            "participant": ben.pk,
            **BEN,
            "note_id": b2.pk,
            "column": "Challenges",
            "note": "Audit the smelters",
            "language": "en",
            "cluster": "",
            "upvotes": 0,
            "hidden": False,
            "merged_into": b1.pk,
            **times(b2),
        },
        {
            "participant": ana.pk,
            "display_name": "Ana",
            "stakeholder_group": "civil_society",
            "stakeholder_group_label": "Civil society / NGO",
            "country": "BR",
            "country_label": "Brazil",
            "sector": "mobility",
            "sector_label": "Mobility",
            "gender": "",
            "gender_label": UNSAID,
            "organisation": "",
            "note_id": a1.pk,
            "column": "Solutions",
            "note": '=HYPERLINK("x")',
            "language": "en",
            "cluster": "",
            "upvotes": 0,
            "hidden": True,
            "merged_into": "",
            **times(a1),
        },
    ]

    response = client.get(reverse("frontend:export_csv", args=[code, board.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == COLUMNS
    assert [r[11:19] for r in rows[1:]] == [
        [str(b1.pk), "Challenges", "Audit smelters", "en", "Audits", "2", "False", ""],
        [str(b2.pk), "Challenges", "Audit the smelters", "en", "", "0", "False", str(b1.pk)],
        # A formula typed by a participant is defused for spreadsheets.
        [str(a1.pk), "Solutions", '\'=HYPERLINK("x")', "en", "", "0", "True", ""],
    ]
    assert rows[3][:8] == [
        str(ana.pk), "Ana", "civil_society", "Civil society / NGO", "BR", "Brazil", "mobility",
        "Mobility",
    ]  # fmt: skip
    assert [r[19:] for r in rows[1:]] == [list(times(n).values()) for n in (b1, b2, a1)]


def test_only_the_sessions_facilitator_exports_a_board(client, board):
    board, *_ = board
    client.force_login(factories.make_user(organiser=True))
    for fmt in ("csv", "json"):
        url = reverse(f"frontend:export_{fmt}", args=[board.session.code, board.pk])
        assert client.get(url).status_code == 403
