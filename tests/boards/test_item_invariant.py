"""The idea board's item events keep every role's board as a fresh snapshot shows it
(the invariant of tests/sessions/item_invariant.py): a random sequence of participant
and facilitator commands through the real consumer, checked after each command for
the note's author, another participant, the facilitator and the projector."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from boards.kinds import IdeaBoard
from tests import factories
from tests.boards.boards import COLUMNS, board_room
from tests.sessions import item_invariant as inv
from tests.sessions.item_invariant import quick_room  # noqa: F401 (a fixture)
from tests.sessions.live import db

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quick_room"),
]

# Runs of STEPS commands: each seed's own sequence, on an open or a private board.
SEEDS = [(1, "open"), (2, "private"), (3, "private")]
STEPS = 40
WORDS = ["shared", "data", "audit", "smelters", "living", "wages", "recycle", "cobalt"]
# An id no note or cluster has, within the ids a board command takes (2**31 - 1).
UNKNOWN_ID = 2**31 - 7
# The participants' display names (tests.boards.boards.board_room).
NAMES = {inv.AUTHOR: "P0", inv.OTHER: "P1"}


@db
def vision_draft(session) -> int:
    """A vision-voting draft in the board's session, for ``promote``."""
    return factories.make_activity(session=session, kind="dot_vote").pk


def on_board(note: dict[str, Any]) -> bool:
    return not note["hidden"] and note["merged_into"] is None


