"""Vision voting (polls/vision.py): statement settings, each kind's ballots and bad
cases, exact tallies, the per-group breakdown and statements promoted to a draft."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from polls.breakdown import MIN_GROUP_SIZE, breakdown, group_keys
from polls.models import Ballot
from polls.statements import add_statement, parse_statements
from sessions import selectors, services
from sessions.kinds import CommandError, Role, get_kind
from sessions.models import Activity, CommandReceipt
from tests import factories

pytestmark = pytest.mark.django_db

VISION = ["dot_vote", "impact_feasibility", "statement_ranking"]
FOUR = "Zero-waste mines\nFair wages\nmilestone 2030: Half recycled\naction industry: Audits"


def vision(kind, text=FOUR, open=True, **config):
    return factories.make_activity(
        kind=kind, open=open, config={"statements": text, **config}, title="Vision?"
    )


def people(activity, n, group=""):
    return [
        factories.make_participant(session=activity.session, stakeholder_group=group)
        for _ in range(n)
    ]


def vote(activity, participant, data, key=None):
    return services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action="vote",
        data=data,
        key=key or f"k{data!r}{participant.pk}"[:64],
    )


def tally(activity):
    activity.refresh_from_db()
    return get_kind(activity.kind).tally(activity)


def stored(activity):
    return sorted(
        (Ballot.objects.filter(activity=activity).values_list("participant", "choice")),
        key=repr,
    )


def plain(text, kind="vision", horizon=None, actor=None):
    return {"text": text, "type": kind, "horizon": horizon, "actor": actor, "source": None}


# --------------------------------------------------------------------------- settings


def test_statement_lines_are_parsed_with_their_prefixes():
    text = (
        "  A   circular  economy \n"
        "\n"
        "vision: Traceable supply chains\n"
        "Milestone 2030: Half of batteries recycled\n"
        "milestone 2040 :  No child labour\n"
        "MILESTONE 2050: Net zero mining\n"
        "action policy makers: Mandatory due diligence\n"
        "action policy: Green procurement\n"
        "action industry: Publish audits\n"
        "Action Civil Society: Community monitoring\n"
        "action civil_society: Whistle-blower lines\n"
        "Vision for Europe: clean and fair\n"
        "vision: Action plan: every firm has one\n"
    )
    assert parse_statements(text) == [
        plain("A circular economy"),
        plain("Traceable supply chains"),
        plain("Half of batteries recycled", "milestone", horizon=2030),
        plain("No child labour", "milestone", horizon=2040),
        plain("Net zero mining", "milestone", horizon=2050),
        plain("Mandatory due diligence", "action", actor="policy"),
        plain("Green procurement", "action", actor="policy"),
        plain("Publish audits", "action", actor="industry"),
        plain("Community monitoring", "action", actor="civil_society"),
        plain("Whistle-blower lines", "action", actor="civil_society"),
        plain("Vision for Europe: clean and fair"),  # a vision head with words stays text
        plain("Action plan: every firm has one"),
    ]


def test_statements_may_come_as_a_list_of_lines_or_stored_statements():
    raw = [
        "milestone 2040: Closed loops",
        {"text": " Fair  pay ", "type": "action", "actor": "industry"},
        {"text": "From a board", "source": {"activity": 3, "note": 9}},
        {"text": "Bad source dropped", "source": {"activity": True, "evil": "x"}},
    ]
    assert parse_statements(raw) == [
        plain("Closed loops", "milestone", horizon=2040),
        plain("Fair pay", "action", actor="industry"),
        {**plain("From a board"), "source": {"activity": 3, "note": 9}},
        plain("Bad source dropped"),
    ]


def test_dot_vote_settings_have_defaults_and_limits():
    kind = get_kind("dot_vote")
    statements = parse_statements(FOUR)
    assert kind.clean_config({"statements": FOUR}) == {
        "statements": statements,
        "dots": 5,
        "max_per_statement": 3,
    }
    assert kind.clean_config({"statements": FOUR, "dots": "20", "max_per_statement": 20}) == {
        "statements": statements,
        "dots": 20,
        "max_per_statement": 20,
    }
    # The default "at most 3 on one" never exceeds the budget.
    assert kind.clean_config({"statements": FOUR, "dots": 2})["max_per_statement"] == 2
    assert kind.clean_config({"statements": FOUR, "dots": 1, "max_per_statement": ""}) == {
        "statements": statements,
        "dots": 1,
        "max_per_statement": 1,
    }
    for other in ("impact_feasibility", "statement_ranking"):
        # Settings of other kinds are dropped, not stored.
        assert get_kind(other).clean_config({"statements": FOUR, "dots": 9}) == {
            "statements": statements
        }


def test_two_and_thirty_statements_are_the_limits():
    thirty = "\n".join(f"Statement {i}" for i in range(30))
    assert len(parse_statements(thirty)) == 30
    assert len(parse_statements("A\nB")) == 2
    for text in ("Only one", "", "\n  \n", "\n".join(f"S{i}" for i in range(31))):
        with pytest.raises(ValidationError) as exc:
            parse_statements(text)
        assert exc.value.message_dict == {"statements": ["Give between 2 and 30 statements."]}


def test_bad_lines_are_reported_with_their_line_numbers():
    text = (
        "A fair transition\n"
        "milestone 2035: Wrong horizon\n"
        "\n"
        "milestone: No horizon\n"
        "action farmers: Unknown actor\n"
        "action: No actor\n"
        "milestone 2030:   \n"
        "a fair   TRANSITION\n"
        f"{'x' * 301}\n"
        "Fine statement\n"
    )
    with pytest.raises(ValidationError) as exc:
        parse_statements(text)
    errors = exc.value.message_dict["statements"]
    assert [e.split(":")[0] for e in errors] == [
        "Line 2",
        "Line 4",
        "Line 5",
        "Line 6",
        "Line 7",
        "Line 8",
        "Line 9",
    ]
    assert "horizon: 2030, 2040 or 2050" in errors[0] and "horizon" in errors[1]
    assert "actor group" in errors[2] and "actor group" in errors[3]
    assert errors[4] == "Line 7: Write the statement."
    assert errors[5] == "Line 8: the same statement as line 1."
    assert errors[6] == "Line 9: Keep a statement under 300 characters."


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ({"statements": None}, {"statements": ["Give the statements as text, one per line."]}),
        ({"statements": 7}, {"statements": ["Give the statements as text, one per line."]}),
        ({"statements": ["A", 3]}, {"statements": ["Line 2: Write the statement as text."]}),
        (
            {"statements": [{"text": "A", "type": "dream"}, "B"]},
            {"statements": ["Line 1: Unknown statement type."]},
        ),
        (
            {"statements": FOUR, "dots": 0},
            {"dots": ["Enter a number from 1 to 20."]},
        ),
        ({"statements": FOUR, "dots": 21}, {"dots": ["Enter a number from 1 to 20."]}),
        ({"statements": FOUR, "dots": "many"}, {"dots": ["Enter a whole number."]}),
        ({"statements": FOUR, "dots": True}, {"dots": ["Enter a whole number."]}),
        (
            {"statements": FOUR, "dots": 4, "max_per_statement": 5},
            {"max_per_statement": ["Enter a number from 1 to 4."]},
        ),
        (
            {"statements": FOUR, "max_per_statement": 0},
            {"max_per_statement": ["Enter a number from 1 to 5."]},
        ),
        (
            {"statements": "Only", "dots": 50},
            {
                "statements": ["Give between 2 and 30 statements."],
                "dots": ["Enter a number from 1 to 20."],
            },
        ),
    ],
)
def test_bad_dot_vote_settings_are_refused_per_field(raw, errors):
    with pytest.raises(ValidationError) as exc:
        get_kind("dot_vote").clean_config(raw)
    assert exc.value.message_dict == errors


def test_the_console_form_adds_a_dot_vote_and_shows_bad_lines(client):
    owner = factories.make_user(organiser=True)
    session = factories.make_session(event=factories.make_event(owner=owner))
    client.force_login(owner)
    url = reverse("frontend:add_activity", args=[session.code])
    base = {"kind": "dot_vote", "title": "Which vision?", "results_visibility": "live"}
    console = client.get(reverse("frontend:console", args=[session.code])).content.decode()
    assert 'name="dot_vote-statements"' in console and 'name="dot_vote-dots"' in console
    assert 'name="impact_feasibility-statements"' in console

    bad = client.post(
        url, {**base, "dot_vote-statements": "A\nmilestone 2031: B", "dot_vote-dots": "3"}
    )
    assert bad.status_code == 400
    assert "Line 2: A milestone needs a horizon" in bad.content.decode()
    assert not session.activities.exists()

    ok = client.post(
        url,
        {
            **base,
            "allow_change": "on",
            "dot_vote-statements": "A\nmilestone 2030: B",
            "dot_vote-dots": "3",
            "dot_vote-max_per_statement": "",
        },
    )
    assert ok.status_code == 302
    activity = session.activities.get()
    assert activity.config == {
        "statements": [plain("A"), plain("B", "milestone", horizon=2030)],
        "dots": 3,
        "max_per_statement": 3,
    }


def test_the_kinds_take_statements_and_show_them_without_their_source():
    activity = vision("dot_vote", [{"text": "Promoted", "source": {"activity": 1, "note": 2}}, "B"])
    for name in VISION:
        kind = get_kind(name)
        assert kind.takes_statements is True
        assert (kind.script, kind.style) == ("polls/vision.js", "polls/vision.css")
    assert get_kind("dot_vote").public_config(activity) == {
        "statements": [
            {"text": "Promoted", "type": "vision", "horizon": None, "actor": None},
            {"text": "B", "type": "vision", "horizon": None, "actor": None},
        ],
        "dots": 5,
        "max_per_statement": 3,
    }


# --------------------------------------------------------------------------- ballots


def assert_refused(activity, participant, data, code):
    before = (stored(activity), CommandReceipt.objects.count())
    with pytest.raises(CommandError) as exc:
        vote(activity, participant, data, key=f"bad-{participant.pk}-{data!r}"[:64])
    assert exc.value.code == code, exc.value.message
    assert (stored(activity), CommandReceipt.objects.count()) == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"0": 3, "1": 3}, "over_budget"),  # 6 dots of 5
        ({"0": 2, "1": 2, "2": 2}, "over_budget"),
        ({"0": 4}, "too_many_on_one"),
        ({"1": 10**30}, "too_many_on_one"),
        ({"4": 1}, "invalid_choice"),  # 4 statements: 0-3
        ({"-1": 1}, "invalid_choice"),
        ({"01": 1}, "invalid_choice"),
        ({" 1": 1}, "invalid_choice"),
        ({"1.0": 1}, "invalid_choice"),
        ({"²": 1}, "invalid_choice"),
        ({"one": 1}, "invalid_choice"),
        ({}, "invalid_choice"),
        ({"0": 0, "1": 0}, "invalid_choice"),
        ({"0": -1}, "invalid_value"),
        ({"0": 1.5}, "invalid_value"),
        ({"0": 1.0}, "invalid_value"),
        ({"0": True}, "invalid_value"),
        ({"0": "2"}, "invalid_value"),
        ({"0": None}, "invalid_value"),
        ({"0": [1]}, "invalid_value"),
        ([2, 1, 0, 0], "invalid_value"),
        ("0", "invalid_value"),
        (3, "invalid_value"),
        (None, "invalid_value"),
    ],
)
def test_bad_dot_votes_are_refused_with_typed_codes_and_change_nothing(data, code):
    activity = vision("dot_vote")
    voter = people(activity, 1)[0]
    vote(activity, voter, {"2": 2})
    assert_refused(activity, voter, data, code)
    assert stored(activity) == [(voter.pk, {"2": 2})]


def test_a_dot_vote_is_stored_normalised_and_can_be_changed_while_open():
    activity = vision("dot_vote", dots=6, max_per_statement=3)
    voter = people(activity, 1)[0]
    result = vote(activity, voter, {"3": 3, "0": 0, "1": 2, "2": 1})
    assert result == {
        "activity": activity.pk,
        "ballot": {"1": 2, "2": 1, "3": 3},
        "duplicate": False,
    }
    assert get_kind("dot_vote").participant_state(activity, voter) == {"1": 2, "2": 1, "3": 3}
    vote(activity, voter, {"0": 1})
    assert stored(activity) == [(voter.pk, {"0": 1})]


def test_a_dot_vote_cannot_be_changed_when_changes_are_off():
    activity = factories.make_activity(
        kind="dot_vote", open=True, allow_change=False, config={"statements": FOUR}
    )
    voter = people(activity, 1)[0]
    vote(activity, voter, {"0": 1})
    assert_refused(activity, voter, {"1": 1}, "already_voted")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"0": {"impact": 6, "feasibility": 3}}, "invalid_value"),
        ({"0": {"impact": 0, "feasibility": 3}}, "invalid_value"),
        ({"0": {"impact": 3, "feasibility": -1}}, "invalid_value"),
        ({"0": {"impact": 3.0, "feasibility": 3}}, "invalid_value"),
        ({"0": {"impact": True, "feasibility": 3}}, "invalid_value"),
        ({"0": {"impact": "3", "feasibility": 3}}, "invalid_value"),
        ({"0": {"impact": 3}}, "invalid_value"),
        ({"0": {"impact": 3, "feasibility": 3, "cost": 1}}, "invalid_value"),
        ({"0": [3, 3]}, "invalid_value"),
        ({"0": 3}, "invalid_value"),
        ([{"impact": 3, "feasibility": 3}], "invalid_value"),
        ("high", "invalid_value"),
        (None, "invalid_value"),
        ({"4": {"impact": 3, "feasibility": 3}}, "invalid_choice"),
        ({"x": {"impact": 3, "feasibility": 3}}, "invalid_choice"),
        ({}, "invalid_choice"),
    ],
)
def test_bad_ratings_are_refused_with_typed_codes_and_change_nothing(data, code):
    activity = vision("impact_feasibility")
    voter = people(activity, 1)[0]
    vote(activity, voter, {"1": {"impact": 2, "feasibility": 4}})
    assert_refused(activity, voter, data, code)
    assert stored(activity) == [(voter.pk, {"1": {"impact": 2, "feasibility": 4}})]


def test_ratings_may_cover_a_subset_of_the_statements():
    activity = vision("impact_feasibility")
    voter = people(activity, 1)[0]
    result = vote(
        activity,
        voter,
        {"3": {"feasibility": 1, "impact": 5}, "0": {"impact": 2, "feasibility": 2}},
    )
    assert result["ballot"] == {
        "0": {"impact": 2, "feasibility": 2},
        "3": {"impact": 5, "feasibility": 1},
    }


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ([0, 1, 2], "invalid_choice"),  # one missing
        ([0, 1, 2, 2], "invalid_choice"),
        ([0, 1, 2, 3, 3], "invalid_choice"),
        ([0, 1, 2, 4], "invalid_choice"),
        ([0, 1, 2, -3], "invalid_choice"),
        ([0, 1, 2, True], "invalid_choice"),
        ([0, 1, 2, 3.0], "invalid_choice"),
        (["0", "1", "2", "3"], "invalid_choice"),
        ({"0": 1}, "invalid_choice"),
        (None, "invalid_choice"),
    ],
)
def test_bad_statement_rankings_are_refused_and_change_nothing(data, code):
    activity = vision("statement_ranking")
    voter = people(activity, 1)[0]
    vote(activity, voter, [3, 2, 1, 0])
    assert_refused(activity, voter, data, code)
    assert stored(activity) == [(voter.pk, [3, 2, 1, 0])]


@pytest.mark.parametrize("kind", VISION)
def test_a_closed_or_draft_activity_refuses_ballots(kind):
    draft = vision(kind, open=False)
    voter = people(draft, 1)[0]
    data = {"dot_vote": {"0": 1}, "statement_ranking": [0, 1, 2, 3]}.get(
        kind, {"0": {"impact": 1, "feasibility": 1}}
    )
    assert_refused(draft, voter, data, "activity_closed")


# --------------------------------------------------------------------------- tallies


def test_dot_vote_tally_orders_by_dots_with_stable_ties():
    activity = vision("dot_vote")
    a, b, c = people(activity, 3)
    vote(activity, a, {"0": 1, "2": 3, "3": 1})
    vote(activity, b, {"2": 2, "1": 3})
    vote(activity, c, {"0": 3, "1": 1})
    result = tally(activity)
    assert {k: v for k, v in result.items() if k != "by_group"} == {
        "total": 3,
        "dots": 14,
        "statements": [
            {"index": 2, "dots": 5, "voters": 2},
            {"index": 0, "dots": 4, "voters": 2},  # tie with 1: first in the list first
            {"index": 1, "dots": 4, "voters": 2},
            {"index": 3, "dots": 1, "voters": 1},
        ],
    }


def test_impact_feasibility_tally_has_means_spreads_and_quadrants():
    activity = vision("impact_feasibility")
    a, b, c = people(activity, 3)
    vote(
        activity,
        a,
        {"0": {"impact": 5, "feasibility": 4}, "1": {"impact": 1, "feasibility": 1}},
    )
    vote(
        activity,
        b,
        {"0": {"impact": 4, "feasibility": 4}, "1": {"impact": 2, "feasibility": 5}},
    )
    vote(activity, c, {"0": {"impact": 3, "feasibility": 4}, "3": {"impact": 4, "feasibility": 2}})
    result = tally(activity)
    # impact of 0: 5, 4, 3 -> mean 4, population sd sqrt(2/3) = 0.8165
    # statement 1: impact 1, 2 -> 1.5, sd 0.5; feasibility 1, 5 -> 3, sd 2
    assert result["total"] == 3
    assert result["statements"] == [
        {
            "index": 0,
            "n": 3,
            "impact": 4.0,
            "feasibility": 4.0,
            "impact_sd": 0.82,
            "feasibility_sd": 0.0,
            "quadrant": "quick_wins",
        },
        {
            "index": 3,
            "n": 1,
            "impact": 4.0,
            "feasibility": 2.0,
            "impact_sd": 0.0,
            "feasibility_sd": 0.0,
            "quadrant": "major_projects",
        },
        {
            "index": 1,
            "n": 2,
            "impact": 1.5,
            "feasibility": 3.0,
            "impact_sd": 0.5,
            "feasibility_sd": 2.0,
            "quadrant": "fill_ins",
        },
        {
            "index": 2,
            "n": 0,
            "impact": None,
            "feasibility": None,
            "impact_sd": None,
            "feasibility_sd": None,
            "quadrant": None,
        },
    ]


def test_statement_ranking_tally_has_mean_rank_and_borda():
    activity = vision("statement_ranking")
    a, b, c = people(activity, 3)
    vote(activity, a, [2, 0, 1, 3])
    vote(activity, b, [2, 1, 0, 3])
    vote(activity, c, [0, 2, 3, 1])
    # Borda (n-1 = 3 for first): 0: 2+1+3 = 6; 1: 1+2+0 = 3; 2: 3+3+2 = 8; 3: 0+0+1 = 1
    # mean rank: 0: (2+3+1)/3 = 2; 1: (3+2+4)/3 = 3; 2: (1+1+2)/3 = 1.33; 3: (4+4+3)/3 = 3.67
    assert tally(activity)["statements"] == [
        {"index": 2, "mean_rank": 1.33, "borda": 8},
        {"index": 0, "mean_rank": 2.0, "borda": 6},
        {"index": 1, "mean_rank": 3.0, "borda": 3},
        {"index": 3, "mean_rank": 3.67, "borda": 1},
    ]


@pytest.mark.parametrize("kind", VISION)
def test_an_empty_tally_lists_every_statement_and_every_group_hidden(kind):
    result = tally(vision(kind))
    assert result["total"] == 0
    assert [r["index"] for r in result["statements"]] == [0, 1, 2, 3]
    assert [g["group"] for g in result["by_group"]] == group_keys()  # test_breakdown pins it
    assert all(g["hidden"] and g["respondents"] == 0 for g in result["by_group"])


# --------------------------------------------------------------------------- breakdown


def test_a_group_of_four_is_hidden_and_a_group_of_five_is_shown():
    assert MIN_GROUP_SIZE == 5
    activity = vision("dot_vote")
    for voter in people(activity, 4, "policy"):
        vote(activity, voter, {"0": 3})
    for voter in people(activity, 5, "research"):
        vote(activity, voter, {"1": 2, "2": 1})
    vote(activity, people(activity, 1)[0], {"3": 1})  # "prefer not to say"
    groups = {g["group"]: g for g in breakdown(activity)}
    assert groups["policy"] == {
        "group": "policy",
        "label": "Government / policy maker",
        "respondents": 4,
        "hidden": True,
    }
    assert groups["research"] == {
        "group": "research",
        "label": "Research / academia",
        "respondents": 5,
        "hidden": False,
        "total": 5,
        "dots": 15,
        "statements": [
            {"index": 1, "dots": 10, "voters": 5},
            {"index": 2, "dots": 5, "voters": 5},
            {"index": 0, "dots": 0, "voters": 0},
            {"index": 3, "dots": 0, "voters": 0},
        ],
    }
    assert groups["not_said"] == {
        "group": "not_said",
        "label": "Not said",
        "respondents": 1,
        "hidden": True,
    }
    assert groups["finance"]["respondents"] == 0 and groups["finance"]["hidden"]
    # The whole result still counts everyone; the tally carries the same breakdown.
    result = tally(activity)
    assert (result["total"], result["dots"]) == (10, 28)
    assert result["by_group"] == breakdown(activity)


def test_the_breakdown_reaches_every_role_that_may_see_results():
    activity = vision("statement_ranking")
    for voter in people(activity, 5, "civil_society"):
        vote(activity, voter, [1, 0, 2, 3])
    services.reveal_results(activity=activity, revealed=True)
    activity.refresh_from_db()
    views = selectors.activity_results_views(activity)
    for role in Role:
        groups = {g["group"]: g for g in views[role.value]["tally"]["by_group"]}
        assert groups["civil_society"]["statements"][0] == {
            "index": 1,
            "mean_rank": 1.0,
            "borda": 15,
        }


def test_the_tally_and_the_breakdown_each_read_the_ballots_in_one_query(
    django_assert_num_queries,
):
    activity = vision("impact_feasibility")
    for group in ("policy", "research", "finance", ""):
        for voter in people(activity, 5, group):
            vote(activity, voter, {"0": {"impact": 3, "feasibility": 4}})
    activity.refresh_from_db()
    with django_assert_num_queries(1):
        result = get_kind(activity.kind).tally(activity)
    assert sum(not g["hidden"] for g in result["by_group"]) == 4
    with django_assert_num_queries(1):
        breakdown(activity)


# --------------------------------------------------------------------------- statements


def test_add_statement_appends_to_a_draft_dot_vote():
    activity = vision("dot_vote", open=False)
    added = add_statement(
        activity=activity,
        text="  Promoted  from the board ",
        statement_type="action",
        actor="civil_society",
        source={"activity": 99, "note": 7},
    )
    assert added == {
        "text": "Promoted from the board",
        "type": "action",
        "horizon": None,
        "actor": "civil_society",
        "source": {"activity": 99, "note": 7},
    }
    activity.refresh_from_db()
    assert len(activity.config["statements"]) == 5
    assert activity.config["statements"][-1] == added
    assert activity.config["dots"] == 5  # the other settings stay
    # Once opened, the new statement can be voted on.
    services.open_activity(activity=activity)
    voter = people(activity, 1)[0]
    assert vote(activity, voter, {"4": 2})["ballot"] == {"4": 2}


def test_add_statement_is_refused_once_the_activity_is_open():
    activity = vision("dot_vote", open=True)
    before = Activity.objects.get(pk=activity.pk).config
    with pytest.raises(CommandError) as exc:
        add_statement(activity=activity, text="Too late")
    assert exc.value.code == "activity_not_draft"
    assert Activity.objects.get(pk=activity.pk).config == before
    poll = factories.make_activity(kind="single_choice")
    with pytest.raises(CommandError) as exc:
        add_statement(activity=poll, text="Not here")
    assert exc.value.code == "invalid_target"


# --------------------------------------------------------------------------- exports


def test_exports_render_each_ballot_readably():
    dots = vision("dot_vote", "Alpha\nBeta\nGamma")
    ratings = vision("impact_feasibility", "Alpha\nBeta\nGamma")
    ranking = vision("statement_ranking", "Alpha\nBeta\nGamma")
    voter = factories.make_participant(session=dots.session, stakeholder_group="finance")
    vote(dots, voter, {"2": 2, "0": 3})
    other = factories.make_participant(session=ratings.session)
    vote(
        ratings, other, {"1": {"impact": 4, "feasibility": 2}, "0": {"impact": 1, "feasibility": 5}}
    )
    third = factories.make_participant(session=ranking.session)
    vote(ranking, third, [1, 2, 0])

    columns, rows = selectors.export_records(dots)
    assert columns[-3:] == ["answer", "created_at", "updated_at"]
    assert [(r["participant"], r["stakeholder_group"], r["answer"]) for r in rows] == [
        (voter.pk, "finance", "Alpha: 3; Gamma: 2")
    ]
    # The 2x2 grid: one row per rated statement, impact and feasibility in their own
    # columns, each with the ballot's times.
    columns, rows = selectors.export_records(ratings)
    assert "answer" not in columns
    assert columns[-5:] == ["statement", "impact", "feasibility", "created_at", "updated_at"]
    assert [(r["participant"], r["statement"], r["impact"], r["feasibility"]) for r in rows] == [
        (other.pk, "Alpha", 1, 5),
        (other.pk, "Beta", 4, 2),
    ]
    assert rows[0]["created_at"] == rows[1]["created_at"] != ""
    (row,) = selectors.export_records(ranking)[1]
    assert row["answer"] == "1. Beta; 2. Gamma; 3. Alpha"
