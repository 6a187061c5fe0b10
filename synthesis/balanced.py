"""Balanced results of a live poll: its result counted several ways side by side (as
counted, equal voice, weighted to the process's target mix, one voice per
organisation), and each respondent's weights for the exports (docs/synthesis.md,
"Balanced results").

The weights are ``synthesis.weights``'; this module reads an activity's ballots with
each respondent's declared profile and computes the poll's result under each weighting:
option shares (single and multiple choice), the mean (scale), each option's share of
the Borda points (ranking); for vision voting, per statement: its share of the dots
(dot vote), its mean impact and mean feasibility (impact and feasibility), its share of
the Borda points (statement ranking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from consult.targets import target_mix
from people.vocabularies import Gender, Region, StakeholderGroup, region_of
from polls.breakdown import MIN_GROUP_SIZE
from polls.models import Ballot
from sessions.models import Activity

from .weights import (
    AS_COUNTED,
    EQUAL_VOICE,
    GENDER,
    GROUP,
    ONE_VOICE_PER_ORGANISATION,
    REGION,
    TARGET_MIX,
    Respondent,
    Weighting,
    WeightingError,
    as_counted,
    equal_voice,
    one_voice_per_organisation,
    rake_to_targets,
)

SHARES_KINDS = frozenset({"single_choice", "multiple_choice"})
# Vision voting: one row per statement (two for impact and feasibility).
STATEMENT_KINDS = frozenset({"dot_vote", "impact_feasibility", "statement_ranking"})
SUPPORTED_KINDS = SHARES_KINDS | {"scale", "ranking"} | STATEMENT_KINDS

# The exports' weight columns, after the kind's own (frontend export views).
WEIGHT_COLUMNS = {
    EQUAL_VOICE: "weight_equal_voice",
    TARGET_MIX: "weight_target_mix",
    ONE_VOICE_PER_ORGANISATION: "weight_one_per_organisation",
}

SHARE, MEAN, BORDA_SHARE = "share", "mean", "borda_share"
DOT_SHARE, MEAN_RATING = "dot_share", "mean_rating"
_MEASURES = {
    "scale": MEAN,
    "ranking": BORDA_SHARE,
    "statement_ranking": BORDA_SHARE,
    "dot_vote": DOT_SHARE,
    "impact_feasibility": MEAN_RATING,
}
RATING_AXES = ("impact", "feasibility")

_VOCABULARIES = {GROUP: StakeholderGroup, REGION: Region, GENDER: Gender}


@dataclass(frozen=True)
class BalancedColumn:
    """One way of counting: its result per row and, weighted, what the weights cost."""

    method: str
    label: str
    explanation: str
    values: tuple[float | None, ...]  # per row: a share in % or the mean
    weighted: bool
    effective_sample_size: float
    design_effect: float
    trimmed: int = 0
    missing: tuple[str, ...] = ()  # target categories nobody answered in, by label
    converged: bool = True


@dataclass(frozen=True)
class BalancedRow:
    label: str
    values: tuple[float | None, ...]  # one per column, in the columns' order


@dataclass(frozen=True)
class BalancedResults:
    """The side-by-side table of an activity. ``shown`` is False (and there are no
    columns and rows) while fewer than ``MIN_GROUP_SIZE`` people answered.
    ``target_note`` says why there is no target-mix column (None when there is one)."""

    respondents: int
    shown: bool
    measure: str  # SHARE, MEAN, BORDA_SHARE, DOT_SHARE or MEAN_RATING
    columns: tuple[BalancedColumn, ...]
    rows: tuple[BalancedRow, ...]
    target_note: str | None
    statements: bool = False  # the rows are statements (vision voting), not options

    @property
    def percent(self) -> bool:
        """Whether the values are shares in % (else means)."""
        return self.measure not in (MEAN, MEAN_RATING)

    @property
    def caption(self) -> str:
        if self.measure == MEAN:
            return _("Mean answer, counted in each way")
        if self.measure == DOT_SHARE:
            return _("Share of the dots placed on each statement, counted in each way")
        if self.measure == MEAN_RATING:
            return _(
                "Mean impact and mean feasibility (1 to 5) of each statement among those "
                "who rated it, counted in each way"
            )
        if self.measure == BORDA_SHARE:
            return _("Share of the Borda points (first place scores most), counted in each way")
        return _("Share of respondents choosing each option, counted in each way")


@dataclass(frozen=True)
class ExportWeights:
    """Each respondent's weights by participant id ({column name: weight or None}) and
    each weighting's figures ({method: {...}}), for the exports."""

    by_participant: dict[int, dict[str, float | None]]
    figures: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class _Ballots:
    participants: list[int]
    choices: list[Any]
    respondents: list[Respondent]


def supports(*, activity: Activity) -> bool:
    """Whether the activity's kind has balanced results."""
    return activity.kind in SUPPORTED_KINDS


