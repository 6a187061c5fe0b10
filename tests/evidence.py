"""Test data for live results attached to consultation sections as evidence: an
organiser who runs the event and organises its process, built through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from consult import selectors as consult_selectors
from consult.models import Consultation, Process, Section
from sessions import services
from sessions.models import Activity, Event, Participant, Session
from tests import factories
from tests.consult.factories import make_consultation, make_process

_keys = itertools.count(1)


@dataclass
class Setup:
    organiser: User  # owns the event and the process, may run live sessions
    process: Process
    event: Event
    session: Session
    consultation: Consultation
    section: Section  # the first section of the consultation's latest version


def section_of(consultation: Consultation, position: int = 0) -> Section:
    version = consult_selectors.latest_version(consultation)
    return version.texts.order_by("position")[position].section


def make_setup(*, with_process: bool = True, **consultation: Any) -> Setup:
    organiser = factories.make_user(organiser=True)
    process = make_process(owner=organiser)
    event = factories.make_event(owner=organiser, process=process if with_process else None)
    session = factories.make_session(event=event)
    draft = make_consultation(process=process, **consultation)
    return Setup(organiser, process, event, session, draft, section_of(draft))


def open_activity(session: Session, kind: str, config: dict, title: str = "Activity") -> Activity:
    """An open activity of a kind without a default in tests.factories (board, Q&A)."""
    activity = services.add_activity(session=session, kind=kind, title=title, config=config)
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    return activity


def act(activity: Activity, participant: Participant, data: Any, action: str = "vote") -> dict:
    return services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"ev{next(_keys)}",
    )


def voters(activity: Activity, n: int, **extra: Any) -> list[Participant]:
    return [
        factories.make_participant(session=activity.session, display_name=f"Voter {i}", **extra)
        for i in range(n)
    ]


def moderate(activity: Activity, action: str, data: Any = None) -> Activity:
    activity.refresh_from_db()
    services.moderate_activity(activity=activity, action=action, data=data)
    activity.refresh_from_db()
    return activity
