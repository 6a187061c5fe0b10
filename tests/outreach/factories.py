"""Invitation test data, built through the services the product uses."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from consult.models import ProcessRole
from consult.targets import set_target_mix
from outreach import selectors
from outreach.selectors import AudienceFilter, Target
from people import services as people_services
from people.models import Person
from people.selectors import PeopleFilter
from sessions import services as live
from sessions.models import Event, Session
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import make_event, make_session, make_user

_counter = itertools.count(1)


def make_person(*, emails=None, **extra) -> Person:
    """A listed directory person with one address (unless ``emails`` says otherwise)."""
    n = next(_counter)
    return people_services.create_person(
        name=extra.pop("name", f"Invitee {n:04d}"),
        basis=Person.Basis.LISTED,
        listed_source="Member list of the Responsible Minerals Forum",
        emails=[f"invitee{n}@example.org"] if emails is None else emails,
        **extra,
    )


def make_process_world(*, session_status: str = Session.Status.OPEN) -> SimpleNamespace:
    """A process with an organiser (besides its owner), an event, an open live session
    of it, a consultation, and a target mix per stakeholder group."""
    owner = make_member(password=None)
    process = make_process(owner=owner)
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=process, password=None)
    event = make_event(owner=make_user(organiser=True), process=process, title="Nairobi forum")
    session = make_session(event=event, title="Plenary")
    if session_status != Session.Status.DRAFT:
        live.set_session_status(session=session, status=session_status)
    consultation = make_consultation(process=process, title="Battery roadmap draft")
    set_target_mix(
        process=process,
        by=owner,
        dimension="stakeholder_group",
        shares={"policy": 50, "civil_society": 50},
    )
    return SimpleNamespace(
        owner=owner,
        organiser=organiser,
        process=process,
        event=event,
        session=session,
        consultation=consultation,
        webinar=make_event(
            owner=event.owner, process=process, kind=Event.Kind.WEBINAR, title="Webinar"
        ),
    )


def target(obj) -> Target:
    kind = {"Event": "event", "Session": "session", "Consultation": "consultation"}[
        type(obj).__name__
    ]
    return Target(kind, obj)


def everyone(**filters) -> AudienceFilter:
    return AudienceFilter(people_filter=PeopleFilter(**filters))


def chosen(*people: Person) -> AudienceFilter:
    return AudienceFilter(people=tuple(p.pk for p in people))


def audience_of(world, obj, filters: AudienceFilter | None = None):
    return selectors.audience(
        process=world.process, target=target(obj), filters=filters or everyone()
    )