def _organisation(name: str) -> str | None:
    # Typed by participants: "ACME Ltd" and " acme  ltd" are the same organisation.
    key = " ".join(name.split()).casefold()
    return key or None


def _ballots(activity: Activity) -> _Ballots:
    rows = (
        Ballot.objects.filter(activity=activity)
        .order_by("id")
        .values_list(
            "participant_id",
            "choice",
            "participant__stakeholder_group",
            "participant__country",
            "participant__gender",
            "participant__organisation",
        )
    )
    participants, choices, respondents = [], [], []
    for participant, choice, group, country, gender, organisation in rows:
        participants.append(participant)
        choices.append(choice)
        respondents.append(
            Respondent(
                stakeholder_group=group or "",
                region=region_of(country or ""),
                gender=gender or "",
                organisation=_organisation(organisation or ""),
            )
        )
    return _Ballots(participants, choices, respondents)


def _targets(activity: Activity) -> tuple[dict[str, Any], str | None]:
    """The event's process's target mix, or {} with the reason there is none."""
    process = activity.session.event.process
    if process is None:
        return {}, _("This event belongs to no process, so there is no target mix to weight to.")
    mix = target_mix(process)
    if not any(mix.values()):
        return {}, _("The process has no target mix yet, so there is no weighting to it.")
    return mix, None


def _weightings(
    ballots: _Ballots, targets: dict[str, Any]
) -> tuple[dict[str, Weighting], str | None]:
    respondents = ballots.respondents
    result = {
        AS_COUNTED: as_counted(respondents=respondents),
        EQUAL_VOICE: equal_voice(
            respondents=respondents, expected_groups=list(targets.get(GROUP, {}))
        ),
    }
    note = None
    if targets:
        try:
            result[TARGET_MIX] = rake_to_targets(respondents=respondents, targets=targets)
        except WeightingError as exc:
            note = str(exc)
    result[ONE_VOICE_PER_ORGANISATION] = one_voice_per_organisation(respondents=respondents)
    return result, note


def _label(dimension: str, value: str) -> str:
    vocabulary = _VOCABULARIES[dimension]
    return str(vocabulary(value).label) if value in vocabulary.values else value


def _rows(activity: Activity) -> tuple[str, list[str]]:
    measure = _MEASURES.get(activity.kind, SHARE)
    if measure == MEAN:
        return measure, [_("Mean")]
    if activity.kind not in STATEMENT_KINDS:
        return measure, list(activity.config["options"])
    texts = [s["text"] for s in activity.config["statements"]]
    if measure != MEAN_RATING:
        return measure, texts
    axes = {"impact": _("%(text)s: impact"), "feasibility": _("%(text)s: feasibility")}
    return measure, [axes[axis] % {"text": text} for text in texts for axis in RATING_AXES]


def _weighted_shares(points: list[float], base: float) -> list[float | None]:
    if not base:
        return [None] * len(points)
    return [100 * p / base for p in points]


def _values(
    activity: Activity, measure: str, choices: list[Any], weights: np.ndarray
) -> list[float | None]:
    """The result under ``weights``: shares in % (of the weight of those who answered;
    with several choices each, they may add up to more than 100), the weighted mean,
    each option's (or statement's) share of the weighted Borda points in %, each
    statement's share of the weighted dots in %, or each statement's weighted mean
    impact and feasibility among those who rated it (in ``RATING_AXES`` order)."""
    if measure == DOT_SHARE:
        return _dot_shares(len(activity.config["statements"]), choices, weights)
    if measure == MEAN_RATING:
        return _mean_ratings(len(activity.config["statements"]), choices, weights)
    if activity.kind in STATEMENT_KINDS:
        n = len(activity.config["statements"])
    else:
        n = 1 if measure == MEAN else len(activity.config["options"])
    total = float(weights.sum())
    if not total:
        return [None] * n
    if measure == MEAN:
        return [sum(w * v for w, v in zip(weights, choices, strict=True)) / total]
    points = [0.0] * n
    for w, choice in zip(weights, choices, strict=True):
        if measure == BORDA_SHARE:
            for rank, option in enumerate(choice):
                points[option] += float(w) * (n - 1 - rank)
        else:
            for option in choice if isinstance(choice, list) else [choice]:
                points[option] += float(w)
    base = total * n * (n - 1) / 2 if measure == BORDA_SHARE else total
    return _weighted_shares(points, base)


def _dot_shares(n: int, choices: list[Any], weights: np.ndarray) -> list[float | None]:
    """Each statement's share in % of all the weighted dots placed."""
    points = [0.0] * n
    for w, choice in zip(weights, choices, strict=True):
        for key, dots in choice.items():
            points[int(key)] += float(w) * dots
    return _weighted_shares(points, sum(points))


