"""The weights of balanced results (synthesis/weights.py): hand-computed small cases,
the raking against an independent reference (the ipfn package, synthesis/reference.py)
to 1e-6, trimming, empty target categories, a raking that cannot converge, bad input."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from consult.models import TargetShare
from synthesis.reference import generated_respondents, reference_weights
from synthesis.weights import (
    GENDER,
    GROUP,
    REGION,
    Respondent,
    WeightingError,
    all_weightings,
    as_counted,
    design_effect,
    effective_sample_size,
    equal_voice,
    one_voice_per_organisation,
    rake_to_targets,
    weighted_shares,
    weights_to_target_mix,
)
from tests.consult.factories import make_process

EXACT = 1e-12
REFERENCE = 1e-6


def people(*profiles: tuple[str, ...], times: int = 1) -> list[Respondent]:
    """Respondents from (group, region, gender) tuples, each repeated ``times``."""
    return [
        Respondent(**dict(zip((GROUP, REGION, GENDER), profile, strict=False)))
        for profile in profiles
        for _ in range(times)
    ]


def cell(group: str, region: str, n: int) -> list[Respondent]:
    return [Respondent(stakeholder_group=group, region=region)] * n


def weighted_share(weights, respondents, dimension: str, value: str) -> float:
    in_scope = [i for i, r in enumerate(respondents) if r.value(dimension) not in ("", "not_said")]
    chosen = [i for i in in_scope if respondents[i].value(dimension) == value]
    return weights[chosen].sum() / weights[in_scope].sum()


# As counted, equal voice, one voice per organisation: exact hand-computed figures.


def test_as_counted_gives_every_respondent_weight_one_with_no_design_effect():
    result = as_counted(respondents=people(("research",), ("policy",), ("",)))
    assert result.weights.tolist() == [1.0, 1.0, 1.0]
    assert result.effective_sample_size == 3
    assert result.design_effect == 1
    assert result.converged and result.trimmed == 0 and result.cap is None


def test_equal_voice_gives_declared_groups_equal_totals_and_keeps_not_said_at_one():
    # 3 research, 1 policy, 1 "" and 1 "not_said": 4 declared in 2 groups -> 2 each.
    respondents = people(("research",), ("",), ("policy",), ("not_said",), times=1) + people(
        ("research",), times=2
    )
    result = equal_voice(respondents=respondents)
    assert result.weights == pytest.approx([2 / 3, 1, 2, 1, 2 / 3, 2 / 3], abs=EXACT)
    assert result.weights.sum() == pytest.approx(len(respondents), abs=EXACT)
    # sum w = 6, sum w^2 = 3 x 4/9 + 1 + 4 + 1 = 22/3.
    assert result.effective_sample_size == pytest.approx(36 / (22 / 3), abs=EXACT)
    assert result.design_effect == pytest.approx(6 * (22 / 3) / 36, abs=EXACT)


def test_equal_voice_names_expected_groups_nobody_answered_for():
    result = equal_voice(
        respondents=people(("research",), ("policy",)),
        expected_groups=["research", "policy", "finance", ""],
    )
    assert result.weights.tolist() == [1.0, 1.0]
    assert result.empty_categories == ((GROUP, "finance"),)


def test_equal_voice_with_nobody_declared_is_as_counted():
    result = equal_voice(respondents=people(("",), ("not_said",)))
    assert result.weights.tolist() == [1.0, 1.0]


def test_one_voice_per_organisation_shares_one_unit_per_organisation():
    respondents = [
        Respondent(organisation=7),
        Respondent(organisation=7),
        Respondent(organisation=7),
        Respondent(organisation=9),
        Respondent(),
    ]
    result = one_voice_per_organisation(respondents=respondents)
    assert result.weights == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1, 1], abs=EXACT)
    # sum w = 3, sum w^2 = 3/9 + 1 + 1 = 7/3: worth 9 / (7/3) = 27/7 answers.
    assert result.effective_sample_size == pytest.approx(27 / 7, abs=EXACT)
    assert result.design_effect == pytest.approx(5 * (7 / 3) / 9, abs=EXACT)


def test_effective_sample_size_and_design_effect_of_given_weights():
    weights = np.array([1.0, 1.0, 2.0, 4.0])
    assert effective_sample_size(weights=weights) == pytest.approx(64 / 22, abs=EXACT)
    assert design_effect(weights=weights) == pytest.approx(4 * 22 / 64, abs=EXACT)


# Raking: closed forms.


def test_raking_one_dimension_is_target_share_over_sample_share():
    respondents = people(("research",), times=6) + people(("policy",), times=2)
    result = rake_to_targets(
        respondents=respondents, targets={GROUP: {"research": 50, "policy": 50}}
    )
    assert result.weights == pytest.approx([4 / 6] * 6 + [4 / 2] * 2, abs=EXACT)
    assert result.converged and result.iterations == 1
    assert result.empty_categories == ()


def test_raking_two_by_two_independent_counts_gives_product_of_margins():
    # Counts proportional to row x column (odds ratio 1): the raked cell totals are
    # N x row target x column target.
    respondents = cell("a", "x", 2) + cell("a", "y", 4) + cell("b", "x", 3) + cell("b", "y", 6)
    targets = {GROUP: {"a": 60, "b": 40}, REGION: {"x": 30, "y": 70}}
    result = rake_to_targets(respondents=respondents, targets=targets)
    expected = (
        [15 * 0.6 * 0.3 / 2] * 2
        + [15 * 0.6 * 0.7 / 4] * 4
        + [15 * 0.4 * 0.3 / 3] * 3
        + [15 * 0.4 * 0.7 / 6] * 6
    )
    assert result.converged
    assert result.weights == pytest.approx(expected, abs=1e-9)


def test_raking_two_by_two_keeps_the_odds_ratio_closed_form():
    # Raking keeps the table's odds ratio: with cell totals x, r1 - x, c1 - x and
    # N - r1 - c1 + x, x solves x (N - r1 - c1 + x) = OR (r1 - x)(c1 - x).
    counts = {("a", "x"): 1, ("a", "y"): 2, ("b", "x"): 3, ("b", "y"): 4}
    respondents = [r for (g, reg), n in counts.items() for r in cell(g, reg, n)]
    n, r1, c1 = 10, 10 * 0.5, 10 * 0.5
    odds = (1 * 4) / (2 * 3)
    # (1 - OR) x^2 + (N - r1 - c1 + OR (r1 + c1)) x - OR r1 c1 = 0
    a, b, c = 1 - odds, n - r1 - c1 + odds * (r1 + c1), -odds * r1 * c1
    x = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    totals = {("a", "x"): x, ("a", "y"): r1 - x, ("b", "x"): c1 - x, ("b", "y"): n - r1 - c1 + x}
    expected = [
        totals[(r.stakeholder_group, r.region)] / counts[(r.stakeholder_group, r.region)]
        for r in respondents
    ]
    result = rake_to_targets(
        respondents=respondents, targets={GROUP: {"a": 50, "b": 50}, REGION: {"x": 50, "y": 50}}
    )
    assert result.converged
    assert result.weights == pytest.approx(expected, abs=1e-9)


# Raking against the reference (ipfn) to 1e-6.

THREE = {
    GROUP: ["research", "policy", "civil_society", "industry_upstream"],
    REGION: ["europe", "asia", "sub_saharan_africa"],
    GENDER: ["woman", "man"],
}
THREE_TARGETS = {
    GROUP: {"research": 25, "policy": 25, "civil_society": 30, "industry_upstream": 20},
    REGION: {"europe": 40, "asia": 30, "sub_saharan_africa": 30},
    GENDER: {"woman": 50, "man": 50},
}


@pytest.mark.parametrize(
    ("dimensions", "targets", "n", "skew"),
    [
        (  # two dimensions, unequal sizes
            {GROUP: THREE[GROUP], REGION: THREE[REGION]},
            {GROUP: THREE_TARGETS[GROUP], REGION: THREE_TARGETS[REGION]},
            120,
            0.7,
        ),
        (THREE, THREE_TARGETS, 200, 0.4),  # three dimensions
        (  # Decimal shares summing to 99.99, as consult.targets stores thirds
            {GROUP: THREE[GROUP][:3], GENDER: THREE[GENDER]},
            {
                GROUP: {v: Decimal("33.33") for v in THREE[GROUP][:3]},
                GENDER: {"woman": Decimal("60"), "man": Decimal("40")},
            },
            90,
            1.0,
        ),
    ],
    ids=["two-dimensions", "three-dimensions", "thirds"],
)
def test_raking_matches_the_reference(dimensions, targets, n, skew):
    respondents = generated_respondents(n=n, seed=17, dimensions=dimensions, skew=skew)
    ours = rake_to_targets(respondents=respondents, targets=targets, cap_ratio=None)
    theirs = reference_weights(respondents=respondents, targets=targets)
    assert ours.converged
    assert np.max(np.abs(ours.weights - theirs)) <= REFERENCE
    answers = [i % 3 for i in range(n)]
    ours_shares = weighted_shares(answers=answers, weights=ours.weights)["shares"]
    theirs_shares = weighted_shares(answers=answers, weights=theirs)["shares"]
    assert max(abs(ours_shares[c] - theirs_shares[c]) for c in range(3)) <= REFERENCE
    for dimension, shares in targets.items():
        total = sum(float(s) for s in shares.values())
        for value, share in shares.items():
            assert weighted_share(ours.weights, respondents, dimension, value) == pytest.approx(
                float(share) / total, abs=1e-9
            )


def test_empty_target_category_is_named_and_the_others_renormalised():
    respondents = generated_respondents(
        n=60, seed=3, dimensions={GROUP: ["research", "policy"], REGION: ["europe", "asia"]}
    )
    targets = {
        GROUP: {"research": 30, "policy": 30, "finance": 40},
        REGION: {"europe": 50, "asia": 50},
    }
    ours = rake_to_targets(respondents=respondents, targets=targets)
    assert ours.empty_categories == ((GROUP, "finance"),)
    assert ours.converged
    assert weighted_share(ours.weights, respondents, GROUP, "research") == pytest.approx(0.5)
    theirs = reference_weights(respondents=respondents, targets=targets)
    assert np.max(np.abs(ours.weights - theirs)) <= REFERENCE


def test_trimming_caps_every_weight_and_matches_the_reference():
    respondents = generated_respondents(n=200, seed=5, dimensions=THREE, skew=0.4)
    untrimmed = rake_to_targets(respondents=respondents, targets=THREE_TARGETS, cap_ratio=None)
    assert untrimmed.weights.max() > 3 * untrimmed.weights.mean()  # trimming has work to do
    ours = rake_to_targets(respondents=respondents, targets=THREE_TARGETS, cap_ratio=3)
    assert ours.cap == pytest.approx(3 * untrimmed.weights.mean())
    assert ours.trimmed > 0
    assert ours.weights.max() <= ours.cap * (1 + 1e-12)
    assert ours.converged and ours.max_gap <= 1e-9
    theirs = reference_weights(respondents=respondents, targets=THREE_TARGETS, cap_ratio=3)
    assert np.max(np.abs(ours.weights - theirs)) <= REFERENCE
    shares = weighted_shares(answers=[i % 4 for i in range(200)], weights=ours.weights)["shares"]
    assert sum(shares.values()) == pytest.approx(1, abs=EXACT)
    assert ours.effective_sample_size > untrimmed.effective_sample_size


def test_a_cap_too_tight_for_the_targets_keeps_the_cap_and_reports_the_gap():
    respondents = generated_respondents(n=120, seed=5, dimensions=THREE, skew=0.6)
    result = rake_to_targets(respondents=respondents, targets=THREE_TARGETS, cap_ratio=1.5)
    assert result.weights.max() <= result.cap * (1 + 1e-12)
    assert not result.converged
    assert result.max_gap > 0.01
    shares = weighted_shares(answers=[i % 2 for i in range(120)], weights=result.weights)
    assert sum(shares["shares"].values()) == pytest.approx(1, abs=EXACT)


def test_respondents_outside_a_dimensions_targets_are_not_adjusted_on_it():
    respondents = (
        people(("research", "", "woman"), times=6)
        + people(("research", "", "man"), times=2)
        + people(("policy", "", "man"), times=4)
        + people(("policy", "", "not_said"), times=3)
        + people(("policy", "", "other"), times=1)
    )
    result = rake_to_targets(
        respondents=respondents,
        targets={GROUP: {"research": 50, "policy": 50}, GENDER: {"woman": 50, "man": 50}},
    )
    assert result.converged
    assert result.outside_targets == {GROUP: 0, GENDER: 4}
    in_target = respondents[:12]
    assert weighted_share(result.weights[:12], in_target, GENDER, "woman") == pytest.approx(0.5)
    assert weighted_share(result.weights, respondents, GROUP, "research") == pytest.approx(0.5)
    assert result.weights.sum() == pytest.approx(len(respondents))


def test_a_raking_that_cannot_converge_is_reported_not_raised():
    # Only (a, x) and (b, y) answered: group a is region x, so 50 % a and 30 % x clash.
    respondents = cell("a", "x", 5) + cell("b", "y", 5)
    result = rake_to_targets(
        respondents=respondents,
        targets={GROUP: {"a": 50, "b": 50}, REGION: {"x": 30, "y": 70}},
        max_iterations=50,
    )
    assert not result.converged
    assert result.iterations >= 50
    assert result.max_gap > 0.1


# Bad input.


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({GROUP: {"a": -10, "b": 110}}, "between 0 and 100"),
        ({GROUP: {"a": float("nan"), "b": 50}}, "between 0 and 100"),
        ({GROUP: {"a": Decimal("NaN"), "b": 50}}, "between 0 and 100"),
        ({GROUP: {"a": 50, "b": 40}}, "add up to 90"),
        ({GROUP: {"a": Decimal("33.33"), "b": Decimal("33.33"), "c": Decimal("33.2")}}, "not 100"),
        ({"sector": {"a": 100}}, "Unknown dimension"),
    ],
)
def test_bad_targets_raise_a_clear_error(targets, message):
    with pytest.raises(WeightingError, match=message):
        rake_to_targets(respondents=cell("a", "x", 3), targets=targets)


def test_no_respondents_and_a_bad_cap_raise_a_clear_error():
    for weighting in (as_counted, equal_voice, one_voice_per_organisation):
        with pytest.raises(WeightingError, match="no respondents"):
            weighting(respondents=[])
    with pytest.raises(WeightingError, match="no respondents"):
        rake_to_targets(respondents=[], targets={GROUP: {"a": 100}})
    with pytest.raises(WeightingError, match="cap"):
        rake_to_targets(respondents=cell("a", "x", 3), targets={GROUP: {"a": 100}}, cap_ratio=0.5)
    assert issubclass(WeightingError, ValueError)


# Weighted shares.


def test_weighted_shares_single_choice_by_group_with_small_groups_hidden():
    answers = ["yes"] * 4 + ["no"] * 2 + ["yes", "no", None, "no"]
    groups = ["research"] * 6 + ["policy"] * 3 + [""]
    weights = [0.5] * 6 + [2.0] * 3 + [1.0]
    result = weighted_shares(answers=answers, weights=weights, groups=groups)
    # Answered: 6 x 0.5 + 2 x 2 + 1 = 8; "yes": 4 x 0.5 + 2 = 4.
    assert result["respondents"] == 9
    assert result["weight"] == pytest.approx(8)
    assert result["shares"] == pytest.approx({"yes": 0.5, "no": 0.5})
    assert [entry["group"] for entry in result["by_group"]] == ["policy", "research", "not_said"]
    by_group = {entry["group"]: entry for entry in result["by_group"]}
    assert by_group["research"]["shares"] == pytest.approx({"yes": 4 / 6, "no": 2 / 6})
    assert by_group["research"]["hidden"] is False
    assert by_group["policy"] == {
        "group": "policy",
        "respondents": 2,
        "hidden": True,
        "weight": None,
        "shares": None,
    }
    assert by_group["not_said"]["respondents"] == 1 and by_group["not_said"]["hidden"]


def test_weighted_shares_several_choices_are_shares_of_respondents():
    answers = [["a", "b"], ["a"], ("b", "c"), ["a", "a"]]
    result = weighted_shares(answers=answers, weights=[1, 1, 2, 1])
    assert result["shares"] == pytest.approx({"a": 3 / 5, "b": 3 / 5, "c": 2 / 5})


def test_weighted_shares_refuse_mismatched_or_negative_weights():
    with pytest.raises(WeightingError, match="one weight per answer"):
        weighted_shares(answers=["a", "b"], weights=[1.0])
    with pytest.raises(WeightingError, match="not negative"):
        weighted_shares(answers=["a", "b"], weights=[1.0, -1.0])
    with pytest.raises(WeightingError, match="one group per answer"):
        weighted_shares(answers=["a"], weights=[1.0], groups=[])


# The process's targets.


@pytest.mark.django_db
def test_weights_to_target_mix_reads_the_process_targets():
    process = make_process()
    TargetShare.objects.bulk_create(
        [
            TargetShare(process=process, dimension=GROUP, value="research", share=Decimal("25")),
            TargetShare(process=process, dimension=GROUP, value="policy", share=Decimal("75")),
        ]
    )
    respondents = people(("research",), times=3) + people(("policy",), times=1)
    result = weights_to_target_mix(process=process, respondents=respondents)
    assert result.weights == pytest.approx([1 / 3] * 3 + [3.0], abs=EXACT)
    assert result.converged and result.trimmed == 0
    side_by_side = all_weightings(
        respondents=respondents, targets={GROUP: {"research": 25, "policy": 75}}
    )
    assert set(side_by_side) == {
        "as_counted",
        "equal_voice",
        "one_voice_per_organisation",
        "target_mix",
    }
    assert side_by_side["target_mix"].weights == pytest.approx(result.weights, abs=EXACT)
    assert side_by_side["equal_voice"].weights == pytest.approx([2 / 3] * 3 + [2.0], abs=EXACT)
    assert "target_mix" not in all_weightings(respondents=respondents, targets={})
