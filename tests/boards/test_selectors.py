"""What each role sees of a board: item lists, item events, tallies, a participant's own
state; and the console's settings form through the add-activity page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions.kinds import Role, get_kind
from sessions.models import Activity
from sessions.selectors import room_views
from tests import factories
from tests.boards.boards import act, make_board, moderate, people, post

pytestmark = pytest.mark.django_db

KIND = get_kind("idea_board")


def texts(view):
    return [n["text"] for n in view["notes"]]


def test_an_open_board_shows_visible_notes_to_all_and_everything_to_the_facilitator():
    board = make_board()
    named, anonymous = people(board, 1)[0], people(board, 1, names=False)[0]
    a1 = post(board, named, "Named", column=2)
    b1 = post(board, anonymous, "Anonymous")
    moderate(board, "hide", {"note": b1.pk})
    lists = KIND.item_lists(board)
    assert (
        lists["participant"]
        == lists["screen"]
        == {
            "notes": [
                {
                    "id": a1.pk,
                    "column": 2,
                    "text": "Named",
                    "language": "en",
                    "cluster": None,
                    "author": "Person 0",
                }
            ],
            "clusters": [],
        }
    )
    assert lists["facilitator"]["notes"] == [
        {
            "id": a1.pk,
            "column": 2,
            "text": "Named",
            "language": "en",
            "cluster": None,
            "author": "Person 0",
            "hidden": False,
            "merged_into": None,
        },
        {
            "id": b1.pk,
            "column": 0,
            "text": "Anonymous",
            "language": "en",
            "cluster": None,
            "author": None,
            "hidden": True,
            "merged_into": None,
        },
    ]
    # The room views carry the lists as each activity's `items`.
    views = room_views(board.session)
    for role in Role:
        (activity,) = views[role.value]["activities"]
        assert activity["items"] == lists[role.value]
        assert activity["config"]["state"]["revealed"] is False


def test_a_private_board_shows_others_notes_only_after_the_reveal():
    board = make_board(mode="private")
    ana, ben = people(board, 2)
    note = post(board, ana, "Secret")
    views = KIND.item_views(board, {"note": note.pk})
    assert views["participant"] is None and views["screen"] is None
    assert views["facilitator"]["note"]["text"] == "Secret"
    assert texts(KIND.item_lists(board)["participant"]) == []
    assert texts(KIND.item_lists(board)["screen"]) == []
    # Ana sees her own note in her state, not Ben.
    assert KIND.participant_state(board, ana)["notes"][0]["text"] == "Secret"
    assert KIND.participant_state(board, ben) is None
    moderate(board, "reveal")
    assert texts(KIND.item_lists(board)["participant"]) == ["Secret"]
    assert KIND.item_views(board, {"note": note.pk})["screen"]["note"]["text"] == "Secret"


def test_tally_shapes_and_votes_hidden_from_those_who_may_not_see_the_notes():
    board = make_board(mode="private")
    ana, ben = people(board, 2)
    a1, b1 = post(board, ana, "A"), post(board, ben, "B")
    moderate(board, "reveal")
    moderate(board, "start_voting", {"budget": 2})
    act(board, ben, "upvote", {"note": a1.pk})
    act(board, ana, "upvote", {"note": a1.pk})
    board.refresh_from_db()
    tally = KIND.tally(board)
    assert tally == {
        "notes": 2,
        "votes": {str(a1.pk): 2},
        "voting": True,
        "budget": 2,
        "locked": False,
        "revealed": True,
    }
    assert KIND.role_view(board, tally, Role.PARTICIPANT) == tally
    moderate(board, "reveal", False)
    tally = KIND.tally(board)
    assert KIND.role_view(board, tally, Role.PARTICIPANT)["votes"] == {}
    assert KIND.role_view(board, tally, Role.SCREEN)["votes"] == {}
    assert KIND.role_view(board, tally, Role.FACILITATOR)["votes"] == {str(a1.pk): 2}
    assert b1.pk


def test_participant_state_lists_own_notes_hidden_ones_marked_and_upvotes():
    board = make_board()
    ana, ben = people(board, 2)
    mine, other = post(board, ana, "Mine"), post(board, ben, "Other")
    gone = post(board, ana, "Gone", column=1)
    moderate(board, "hide", {"note": gone.pk})
    moderate(board, "start_voting", {"budget": 3})
    act(board, ana, "upvote", {"note": other.pk})
    assert KIND.participant_state(board, ana) == {
        "notes": [
            {"id": mine.pk, "column": 0, "text": "Mine", "hidden": False},
            {"id": gone.pk, "column": 1, "text": "Gone", "hidden": True},
        ],
        "votes": [other.pk],
        "remaining": 2,
    }


def test_response_counts_count_visible_notes_per_board():
    board = make_board()
    second = make_board(session=board.session, title="Second", open=False)
    (ana,) = people(board, 1)
    post(board, ana, "one")
    hidden = post(board, ana, "two")
    moderate(board, "hide", {"note": hidden.pk})
    assert KIND.response_counts([board, second]) == {board.pk: 1, second.pk: 0}


def test_the_console_adds_a_board_with_its_settings(client):
    session = factories.make_session()
    client.force_login(session.event.owner)
    response = client.post(
        reverse("frontend:add_activity", args=[session.code]),
        {
            "kind": "idea_board",
            "title": "What stands in the way?",
            "results_visibility": "live",
            "allow_change": "on",
            "idea_board-columns": "Challenges\nSolutions",
            "idea_board-mode": "private",
            "idea_board-max_length": "200",
            "idea_board-max_notes": "",
        },
    )
    assert response.status_code == 302
    board = Activity.objects.get(session=session)
    assert board.config == {
        "columns": ["Challenges", "Solutions"],
        "mode": "private",
        "max_length": 200,
        "max_notes": 10,
        "state": {"locked": False, "revealed": False, "voting": False, "budget": 3},
    }
    response = client.post(
        reverse("frontend:add_activity", args=[session.code]),
        {
            "kind": "idea_board",
            "title": "Bad",
            "results_visibility": "live",
            "idea_board-columns": "",
            "idea_board-mode": "open",
            "idea_board-max_notes": "99",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give between 1 and 6 columns." in html and "Enter a number from 1 to 50." in html
    assert Activity.objects.filter(session=session).count() == 1
