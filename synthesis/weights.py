"""Balanced results: the weights of respondents and the weighted shares of their answers
(docs/synthesis.md).

Four weightings, each a pure function of the respondents (and, for the target mix, the
process's targets), returning a ``Weighting``: one weight per respondent in the order
given, plus the figures an organiser needs to judge it (effective sample size, design
effect, the cap and how many weights it trimmed, the target categories nobody answered
in, whether the raking converged).

- ``as_counted``: one person, one voice (every weight 1).
- ``equal_voice``: every declared stakeholder group weighs the same in total.
- ``target_mix``: raking (iterative proportional fitting) to the process's target
  shares over stakeholder group, region and gender, weights trimmed at a cap.
- ``one_voice_per_organisation``: an organisation's respondents share one unit.

The raking is written with numpy (no weighting library on PyPI is both maintained and
light: see docs/synthesis.md); tests/synthesis/test_weights.py checks it against the
``ipfn`` package to 1e-6. ``bench/synthesis_weights.py`` reports the same comparison on
2,000 generated respondents.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from consult.targets import TOLERANCE, target_mix
from polls.breakdown import MIN_GROUP_SIZE, NOT_SAID, group_keys

# A respondent's dimensions, in the names of consult.models.TargetShare.Dimension.
GROUP, REGION, GENDER = "stakeholder_group", "region", "gender"
DIMENSIONS = (GROUP, REGION, GENDER)
NOT_DECLARED = frozenset({"", NOT_SAID})

AS_COUNTED = "as_counted"
EQUAL_VOICE = "equal_voice"
TARGET_MIX = "target_mix"
ONE_VOICE_PER_ORGANISATION = "one_voice_per_organisation"

# Raking defaults (docs/synthesis.md, "Target mix").
CAP_RATIO = 5.0  # no weight above 5 times the mean weight
TRIM_ROUNDS = 100  # trim-then-re-rake rounds at most
TOLERANCE_SHARE = 1e-10  # largest gap between a weighted share and its target
MAX_ITERATIONS = 1000  # raking sweeps (one sweep adjusts every dimension once)


class WeightingError(ValueError):
    """Input the weights cannot be computed from (with a message for the organiser)."""


@dataclass(frozen=True)
class Respondent:
    """One respondent's declared profile; "" or "not_said" where they did not declare."""

    stakeholder_group: str = ""
    region: str = ""
    gender: str = ""
    organisation: Hashable | None = None

    def value(self, dimension: str) -> str:
        return getattr(self, dimension)


@dataclass(frozen=True)
class Weighting:
    """One weighting's weights (respondents' order) and its figures."""

    method: str
    weights: np.ndarray
    effective_sample_size: float
    design_effect: float
    cap: float | None = None  # the absolute cap applied (None: no trimming)
    trimmed: int = 0  # respondents whose weight the cap cut (in any trimming round)
    empty_categories: tuple[tuple[str, str], ...] = ()  # (dimension, value) nobody is in
    outside_targets: dict[str, int] = field(default_factory=dict)  # dimension -> count
    converged: bool = True
    iterations: int = 0
    max_gap: float = 0.0  # largest |weighted share - target share| at the end

    @property
    def respondents(self) -> int:
        return int(self.weights.size)


def effective_sample_size(*, weights: np.ndarray) -> float:
    """(sum w)^2 / sum w^2: how many unweighted answers the weighted ones are worth."""
    squares = float(np.sum(weights * weights))
    return float(np.sum(weights)) ** 2 / squares if squares else 0.0


def design_effect(*, weights: np.ndarray) -> float:
    """n * sum w^2 / (sum w)^2: by how much the weighting inflates the variance."""
    total = float(np.sum(weights))
    return weights.size * float(np.sum(weights * weights)) / total**2 if total else math.inf


def _result(method: str, weights: np.ndarray, **figures: Any) -> Weighting:
    return Weighting(
        method=method,
        weights=weights,
        effective_sample_size=effective_sample_size(weights=weights),
        design_effect=design_effect(weights=weights),
        **figures,
    )


def _check_respondents(respondents: Sequence[Respondent]) -> None:
    if not respondents:
        raise WeightingError(_("There are no respondents to weight."))


def _declared(value: str) -> bool:
    return value not in NOT_DECLARED


def as_counted(*, respondents: Sequence[Respondent]) -> Weighting:
    """One person, one voice: every weight 1."""
    _check_respondents(respondents)
    return _result(AS_COUNTED, np.ones(len(respondents)))


