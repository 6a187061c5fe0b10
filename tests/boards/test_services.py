"""The idea-board kind through the room's services: every participant command and every
facilitator command, and every refusal with its typed code and nothing changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from boards.forms import BoardForm
from boards.models import Cluster, Note, NoteVote
from sessions import services
from sessions.kinds import CommandError, get_kind
from tests.boards.boards import (
    COLUMNS,
    act,
    db_state,
    make_board,
    moderate,
    people,
    post,
    published,
    room_broadcasts,
)

pytestmark = pytest.mark.django_db

KIND = get_kind("idea_board")


def refused(board, code, call):
    """``call`` raises CommandError(code) and leaves the board as it was."""
    before = db_state(board)
    with pytest.raises(CommandError) as exc:
        call()
    assert exc.value.code == code, exc.value.message
    assert db_state(board) == before


def tally(board):
    board.refresh_from_db()
    return KIND.tally(board)


# --------------------------------------------------------------------------- settings


def test_settings_defaults_and_the_separate_state_key():
    config = KIND.clean_config({"columns": "  Challenges \n\n Solutions  \nWho   must act"})
    assert config == {
        "columns": COLUMNS,
        "mode": "open",
        "max_length": 280,
        "max_notes": 10,
        "state": {"locked": False, "revealed": False, "voting": False, "budget": 3},
    }
    assert KIND.clean_config(
        {"columns": ["A"], "mode": "private", "max_length": "500", "max_notes": 50}
    ) == {**config, "columns": ["A"], "mode": "private", "max_length": 500, "max_notes": 50}


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ({"columns": ""}, {"columns"}),
        ({"columns": [f"C{i}" for i in range(7)]}, {"columns"}),
        ({"columns": ["x" * 61]}, {"columns"}),
        ({"columns": ["Same", "same"]}, {"columns"}),
        ({"columns": [1, 2]}, {"columns"}),
        ({"columns": "A", "mode": "secret"}, {"mode"}),
        ({"columns": "A", "max_length": 501}, {"max_length"}),
        ({"columns": "A", "max_length": True}, {"max_length"}),
        ({"columns": "A", "max_notes": 0}, {"max_notes"}),
        ({"columns": "A", "max_notes": 51}, {"max_notes"}),
        ({"columns": "A", "max_notes": "ten"}, {"max_notes"}),
        (
            {"mode": "x", "max_length": 0, "max_notes": 99},
            {"columns", "mode", "max_length", "max_notes"},
        ),
    ],
)
def test_bad_settings_are_refused_field_by_field(raw, fields):
    with pytest.raises(ValidationError) as exc:
        KIND.clean_config(raw)
    assert set(exc.value.message_dict) == fields


def test_the_console_form_gives_the_raw_settings():
    form = BoardForm(
        {"b-columns": "Challenges\nSolutions", "b-mode": "private", "b-max_notes": "5"},
        prefix="b",
    )
    assert form.is_valid(), form.errors
    assert form.config() == {"columns": "Challenges\nSolutions", "mode": "private", "max_notes": 5}
    assert KIND.clean_config(form.config())["max_length"] == 280


# --------------------------------------------------------------------------- posting


def test_posting_stores_the_note_answers_my_notes_and_publishes_it(
    django_capture_on_commit_callbacks,
):
    board = make_board()
    ana, ben = people(board, 2)
    with django_capture_on_commit_callbacks() as callbacks:
        result = act(board, ana, "post", {"column": 1, "text": "  Shared data\r\non minerals  "})
    note = Note.objects.get()
    assert (note.participant, note.column, note.text) == (ana, 1, "Shared data\non minerals")
    assert result == {
        "activity": board.pk,
        "ballot": {
            "notes": [
                {"id": note.pk, "column": 1, "text": "Shared data\non minerals", "hidden": False}
            ],
            "votes": [],
            "remaining": 3,
        },
        "duplicate": False,
    }
    assert published(callbacks) == [{"note": note.pk}]
    assert tally(board)["notes"] == 1 and KIND.response_count(board) == 1
    assert KIND.participant_state(board, ben) is None


def test_a_note_at_the_limit_counts_code_points():
    board = make_board(max_length=10)
    (ana,) = people(board, 1)
    assert post(board, ana, "🌍" * 10).text == "🌍" * 10


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"column": 0, "text": ""}, "empty"),
        ({"column": 0, "text": " \n\t "}, "empty"),
        ({"column": 0, "text": "x" * 281}, "too_long"),
        ({"column": 3, "text": "ok"}, "invalid_value"),
        ({"column": -1, "text": "ok"}, "invalid_value"),
        ({"column": True, "text": "ok"}, "invalid_value"),
        ({"column": "0", "text": "ok"}, "invalid_value"),
        ({"text": "ok"}, "invalid_value"),
        ({"column": 0, "text": ["ok"]}, "invalid_value"),
        ({"column": 0}, "invalid_value"),
        ("ok", "invalid_value"),
        (None, "invalid_value"),
    ],
)
def test_bad_notes_are_refused(data, code):
    board = make_board()
    (ana,) = people(board, 1)
    refused(board, code, lambda: act(board, ana, "post", data))


def test_posting_past_the_per_participant_limit_is_refused():
    board = make_board(max_notes=2)
    ana, ben = people(board, 2)
    post(board, ana, "one")
    post(board, ana, "two")
    refused(board, "too_many", lambda: act(board, ana, "post", {"column": 0, "text": "three"}))
    assert post(board, ben, "Ben's first").participant == ben  # the limit is per person


def test_a_locked_board_refuses_posting_editing_and_deleting():
    board = make_board()
    (ana,) = people(board, 1)
    note = post(board, ana, "mine")
    moderate(board, "lock")
    refused(board, "board_locked", lambda: act(board, ana, "post", {"column": 0, "text": "x"}))
    refused(board, "board_locked", lambda: act(board, ana, "edit", {"note": note.pk, "text": "y"}))
    refused(board, "board_locked", lambda: act(board, ana, "delete", {"note": note.pk}))
    moderate(board, "unlock")
    act(board, ana, "edit", {"note": note.pk, "text": "changed"})
    assert Note.objects.get().text == "changed"


def test_a_closed_board_refuses_commands():
    board = make_board()
    (ana,) = people(board, 1)
    services.close_activity(activity=board)
    refused(board, "activity_closed", lambda: act(board, ana, "post", {"column": 0, "text": "x"}))


# --------------------------------------------------------------------------- own notes


def test_participants_edit_and_delete_their_own_notes(django_capture_on_commit_callbacks):
    board = make_board()
    (ana,) = people(board, 1)
    note = post(board, ana, "first")
    with django_capture_on_commit_callbacks() as callbacks:
        result = act(board, ana, "edit", {"note": note.pk, "text": " second "})
    assert Note.objects.get().text == "second"
    assert result["ballot"]["notes"][0]["text"] == "second"
    assert published(callbacks) == [{"note": note.pk}]
    with django_capture_on_commit_callbacks() as callbacks:
        result = act(board, ana, "delete", {"note": note.pk})
    assert not Note.objects.exists() and result["ballot"] is None
    assert published(callbacks) == [{"note": note.pk}]
    assert KIND.item_views(board, {"note": note.pk})["participant"] == {"removed": note.pk}


def test_changing_someone_elses_note_is_refused():
    board = make_board()
    ana, ben = people(board, 2)
    note = post(board, ana, "Ana's")
    refused(board, "not_yours", lambda: act(board, ben, "edit", {"note": note.pk, "text": "x"}))
    refused(board, "not_yours", lambda: act(board, ben, "delete", {"note": note.pk}))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"note": "NOTE", "text": "eleven char"}, "too_long"),
        ({"note": "NOTE", "text": "   "}, "empty"),
        ({"note": "NOTE", "text": 7}, "invalid_value"),
        ({"note": True, "text": "x"}, "invalid_value"),
        ({"note": -1, "text": "x"}, "invalid_value"),
        ({"note": 2**40, "text": "x"}, "invalid_value"),
        ({"note": "1", "text": "x"}, "invalid_value"),
        ({"note": "OTHER", "text": "x"}, "unknown_note"),
    ],
)
def test_bad_edits_are_refused(data, code):
    board = make_board(max_length=10)
    other = make_board(session=board.session, open=False)
    (ana,) = people(board, 1)
    note = post(board, ana, "abc")
    foreign = Note.objects.create(activity=other, participant=ana, column=0, text="elsewhere")
    data = {
        k: {"NOTE": note.pk, "OTHER": foreign.pk}.get(v, v) if isinstance(v, str) else v
        for k, v in data.items()
    }
    refused(board, code, lambda: act(board, ana, "edit", data))


def test_deleting_a_note_keeps_the_notes_merged_into_it_out_of_sight():
    board = make_board()
    ana, ben = people(board, 2)
    keep, dup = post(board, ana, "keep"), post(board, ben, "dup")
    moderate(board, "merge", {"note": dup.pk, "into": keep.pk})
    act(board, ana, "delete", {"note": keep.pk})
    dup.refresh_from_db()
    assert (dup.hidden, dup.merged_into) == (True, None)
    assert KIND.item_lists(board)["participant"]["notes"] == []


# --------------------------------------------------------------------------- upvotes


def voting_board(budget=2, **config):
    board = make_board(**config)
    ana, ben, cleo = people(board, 3)
    notes = [post(board, ana, "A1"), post(board, ben, "B1"), post(board, cleo, "C1")]
    moderate(board, "start_voting", {"budget": budget})
    return board, (ana, ben, cleo), notes


def test_upvotes_within_the_budget_with_one_per_person_per_note():
    board, (ana, ben, _), (a1, b1, c1) = voting_board(budget=2)
    result = act(board, ana, "upvote", {"note": b1.pk})
    assert result["ballot"]["votes"] == [b1.pk] and result["ballot"]["remaining"] == 1
    again = act(board, ana, "upvote", {"note": b1.pk})  # a second upvote: no change
    assert again["ballot"]["votes"] == [b1.pk]
    act(board, ana, "upvote", {"note": a1.pk})  # one's own note is allowed
    act(board, ben, "upvote", {"note": b1.pk})
    assert tally(board)["votes"] == {str(a1.pk): 1, str(b1.pk): 2}
    assert NoteVote.objects.filter(participant=ana).count() == 2
    refused(board, "over_budget", lambda: act(board, ana, "upvote", {"note": c1.pk}))
    result = act(board, ana, "unvote", {"note": b1.pk})
    assert result["ballot"] == {
        "notes": [{"id": a1.pk, "column": 0, "text": "A1", "hidden": False}],
        "votes": [a1.pk],
        "remaining": 1,
    }
    act(board, ana, "upvote", {"note": c1.pk})
    assert tally(board)["votes"] == {str(a1.pk): 1, str(b1.pk): 1, str(c1.pk): 1}


def test_upvoting_hidden_or_merged_notes_is_refused():
    board, (ana, ben, _), (a1, b1, c1) = voting_board()
    act(board, ben, "upvote", {"note": a1.pk})
    moderate(board, "hide", {"note": a1.pk})
    moderate(board, "merge", {"note": c1.pk, "into": b1.pk})
    refused(board, "note_hidden", lambda: act(board, ben, "upvote", {"note": a1.pk}))
    refused(board, "note_hidden", lambda: act(board, ben, "unvote", {"note": a1.pk}))
    refused(board, "note_hidden", lambda: act(board, ana, "upvote", {"note": c1.pk}))
    # A vote on a note hidden later is given back to the voter.
    assert act(board, ben, "upvote", {"note": b1.pk})["ballot"]["remaining"] == 1


def test_upvotes_outside_a_round_are_refused():
    board = make_board()
    ana, ben = people(board, 2)
    note = post(board, ana, "A1")
    refused(board, "voting_closed", lambda: act(board, ben, "upvote", {"note": note.pk}))
    moderate(board, "start_voting", {"budget": 3})
    act(board, ben, "upvote", {"note": note.pk})
    moderate(board, "stop_voting")
    refused(board, "voting_closed", lambda: act(board, ben, "upvote", {"note": note.pk}))
    refused(board, "voting_closed", lambda: act(board, ben, "unvote", {"note": note.pk}))
    assert tally(board)["votes"] == {str(note.pk): 1}  # votes stay after the round


@pytest.mark.parametrize("note", [None, "1", True, 0, -3, 2**40, 987654])
def test_upvotes_on_bad_note_ids_are_refused(note):
    board, (ana, _, _), _ = voting_board()
    code = "unknown_note" if note == 987654 else "invalid_value"
    refused(board, code, lambda: act(board, ana, "upvote", {"note": note}))


def test_a_lower_budget_leaves_earlier_votes_but_allows_no_more():
    board, (ana, ben, _), (a1, b1, c1) = voting_board(budget=3)
    for note in (a1, b1, c1):
        act(board, ana, "upvote", {"note": note.pk})
    moderate(board, "stop_voting")
    extra = post(board, ben, "B2")
    moderate(board, "start_voting", {"budget": 1})
    assert KIND.participant_state(board, ana)["remaining"] == 0
    refused(board, "over_budget", lambda: act(board, ana, "upvote", {"note": extra.pk}))
    act(board, ana, "unvote", {"note": a1.pk})
    act(board, ana, "unvote", {"note": b1.pk})
    refused(board, "over_budget", lambda: act(board, ana, "upvote", {"note": extra.pk}))
    act(board, ana, "unvote", {"note": c1.pk})
    assert act(board, ana, "upvote", {"note": extra.pk})["ballot"]["remaining"] == 0


# --------------------------------------------------------------------------- moderation


def test_a_participant_cannot_send_a_facilitator_command():
    board = make_board()
    (ana,) = people(board, 1)
    note = post(board, ana, "mine")
    for action, data in [
        ("hide", {"note": note.pk}),
        ("lock", None),
        ("reveal", None),
        ("start_voting", {"budget": 3}),
        ("merge", {"note": note.pk, "into": note.pk}),
        ("promote", {"note": note.pk, "target": board.pk}),
    ]:
        refused(board, "forbidden", lambda a=action, d=data: act(board, ana, a, d))


def test_unknown_moderation_actions_are_refused():
    board = make_board()
    for action in ("post", "upvote", "explode", "edit"):
        refused(
            board,
            "unknown_action",
            lambda a=action: services.moderate_activity(activity=board, action=a, data={}),
        )


def test_hide_and_show_change_what_each_role_sees(django_capture_on_commit_callbacks):
    board = make_board()
    (ana,) = people(board, 1)
    note = post(board, ana, "rude")
    with django_capture_on_commit_callbacks() as callbacks:
        moderate(board, "hide", {"note": note.pk})
    assert published(callbacks) == [{"note": note.pk}]
    views = KIND.item_views(board, {"note": note.pk})
    assert views["participant"] == views["screen"] == {"removed": note.pk}
    assert views["facilitator"]["note"]["hidden"] is True
    assert tally(board)["notes"] == 0
    assert KIND.participant_state(board, ana)["notes"][0]["hidden"] is True
    moderate(board, "show", {"note": note.pk})
    assert KIND.item_views(board, {"note": note.pk})["participant"] == {
        "note": {
            "id": note.pk,
            "column": 0,
            "text": "rude",
            "language": "en",
            "cluster": None,
            "author": "Person 0",
        }
    }


def test_the_facilitator_edits_any_note_within_the_limit():
    board = make_board(max_length=10)
    (ana,) = people(board, 1)
    note = post(board, ana, "typo")
    moderate(board, "edit_note", {"note": note.pk, "text": "fixed"})
    assert Note.objects.get().text == "fixed"
    refused(
        board, "too_long", lambda: moderate(board, "edit_note", {"note": note.pk, "text": "x" * 11})
    )
    refused(board, "empty", lambda: moderate(board, "edit_note", {"note": note.pk, "text": ""}))
    refused(
        board, "unknown_note", lambda: moderate(board, "edit_note", {"note": 99999, "text": "x"})
    )
    refused(board, "invalid_value", lambda: moderate(board, "edit_note", ["x"]))


def test_merging_moves_upvotes_without_counting_a_person_twice(
    django_capture_on_commit_callbacks,
):
    board, (ana, ben, cleo), (a1, b1, c1) = voting_board(budget=3)
    act(board, ana, "upvote", {"note": a1.pk})
    act(board, ana, "upvote", {"note": b1.pk})  # Ana voted for both
    act(board, ben, "upvote", {"note": b1.pk})  # Ben only for the duplicate
    act(board, cleo, "upvote", {"note": c1.pk})
    moderate(board, "merge", {"note": c1.pk, "into": b1.pk})  # c1 -> b1 first
    with django_capture_on_commit_callbacks() as callbacks:
        moderate(board, "merge", {"note": b1.pk, "into": a1.pk})  # then b1 (and c1) -> a1
    assert sorted(published(callbacks), key=lambda i: i["note"]) == [
        {"note": b1.pk},
        {"note": c1.pk},
    ]
    b1.refresh_from_db()
    c1.refresh_from_db()
    assert (b1.merged_into_id, c1.merged_into_id) == (a1.pk, a1.pk)
    assert tally(board)["votes"] == {str(a1.pk): 3}  # Ana once, Ben, Cleo
    assert sorted(NoteVote.objects.values_list("participant", flat=True)) == sorted(
        [ana.pk, ben.pk, cleo.pk]
    )
    assert KIND.participant_state(board, ana)["remaining"] == 2  # her second vote is back
    assert [n["id"] for n in KIND.item_lists(board)["participant"]["notes"]] == [a1.pk]
    facilitator = {n["id"]: n for n in KIND.item_lists(board)["facilitator"]["notes"]}
    assert facilitator[b1.pk]["merged_into"] == a1.pk
    assert KIND.item_views(board, {"note": b1.pk})["participant"] == {"removed": b1.pk}
    # Showing a merged note takes it out of the merge; its upvotes stay with the target.
    moderate(board, "show", {"note": b1.pk})
    assert tally(board)["votes"] == {str(a1.pk): 3} and tally(board)["notes"] == 2


def test_bad_merges_are_refused():
    board, _, (a1, b1, c1) = voting_board()
    moderate(board, "hide", {"note": c1.pk})
    refused(
        board, "invalid_value", lambda: moderate(board, "merge", {"note": a1.pk, "into": a1.pk})
    )
    refused(board, "note_hidden", lambda: moderate(board, "merge", {"note": a1.pk, "into": c1.pk}))
    refused(
        board, "unknown_note", lambda: moderate(board, "merge", {"note": a1.pk, "into": 999999})
    )
    refused(board, "invalid_value", lambda: moderate(board, "merge", {"note": a1.pk}))
    moderate(board, "merge", {"note": a1.pk, "into": b1.pk})
    refused(
        board, "already_merged", lambda: moderate(board, "merge", {"note": a1.pk, "into": b1.pk})
    )
    refused(board, "note_hidden", lambda: moderate(board, "merge", {"note": b1.pk, "into": a1.pk}))


def test_clusters_are_created_renamed_assigned_and_deleted(django_capture_on_commit_callbacks):
    board = make_board()
    ana, ben = people(board, 2)
    a1, b1 = post(board, ana, "A1"), post(board, ben, "B1")
    with django_capture_on_commit_callbacks() as callbacks:
        moderate(board, "create_cluster", {"name": "  Data   sharing "})
        moderate(board, "create_cluster", {"name": "Finance"})
    data, finance = Cluster.objects.order_by("id")
    assert [(data.name, data.position), (finance.name, finance.position)] == [
        ("Data sharing", 0),
        ("Finance", 1),
    ]
    assert published(callbacks) == [{"cluster": data.pk}, {"cluster": finance.pk}]
    moderate(board, "rename_cluster", {"cluster": data.pk, "name": "Open data"})
    moderate(board, "assign", {"note": a1.pk, "cluster": data.pk})
    moderate(board, "assign", {"note": b1.pk, "cluster": data.pk})
    moderate(board, "assign", {"note": b1.pk, "cluster": finance.pk})
    views = KIND.item_lists(board)
    assert views["screen"]["clusters"] == [
        {"id": data.pk, "name": "Open data", "position": 0},
        {"id": finance.pk, "name": "Finance", "position": 1},
    ]
    assert [n["cluster"] for n in views["participant"]["notes"]] == [data.pk, finance.pk]
    moderate(board, "unassign", {"note": b1.pk})
    moderate(board, "assign", {"note": a1.pk, "cluster": None})
    moderate(board, "assign", {"note": a1.pk, "cluster": finance.pk})
    with django_capture_on_commit_callbacks() as callbacks:
        moderate(board, "delete_cluster", {"cluster": finance.pk})
    assert published(callbacks) == [{"cluster": finance.pk}]
    assert KIND.item_views(board, {"cluster": finance.pk}) == {
        role: {"removed_cluster": finance.pk} for role in ("participant", "facilitator", "screen")
    }
    assert list(Note.objects.values_list("cluster", flat=True)) == [None, None]


def test_bad_cluster_commands_are_refused():
    board = make_board()
    other = make_board(session=board.session, open=False)
    (ana,) = people(board, 1)
    note = post(board, ana, "A1")
    foreign = Cluster.objects.create(activity=other, name="Theirs")
    refused(board, "empty", lambda: moderate(board, "create_cluster", {"name": "  "}))
    refused(board, "too_long", lambda: moderate(board, "create_cluster", {"name": "x" * 81}))
    refused(board, "invalid_value", lambda: moderate(board, "create_cluster", {"name": 5}))
    refused(board, "invalid_value", lambda: moderate(board, "create_cluster", "Name"))
    refused(
        board,
        "unknown_cluster",
        lambda: moderate(board, "rename_cluster", {"cluster": foreign.pk, "name": "x"}),
    )
    refused(
        board, "unknown_cluster", lambda: moderate(board, "delete_cluster", {"cluster": foreign.pk})
    )
    refused(
        board,
        "unknown_cluster",
        lambda: moderate(board, "assign", {"note": note.pk, "cluster": foreign.pk}),
    )
    refused(
        board, "invalid_value", lambda: moderate(board, "assign", {"note": note.pk, "cluster": "1"})
    )
    for i in range(30):
        Cluster.objects.create(activity=board, name=f"C{i}", position=i)
    refused(board, "too_many", lambda: moderate(board, "create_cluster", {"name": "One more"}))


def test_lock_reveal_and_voting_state_is_broadcast_with_the_room(
    django_capture_on_commit_callbacks,
):
    board = make_board(mode="private")
    for action, data, state in [
        ("lock", None, {"locked": True}),
        ("unlock", None, {"locked": False}),
        ("reveal", None, {"revealed": True}),
        ("start_voting", {"budget": 5}, {"voting": True, "budget": 5}),
        ("stop_voting", None, {"voting": False}),
        ("start_voting", {}, {"voting": True, "budget": 5}),
        ("stop_voting", None, {"voting": False}),
        ("start_voting", None, {"voting": True, "budget": 5}),
        ("reveal", False, {"revealed": False, "voting": False}),  # hiding again ends the round
        ("reveal", True, {"revealed": True}),
    ]:
        before = board.config["state"]
        with django_capture_on_commit_callbacks() as callbacks:
            moderate(board, action, data)
        assert board.config["state"] == {**before, **state}, action
        assert room_broadcasts(callbacks) == 1
        assert KIND.public_config(board)["state"] == board.config["state"]
    assert board.config["columns"] == COLUMNS and board.config["mode"] == "private"


@pytest.mark.parametrize("budget", [0, 21, True, "3", 2.5, None])
def test_bad_budgets_are_refused(budget):
    board = make_board()
    refused(board, "invalid_value", lambda: moderate(board, "start_voting", {"budget": budget}))


def test_a_private_board_needs_the_reveal_before_upvoting():
    board = make_board(mode="private")
    refused(board, "not_revealed", lambda: moderate(board, "start_voting", {"budget": 3}))
    refused(board, "invalid_value", lambda: moderate(board, "reveal", "yes"))


def test_moderation_works_on_a_board_not_yet_open():
    board = make_board(open=False)
    moderate(board, "create_cluster", {"name": "Ready"})
    moderate(board, "lock")
    assert board.config["state"]["locked"] and Cluster.objects.get().name == "Ready"


def test_a_participants_state_and_budget_are_per_board():
    """Notes and upvotes on another board of the same session count there only: for
    the note limit, the budget, the state in the answer and the board-full check."""
    first = make_board(max_notes=1)
    ana, ben = people(first, 2)
    moderate(first, "start_voting", {"budget": 1})
    a1 = post(first, ana, "On the first board")
    act(first, ben, "upvote", {"note": a1.pk})
    second = make_board(session=first.session, title="Second", max_notes=1)  # opens it
    moderate(second, "start_voting", {"budget": 1})
    answer = act(second, ana, "post", {"column": 2, "text": "On the second board"})
    [note] = answer["ballot"]["notes"]
    assert note["text"] == "On the second board" and note["column"] == 2
    assert answer["ballot"]["votes"] == [] and answer["ballot"]["remaining"] == 1
    upvoted = act(second, ben, "upvote", {"note": note["id"]})
    assert upvoted["ballot"] == {"notes": [], "votes": [note["id"]], "remaining": 0}
    # A note of the first board is not on the second.
    refused(second, "unknown_note", lambda: act(second, ana, "upvote", {"note": a1.pk}))
    assert KIND.participant_state(first, ben) == {"notes": [], "votes": [a1.pk], "remaining": 0}
