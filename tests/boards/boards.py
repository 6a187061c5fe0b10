"""Test data for idea boards, built through the product's services."""

from __future__ import annotations

from typing import Any

from boards.models import Cluster, Note, NoteVote
from sessions import room_events, services
from sessions.models import Activity, CommandReceipt, Participant, Session
from tests import factories

COLUMNS = ["Challenges", "Solutions", "Who must act"]


def make_board(
    *, session: Session | None = None, open: bool = True, title: str = "Idea board", **config: Any
) -> Activity:
    board = services.add_activity(
        session=session or factories.make_session(),
        kind="idea_board",
        title=title,
        config={"columns": COLUMNS, **config},
    )
    if open:
        services.open_activity(activity=board)
        board.refresh_from_db()
    return board


def people(board: Activity, n: int, names: bool = True) -> list[Participant]:
    return [
        factories.make_participant(
            session=board.session, display_name=f"Person {i}" if names else ""
        )
        for i in range(n)
    ]


_keys = iter(range(10**9))


def act(board: Activity, participant: Participant, action: str, data: Any, key: str | None = None):
    return services.perform_command(
        participant=participant,
        activity_id=board.pk,
        action=action,
        data=data,
        key=key or f"k{next(_keys)}",
    )


def moderate(board: Activity, action: str, data: Any = None) -> Activity:
    board.refresh_from_db()
    services.moderate_activity(activity=board, action=action, data=data)
    board.refresh_from_db()
    return board


def post(board: Activity, participant: Participant, text: str, column: int = 0) -> Note:
    result = act(board, participant, "post", {"column": column, "text": text})
    return Note.objects.get(pk=result["ballot"]["notes"][-1]["id"])


def db_state(board: Activity) -> tuple:
    """Everything a board command may change, to assert that a refused one changed nothing."""
    board.refresh_from_db()
    return (
        board.config,
        list(
            Note.objects.filter(activity=board)
            .order_by("id")
            .values_list("id", "participant", "column", "text", "hidden", "merged_into", "cluster")
        ),
        sorted(NoteVote.objects.filter(activity=board).values_list("note", "participant")),
        list(Cluster.objects.filter(activity=board).values_list("id", "name", "position")),
        CommandReceipt.objects.filter(activity=board).count(),
    )


def published(callbacks) -> list[Any]:
    """The items announced with ``publish_item`` by the captured on-commit callbacks."""
    return [c.args[2] for c in callbacks if getattr(c, "func", None) is room_events.item_changed]


def room_broadcasts(callbacks) -> int:
    return sum(1 for c in callbacks if getattr(c, "func", None) is room_events.room_changed)


def board_room(n: int = 2, **config: Any):
    """An open session with one open board, ``n`` named participants and the owner's
    login cookie (a ``tests.sessions.live.Room``)."""
    from tests.sessions.live import Room

    board = make_board(**config)
    session = Session.objects.select_related("event").get(pk=board.session_id)
    participants = [
        factories.make_participant(session=session, display_name=f"P{i}") for i in range(n)
    ]
    return Room(
        session=session,
        activity=board,
        code=session.code,
        cookie=factories.login_cookie(session.event.owner),
        participants=participants,
        tokens=[factories.token_for(p) for p in participants],
    )
