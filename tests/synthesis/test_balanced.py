"""Balanced results of a live poll (synthesis/balanced.py): the result counted as
counted, with equal voice, to the process's target mix and one voice per organisation,
on small hand-computed cases; what the weights cost; nothing shown under 5 answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from consult.models import TargetShare
from synthesis.balanced import (
    BORDA_SHARE,
    DOT_SHARE,
    MEAN,
    MEAN_RATING,
    SHARE,
    balanced_results,
    export_weights,
)
from tests import factories
from tests.consult.factories import make_process
from tests.evidence import act
from tests.frontend.test_views import assert_strict_page

pytestmark = pytest.mark.django_db


def poll(kind: str, *, process=None):
    event = factories.make_event(process=process) if process else factories.make_event()
    return factories.make_activity(
        session=factories.make_session(event=event), kind=kind, open=True
    )


def vote(activity, choice, **profile):
    act(activity, factories.make_participant(session=activity.session, **profile), choice)


def targets(process, dimension: str, **shares: int) -> None:
    TargetShare.objects.bulk_create(
        TargetShare(process=process, dimension=dimension, value=v, share=Decimal(s))
        for v, s in shares.items()
    )


def column(result, method: str):
    return next(c for c in result.columns if c.method == method)


def test_single_choice_as_counted_and_with_equal_voice_without_a_process():
    activity = poll("single_choice")
    for choice in (0, 0, 0, 1):
        vote(activity, choice, stakeholder_group="research")
    for choice in (1, 1):
        vote(activity, choice, stakeholder_group="policy")
    result = balanced_results(activity=activity)
    assert result.shown and result.respondents == 6 and result.measure == SHARE
    # No organisation named: no column for them; no process: no target mix, said so.
    assert [c.method for c in result.columns] == ["as_counted", "equal_voice"]
    assert "no process" in result.target_note
    assert [r.label for r in result.rows] == ["Yes", "No", "Not sure"]
    # Research answers weigh 6 / (2 x 4) = 0.75, policy 6 / (2 x 2) = 1.5.
    assert [r.values for r in result.rows] == [
        pytest.approx((50.0, 37.5)),
        pytest.approx((50.0, 62.5)),
        pytest.approx((0.0, 0.0)),
    ]
    counted, equal = result.columns
    assert (counted.weighted, counted.effective_sample_size, counted.design_effect) == (
        False,
        6.0,
        1.0,
    )
    # (sum w)^2 / sum w^2 = 36 / 6.75; n sum w^2 / (sum w)^2 = 6 x 6.75 / 36.
    assert equal.effective_sample_size == pytest.approx(36 / 6.75)
    assert equal.design_effect == pytest.approx(1.125)
    assert equal.trimmed == 0 and equal.missing == ()


def test_nothing_is_shown_under_five_answers():
    activity = poll("single_choice")
    for _ in range(4):
        vote(activity, 0, stakeholder_group="research")
    result = balanced_results(activity=activity)
    assert (result.shown, result.respondents, result.columns, result.rows) == (False, 4, (), ())


def test_a_kind_without_balanced_results_has_none():
    assert balanced_results(activity=poll("word_cloud")) is None
    assert export_weights(activity=poll("word_cloud")) is None


def test_scale_mean_weighted_to_the_target_mix_names_the_group_nobody_answered_for():
    process = make_process()
    # Finance has a target but no respondent: named, the others renormalised to 50/50.
    targets(process, "stakeholder_group", research=40, policy=40, finance=20)
    activity = poll("scale", process=process)
    for value, org in zip((1, 1, 2, 2), ("ACME", " acme ", "", "Beta"), strict=True):
        vote(activity, value, stakeholder_group="research", organisation=org)
    vote(activity, 5, stakeholder_group="policy")
    result = balanced_results(activity=activity)
    assert result.measure == MEAN and result.target_note is None
    assert [c.method for c in result.columns] == [
        "as_counted",
        "equal_voice",
        "target_mix",
        "one_voice_per_organisation",
    ]
    assert [r.label for r in result.rows] == ["Mean"]
    # As counted 11 / 5; research 0.625 each and policy 2.5 (equal voice and target
    # alike): (0.625 x 6 + 2.5 x 5) / 5; ACME's two share one voice: 10 / 4.
    assert result.rows[0].values == pytest.approx((2.2, 3.25, 3.25, 2.5))
    target = column(result, "target_mix")
    assert target.effective_sample_size == pytest.approx(3.2)
    assert target.design_effect == pytest.approx(1.5625)
    assert target.trimmed == 0 and target.converged
    assert target.missing == ("Finance / investors",)
    assert column(result, "equal_voice").missing == ("Finance / investors",)
    organisation = column(result, "one_voice_per_organisation")
    assert organisation.effective_sample_size == pytest.approx(16 / 3.5)
    assert organisation.design_effect == pytest.approx(1.09375)


def test_a_process_without_targets_says_so():
    activity = poll("single_choice", process=make_process())
    for _ in range(5):
        vote(activity, 0)
    result = balanced_results(activity=activity)
    assert "no target mix" in result.target_note
    assert [c.method for c in result.columns] == ["as_counted", "equal_voice"]


def test_multiple_choice_shares_are_the_weighted_fraction_choosing_each_option():
    activity = poll("multiple_choice")
    for choice in ([0, 1], [0], [1]):
        vote(activity, choice, stakeholder_group="research")
    for choice in ([0], [2]):
        vote(activity, choice, stakeholder_group="policy")
    result = balanced_results(activity=activity)
    # Research 5 / 6 each, policy 5 / 4 each, out of a total weight of 5.
    assert [r.values for r in result.rows] == [
        pytest.approx((60.0, 100 * (5 / 3 + 5 / 4) / 5)),
        pytest.approx((40.0, 100 / 3)),
        pytest.approx((20.0, 25.0)),
        pytest.approx((0.0, 0.0)),
    ]


def test_ranking_gives_each_option_s_share_of_the_borda_points():
    activity = poll("ranking")
    for order in ([0, 1, 2],) * 3 + ([2, 1, 0],) * 2:
        vote(activity, order)  # no group declared: equal voice keeps every weight 1
    result = balanced_results(activity=activity)
    assert result.measure == BORDA_SHARE
    assert [r.label for r in result.rows] == ["Traceability", "Living wages", "Recycling"]
    # 6, 5 and 4 of the 15 points.
    assert [r.values for r in result.rows] == [
        pytest.approx((40.0, 40.0)),
        pytest.approx((100 / 3, 100 / 3)),
        pytest.approx((400 / 15, 400 / 15)),
    ]


def test_regions_come_from_the_respondents_countries():
    process = make_process()
    targets(process, "region", europe=50, asia=50)
    activity = poll("single_choice", process=process)
    for country in ("DE", "FR", "PT", "IT"):
        vote(activity, 0, country=country)
    vote(activity, 1, country="JP")
    result = balanced_results(activity=activity)
    # Europe's four weigh 2.5 / 4 each, Asia's one 2.5.
    assert [r.values[2] for r in result.rows] == pytest.approx([50.0, 50.0, 0.0])
    weights = export_weights(activity=activity)
    assert sorted(w["weight_target_mix"] for w in weights.by_participant.values()) == (
        pytest.approx([0.625] * 4 + [2.5])
    )


def results_page(client, activity) -> str:
    client.force_login(activity.session.event.owner)
    url = reverse("frontend:activity_results", args=[activity.session.code, activity.pk])
    return assert_strict_page(client.get(url))


def test_the_results_page_shows_the_table_under_the_result(client):
    activity = poll("single_choice")
    for choice in (0, 0, 0, 1):
        vote(activity, choice, stakeholder_group="research")
    for choice in (1, 1):
        vote(activity, choice, stakeholder_group="policy")
    html = results_page(client, activity)
    table = html[html.index('<div class="table-scroll"') :]
    assert html.index("Results of") < html.index("Balanced results")
    # A scrollable box of its own (reachable by keyboard), a captioned table, headers.
    assert '<div class="table-scroll" role="region" aria-labelledby="balanced-caption"' in table
    assert '<caption id="balanced-caption">Share of respondents choosing' in table
    assert '<th scope="col">As counted</th><th scope="col">Equal voice</th>' in table
    assert '<tr><th scope="row">Yes</th><td>50.0 %</td><td>37.5 %</td></tr>' in table
    assert '<th scope="row">Effective sample size</th><td>6.0</td><td>5.3</td>' in table
    assert '<th scope="row">Design effect</th><td>1.00</td><td>1.13</td>' in table
    assert "<strong>Equal voice:</strong> Every declared stakeholder group" in html
    assert 'href="#balanced-explained"' in html and 'id="balanced-explained"' in html
    assert "no process" in html


def test_the_results_page_says_when_too_few_answered(client):
    activity = poll("scale")
    vote(activity, 3)
    html = results_page(client, activity)
    assert "Balanced results are shown once at least 5 people have answered." in html
    assert "balanced-caption" not in html


# Vision voting: the same weightings per statement (the factories' three statements).
STATEMENTS = ["Zero-waste mines", "Half of batteries recycled", "Publish supply chain audits"]


def test_dot_vote_gives_each_statement_s_share_of_the_weighted_dots():
    activity = poll("dot_vote")
    for dots in ({"0": 3, "1": 2}, {"0": 2}, {"1": 1, "2": 1}):
        vote(activity, dots, stakeholder_group="research")
    for dots in ({"2": 3}, {"1": 1, "2": 2}):
        vote(activity, dots, stakeholder_group="policy")
    result = balanced_results(activity=activity)
    assert result.shown and result.respondents == 5 and result.measure == DOT_SHARE
    assert result.percent and "dots" in result.caption
    assert [c.method for c in result.columns] == ["as_counted", "equal_voice"]
    assert [r.label for r in result.rows] == STATEMENTS
    # As counted 5, 4 and 6 of the 15 dots. Equal voice: research 5 / 6 each (5, 3 and
    # 1 dots), policy 5 / 4 each (0, 1 and 5 dots): 25 / 6, 15 / 6 + 5 / 4 and
    # 5 / 6 + 25 / 4 of 15 weighted dots.
    assert [r.values for r in result.rows] == [
        pytest.approx((100 / 3, 250 / 9)),
        pytest.approx((400 / 15, 25.0)),
        pytest.approx((40.0, 425 / 9)),
    ]
    equal = column(result, "equal_voice")
    # sum w^2 = 3 x 25 / 36 + 2 x 25 / 16; (sum w)^2 / sum w^2 = 25 / (625 / 120).
    assert equal.effective_sample_size == pytest.approx(4.8)
    assert equal.design_effect == pytest.approx(125 / 120)


def rating(impact: int, feasibility: int) -> dict[str, int]:
    return {"impact": impact, "feasibility": feasibility}


def test_impact_feasibility_weights_each_statement_s_means_over_its_raters():
    process = make_process()
    targets(process, "stakeholder_group", research=50, policy=50)
    activity = poll("impact_feasibility", process=process)
    research = [
        ({"0": rating(5, 1), "1": rating(2, 4)}, "ACME"),
        ({"0": rating(4, 2)}, " acme"),
        ({"0": rating(3, 3)}, ""),
        ({"1": rating(4, 4)}, ""),
    ]
    for ratings, org in research:
        vote(activity, ratings, stakeholder_group="research", organisation=org)
    vote(activity, {"0": rating(1, 5)}, stakeholder_group="policy")
    result = balanced_results(activity=activity)
    assert result.measure == MEAN_RATING and not result.percent
    assert "impact" in result.caption and result.target_note is None
    assert [c.method for c in result.columns] == [
        "as_counted",
        "equal_voice",
        "target_mix",
        "one_voice_per_organisation",
    ]
    assert [r.label for r in result.rows] == [
        f"{text}: {axis}" for text in STATEMENTS for axis in ("impact", "feasibility")
    ]
    # Research 0.625 each, policy 2.5 (equal voice and target alike); ACME's two 0.5.
    # Statement 1: raters weigh 0.625 x 3 + 2.5 = 4.375, impact (7.5 + 2.5) / 4.375,
    # feasibility (3.75 + 12.5) / 4.375; by organisation 3 in all: 8.5 / 3 and 9.5 / 3.
    # Statement 2: only research rated it; by organisation 0.5 and 1. Nobody rated 3.
    assert [r.values for r in result.rows] == [
        pytest.approx((3.25, 16 / 7, 16 / 7, 8.5 / 3)),
        pytest.approx((2.75, 26 / 7, 26 / 7, 9.5 / 3)),
        pytest.approx((3.0, 3.0, 3.0, 10 / 3)),
        pytest.approx((4.0, 4.0, 4.0, 4.0)),
        (None, None, None, None),
        (None, None, None, None),
    ]
    target = column(result, "target_mix")
    assert target.effective_sample_size == pytest.approx(3.2)
    assert target.design_effect == pytest.approx(1.5625)


def test_statement_ranking_gives_each_statement_s_share_of_the_borda_points():
    activity = poll("statement_ranking")
    for order in ([0, 1, 2],) * 3:
        vote(activity, order, stakeholder_group="research")
    for order in ([2, 0, 1],) * 2:
        vote(activity, order, stakeholder_group="policy")
    result = balanced_results(activity=activity)
    assert result.measure == BORDA_SHARE
    assert [r.label for r in result.rows] == STATEMENTS
    # As counted 8, 3 and 4 of the 15 points; equal voice: research 5 / 6 each
    # (2, 1, 0 points), policy 5 / 4 each (1, 0, 2): 7.5, 2.5 and 5 of 15.
    assert [r.values for r in result.rows] == [
        pytest.approx((160 / 3, 50.0)),
        pytest.approx((20.0, 50 / 3)),
        pytest.approx((80 / 3, 100 / 3)),
    ]


def test_the_results_page_shows_vision_ratings_as_means(client):
    process = make_process()
    targets(process, "stakeholder_group", research=50, policy=50)
    activity = poll("impact_feasibility", process=process)
    for impact in (5, 4, 3, 2):
        vote(activity, {"0": {"impact": impact, "feasibility": 2}}, stakeholder_group="research")
    vote(activity, {"0": {"impact": 1, "feasibility": 5}}, stakeholder_group="policy")
    html = results_page(client, activity)
    table = html[html.index('<div class="table-scroll"') :]
    assert '<caption id="balanced-caption">Mean impact and mean feasibility' in table
    assert '<thead><tr><th scope="col">Statement</th><th scope="col">As counted</th>' in table
    # As counted 15 / 5; weighted (0.625 x 14 + 2.5) / 5 and (0.625 x 8 + 12.5) / 5.
    assert (
        '<tr><th scope="row">Zero-waste mines: impact</th>'
        "<td>3.00</td><td>2.25</td><td>2.25</td></tr>"
    ) in table
    assert (
        '<tr><th scope="row">Zero-waste mines: feasibility</th>'
        "<td>2.60</td><td>3.50</td><td>3.50</td></tr>"
    ) in table
    assert '<tr><th scope="row">Half of batteries recycled: impact</th><td>\u2013</td>' in table


def answer(activity, answers, **profile):
    """One participant's answers to a common-ground activity: {statement id: vote}."""
    person = factories.make_participant(session=activity.session, **profile)
    for statement, vote_name in answers.items():
        act(activity, person, {"statement": statement, "vote": vote_name}, "answer")


