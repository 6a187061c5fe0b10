"""Test data for the representation: directory people, invitations, participants and
their commands, built through the product's services (invitations are rows: the
invitation services are another app's)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from consult.models import Consultation, Process, RepresentationSettings
from consult.targets import set_target_mix
from outreach.models import Invitation
from people.models import Person
from people.services import create_person, link_account
from sessions import services as live
from sessions.models import Activity, Event, Participant, Session
from tests import factories

_counter = itertools.count(1)
_keys = itertools.count(1)


def make_person(
    *, group: str = "", country: str = "", gender: str = "", user: User | None = None, **extra
) -> Person:
    n = next(_counter)
    person = create_person(
        name=extra.pop("name", f"Person {n:05d}"),
        basis="listed",
        listed_source="Network list 2026",
        emails=[user.email] if user is not None else [f"person{n}@example.org"],
        stakeholder_group=group,
        country=country,
        gender=gender,
        **extra,
    )
    if user is not None:
        link_account(user=user, verified_emails=[user.email])
        person.refresh_from_db()
    return person


def invite(
    person: Person,
    *,
    process: Process,
    answer: str = "",
    event: Event | None = None,
    session: Session | None = None,
    consultation: Consultation | None = None,
    sent: bool = True,
    reminders: int = 0,
) -> Invitation:
    return Invitation.objects.create(
        process=process,
        person=person,
        event=event,
        session=session,
        consultation=consultation,
        answer=answer,
        answered_at=timezone.now() if answer else None,
        sent_at=timezone.now() if sent else None,
        reminders=reminders,
    )


def join(session: Session, *, person: Person | None = None, **profile) -> Participant:
    """A participant, linked to ``person`` as a personal invitation link links one."""
    participant = live.join_session(code=session.code, **profile)
    if person is not None:
        Participant.objects.filter(pk=participant.pk).update(person=person)
        participant.person = person
    return participant


def vote(activity: Activity, participant: Participant, choice: int = 0) -> None:
    live.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action="vote",
        data=choice,
        key=f"k{next(_keys)}",
    )


def act(activity: Activity, participant: Participant, action: str, data) -> dict:
    return live.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"k{next(_keys)}",
    )


def set_targets(process: Process, dimension: str, shares: dict[str, str], gap: int = 10) -> None:
    set_target_mix(process=process, by=process.owner, dimension=dimension, shares=shares)
    RepresentationSettings.objects.update_or_create(
        process=process, defaults={"alert_gap_points": gap}
    )


def live_event(process: Process, *, owner: User | None = None) -> Event:
    return factories.make_event(owner=owner or factories.make_user(organiser=True), process=process)


def open_poll(session: Session) -> Activity:
    return factories.make_activity(session=session, kind="single_choice", open=True)


def shares(table) -> dict[str, Decimal | None]:
    return {row.value: row.target for row in table.rows}