def equal_voice(
    *, respondents: Sequence[Respondent], expected_groups: Sequence[str] = ()
) -> Weighting:
    """Every declared stakeholder group weighs the same in total.

    Respondents who did not declare a group keep weight 1: nobody knows which group
    they would strengthen, so they are neither dropped (their answers still count) nor
    made a group of their own (which would give "not said" as much say as a real
    group). The declared respondents keep their total weight (their number), shared
    equally among the declared groups: in a group of n_g out of D declared respondents
    in k groups, each weighs D / (k * n_g). The mean weight stays 1.

    ``expected_groups`` (e.g. the groups of the process's target mix): those nobody
    answered for are named in ``empty_categories``; a group with no respondents cannot
    weigh anything.
    """
    _check_respondents(respondents)
    groups = [r.stakeholder_group for r in respondents]
    sizes: dict[str, int] = {}
    for group in groups:
        if _declared(group):
            sizes[group] = sizes.get(group, 0) + 1
    declared = sum(sizes.values())
    weights = np.array(
        [declared / (len(sizes) * sizes[g]) if _declared(g) else 1.0 for g in groups]
    )
    empty = tuple((GROUP, g) for g in expected_groups if _declared(g) and g not in sizes)
    return _result(EQUAL_VOICE, weights, empty_categories=empty)


def one_voice_per_organisation(*, respondents: Sequence[Respondent]) -> Weighting:
    """An organisation's respondents share one unit of weight (1 / their number each);
    respondents linked to no organisation keep weight 1."""
    _check_respondents(respondents)
    sizes: dict[Hashable, int] = {}
    for r in respondents:
        if r.organisation is not None:
            sizes[r.organisation] = sizes.get(r.organisation, 0) + 1
    weights = np.array(
        [1.0 if r.organisation is None else 1.0 / sizes[r.organisation] for r in respondents]
    )
    return _result(ONE_VOICE_PER_ORGANISATION, weights)


def clean_targets(
    *,
    targets: Mapping[str, Mapping[str, Decimal | float | int]],
) -> dict[str, dict[str, float]]:
    """The targets as fractions, checked: known dimensions, every share a finite number
    from 0 to 100, each dimension adding up to 100 within consult.targets.TOLERANCE.
    Dimensions without shares are left out; shares of 0 too."""
    cleaned: dict[str, dict[str, float]] = {}
    for dimension, shares in targets.items():
        if dimension not in DIMENSIONS:
            raise WeightingError(_("Unknown dimension: %(dimension)s.") % {"dimension": dimension})
        values: dict[str, float] = {}
        for value, share in shares.items():
            number = float(share)
            if not math.isfinite(number) or number < 0 or number > 100:
                raise WeightingError(
                    _(
                        "The target share of %(dimension)s=%(value)s must be between 0 and "
                        "100 %%, not %(share)s."
                    )
                    % {"dimension": dimension, "value": value, "share": share}
                )
            if number > 0:
                values[value] = number
        if not values:
            continue
        total = sum(values.values())
        if abs(total - 100) > float(TOLERANCE):
            raise WeightingError(
                _("The target shares of %(dimension)s add up to %(total)s %%, not 100 %%.")
                % {"dimension": dimension, "total": f"{total:g}"}
            )
        cleaned[dimension] = {value: share / total for value, share in values.items()}
    return cleaned


@dataclass
class Margin:
    """One dimension's targets as index arrays: respondents in each target category."""

    dimension: str
    members: list[np.ndarray]  # respondent indices per category
    shares: np.ndarray  # target fractions, renormalised over the categories present
    totals: np.ndarray | None  # target weight totals (share x respondents); None when
    # some respondents are outside the targets: then the shares apply to the current
    # weight of those inside, so the dimension moves no weight in or out of its scope


def _margins(
    respondents: Sequence[Respondent], targets: dict[str, dict[str, float]]
) -> tuple[list[Margin], list[tuple[str, str]], dict[str, int]]:
    margins: list[Margin] = []
    empty: list[tuple[str, str]] = []
    outside: dict[str, int] = {}
    for dimension in DIMENSIONS:
        if dimension not in targets:
            continue
        values = [r.value(dimension) for r in respondents]
        shares = targets[dimension]
        members, kept = [], []
        for value, share in shares.items():
            idx = np.array([i for i, v in enumerate(values) if v == value], dtype=np.intp)
            if idx.size:
                members.append(idx)
                kept.append(share)
            else:
                empty.append((dimension, value))
        outside[dimension] = sum(1 for v in values if v not in shares)
        if not members:
            continue
        in_scope = sum(idx.size for idx in members)
        fractions = np.array(kept) / sum(kept)
        totals = fractions * in_scope if in_scope == len(values) else None
        margins.append(Margin(dimension, members, fractions, totals))
    return margins, empty, outside