class BoardCommands(inv.Commands):
    """Chooses the next command: mostly ones that change something, now and then one
    that is refused. The notes a command names are picked to reach the cases where
    clients must do more than put a note in or take it out: a note shown again amid
    others, a deleted cluster's notes, a merge or a deletion that moves other notes
    with it (several changes in one event)."""

    def __init__(self, rng: random.Random, board: int, target: int) -> None:
        super().__init__(rng, board)
        self.board = board
        self.target = target

    def choices(self, view: dict[str, Any]) -> list[tuple[float, Callable[[], inv.Command]]]:
        self.notes = view["items"]["notes"]
        self.clusters = view["items"]["clusters"]
        state = view["config"]["state"]
        shown = view["config"]["mode"] == "open" or state["revealed"]
        some = 1 if self.clusters else 0.1  # commands naming a cluster, mostly once there is one
        return [
            (0.5 if state["locked"] else 12 if len(self.notes) < 5 else 4, self.post),
            (1.5, self.edit),
            (1.5, self.delete),
            (3 if state["voting"] else 0.3, self.upvote),
            (1 if state["voting"] else 0.1, self.unvote),
            (1.5, self.hide),
            (1.5, self.show),
            (0.7, self.edit_note),
            (2, self.merge),
            (1.5 if len(self.clusters) < 3 else 0.2, self.create_cluster),
            (0.5 * some, self.rename_cluster),
            (1 * some, self.delete_cluster),
            (3 * some, self.assign),
            (0.5, self.unassign),
            (0.6, self.lock),
            (4 if state["locked"] else 0.1, self.unlock),
            (0.4 if shown else 2, self.reveal),
            (0.2 if state["voting"] else 1.5, self.start_voting),
            (0.5 if state["voting"] else 0.1, self.stop_voting),
            (0.3, self.promote),
            (0.6, self.room_control),
        ]

    # -- what the commands name

    def text(self) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(1, 4)))

    def note(self, prefer: Callable[[dict[str, Any]], Any] = lambda note: True) -> int:
        return self.pick(self.notes, prefer, UNKNOWN_ID)

    def cluster(self) -> int:
        return self.pick(self.clusters, lambda cluster: True, UNKNOWN_ID)

    def merged_into(self, note: dict[str, Any]) -> bool:
        """Whether other notes are merged into ``note``."""
        return any(n["merged_into"] == note["id"] for n in self.notes)

    # -- participants

    def post(self) -> inv.Command:
        data = {"column": self.rng.randrange(len(COLUMNS)), "text": self.text()}
        return inv.act(self.participant(), self.board, "post", data)

    def edit(self) -> inv.Command:
        who = self.participant()
        data = {"note": self.note(lambda n: n["author"] == NAMES[who]), "text": self.text()}
        return inv.act(who, self.board, "edit", data)

    def delete(self) -> inv.Command:
        """Mostly one's own note, rather one other notes are merged into."""
        who = self.participant()
        mine = [n for n in self.notes if n["author"] == NAMES[who]]
        targets = [n for n in mine if self.merged_into(n)]
        note = self.note(lambda n: n in (targets or mine))
        return inv.act(who, self.board, "delete", {"note": note})

    def upvote(self) -> inv.Command:
        return inv.act(self.participant(), self.board, "upvote", {"note": self.note(on_board)})

    def unvote(self) -> inv.Command:
        return inv.act(self.participant(), self.board, "unvote", {"note": self.note(on_board)})

    # -- the facilitator

    def hide(self) -> inv.Command:
        return inv.moderate(self.board, "hide", {"note": self.note(on_board)})

    def show(self) -> inv.Command:
        """Mostly a hidden or merged note: it comes back amid the others."""
        return inv.moderate(self.board, "show", {"note": self.note(lambda n: not on_board(n))})

    def edit_note(self) -> inv.Command:
        return inv.moderate(self.board, "edit_note", {"note": self.note(), "text": self.text()})

    def merge(self) -> inv.Command:
        """Mostly a note on the board, rather one others are merged into, into another
        note on the board: they all move."""
        sources = [n for n in self.notes if on_board(n)]
        followed = [n for n in sources if self.merged_into(n)]
        note = self.note(lambda n: n in (followed or sources))
        into = self.note(lambda n: on_board(n) and n["id"] != note)
        return inv.moderate(self.board, "merge", {"note": note, "into": into})

    def create_cluster(self) -> inv.Command:
        return inv.moderate(self.board, "create_cluster", {"name": self.text()})

    def rename_cluster(self) -> inv.Command:
        data = {"cluster": self.cluster(), "name": self.text()}
        return inv.moderate(self.board, "rename_cluster", data)

    def delete_cluster(self) -> inv.Command:
        """Mostly a cluster holding notes: they stay on the board, unclustered."""
        used = sorted({n["cluster"] for n in self.notes if n["cluster"] is not None})
        cluster = self.rng.choice(used) if used and self.rng.random() < 0.8 else self.cluster()
        return inv.moderate(self.board, "delete_cluster", {"cluster": cluster})

    def assign(self) -> inv.Command:
        data = {"note": self.note(lambda n: n["cluster"] is None), "cluster": self.cluster()}
        return inv.moderate(self.board, "assign", data)

    def unassign(self) -> inv.Command:
        return inv.moderate(self.board, "unassign", {"note": self.note(lambda n: n["cluster"])})

    def lock(self) -> inv.Command:
        return inv.moderate(self.board, "lock")

    def unlock(self) -> inv.Command:
        return inv.moderate(self.board, "unlock")

    def reveal(self) -> inv.Command:
        return inv.moderate(self.board, "reveal", self.rng.random() < 0.75)

    def start_voting(self) -> inv.Command:
        return inv.moderate(self.board, "start_voting", {"budget": self.rng.randint(1, 4)})

    def stop_voting(self) -> inv.Command:
        return inv.moderate(self.board, "stop_voting")

    def promote(self) -> inv.Command:
        data = {"note": self.note(), "target": self.target}
        return inv.moderate(self.board, "promote", data)


async def test_every_role_holds_what_a_fresh_snapshot_shows(hub, live):
    runs = inv.Runs()
    for seed, mode in SEEDS:
        room = await db(board_room)(n=2, mode=mode)
        target = await vision_draft(room.session)
        mirrors = await inv.connect(live, room, f"seed {seed}, {mode} board")
        commands = BoardCommands(random.Random(seed), room.activity.pk, target)
        await runs.run(mirrors, room.session.pk, commands, STEPS)

    # The runs did what they are for: every command of the board was carried out, and
    # every kind of item change reached the participants (withheld ones too).
    assert runs.succeeded() >= {*IdeaBoard.participant_commands, *IdeaBoard.facilitator_commands}
    assert runs.shapes(inv.AUTHOR, inv.OTHER) >= {
        "note", "removed", "cluster", "removed_cluster", "null"
    }  # fmt: skip
