"""Poll results per stakeholder group (issue 16): the "Show results per stakeholder
group" setting (config ``by_group``) of single choice, multiple choice, scale and
ranking, and the tallies it makes carry ``by_group`` (polls/breakdown.py: a group
with fewer than 5 respondents keeps only its count)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from polls import forms
from polls.breakdown import MIN_GROUP_SIZE, group_keys
from sessions import selectors, services
from sessions.kinds import Role, get_kind
from tests import factories

pytestmark = pytest.mark.django_db

BY_GROUP = ["single_choice", "multiple_choice", "scale", "ranking"]
GROUP_KEYS = group_keys()  # the order test_breakdown.py pins


def poll(kind, **config):
    return factories.make_activity(
        kind=kind, open=True, config={**factories.DEFAULT_CONFIGS[kind], **config}
    )


def voters(activity, n, group=""):
    return [
        factories.make_participant(session=activity.session, stakeholder_group=group)
        for _ in range(n)
    ]


def vote(activity, participant, data):
    services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action="vote",
        data=data,
        key=f"k{participant.pk}",
    )


def tally(activity):
    activity.refresh_from_db()
    return get_kind(activity.kind).tally(activity)


def groups(result):
    return {g["group"]: g for g in result["by_group"]}


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize("kind", BY_GROUP)
def test_the_setting_is_kept_only_when_on(kind):
    raw = factories.DEFAULT_CONFIGS[kind]
    cleaned = get_kind(kind).clean_config(raw)
    assert "by_group" not in cleaned
    assert get_kind(kind).clean_config({**raw, "by_group": False}) == cleaned
    assert get_kind(kind).clean_config({**raw, "by_group": ""}) == cleaned
    assert get_kind(kind).clean_config({**raw, "by_group": True}) == {**cleaned, "by_group": True}


@pytest.mark.parametrize("value", ["yes", 1, "true", [True]])
def test_a_setting_that_is_not_yes_or_no_is_refused_on_its_field(value):
    with pytest.raises(ValidationError) as caught:
        get_kind("scale").clean_config({"by_group": value})
    assert caught.value.message_dict == {"by_group": ["Say yes or no."]}


def test_the_word_cloud_has_no_breakdown():
    cleaned = get_kind("word_cloud").clean_config({"by_group": True})
    assert "by_group" not in cleaned
    assert "by_group" not in forms.WordCloudForm.base_fields


@pytest.mark.parametrize(
    ("form_class", "data", "config"),
    [
        (
            forms.OptionsForm,
            {"options": "A\nB", "by_group": "on"},
            {"options": "A\nB", "by_group": True},
        ),
        (forms.OptionsForm, {"options": "A\nB"}, {"options": "A\nB"}),
        (
            forms.MultipleChoiceForm,
            {"options": "A\nB", "max_choices": "1", "by_group": "on"},
            {"options": "A\nB", "max_choices": 1, "by_group": True},
        ),
        (forms.ScaleForm, {"min": "0", "by_group": "on"}, {"min": 0, "by_group": True}),
        (forms.ScaleForm, {"min": "0"}, {"min": 0}),
    ],
)
def test_the_settings_forms_tick_box(form_class, data, config):
    form = form_class({f"k-{k}": v for k, v in data.items()}, prefix="k")
    assert form.is_valid(), form.errors
    assert form.config() == config
    # The box comes after the kind's own fields, with its label and help.
    assert list(form.fields)[-1] == "by_group"
    field = form.fields["by_group"]
    assert str(field.label) == "Show results per stakeholder group"
    assert "fewer than 5" in str(field.help_text)


def test_the_console_creates_a_poll_with_results_per_group(client):
    organiser = factories.make_user(organiser=True)
    session = factories.make_session(event=factories.make_event(owner=organiser))
    client.force_login(organiser)
    response = client.post(
        reverse("frontend:add_activity", args=[session.code]),
        {
            "results_visibility": "after_reveal",
            "kind": "single_choice",
            "title": "Which first?",
            "single_choice-options": "A\nB",
            "single_choice-by_group": "on",
        },
    )
    assert response.status_code == 302
    assert session.activities.get().config == {"options": ["A", "B"], "by_group": True}


# --------------------------------------------------------------------------- tallies


def test_single_choice_per_group_with_a_small_group_hidden():
    activity = poll("single_choice", by_group=True)  # Yes, No, Not sure
    for participant, choice in zip(
        voters(activity, 5, "civil_society"), [0, 0, 0, 1, 2], strict=True
    ):
        vote(activity, participant, choice)
    for participant in voters(activity, MIN_GROUP_SIZE - 1, "research"):
        vote(activity, participant, 1)
    vote(activity, voters(activity, 1)[0], 2)  # "prefer not to say"
    result = tally(activity)
    # The whole result counts everyone, as without the setting.
    assert {k: v for k, v in result.items() if k != "by_group"} == {
        "total": 10,
        "options": [
            {"label": "Yes", "count": 3, "percent": 30.0},
            {"label": "No", "count": 5, "percent": 50.0},
            {"label": "Not sure", "count": 2, "percent": 20.0},
        ],
    }
    assert [g["group"] for g in result["by_group"]] == GROUP_KEYS
    by = groups(result)
    assert by["civil_society"] == {
        "group": "civil_society",
        "label": "Civil society / NGO",
        "respondents": 5,
        "hidden": False,
        "total": 5,
        "options": [
            {"label": "Yes", "count": 3, "percent": 60.0},
            {"label": "No", "count": 1, "percent": 20.0},
            {"label": "Not sure", "count": 1, "percent": 20.0},
        ],
    }
    # Four people of one group could be singled out: only their number is told.
    assert by["research"] == {
        "group": "research",
        "label": "Research / academia",
        "respondents": 4,
        "hidden": True,
    }
    assert by["not_said"] == {
        "group": "not_said",
        "label": "Not said",
        "respondents": 1,
        "hidden": True,
    }
    assert by["finance"]["respondents"] == 0 and by["finance"]["hidden"]


def test_multiple_choice_percentages_per_group_are_of_the_groups_voters():
    activity = poll("multiple_choice", by_group=True)  # Cobalt, Lithium, Tin, Gold; 2
    ballots = [[0, 1], [0], [0, 3], [1, 3], [0, 1]]
    for participant, choice in zip(voters(activity, 5, "finance"), ballots, strict=True):
        vote(activity, participant, choice)
    finance = groups(tally(activity))["finance"]
    assert finance["total"] == 5
    assert finance["options"] == [
        {"label": "Cobalt", "count": 4, "percent": 80.0},
        {"label": "Lithium", "count": 3, "percent": 60.0},
        {"label": "Tin", "count": 0, "percent": 0.0},
        {"label": "Gold", "count": 2, "percent": 40.0},
    ]


def test_scale_mean_and_distribution_per_group():
    activity = poll("scale", by_group=True)  # 1 to 5
    for participant, value in zip(voters(activity, 5, "policy"), [1, 2, 2, 5, 5], strict=True):
        vote(activity, participant, value)
    for participant in voters(activity, 5, "industry_upstream"):
        vote(activity, participant, 4)
    result = tally(activity)
    assert result["mean"] == 3.5 and result["total"] == 10
    policy = groups(result)["policy"]
    assert policy["mean"] == 3.0
    assert [(d["value"], d["count"], d["percent"]) for d in policy["distribution"]] == [
        (1, 1, 20.0),
        (2, 2, 40.0),
        (3, 0, 0.0),
        (4, 0, 0.0),
        (5, 2, 40.0),
    ]
    upstream = groups(result)["industry_upstream"]
    assert upstream["mean"] == 4.0 and upstream["distribution"][3]["percent"] == 100.0


def test_ranking_borda_per_group():
    activity = poll("ranking", by_group=True)  # Traceability, Living wages, Recycling
    for participant in voters(activity, 5, "community_labour"):
        vote(activity, participant, [1, 2, 0])
    for participant in voters(activity, 5, "industry_downstream"):
        vote(activity, participant, [2, 0, 1])
    by = groups(tally(activity))
    assert by["community_labour"]["options"] == [
        {"label": "Living wages", "mean_rank": 1.0, "borda": 10},
        {"label": "Recycling", "mean_rank": 2.0, "borda": 5},
        {"label": "Traceability", "mean_rank": 3.0, "borda": 0},
    ]
    assert [o["label"] for o in by["industry_downstream"]["options"]] == [
        "Recycling",
        "Traceability",
        "Living wages",
    ]


@pytest.mark.parametrize("kind", BY_GROUP)
def test_an_empty_tally_has_every_group_hidden(kind):
    result = tally(poll(kind, by_group=True))
    assert [g["group"] for g in result["by_group"]] == GROUP_KEYS
    assert all(g["hidden"] and g["respondents"] == 0 for g in result["by_group"])


@pytest.mark.parametrize("kind", BY_GROUP)
def test_without_the_setting_the_tally_is_as_before(kind):
    on, off = poll(kind, by_group=True), poll(kind)
    data = {"single_choice": 1, "multiple_choice": [0, 2], "scale": 3, "ranking": [2, 0, 1]}[kind]
    for activity in (on, off):
        for participant in voters(activity, 5, "research"):
            vote(activity, participant, data)
    with_groups, without = tally(on), tally(off)
    assert "by_group" not in without
    assert {k: v for k, v in with_groups.items() if k != "by_group"} == without
    assert groups(with_groups)["research"]["respondents"] == 5


@pytest.mark.parametrize("by_group", [False, True])
def test_the_tally_reads_the_ballots_in_one_query_either_way(by_group, django_assert_num_queries):
    activity = poll("single_choice", by_group=by_group)
    for group in ("policy", "research", ""):
        for participant in voters(activity, 5, group):
            vote(activity, participant, 0)
    activity.refresh_from_db()
    with django_assert_num_queries(1):
        result = get_kind(activity.kind).tally(activity)
    assert ("by_group" in result) is by_group


def test_the_breakdown_reaches_every_role_that_may_see_results():
    activity = poll("single_choice", by_group=True)
    for participant in voters(activity, 5, "civil_society"):
        vote(activity, participant, 2)
    services.reveal_results(activity=activity, revealed=True)
    activity.refresh_from_db()
    views = selectors.activity_results_views(activity)
    for role in Role:
        civil = groups(views[role.value]["tally"])["civil_society"]
        assert civil["options"][2] == {"label": "Not sure", "count": 5, "percent": 100.0}


@pytest.mark.parametrize("kind", BY_GROUP)
def test_every_role_sees_whether_results_come_per_group(kind):
    on, off = poll(kind, by_group=True), poll(kind)
    assert get_kind(kind).public_config(on)["by_group"] is True
    assert "by_group" not in get_kind(kind).public_config(off)
