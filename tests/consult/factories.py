"""Consultation test data, built through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from consult import services
from consult.models import Consultation, Process, ProcessRole, Profile
from tests.factories import make_user

_counter = itertools.count(1)

SECTIONS = [
    {"type": "vision", "heading": "Vision 2050", "body": "Minerals are sourced **responsibly**."},
    {"type": "milestone", "horizon": 2030, "heading": "Due diligence", "body": "All tiers."},
    {"type": "action", "actor": "industry", "heading": "Traceability", "body": "Share data."},
]


def make_process(owner=None) -> Process:
    n = next(_counter)
    owner = owner or make_user()
    return Process.objects.create(title=f"Roadmap {n}", slug=f"roadmap-{n}", owner=owner)


def make_consultation(*, process=None, status="open", sections=None, **extra) -> Consultation:
    process = process or make_process()
    now = timezone.now()
    consultation = services.create_consultation(
        process=process,
        by=process.owner,
        title=extra.pop("title", "Mobility roadmap draft"),
        slug=extra.pop("slug", f"draft-{next(_counter)}"),
        opens_at=extra.pop("opens_at", now - dt.timedelta(days=1)),
        closes_at=extra.pop("closes_at", now + dt.timedelta(days=30)),
        **extra,
    )
    services.publish_version(
        consultation=consultation,
        by=process.owner,
        title="First draft",
        sections=sections or SECTIONS,
    )
    if status != "draft":
        services.set_status(consultation=consultation, by=process.owner, status="open")
    if status in ("closed", "published"):
        services.set_status(consultation=consultation, by=process.owner, status="closed")
    if status == "published":
        services.set_status(consultation=consultation, by=process.owner, status="published")
    return consultation


def make_member(*, group: str = "", role: str | None = None, process=None, **extra):
    user = make_user(**extra)
    Profile.objects.create(user=user, display_name=user.username, stakeholder_group=group)
    if role is not None:
        ProcessRole.objects.create(process=process, user=user, role=role)
    return user
