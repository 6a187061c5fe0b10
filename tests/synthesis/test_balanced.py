"""Balanced results of a live poll (synthesis/balanced.py): the result counted as
counted, with equal voice, to the process's target mix and one voice per organisation,
on small hand-computed cases; what the weights cost; nothing shown under 5 answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from consult.models import TargetShare
from synthesis.balanced import BORDA_SHARE, MEAN, SHARE, balanced_results, export_weights
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
