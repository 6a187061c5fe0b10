"""The demo consultation: the mobility roadmap draft in two versions, open for comments,
with a few stakeholders' comments, a validation round and answers to some inputs.

Built through the consultation services, as an organiser would. Loaded by
``manage.py load_demo`` together with the live workshop (``demo.data``).
"""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from consult import services
from consult.models import Consultation, Process, Profile

SLUG = "draft-roadmap"
PARTICIPANT_PASSWORD = "roadmap-2050"  # noqa: S105 - printed demo credentials

FIRST_DRAFT = [
    {
        "type": "context",
        "heading": "Why a mobility roadmap",
        "body": "Vehicles and their batteries use **lithium, cobalt, nickel, graphite**, "
        "copper, aluminium and rare earths. Their extraction affects people and "
        "ecosystems on four continents.",
    },
    {
        "type": "vision",
        "heading": "Vision 2050",
        "body": "By 2050 every mineral in a vehicle sold in Europe comes from a source "
        "that respects human rights and the environment, and a growing share comes "
        "from recycling.",
    },
    {
        "type": "milestone",
        "horizon": 2030,
        "heading": "Due diligence across the supply chain",
        "body": "Car makers and battery producers carry out human-rights and "
        "environmental due diligence down to the mine.",
    },
    {
        "type": "milestone",
        "horizon": 2040,
        "heading": "Recycling at scale",
        "body": "Half of the battery minerals used each year come from recycling.",
    },
    {
        "type": "action",
        "actor": "policy",
        "heading": "Policy makers: mandatory due diligence",
        "body": "Make due diligence mandatory for every company placing batteries on "
        "the market, with support for small suppliers.",
    },
    {
        "type": "action",
        "actor": "industry",
        "heading": "Industry: traceability",
        "body": "Publish the list of smelters and refiners every year and join a shared "
        "traceability standard.",
    },
    {
        "type": "action",
        "actor": "civil_society",
        "heading": "Civil society: independent monitoring",
        "body": "Monitor grievance mechanisms at mine sites together with affected communities.",
    },
]

PEOPLE = [
    ("amara", "Amara Diallo", "civil_society", "CD", "Mining Watch Network"),
    ("lucas", "Lucas Meyer", "industry_downstream", "DE", "Auto Components AG"),
    ("ines", "Inés Rojas", "research", "CL", "Universidad de Santiago"),
    ("thabo", "Thabo Nkosi", "community_labour", "ZA", "Mineworkers' Union"),
]


def _person(username: str, name: str, group: str, country: str, organisation: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org"}
    )
    if created:
        user.set_password(PARTICIPANT_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    if not Profile.objects.filter(user=user).exists():
        services.create_profile(
            user=user,
            display_name=name,
            accepted_terms=True,
            organisation=organisation,
            stakeholder_group=group,
            country=country,
            sector="mobility",
        )
    return user


@transaction.atomic
def load(*, owner, process: Process) -> Consultation:
    """Create the demo consultation once; later calls return it."""
    existing = Consultation.objects.filter(process=process, slug=SLUG).first()
    if existing is not None:
        return existing
    now = timezone.now()
    consultation = services.create_consultation(
        process=process,
        by=owner,
        title="Draft roadmap: responsible sourcing in mobility",
        slug=SLUG,
        summary="Read the draft section by section, comment, and tell us whether you "
        "agree. Every input gets an answer.",
        opens_at=now - dt.timedelta(days=7),
        closes_at=now + dt.timedelta(days=21),
        time_zone="Europe/Brussels",
        language="en",
    )
    first = services.publish_version(
        consultation=consultation, by=owner, title="First draft", sections=FIRST_DRAFT
    )
    services.set_status(consultation=consultation, by=owner, status="open")
    texts = list(first.texts.order_by("position"))
    amara, lucas, ines, thabo = (_person(*p) for p in PEOPLE)

    due_diligence = texts[2].section
    recycling = texts[3].section
    comment = services.add_comment(
        section=due_diligence,
        author=amara,
        body="Due diligence must include meaningful consultation of affected communities, "
        "not only audits.",
    )
    services.add_comment(
        section=due_diligence,
        author=lucas,
        body="Agreed, but small suppliers need shared tools to do this.",
        parent=comment,
    )
    late = services.add_comment(
        section=recycling,
        author=ines,
        body="Half by 2040 is ambitious: collection rates today are far lower.",
    )

    # The second version answers the first comment: the milestone now names communities.
    second_sections = [
        {"section": t.section_id, "type": t.type, "heading": t.heading, "body": t.body}
        | ({"horizon": t.horizon} if t.horizon else {})
        | ({"actor": t.actor} if t.actor else {})
        for t in texts
    ]
    second_sections[2]["body"] = (
        "Car makers and battery producers carry out human-rights and environmental due "
        "diligence down to the mine, including meaningful consultation of affected "
        "communities."
    )
    second = services.publish_version(
        consultation=consultation,
        by=owner,
        title="Second draft",
        sections=second_sections,
        change_note="Community consultation added to the due diligence milestone.",
    )
    addressed = second.texts.get(section=due_diligence)
    services.set_disposition(
        by=owner,
        comment=comment,
        decision="accepted",
        response="Added to the 2030 milestone in the second draft.",
        addressed_in=addressed,
    )
    services.set_disposition(
        by=owner,
        comment=late,
        decision="partly",
        response="We keep the target and add a collection milestone for 2030.",
    )

    validation = services.open_round(consultation=consultation, by=owner, version=second)
    vision = texts[1].section
    for user, verdict, reason in [
        (amara, "agree", ""),
        (lucas, "agree_with_changes", "Name the minerals the vision covers."),
        (ines, "agree", ""),
        (thabo, "disagree", "The vision says nothing about workers' rights."),
    ]:
        services.answer_section(
            round=validation, section=vision, user=user, verdict=verdict, reason=reason
        )
    return consultation
