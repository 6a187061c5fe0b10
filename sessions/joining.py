"""What the room's sockets read to join, for many sockets in one trip (``batches``).

- ``find_sessions``: the session of each handshake's join code, with the limits on
  wrong codes per address (sessions/join_limits.py);
- ``greet_participants``: the participant each ``hello`` names, with their ``me``
  (their own ballots), for the ``welcome``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import join_limits, selectors
from .join_limits import CodeTry, TooManyTries
from .models import Participant, Session


def find_sessions(tries: Sequence[CodeTry]) -> list[Session | TooManyTries | None]:
    """The session of each try's code, None for a wrong one, or its refusal. The
    sessions are read without their event: a socket never reads it, and keeps its
    session for as long as it is open."""
    return join_limits.sessions_for_codes(tries=tries)


@dataclass(frozen=True, slots=True)
class Hello:
    """A participant's ``hello`` on a socket of ``session``: named by its ``token``
    (scripted clients), else by the room cookie among the handshake's ``cookies``
    (browsers: the page never holds the token)."""

    session: Session
    token: Any  # as the client sent it: anything but a valid token names no one
    cookies: Mapping[str, str]


Greeting = tuple[Participant | None, dict[str, Any] | None]


def greet_participants(hellos: Sequence[Hello]) -> list[Greeting]:
    """Each hello's participant (None: not found or not valid) and their ``me``
    (None once the session has closed; the participant's session is read fresh for
    that check). One query for the participants of each session, one for its
    activities and one per activity whose kind reads its ballots together."""
    greetings: list[Greeting] = [(None, None)] * len(hellos)
    by_session: dict[int, list[int]] = {}
    for index, hello in enumerate(hellos):
        by_session.setdefault(hello.session.pk, []).append(index)
    for indexes in by_session.values():
        session = hellos[indexes[0]].session
        tokens = [
            hellos[i].token
            if hellos[i].token is not None
            else selectors.token_from_cookies(hellos[i].cookies, code=session.code)
            for i in indexes
        ]
        participants = selectors.participants_from_tokens(tokens, session=session)
        welcome = {
            p.pk: p
            for p in participants
            if p is not None and p.session.status != Session.Status.CLOSED
        }
        ballots = selectors.participants_ballots(list(welcome.values()), session=session)
        for i, participant in zip(indexes, participants, strict=True):
            me = None
            if participant is not None and participant.pk in welcome:
                me = me_of(participant, ballots=ballots[participant.pk])
            greetings[i] = (participant, me)
    return greetings


def me_of(participant: Participant, *, ballots: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``welcome`` and a ``resync`` answer say of the participant themself;
    ``ballots`` read for them already, else read here."""
    return {
        "participant": participant.pk,
        "display_name": participant.display_name,
        "ballots": selectors.participant_ballots(participant) if ballots is None else ballots,
    }
