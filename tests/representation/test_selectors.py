"""The representation computed on small worlds whose answers are known: counts, shares,
gaps and alerts per stage; one person counted once; unknown rows; a target group
nobody is in; suppression for those who are not organisers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from consult import services as consult_services
from consult.models import ProcessRole, Profile
from people.models import Person
from representation import selectors
from representation.selectors import (
    ACCEPTED_STAGE,
    FEWER,
    GENDER,
    GROUP,
    HIDDEN,
    INVITED,
    JOINED,
    LIVE_CONTRIBUTED,
    ONLINE_CONTRIBUTED,
    REGION,
    REGISTERED,
)
from sessions import services as live_services
from sessions.models import Participant
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import DEFAULT_CONFIGS
from tests.representation.world import (
    act,
    invite,
    join,
    live_event,
    make_person,
    open_poll,
    set_targets,
    vote,
)

pytestmark = pytest.mark.django_db


def column(rep, dimension: str, stage: str) -> dict[str, int]:
    """{value: count} of one stage, only the values someone has (zeros left out)."""
    table = next(t for t in rep.tables if t.dimension == dimension)
    j = [s.key for s in rep.stages].index(stage)
    return {row.value: row.cells[j].count for row in table.rows if row.cells[j].count}


def cell(rep, dimension: str, value: str, stage: str):
    table = next(t for t in rep.tables if t.dimension == dimension)
    j = [s.key for s in rep.stages].index(stage)
    return next(row for row in table.rows if row.value == value).cells[j]


def row(rep, dimension: str, value: str):
    table = next(t for t in rep.tables if t.dimension == dimension)
    return next(r for r in table.rows if r.value == value)


# --------------------------------------------------------------------------- live


@pytest.fixture
def live_world():
    """An event of a process with two sessions (A, B); invitations with every answer;
    participants: a directory person in both sessions, an account in both, an account
    linked to a directory person who also came through a personal link, guests; and
    the same kinds of things in another process, which must not count."""
    process = make_process()
    set_targets(
        process, GROUP, {"policy": "40", "research": "30", "civil_society": "20", "finance": "10"}
    )
    event = live_event(process)
    a = factories.make_session(event=event, title="A")
    b = factories.make_session(event=event, title="B")
    poll_a, poll_b = open_poll(a), open_poll(b)

    people = {}
    for name, group, answer in [
        ("pol1", "policy", "in_person"),
        ("pol2", "policy", "remote"),
        ("pol3", "policy", "remote"),
        ("pol4", "policy", "declined"),
        ("pol5", "policy", ""),
        ("res1", "research", "in_person"),
        ("res2", "research", "in_person"),
        ("res3", "research", ""),
        ("civ1", "civil_society", ""),
        ("unk1", "", "in_person"),
    ]:
        people[name] = make_person(group=group, country="KE", gender="woman")
        invite(people[name], process=process, event=event, answer=answer)
    invite(people["pol1"], process=process, session=a, answer="declined")  # still one person

    # pol1 joins both sessions through their personal link and votes in B only.
    pol1_a = join(a, person=people["pol1"], stakeholder_group="policy", country="KE",
                  gender="woman")  # fmt: skip
    join(b, person=people["pol1"], stakeholder_group="policy", country="KE", gender="woman")
    vote(poll_b, Participant.objects.get(session=b, person=people["pol1"]))
    # An account without a directory record joins twice; the later profile counts.
    u1 = factories.make_user()
    join(a, user=u1, stakeholder_group="research", country="DE", gender="man")
    join(b, user=u1, stakeholder_group="research", country="KE", gender="man")
    # An account linked to res2 joins A as an account (and votes), and res2 joins B
    # through the personal link: one person.
    u2 = factories.make_user()
    people["res2"].user = u2
    people["res2"].save(update_fields=["user"])
    vote(poll_a, join(a, user=u2, stakeholder_group="research", country="FR"))
    join(b, person=people["res2"], stakeholder_group="research", country="FR")
    # Guests: three of policy from Brazil (two vote), one who said nothing (votes).
    guests = [join(a, stakeholder_group="policy", country="BR") for _ in range(3)]
    vote(poll_a, guests[0])
    vote(poll_a, guests[1])
    vote(poll_a, join(a))

    # Another process: its invitations and participants are not ours.
    elsewhere = make_process()
    other_session = factories.make_session(event=live_event(elsewhere))
    invite(make_person(group="finance"), process=elsewhere, session=other_session, answer="remote")
    join(other_session, stakeholder_group="finance", country="KE")
    return {"process": process, "event": event, "a": a, "b": b, "people": people,
            "pol1_a": pol1_a}  # fmt: skip


def test_an_event_counts_each_stage_once_per_person(live_world):
    rep = selectors.representation(scope=selectors.event_scope(live_world["event"]))

    assert [s.key for s in rep.stages] == [INVITED, ACCEPTED_STAGE, JOINED, LIVE_CONTRIBUTED]
    assert column(rep, GROUP, INVITED) == {"policy": 5, "research": 3, "civil_society": 1, "": 1}
    assert column(rep, GROUP, ACCEPTED_STAGE) == {"policy": 3, "research": 2, "": 1}
    # pol1 (two sessions), u1 (two sessions), res2 (as an account and as a person) once each.
    assert column(rep, GROUP, JOINED) == {"policy": 4, "research": 2, "": 1}
    assert column(rep, GROUP, LIVE_CONTRIBUTED) == {"policy": 3, "research": 1, "": 1}
    # Regions follow the country each declared when they last joined (u1: Kenya).
    assert column(rep, REGION, JOINED) == {
        "sub_saharan_africa": 2,
        "europe": 1,
        "latin_america": 3,
        "": 1,
    }
    assert column(rep, GENDER, JOINED) == {"woman": 1, "man": 1, "": 5}
    assert column(rep, REGION, INVITED) == {"sub_saharan_africa": 10}
    group = next(t for t in rep.tables if t.dimension == GROUP)
    assert [c.count for c in group.totals] == [10, 6, 7, 5]


def test_shares_gaps_and_alerts_against_the_target(live_world):
    rep = selectors.representation(scope=selectors.event_scope(live_world["event"]))

    policy = cell(rep, GROUP, "policy", INVITED)
    assert (policy.count, policy.share, policy.gap) == (5, 50.0, 10.0)
    assert not policy.alert
    research = cell(rep, GROUP, "research", ACCEPTED_STAGE)
    assert (research.count, research.share, research.gap) == (2, 33.3, 3.3)
    assert research.too_few and not research.below_target  # fewer than 5 people
    # Exactly 10 points below is not "more than 10 below".
    civil = cell(rep, GROUP, "civil_society", INVITED)
    assert (civil.share, civil.gap, civil.below_target, civil.too_few) == (10.0, -10.0, False, True)
    civil = cell(rep, GROUP, "civil_society", ACCEPTED_STAGE)
    assert (civil.count, civil.share, civil.gap) == (0, 0.0, -20.0)
    assert civil.below_target and civil.too_few
    assert row(rep, GROUP, "policy").target == Decimal("40.00")


def test_a_target_group_nobody_is_in_shows_with_zero(live_world):
    rep = selectors.representation(scope=selectors.event_scope(live_world["event"]))

    finance = row(rep, GROUP, "finance")
    assert finance.target == Decimal("10.00")
    assert [c.count for c in finance.cells] == [0, 0, 0, 0]
    assert [c.share for c in finance.cells] == [0.0, 0.0, 0.0, 0.0]
    assert [c.gap for c in finance.cells] == [-10.0, -10.0, -10.0, -10.0]
    assert all(c.too_few for c in finance.cells)
    assert (row(rep, GROUP, "finance"), True) in [(r, True) for _t, r in rep.alerts]


def test_the_unknown_row_has_no_target_and_no_alert(live_world):
    rep = selectors.representation(scope=selectors.event_scope(live_world["event"]))

    unknown = row(rep, GROUP, "")
    assert str(unknown.label) == "Prefer not to say"
    assert unknown.target is None
    assert [c.count for c in unknown.cells] == [1, 1, 1, 1]
    assert [c.share for c in unknown.cells] == [10.0, 16.7, 14.3, 20.0]
    assert not unknown.alert and all(c.gap is None for c in unknown.cells)
    # It is the last row; a value without a target and nobody has no alert either.
    group = next(t for t in rep.tables if t.dimension == GROUP)
    assert group.rows[-1].value == ""
    assert not row(rep, GROUP, "other").alert
    assert str(row(rep, REGION, "").label) == "Unknown"


def test_a_session_counts_its_own_people_and_its_event_s_invitations(live_world):
    rep = selectors.representation(scope=selectors.session_scope(live_world["b"]))

    assert column(rep, GROUP, INVITED) == {"policy": 5, "research": 3, "civil_society": 1, "": 1}
    assert column(rep, GROUP, JOINED) == {"policy": 1, "research": 2}  # pol1, u1, res2
    assert column(rep, GROUP, LIVE_CONTRIBUTED) == {"policy": 1}  # pol1 voted in B
    rep_a = selectors.representation(scope=selectors.session_scope(live_world["a"]))
    # The session invitation adds nobody new (pol1 was invited to the event).
    assert column(rep_a, GROUP, INVITED)["policy"] == 5
    assert column(rep_a, GROUP, JOINED) == {"policy": 4, "research": 2, "": 1}


def test_a_stage_nobody_reached_raises_no_alert():
    process = make_process()
    set_targets(process, GROUP, {"policy": "50", "research": "50"})
    rep = selectors.representation(scope=selectors.event_scope(live_event(process)))

    assert rep.alerts == []
    assert all(c.share is None and c.gap is None for r in rep.tables[0].rows for c in r.cells)


@pytest.mark.parametrize(
    ("kind", "config", "action", "data"),
    [
        ("single_choice", None, "vote", 0),
        ("dot_vote", None, "vote", {"0": 2}),
        ("idea_board", {"columns": ["Ideas"]}, "post", {"column": 0, "text": "Share data"}),
        ("qna", {}, "ask", {"text": "Who pays?"}),
    ],
)
def test_every_kind_of_input_counts_as_contributing(kind, config, action, data):
    process = make_process()
    session = factories.make_session(event=live_event(process))
    activity = live_services.add_activity(
        session=session,
        kind=kind,
        title="Input",
        config=DEFAULT_CONFIGS[kind] if config is None else config,
    )
    live_services.open_activity(activity=activity)
    active = join(session, stakeholder_group="finance")
    join(session, stakeholder_group="finance")  # only watches
    act(activity, active, action, data)

    rep = selectors.representation(scope=selectors.session_scope(session))
    assert column(rep, GROUP, JOINED) == {"finance": 2}
    assert column(rep, GROUP, LIVE_CONTRIBUTED) == {"finance": 1}


# --------------------------------------------------------------------------- consultation


@pytest.fixture
def consultation_world():
    consultation = make_consultation()
    process, owner = consultation.process, consultation.process.owner
    section = consultation.sections.order_by("pk").first()
    # A commenter (civil society by profile, policy in the directory: the profile wins),
    # who also accepted an invitation: one person.
    m1 = make_member(group="civil_society")
    Profile.objects.filter(user=m1).update(country="KE")
    invite(make_person(user=m1, group="policy"), process=process, consultation=consultation,
           answer="remote")  # fmt: skip
    consult_services.add_comment(section=section, author=m1, body="More on recycling.")
    # A validator whose profile says nothing: the directory record fills it in.
    m2 = make_member(group="")
    make_person(user=m2, group="finance", country="ZA", gender="woman")
    version = consultation.versions.get()
    round_ = consult_services.open_round(consultation=consultation, by=owner, version=version)
    consult_services.answer_section(round=round_, section=section, user=m2, verdict="agree")
    # A follower, and someone whose only comment is deleted (commenting follows).
    m3 = make_member(group="policy")
    consult_services.follow(consultation=consultation, user=m3)
    m4 = make_member(group="policy")
    gone = consult_services.add_comment(section=section, author=m4, body="Oops")
    consult_services.delete_comment(comment=gone, by=m4)
    # A directory person without an account who accepted; one who declined.
    invite(make_person(group="research", country="IN"), process=process,
           consultation=consultation, answer="in_person")  # fmt: skip
    invite(make_person(group="research"), process=process, consultation=consultation,
           answer="declined")  # fmt: skip
    return consultation


def test_a_consultation_counts_registered_and_contributing_people(consultation_world):
    rep = selectors.representation(scope=selectors.consultation_scope(consultation_world))

    assert [s.key for s in rep.stages] == [INVITED, ACCEPTED_STAGE, REGISTERED, ONLINE_CONTRIBUTED]
    assert [str(s.label) for s in rep.stages] == ["Invited", "Accepted", "Registered",
                                                  "Contributed"]  # fmt: skip
    assert column(rep, GROUP, INVITED) == {"policy": 1, "research": 2}
    assert column(rep, GROUP, ACCEPTED_STAGE) == {"policy": 1, "research": 1}
    assert column(rep, GROUP, REGISTERED) == {
        "civil_society": 1,
        "finance": 1,
        "policy": 2,
        "research": 1,
    }
    assert column(rep, GROUP, ONLINE_CONTRIBUTED) == {"civil_society": 1, "finance": 1}
    assert column(rep, REGION, REGISTERED) == {"sub_saharan_africa": 2, "asia": 1, "": 2}
    assert column(rep, GENDER, ONLINE_CONTRIBUTED) == {"woman": 1, "": 1}


def test_a_process_has_every_stage_and_counts_a_person_invited_twice_once(consultation_world):
    process = consultation_world.process
    event = live_event(process)
    person = Person.objects.get(stakeholder_group="research", invitations__answer="in_person")
    invite(person, process=process, event=event, answer="declined")
    session = factories.make_session(event=event)
    vote(open_poll(session), join(session, stakeholder_group="research", country="IN"))

    rep = selectors.representation(scope=selectors.process_scope(process))
    assert [s.key for s in rep.stages] == list(selectors.STAGE_LABELS)
    assert column(rep, GROUP, INVITED) == {"policy": 1, "research": 2}
    assert column(rep, GROUP, ACCEPTED_STAGE) == {"policy": 1, "research": 1}
    assert column(rep, GROUP, JOINED) == {"research": 1}
    assert column(rep, GROUP, LIVE_CONTRIBUTED) == {"research": 1}
    assert column(rep, GROUP, ONLINE_CONTRIBUTED) == {"civil_society": 1, "finance": 1}


# --------------------------------------------------------------------------- suppression


def test_suppression_hides_small_counts_and_what_would_give_them_away():
    process = make_process()
    set_targets(process, GROUP, {"policy": "50", "research": "50"})
    session = factories.make_session(event=live_event(process))
    for group, gender, n in [
        ("policy", "woman", 6),
        ("research", "man", 7),
        ("civil_society", "non_binary", 5),
        ("civil_society", "other", 5),
        ("finance", "", 3),
    ]:
        for _ in range(n):
            join(session, stakeholder_group=group, gender=gender)
    full = selectors.representation(scope=selectors.session_scope(session))
    shown = selectors.suppress(full)

    assert not full.suppressed and shown.suppressed
    assert cell(full, GROUP, "finance", JOINED).count == 3  # the original is untouched
    finance = cell(shown, GROUP, "finance", JOINED)
    assert (finance.count, finance.share, finance.suppressed) == (None, None, FEWER)
    zero = cell(shown, GROUP, "industry_upstream", JOINED)
    assert (zero.count, zero.suppressed) == (None, FEWER)
    policy = cell(shown, GROUP, "policy", JOINED)
    assert (policy.count, policy.share, policy.gap, policy.suppressed) == (6, 23.1, -26.9, "")
    assert policy.below_target
    assert cell(shown, GROUP, "civil_society", JOINED).count == 10
    # Genders: only the undisclosed (3) is under 5, and 26 - 6 - 7 - 5 - 5 would tell
    # it: the smallest shown count (non-binary, 5) is hidden too.
    unknown = cell(shown, GENDER, "", JOINED)
    assert (unknown.count, unknown.suppressed) == (None, FEWER)
    non_binary = cell(shown, GENDER, "non_binary", JOINED)
    assert (non_binary.count, non_binary.share, non_binary.suppressed) == (None, None, HIDDEN)
    assert [cell(shown, GENDER, g, JOINED).count for g in ("woman", "man", "other")] == [6, 7, 5]
    assert shown.tables[2].totals[2].count == 26
    # Nobody invited: the column's total (0) is hidden too, and every count.
    assert shown.tables[0].totals[0].suppressed == FEWER
    assert all(r.cells[0].count is None for r in shown.tables[0].rows)
    # The JSON carries no hidden figure.
    data = shown.as_json()
    finance_json = next(r for r in data["dimensions"][0]["rows"] if r["value"] == "finance")
    assert finance_json["cells"]["joined"] == {
        "count": None,
        "share": None,
        "gap": None,
        "alert": False,
        "too_few": False,
        "below_target": False,
        "suppressed": FEWER,
    }
    assert data["dimensions"][0]["totals"] == {"invited": None, "accepted": None,
                                               "joined": 26, "live_contributed": None}  # fmt: skip
    # A value with a target under 5 keeps its alert, not its figures.
    research_json = next(r for r in data["dimensions"][0]["rows"] if r["value"] == "research")
    assert research_json["cells"]["live_contributed"]["suppressed"] == FEWER


def test_who_may_see_and_who_sees_every_figure(live_world):
    process, event = live_world["process"], live_world["event"]
    scope = selectors.event_scope(event)
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=process)
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=process)
    member = make_member()
    facilitator = event.owner

    assert selectors.may_see(organiser, scope) and selectors.sees_full_figures(organiser, scope)
    assert selectors.may_see(process.owner, scope)
    assert selectors.may_see(moderator, scope)
    assert not selectors.sees_full_figures(moderator, scope)
    assert selectors.may_see(facilitator, scope)
    assert not selectors.may_see(facilitator, selectors.process_scope(process))
    assert not selectors.may_see(member, scope)


# --------------------------------------------------------------------------- people to invite


def test_people_to_invite_are_those_not_invited_or_not_answered(live_world):
    event = live_world["event"]
    people = live_world["people"]
    fresh = make_person(group="policy", name="Aaron Fresh")
    quiet = make_person(group="policy", name="Quiet One")
    Person.objects.filter(pk=quiet.pk).update(do_not_contact=True)
    scope = selectors.event_scope(event)

    found = list(selectors.people_to_invite(scope=scope, dimension=GROUP, value="policy"))
    # Not invited first (fresh), then pol5 who has not answered; answered ones are not listed.
    assert [p.pk for p in found] == [fresh.pk, people["pol5"].pk]
    assert [p.invited for p in found] == [False, True]
    assert found[1].pending and found[1].sent_at is not None and found[1].reminders == 0
    assert selectors.not_contactable_count(dimension=GROUP, value="policy") == 1
    assert list(selectors.people_to_invite(scope=scope, dimension=GROUP, value="")) == []
    assert list(selectors.people_to_invite(scope=scope, dimension="colour", value="red")) == []
