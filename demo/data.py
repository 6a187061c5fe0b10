"""The demo content: a mobility roadmap process with one roadmap workshop session.

Written for the platform, drawing on the kind of questions real responsible-sourcing
roadmap workshops ask. Loaded by ``manage.py load_demo`` (``make run``).
"""

import datetime as dt

from django.db import transaction

from consult.models import Process
from sessions import services
from sessions.models import Activity, Event, Session

FACILITATOR_USERNAME = "facilitator"
FACILITATOR_PASSWORD = "roadmap-2050"  # noqa: S105 - printed demo credentials
JOIN_CODE = "WKSHP3"

POLLS = [
    {
        "kind": "single_choice",
        "title": "Which raw-material group should the mobility roadmap address first?",
        "config": {
            "options": [
                "Battery minerals (lithium, cobalt, nickel, graphite)",
                "Traditional metals (iron, aluminium, copper)",
                "Conflict-affected minerals (tin, tantalum, tungsten, gold)",
                "Rare earth elements for motors",
            ]
        },
        "results_visibility": Activity.Visibility.LIVE,
    },
    {
        "kind": "multiple_choice",
        "title": "Which levers will do most for responsible sourcing by 2030? Pick up to two.",
        "config": {
            "options": [
                "Mandatory due diligence law",
                "Voluntary industry standards",
                "Traceability and product passports",
                "Recycling and secondary raw materials",
                "Community benefit agreements",
            ],
            "max_choices": 2,
        },
        "results_visibility": Activity.Visibility.LIVE,
    },
    {
        "kind": "scale",
        "title": "How well do today's standards protect people living near mines?",
        "config": {"min": 1, "max": 5, "min_label": "Not at all", "max_label": "Fully"},
        "results_visibility": Activity.Visibility.AFTER_CLOSE,
    },
    {
        "kind": "word_cloud",
        "title": "In one or two words: what does responsible sourcing mean to you?",
        "config": {"max_entries": 3, "max_length": 30},
        "results_visibility": Activity.Visibility.LIVE,
    },
    {
        "kind": "ranking",
        "title": "Rank these milestones for the 2050 vision, most important first.",
        "config": {
            "options": [
                "Human-rights due diligence across all tiers",
                "Zero-deforestation mining",
                "Closed-loop battery recycling",
                "Fair share of value for producing countries",
            ]
        },
        "results_visibility": Activity.Visibility.HIDDEN,
    },
]


@transaction.atomic
def load(*, owner) -> Session:
    """Create the demo process, event and session once; later calls return the session."""
    existing = Session.objects.filter(code=JOIN_CODE).first()
    if existing is not None:
        return existing
    process, _ = Process.objects.get_or_create(
        slug="mobility-roadmap-2050",
        defaults={
            "title": "Mobility roadmap 2050",
            "description": "A multi-stakeholder roadmap towards responsible sourcing of the "
            "minerals used in vehicles and batteries.",
            "owner": owner,
        },
    )
    event = services.create_event(
        owner=owner,
        process=process,
        title="Roadmap workshop: responsible sourcing in mobility",
        kind=Event.Kind.ROADMAP_WORKSHOP,
        sector="mobility",
        time_zone="Europe/Brussels",
        starts_on=dt.date(2026, 12, 8),
        ends_on=dt.date(2026, 12, 9),
    )
    session = services.create_session(event=event, title="Vision and priorities")
    session.code = JOIN_CODE
    session.save(update_fields=["code"])
    for poll in POLLS:
        services.add_activity(session=session, **poll)
    return session