def test_common_ground_gives_each_statement_s_weighted_share_who_agree():
    from consensus.models import Statement

    activity = poll("consensus")
    first, second, third = Statement.objects.filter(activity=activity).order_by("id")
    # Four researchers agree with the first statement; two policy makers disagree with it
    # and agree with the second, which only they answered.
    for _ in range(4):
        answer(activity, {first.pk: "agree"}, stakeholder_group="research")
    for _ in range(2):
        answer(activity, {first.pk: "disagree", second.pk: "agree"}, stakeholder_group="policy")
    result = balanced_results(activity=activity)
    assert result.shown and result.respondents == 6 and result.measure == "agree_share"
    assert result.statements and "agree" in result.caption
    assert [r.label for r in result.rows] == [first.text, second.text, third.text]
    # Equal voice: research 6 / (2 x 4) = 0.75 each, policy 6 / (2 x 2) = 1.5 each: the
    # first statement's agree share is 3 / (3 + 3) = 50 %, as counted 4 / 6.
    assert result.rows[0].values == pytest.approx((100 * 4 / 6, 50.0))
    # The second statement's answerers are the two policy makers only: 100 % either way.
    assert result.rows[1].values == pytest.approx((100.0, 100.0))
    assert result.rows[2].values == (None, None)  # nobody answered it
    # A hidden statement leaves the table.
    Statement.objects.filter(pk=third.pk).update(status="hidden")
    assert len(balanced_results(activity=activity).rows) == 2
    weights = export_weights(activity=activity)
    assert len(weights.by_participant) == 6
    assert sorted(
        w["weight_equal_voice"] for w in weights.by_participant.values()
    ) == pytest.approx([0.75] * 4 + [1.5] * 2)
