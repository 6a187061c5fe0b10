"""``ActivityKind.participant_states`` (a reconnect storm's greetings, sessions/joining.py)
says of each participant what ``participant_state`` says of them alone, in a number of
queries that does not grow with the participants, for every kind that reads them
together."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions import services
from sessions.kinds import get_kind
from tests import factories
from tests.factories import act

pytestmark = pytest.mark.django_db

# Kind -> (settings, queries for any number of participants).
KINDS = {
    "single_choice": ({"options": ["Yes", "No"]}, 1),
    "idea_board": ({"columns": ["Ideas", "Risks"]}, 1),
    "qna": ({}, 1),
    "consensus": ({"statements": ["Audit every smelter.", "Publish every contract."]}, 2),
}


def fill(activity, people) -> None:
    """The first two of ``people`` take part; the others have done nothing."""
    ana, ben = people[:2]
    if activity.kind == "single_choice":
        act(activity, ana, "vote", 0)
        act(activity, ben, "vote", 1)
    elif activity.kind == "idea_board":
        note = act(activity, ana, "post", {"column": 0, "text": "Share audit costs"})
        act(activity, ben, "post", {"column": 1, "text": "Greenwashing"})
        services.moderate_activity(activity=activity, action="start_voting", data={"budget": 2})
        activity.refresh_from_db()
        act(activity, ben, "upvote", {"note": note["ballot"]["notes"][0]["id"]})
    elif activity.kind == "qna":
        asked = act(activity, ana, "ask", {"text": "Who pays for traceability?"})
        act(activity, ben, "upvote", {"question": asked["ballot"]["questions"][0]["id"]})
    else:
        statement = activity.statements.order_by("id").first()
        act(activity, ana, "answer", {"statement": statement.pk, "vote": "agree"})
        act(activity, ben, "submit", {"text": "Train artisanal miners first."})


@pytest.mark.parametrize("kind", list(KINDS))
def test_states_of_many_are_each_ones_state_in_queries_that_do_not_grow(kind):
    config, queries = KINDS[kind]
    activity = services.add_activity(
        session=factories.make_session(), kind=kind, title="Now", config=config
    )
    services.open_activity(activity=activity)
    activity.refresh_from_db()
    people = [factories.make_participant(session=activity.session) for _ in range(6)]
    fill(activity, people)
    kind_class = get_kind(kind)

    one_by_one = {p.pk: kind_class.participant_state(activity, p) for p in people}
    assert one_by_one[people[0].pk] is not None and one_by_one[people[1].pk] is not None
    assert one_by_one[people[5].pk] is None
    for group in (people[:2], people):
        with CaptureQueriesContext(connection) as read:
            states = kind_class.participant_states(activity, group)
        assert len(read) == queries
        assert states == {p.pk: one_by_one[p.pk] for p in group}