def _mean_ratings(n: int, choices: list[Any], weights: np.ndarray) -> list[float | None]:
    """Per statement, the weighted mean of each axis over those who rated it (None when
    nobody did): a statement's raters' weights, not everyone's, make its base."""
    sums = [[0.0] * len(RATING_AXES) for _statement in range(n)]
    bases = [0.0] * n
    for w, choice in zip(weights, choices, strict=True):
        for key, rating in choice.items():
            index = int(key)
            bases[index] += float(w)
            for a, axis in enumerate(RATING_AXES):
                sums[index][a] += float(w) * rating[axis]
    return [
        (sums[i][a] / bases[i] if bases[i] else None)
        for i in range(n)
        for a in range(len(RATING_AXES))
    ]


def _methods() -> dict[str, tuple[str, str]]:
    return {
        AS_COUNTED: (
            _("As counted"),
            _("One person, one voice: every answer counts once."),
        ),
        EQUAL_VOICE: (
            _("Equal voice"),
            _(
                "Every declared stakeholder group weighs the same in total, whatever its "
                "size; people who did not say their group count once."
            ),
        ),
        TARGET_MIX: (
            _("Target mix"),
            _(
                "Answers weighted so the respondents match the process's target mix of "
                "groups, regions and genders; no weight above 5 times the average."
            ),
        ),
        ONE_VOICE_PER_ORGANISATION: (
            _("One voice per organisation"),
            _(
                "The people of one organisation share one voice; people who named no "
                "organisation count once."
            ),
        ),
    }


def _missing(weighting: Weighting) -> tuple[str, ...]:
    return tuple(_label(dimension, value) for dimension, value in weighting.empty_categories)


def balanced_results(*, activity: Activity) -> BalancedResults | None:
    """The activity's result counted several ways side by side (None for a kind without
    balanced results). Nothing is shown while fewer than ``MIN_GROUP_SIZE`` answered.
    One voice per organisation only when someone named an organisation."""
    if not supports(activity=activity):
        return None
    ballots = _ballots(activity)
    measure, labels = _rows(activity)
    targets, note = _targets(activity)
    statements = activity.kind in STATEMENT_KINDS
    n = len(ballots.choices)
    if n < MIN_GROUP_SIZE:
        return BalancedResults(n, False, measure, (), (), note, statements)
    weightings, error = _weightings(ballots, targets)
    if not any(r.organisation is not None for r in ballots.respondents):
        del weightings[ONE_VOICE_PER_ORGANISATION]
    methods = _methods()
    columns = []
    for method in (AS_COUNTED, EQUAL_VOICE, TARGET_MIX, ONE_VOICE_PER_ORGANISATION):
        weighting = weightings.get(method)
        if weighting is None:
            continue
        label, explanation = methods[method]
        columns.append(
            BalancedColumn(
                method=method,
                label=label,
                explanation=explanation,
                values=tuple(_values(activity, measure, ballots.choices, weighting.weights)),
                weighted=method != AS_COUNTED,
                effective_sample_size=weighting.effective_sample_size,
                design_effect=weighting.design_effect,
                trimmed=weighting.trimmed,
                missing=_missing(weighting),
                converged=weighting.converged,
            )
        )
    rows = tuple(
        BalancedRow(label, tuple(column.values[i] for column in columns))
        for i, label in enumerate(labels)
    )
    return BalancedResults(n, True, measure, tuple(columns), rows, error or note, statements)


def export_weights(*, activity: Activity) -> ExportWeights | None:
    """Each respondent's weights for the exports (None for a kind without balanced
    results): equal voice, target mix (None when there are no targets) and one voice
    per organisation, with each weighting's effective sample size and design effect."""
    if not supports(activity=activity):
        return None
    ballots = _ballots(activity)
    if not ballots.participants:
        return ExportWeights({}, {})
    targets, _note = _targets(activity)
    weightings, _error = _weightings(ballots, targets)
    by_participant: dict[int, dict[str, float | None]] = {}
    for i, participant in enumerate(ballots.participants):
        by_participant[participant] = {
            column: (float(weightings[method].weights[i]) if method in weightings else None)
            for method, column in WEIGHT_COLUMNS.items()
        }
    figures = {
        method: {
            "effective_sample_size": weighting.effective_sample_size,
            "design_effect": weighting.design_effect,
            "trimmed": weighting.trimmed,
            "cap": weighting.cap,
            "converged": weighting.converged,
            "missing": [f"{d}:{v}" for d, v in weighting.empty_categories],
        }
        for method, weighting in weightings.items()
        if method != AS_COUNTED
    }
    return ExportWeights(by_participant, figures)


def column_values(weights: ExportWeights, participant: Any) -> Sequence[float | None]:
    """A respondent's weight columns in ``WEIGHT_COLUMNS`` order (None: no weight)."""
    found = weights.by_participant.get(participant, {})
    return [found.get(column) for column in WEIGHT_COLUMNS.values()]