def _gap(weights: np.ndarray, margins: list[Margin]) -> float:
    """Largest |weighted share - target share| over every category of every margin."""
    gap = 0.0
    for margin in margins:
        sums = np.array([weights[idx].sum() for idx in margin.members])
        total = sums.sum()
        if total <= 0:
            return math.inf
        gap = max(gap, float(np.max(np.abs(sums / total - margin.shares))))
    return gap


def rake(
    *,
    weights: np.ndarray,
    margins: list[Margin],
    tolerance: float = TOLERANCE_SHARE,
    max_iterations: int = MAX_ITERATIONS,
) -> tuple[np.ndarray, bool, int]:
    """Iterative proportional fitting from ``weights``: each sweep scales, dimension by
    dimension, every target category's respondents so the category's total weight is
    its target total. Stops when every weighted share is within ``tolerance`` of its
    target (converged) or after ``max_iterations`` sweeps (not converged)."""
    w = weights.astype(float).copy()
    for sweep in range(1, max_iterations + 1):
        for margin in margins:
            sums = np.array([w[idx].sum() for idx in margin.members])
            totals = margin.totals if margin.totals is not None else margin.shares * sums.sum()
            for idx, target, current in zip(margin.members, totals, sums, strict=True):
                if current > 0:
                    w[idx] *= target / current
        if _gap(w, margins) <= tolerance:
            return w, True, sweep
    return w, False, max_iterations


def trim(
    *,
    weights: np.ndarray,
    margins: list[Margin],
    cap: float,
    trim_rounds: int = TRIM_ROUNDS,
    tolerance: float = TOLERANCE_SHARE,
    max_iterations: int = MAX_ITERATIONS,
    converged: bool = True,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Cut the weights above ``cap`` to the cap and rake again, at most ``trim_rounds``
    times, then cut once more so none is above the cap. Returns the weights, which
    respondents were cut in any round, the raking sweeps spent and whether the last
    raking converged."""
    cut = np.zeros(weights.size, dtype=bool)
    iterations = 0
    for _round in range(trim_rounds):
        over = weights > cap
        if not over.any():
            return weights, cut, iterations, converged
        cut |= over
        weights, converged, more = rake(
            weights=np.minimum(weights, cap),
            margins=margins,
            tolerance=tolerance,
            max_iterations=max_iterations,
        )
        iterations += more
    over = weights > cap
    cut |= over
    return np.minimum(weights, cap), cut, iterations, converged


def rake_to_targets(
    *,
    respondents: Sequence[Respondent],
    targets: Mapping[str, Mapping[str, Decimal | float | int]],
    cap_ratio: float | None = CAP_RATIO,
    trim_rounds: int = TRIM_ROUNDS,
    tolerance: float = TOLERANCE_SHARE,
    max_iterations: int = MAX_ITERATIONS,
) -> Weighting:
    """Weights that bring the respondents' mix to the target shares ({dimension:
    {value: share in %}}, as ``consult.targets.target_mix`` gives them).

    - Target categories nobody is in cannot be weighted in: they are named in
      ``empty_categories`` and the dimension's other shares renormalised to 100 %.
    - Respondents outside a dimension's targets (not declared, or a value with no
      target) are not adjusted on that dimension: the targets are shares among the
      respondents the target categories name. Their number is in ``outside_targets``.
    - Trimming: after raking, weights above ``cap_ratio`` x the mean weight are cut to
      the cap and the weights raked again, for at most ``trim_rounds`` rounds; a last
      cut guarantees no weight is above the cap, which may leave the shares slightly
      off target (``max_gap``; ``converged`` is False when it exceeds ``tolerance``).
      ``cap_ratio=None`` trims nothing.
    - Bad targets (negative, not a number, not adding up to 100) or no respondents raise
      ``WeightingError``; a raking that does not converge is reported, not raised.
    """
    _check_respondents(respondents)
    if cap_ratio is not None and not (math.isfinite(cap_ratio) and cap_ratio > 1):
        raise WeightingError(_("The trimming cap must be a number above 1 (x the mean weight)."))
    margins, empty, outside = _margins(respondents, clean_targets(targets=targets))
    n = len(respondents)
    weights, converged, iterations = rake(
        weights=np.ones(n), margins=margins, tolerance=tolerance, max_iterations=max_iterations
    )
    cap = None if cap_ratio is None else cap_ratio * float(weights.mean())
    cut = np.zeros(n, dtype=bool)
    if cap is not None:
        weights, cut, more, converged = trim(
            weights=weights,
            margins=margins,
            cap=cap,
            trim_rounds=trim_rounds,
            tolerance=tolerance,
            max_iterations=max_iterations,
            converged=converged,
        )
        iterations += more
    gap = _gap(weights, margins) if margins else 0.0
    return _result(
        TARGET_MIX,
        weights,
        cap=cap,
        trimmed=int(cut.sum()),
        empty_categories=tuple(empty),
        outside_targets=outside,
        converged=converged and gap <= tolerance,
        iterations=iterations,
        max_gap=gap,
    )


def weights_to_target_mix(
    *, process: Any, respondents: Sequence[Respondent], cap_ratio: float | None = CAP_RATIO
) -> Weighting:
    """``rake_to_targets`` with the process's target mix (consult.targets)."""
    return rake_to_targets(
        respondents=respondents, targets=target_mix(process), cap_ratio=cap_ratio
    )


