"""Promoting a note or a cluster to a statement of a vision-voting activity."""

from __future__ import annotations

import pytest

from boards.models import Cluster
from sessions.kinds import CommandError
from tests import factories
from tests.boards.boards import db_state, make_board, moderate, people, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    board = make_board()
    (ana,) = people(board, 1)
    note = post(board, ana, "  Publish   supply chain audits ")
    moderate(board, "create_cluster", {"name": "Recycling targets"})
    cluster = Cluster.objects.get()
    target = factories.make_activity(session=board.session, kind="dot_vote", title="Vision")
    return board, note, cluster, target


def statements(target):
    target.refresh_from_db()
    return target.config["statements"]


def test_a_note_becomes_a_statement_with_its_source(setup, django_capture_on_commit_callbacks):
    board, note, _, target = setup
    before = len(statements(target))
    with django_capture_on_commit_callbacks() as callbacks:
        moderate(
            board,
            "promote",
            {"note": note.pk, "target": target.pk, "type": "action", "actor": "industry"},
        )
    assert statements(target)[before:] == [
        {
            "text": "Publish supply chain audits",
            "type": "action",
            "horizon": None,
            "actor": "industry",
            "source": {"activity": board.pk, "note": note.pk},
        }
    ]
    assert callbacks  # the target's room view is broadcast after the commit


def test_a_cluster_becomes_a_milestone(setup):
    board, _, cluster, target = setup
    moderate(
        board,
        "promote",
        {"cluster": cluster.pk, "target": target.pk, "type": "milestone", "horizon": 2040},
    )
    assert statements(target)[-1] == {
        "text": "Recycling targets",
        "type": "milestone",
        "horizon": 2040,
        "actor": None,
        "source": {"activity": board.pk, "cluster": cluster.pk},
    }


def test_promotion_defaults_to_a_vision_statement(setup):
    board, note, _, target = setup
    moderate(board, "promote", {"note": note.pk, "target": target.pk})
    assert statements(target)[-1]["type"] == "vision"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("other_session", "invalid_target"),
        ("the_board", "invalid_target"),
        ("a_poll", "invalid_target"),
        ("missing", "invalid_target"),
        ("open_target", "activity_not_draft"),
        ("both", "invalid_value"),
        ("neither", "invalid_value"),
        ("bool_target", "invalid_value"),
        ("no_horizon", "invalid_value"),
        ("bad_actor", "invalid_value"),
        ("unknown_note", "unknown_note"),
        ("not_a_dict", "invalid_value"),
    ],
)
def test_bad_promotions_are_refused(setup, case, code):
    board, note, cluster, target = setup
    elsewhere = factories.make_activity(kind="dot_vote")
    poll = factories.make_activity(session=board.session, kind="single_choice")
    data = {"note": note.pk, "target": target.pk}
    if case == "other_session":
        data["target"] = elsewhere.pk
    elif case == "the_board":
        data["target"] = board.pk
    elif case == "a_poll":
        data["target"] = poll.pk
    elif case == "missing":
        data["target"] = 10**8
    elif case == "open_target":
        target.status = "open"
        target.save(update_fields=["status"])
    elif case == "both":
        data["cluster"] = cluster.pk
    elif case == "neither":
        del data["note"]
    elif case == "bool_target":
        data["target"] = True
    elif case == "no_horizon":
        data["type"] = "milestone"
    elif case == "bad_actor":
        data.update(type="action", actor="aliens")
    elif case == "unknown_note":
        data["note"] = 10**8
    elif case == "not_a_dict":
        data = [note.pk, target.pk]
    configs = {a.pk: a.config for a in (target, elsewhere, poll)}
    before = db_state(board)
    with pytest.raises(CommandError) as exc:
        moderate(board, "promote", data)
    assert exc.value.code == code
    assert db_state(board) == before
    for activity in (target, elsewhere, poll):
        activity.refresh_from_db()
        assert activity.config == configs[activity.pk]
