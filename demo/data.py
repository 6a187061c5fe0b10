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
    {
        "kind": "idea_board",
        "title": "What stands in the way of responsible sourcing, and what would help?",
        "config": {
            "columns": "Challenges\nSolutions\nWho must act",
            "mode": "private",
            "max_length": 280,
            "max_notes": 10,
        },
        "results_visibility": Activity.Visibility.LIVE,
    },
    {
        "kind": "dot_vote",
        "title": "Spend your five dots on the statements that matter most for 2050.",
        "config": {
            "statements": "\n".join(
                [
                    "Every mineral in a vehicle can be traced to a responsible source.",
                    "milestone 2030: Human-rights due diligence covers all supply tiers.",
                    "milestone 2040: Half of battery minerals come from recycling.",
                    "action policy makers: Make due diligence mandatory for all importers.",
                    "action industry: Publish smelter and refiner lists every year.",
                    "action civil society: Monitor grievance mechanisms at mine sites.",
                ]
            ),
            "dots": 5,
            "max_per_statement": 3,
        },
        "results_visibility": Activity.Visibility.LIVE,
    },
    {
        "kind": "impact_feasibility",
        "title": "Rate each action on impact and feasibility.",
        "config": {
            "statements": "\n".join(
                [
                    "action policy makers: Due diligence law for all importers.",
                    "action industry: Battery passports with supply chain data.",
                    "action industry: Take-back schemes for end-of-life batteries.",
                    "action civil society: Community monitoring of mine sites.",
                ]
            )
        },
        "results_visibility": Activity.Visibility.AFTER_CLOSE,
    },
    {
        "kind": "statement_ranking",
        "title": "Put the 2030 milestones in order of priority.",
        "config": {
            "statements": "\n".join(
                [
                    "milestone 2030: A shared traceability standard for battery minerals.",
                    "milestone 2030: Living wages at first-tier suppliers.",
                    "milestone 2030: Recycled content targets for batteries.",
                ]
            )
        },
        "results_visibility": Activity.Visibility.LIVE,
    },
    {
        "kind": "qna",
        "title": "Questions for the panel",
        "config": {"allow_anonymous": True, "premoderate": False},
        "results_visibility": Activity.Visibility.LIVE,
    },
    {
        "kind": "consensus",
        "title": "Where do we agree?",
        "config": {
            "statements": [
                "Mining contracts and payments to governments should be published in full.",
                "Artisanal miners should get formal titles to the land they work.",
                "Recycled minerals should count towards due diligence targets.",
                "Carmakers should pay a premium for minerals from audited mines.",
                "Communities near a mine should be able to stop a project by vote.",
                "Traceability should reach down to the smelter for every battery.",
                "Governments should ban exports of unprocessed ore.",
                "Living wages should be a condition of every supply contract.",
            ],
            "allow_submissions": True,
            "max_submissions": 3,
        },
        "results_visibility": Activity.Visibility.LIVE,
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
        location="Brussels and online",
        public=True,
    )
    session = services.create_session(event=event, title="Vision and priorities")
    session.code = JOIN_CODE
    session.save(update_fields=["code"])
    for poll in POLLS:
        services.add_activity(session=session, language="en", **poll)
    return session