def all_weightings(
    *, respondents: Sequence[Respondent], targets: Mapping[str, Mapping[str, Any]]
) -> dict[str, Weighting]:
    """The four weightings side by side (the target mix only when there are targets)."""
    result = {
        AS_COUNTED: as_counted(respondents=respondents),
        EQUAL_VOICE: equal_voice(
            respondents=respondents, expected_groups=list(targets.get(GROUP, {}))
        ),
        ONE_VOICE_PER_ORGANISATION: one_voice_per_organisation(respondents=respondents),
    }
    if any(targets.values()):
        result[TARGET_MIX] = rake_to_targets(respondents=respondents, targets=targets)
    return result


# An answer: one choice, several choices (a list, tuple or set), or None (no answer).
Answer = Hashable | Collection[Hashable] | None


def _choices(answer: Answer) -> tuple[Hashable, ...]:
    if answer is None:
        return ()
    if isinstance(answer, (list, tuple, set, frozenset)):
        return tuple(dict.fromkeys(answer))
    return (answer,)


def _shares(answers: Sequence[Answer], weights: np.ndarray) -> dict[str, Any]:
    totals: dict[Hashable, float] = {}
    answered = 0
    weight = 0.0
    for answer, w in zip(answers, weights, strict=True):
        choices = _choices(answer)
        if not choices:
            continue
        answered += 1
        weight += float(w)
        for choice in choices:
            totals[choice] = totals.get(choice, 0.0) + float(w)
    shares = {c: (t / weight if weight else 0.0) for c, t in totals.items()}
    return {"respondents": answered, "weight": weight, "shares": shares}


def weighted_shares(
    *,
    answers: Sequence[Answer],
    weights: np.ndarray | Sequence[float],
    groups: Sequence[str] | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> dict[str, Any]:
    """The weighted share of each choice: the weight of the respondents who chose it
    over the weight of those who answered (one choice each: the shares add up to 1;
    several: each share is the weighted fraction of respondents choosing it).

    With ``groups`` (each respondent's declared group; "" is "not said"), also
    ``by_group``: the same per group present (in polls.breakdown's group order, "not
    said" last), a group's shares hidden (None) when fewer than ``min_group_size`` of
    its members answered, as in polls.breakdown.
    """
    w = np.asarray(weights, dtype=float)
    if len(answers) != w.size:
        raise WeightingError(_("There must be one weight per answer."))
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise WeightingError(_("Weights must be finite and not negative."))
    result = _shares(answers, w)
    if groups is None:
        return result
    if len(groups) != w.size:
        raise WeightingError(_("There must be one group per answer."))
    members: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        members.setdefault(group if _declared(group) else NOT_SAID, []).append(i)
    order = {key: i for i, key in enumerate(group_keys())}
    by_group = []
    for group, idx in sorted(
        members.items(), key=lambda item: order.get(item[0], len(order) - 1.5)
    ):
        figures = _shares([answers[i] for i in idx], w[idx])
        hidden = figures["respondents"] < min_group_size
        by_group.append(
            {
                "group": group,
                "respondents": figures["respondents"],
                "hidden": hidden,
                "weight": None if hidden else figures["weight"],
                "shares": None if hidden else figures["shares"],
            }
        )
    result["by_group"] = by_group
    return result
