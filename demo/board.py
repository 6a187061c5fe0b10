"""Sticky notes on the demo workshop's idea board, so that "Find themes" has something
to group the first time someone opens it: eight guests of several stakeholder groups
and the notes they left, written for the platform in the field's own words."""

from __future__ import annotations

from boards.models import Note
from sessions.models import Activity, Participant, Session

BOARD_KIND = "idea_board"

GUESTS = [
    ("Marta (cooperative)", "community_labour", "BO"),
    ("Kwame", "industry_upstream", "GH"),
    ("Julia", "industry_downstream", "DE"),
    ("Chen", "industry_downstream", "CN"),
    ("Ana Lúcia", "civil_society", "BR"),
    ("Pierre", "policy", "FR"),
    ("Dr. Okafor", "research", "NG"),
    ("Sofia", "finance", "CL"),
]

# (guest index, column: 0 challenges, 1 solutions, 2 who must act, text)
NOTES = [
    (0, 0, "Artisanal miners have no legal title to the land they dig"),
    (4, 0, "Informal miners are pushed out when a big concession arrives"),
    (0, 1, "Formalise artisanal mining with cooperatives and simple permits"),
    (6, 1, "Legal recognition of artisanal mining zones"),
    (1, 0, "Child labour still found in small cobalt pits"),
    (4, 0, "Unsafe working conditions and no protective equipment in pits"),
    (0, 1, "Pay a premium for minerals from pits without child labour"),
    (2, 0, "We cannot trace cobalt beyond the refinery"),
    (3, 0, "Smelters mix ore from many mines so origin is lost"),
    (2, 1, "Digital product passport for every battery"),
    (3, 1, "Blockchain traceability from mine to battery cell"),
    (7, 1, "Third-party audits of smelters and refiners every year"),
    (6, 0, "Tailings dams threaten rivers and drinking water"),
    (4, 0, "Water use of lithium brine extraction dries up wetlands"),
    (6, 1, "Independent monitoring of water quality near mines"),
    (1, 1, "Recycle process water and close tailings safely"),
    (2, 0, "Battery recycling rates are still very low in Europe"),
    (3, 1, "Deposit scheme so old batteries come back for recycling"),
    (7, 1, "Recycled content targets for new batteries"),
    (5, 1, "Count recycled minerals towards due diligence targets"),
    (5, 2, "Governments should require mandatory due diligence by law"),
    (7, 2, "Investors should make financing conditional on audits"),
    (2, 2, "Carmakers must share supplier lists publicly"),
    (5, 2, "Producer countries and importers should agree common standards"),
]


def load(*, session: Session) -> int:
    """Add the guests and their notes to the session's idea board once; the number of
    notes added (0 when the board has notes already or there is no board)."""
    board = Activity.objects.filter(session=session, kind=BOARD_KIND).first()
    if board is None or Note.objects.filter(activity=board).exists():
        return 0
    guests = [
        Participant.objects.create(
            session=session, display_name=name, stakeholder_group=group, country=country
        )
        for name, group, country in GUESTS
    ]
    Note.objects.bulk_create(
        Note(activity=board, participant=guests[who], column=column, text=text)
        for who, column, text in NOTES
    )
    return len(NOTES)
