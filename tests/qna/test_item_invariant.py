"""The Q&A's item events keep every role's questions as a fresh snapshot shows them
(the invariant of tests/sessions/item_invariant.py): a random sequence of participant
and facilitator commands through the real consumer, checked after each command for
the asker, another participant, the facilitator and the projector."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from qna.kinds import QnaKind
from tests.qna.qna import qna_room
from tests.sessions import item_invariant as inv
from tests.sessions.item_invariant import quick_room  # noqa: F401 (a fixture)
from tests.sessions.live import db

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("quick_room"),
]

# Runs of STEPS commands: each seed's own sequence, with the Q&A's settings.
SEEDS = [
    (1, {"premoderate": False, "moderators_see_names": True}),
    (2, {"premoderate": True, "moderators_see_names": False}),
    (3, {"premoderate": True, "allow_anonymous": False}),
]
STEPS = 40
WORDS = ["who", "pays", "for", "traceability", "when", "do", "audits", "start", "why"]
# An id no question has.
UNKNOWN_ID = 2**40 + 3
# The participants' display names (tests.qna.qna.qna_room).
NAMES = {inv.AUTHOR: "P0", inv.OTHER: "P1"}


class QnaCommands(inv.Commands):
    """Chooses the next command: mostly ones that change something, now and then one
    that is refused. The questions a command names are picked to reach every move a
    question makes: approved, hidden and shown again amid others, answered, put on
    the projector and taken off it by hiding or withdrawing it."""

    def choices(self, view: dict[str, Any]) -> list[tuple[float, Callable[[], inv.Command]]]:
        self.questions = view["items"]
        self.on_screen = view["config"]["on_screen"]
        self.premoderate = view["config"]["premoderate"]
        return [
            (10 if len(self.questions) < 4 else 3, self.ask),
            (3, self.upvote),
            (1, self.unvote),
            (1.5, self.withdraw),
            (2 if self.premoderate else 0.3, self.approve),
            (1.5, self.hide),
            (1, self.unhide),
            (1.5, self.mark_answered),
            (0.7, self.mark_unanswered),
            (1.5, self.put_on_screen),
            (0.5, self.clear_screen),
            (0.6, self.room_control),
        ]

    def question(self, prefer: Callable[[dict[str, Any]], Any] = lambda question: True) -> int:
        return self.pick(self.questions, prefer, UNKNOWN_ID)

    def text(self) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(2, 6))) + "?"

    def moderate(self, action: str, prefer: Callable[[dict[str, Any]], Any]) -> inv.Command:
        return inv.moderate(self.activity, action, {"question": self.question(prefer)})

    # -- participants

    def ask(self) -> inv.Command:
        data = {"text": self.text(), "anonymous": self.rng.random() < 0.3}
        return inv.act(self.participant(), self.activity, "ask", data)

    def upvote(self) -> inv.Command:
        who = self.participant()
        question = self.question(lambda q: q["status"] == "visible" and q["author"] != NAMES[who])
        return inv.act(who, self.activity, "upvote", {"question": question})

    def unvote(self) -> inv.Command:
        who = self.participant()
        question = self.question(lambda q: q["status"] == "visible" and q["author"] != NAMES[who])
        return inv.act(who, self.activity, "unvote", {"question": question})

    def withdraw(self) -> inv.Command:
        """Mostly one's own unanswered question, rather the one on the projector."""
        who = self.participant()
        mine = [q for q in self.questions if q["author"] == NAMES[who] and not q["answered"]]
        shown = [q for q in mine if q["id"] == self.on_screen]
        question = self.question(lambda q: q in (shown or mine))
        return inv.act(who, self.activity, "withdraw", {"question": question})

    # -- the facilitator

    def approve(self) -> inv.Command:
        return self.moderate("approve", lambda q: q["status"] == "pending")

    def hide(self) -> inv.Command:
        """Mostly a question the room sees, rather the one on the projector."""
        seen = [q for q in self.questions if q["status"] == "visible"]
        on_screen = [q for q in seen if q["id"] == self.on_screen]
        return self.moderate("hide", lambda q: q in (on_screen or seen))

    def unhide(self) -> inv.Command:
        return self.moderate("unhide", lambda q: q["status"] == "hidden")

    def mark_answered(self) -> inv.Command:
        return self.moderate("mark_answered", lambda q: not q["answered"])

    def mark_unanswered(self) -> inv.Command:
        return self.moderate("mark_unanswered", lambda q: q["answered"])

    def put_on_screen(self) -> inv.Command:
        return self.moderate(
            "put_on_screen", lambda q: q["status"] == "visible" and q["id"] != self.on_screen
        )

    def clear_screen(self) -> inv.Command:
        return inv.moderate(self.activity, "clear_screen")


async def test_every_role_holds_what_a_fresh_snapshot_shows(hub, live):
    runs = inv.Runs()
    for seed, config in SEEDS:
        room = await db(qna_room)(max_questions=10, **config)
        mirrors = await inv.connect(live, room, f"seed {seed}, {config}")
        commands = QnaCommands(random.Random(seed), room.activity.pk)
        await runs.run(mirrors, room.session.pk, commands, STEPS)

    # The runs did what they are for: every command of the Q&A was carried out, and
    # every kind of item change reached the participants (withheld ones too).
    assert runs.succeeded() >= {*QnaKind.participant_commands, *QnaKind.facilitator_commands}
    assert runs.shapes(inv.AUTHOR, inv.OTHER) >= {"question", "removed", "on_screen", "null"}
