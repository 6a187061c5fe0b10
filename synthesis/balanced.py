"""Balanced results of a live poll: its result counted several ways side by side (as
counted, equal voice, weighted to the process's target mix, one voice per
organisation), and each respondent's weights for the exports (docs/synthesis.md,
"Balanced results").

The weights are ``synthesis.weights``'; this module reads an activity's ballots with
each respondent's declared profile and computes the poll's result under each weighting:
option shares (single and multiple choice), the mean (scale), each option's share of
the Borda points (ranking).
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
SUPPORTED_KINDS = SHARES_KINDS | {"scale", "ranking"}

# The exports' weight columns, after the kind's own (frontend export views).
WEIGHT_COLUMNS = {
    EQUAL_VOICE: "weight_equal_voice",
    TARGET_MIX: "weight_target_mix",
    ONE_VOICE_PER_ORGANISATION: "weight_one_per_organisation",
}

SHARE, MEAN, BORDA_SHARE = "share", "mean", "borda_share"

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
    measure: str  # SHARE, MEAN or BORDA_SHARE
    columns: tuple[BalancedColumn, ...]
    rows: tuple[BalancedRow, ...]
    target_note: str | None

    @property
    def caption(self) -> str:
        if self.measure == MEAN:
            return _("Mean answer, counted in each way")
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
    if activity.kind == "scale":
        return MEAN, [_("Mean")]
    measure = BORDA_SHARE if activity.kind == "ranking" else SHARE
    return measure, list(activity.config["options"])


def _values(
    activity: Activity, measure: str, choices: list[Any], weights: np.ndarray
) -> list[float | None]:
    """The result under ``weights``: shares in % (of the weight of those who answered;
    with several choices each, they may add up to more than 100), the weighted mean, or
    each option's share of the weighted Borda points in %."""
    total = float(weights.sum())
    if not total:
        return [None] * (1 if measure == MEAN else len(activity.config["options"]))
    if measure == MEAN:
        return [sum(w * v for w, v in zip(weights, choices, strict=True)) / total]
    n = len(activity.config["options"])
    points = [0.0] * n
    for w, choice in zip(weights, choices, strict=True):
        if measure == BORDA_SHARE:
            for rank, option in enumerate(choice):
                points[option] += float(w) * (n - 1 - rank)
        else:
            for option in choice if isinstance(choice, list) else [choice]:
                points[option] += float(w)
    base = total * n * (n - 1) / 2 if measure == BORDA_SHARE else total
    return [100 * p / base for p in points]


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
    n = len(ballots.choices)
    if n < MIN_GROUP_SIZE:
        return BalancedResults(n, False, measure, (), (), note)
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
    return BalancedResults(n, True, measure, tuple(columns), rows, error or note)


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
