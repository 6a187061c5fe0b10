"""Balanced results of a live poll: its result counted several ways side by side (as
counted, equal voice, weighted to the process's target mix, one voice per
organisation), and each respondent's weights for the exports (docs/synthesis.md,
"Balanced results").

The weights are ``synthesis.weights``'; this module reads an activity's ballots with
each respondent's declared profile and computes the poll's result under each weighting:
option shares (single and multiple choice), the mean (scale), each option's share of
the Borda points (ranking); for vision voting, per statement: its share of the dots
(dot vote), its mean impact and mean feasibility (impact and feasibility), its share of
the Borda points (statement ranking); for common ground, per visible statement, the
share who agree among those who answered it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from consensus.models import Answer, Statement
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
# Common ground: per statement, the share who agree among those who answered it.
CONSENSUS_KIND = "consensus"
SUPPORTED_KINDS = SHARES_KINDS | {"scale", "ranking"} | STATEMENT_KINDS | {CONSENSUS_KIND}

# The exports' weight columns, after the kind's own (frontend export views).
WEIGHT_COLUMNS = {
    EQUAL_VOICE: "weight_equal_voice",
    TARGET_MIX: "weight_target_mix",
    ONE_VOICE_PER_ORGANISATION: "weight_one_per_organisation",
}

SHARE, MEAN, BORDA_SHARE = "share", "mean", "borda_share"
DOT_SHARE, MEAN_RATING = "dot_share", "mean_rating"
AGREE_SHARE = "agree_share"
_MEASURES = {
    CONSENSUS_KIND: AGREE_SHARE,
    "scale": MEAN,
    "ranking": BORDA_SHARE,
    "statement_ranking": BORDA_SHARE,
    "dot_vote": DOT_SHARE,
    "impact_feasibility": MEAN_RATING,
}
RATING_AXES = ("impact", "feasibility")

AGREE = Answer.Vote.AGREE

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
    hidden: bool = False  # values withheld: they would single out a small group


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
        if self.measure == AGREE_SHARE:
            return _(
                "Share who agree with each statement among those who answered it, counted "
                "in each way"
            )
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


def organisation_key(name: str) -> str | None:
    """The key an organisation's respondents share (None: no organisation). Typed by
    people: "ACME Ltd" and " acme  ltd" are the same organisation."""
    key = " ".join(name.split()).casefold()
    return key or None


def _respondent(group: str, country: str, gender: str, organisation: str) -> Respondent:
    return Respondent(
        stakeholder_group=group or "",
        region=region_of(country or ""),
        gender=gender or "",
        organisation=organisation_key(organisation or ""),
    )


def _consensus_ballots(activity: Activity) -> _Ballots:
    """One "ballot" per participant who answered a visible statement: their answers as
    ``{statement id: vote}``."""
    rows = (
        Answer.objects.filter(
            statement__activity=activity, statement__status=Statement.Status.VISIBLE
        )
        .order_by("participant_id", "statement_id")
        .values_list(
            "participant_id",
            "statement_id",
            "vote",
            "participant__stakeholder_group",
            "participant__country",
            "participant__gender",
            "participant__organisation",
        )
    )
    answers: dict[int, dict[int, int]] = {}
    profiles: dict[int, Respondent] = {}
    for participant, statement, vote, group, country, gender, organisation in rows:
        answers.setdefault(participant, {})[statement] = vote
        if participant not in profiles:
            profiles[participant] = _respondent(group, country, gender, organisation)
    participants = list(answers)
    return _Ballots(
        participants, [answers[p] for p in participants], [profiles[p] for p in participants]
    )


def _visible_statements(activity: Activity) -> list[tuple[int, str]]:
    return list(
        Statement.objects.filter(activity=activity, status=Statement.Status.VISIBLE)
        .order_by("id")
        .values_list("id", "text")
    )


def _agree_shares(
    statement_ids: list[int], choices: list[dict[int, int]], weights: np.ndarray
) -> list[float | None]:
    """Per statement, the weighted share in % who agree among those who answered it
    (None when nobody did): a statement's answerers' weights make its base."""
    agree = dict.fromkeys(statement_ids, 0.0)
    base = dict.fromkeys(statement_ids, 0.0)
    for w, answers in zip(weights, choices, strict=True):
        for statement, vote in answers.items():
            if statement in base:
                base[statement] += float(w)
                if vote == AGREE:
                    agree[statement] += float(w)
    return [100 * agree[s] / base[s] if base[s] else None for s in statement_ids]


def _ballots(activity: Activity) -> _Ballots:
    if activity.kind == CONSENSUS_KIND:
        return _consensus_ballots(activity)
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
        respondents.append(_respondent(group, country, gender, organisation))
    return _Ballots(participants, choices, respondents)


def process_targets(*, process: Any) -> tuple[dict[str, Any], str | None]:
    """The process's target mix, or {} with the reason there is none."""
    mix = target_mix(process)
    if not any(mix.values()):
        return {}, _("The process has no target mix yet, so there is no weighting to it.")
    return mix, None


def _targets(activity: Activity) -> tuple[dict[str, Any], str | None]:
    """The event's process's target mix, or {} with the reason there is none."""
    process = activity.session.event.process
    if process is None:
        return {}, _("This event belongs to no process, so there is no target mix to weight to.")
    return process_targets(process=process)


def weightings(
    *, respondents: Sequence[Respondent], targets: dict[str, Any]
) -> tuple[dict[str, Weighting], str | None]:
    """Every weighting of ``respondents`` by method: the target mix only with targets
    (left out, with the reason, when they cannot be used)."""
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
    if measure == AGREE_SHARE:
        return measure, [text for _id, text in _visible_statements(activity)]
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
    if measure == AGREE_SHARE:
        return _agree_shares([i for i, _text in _visible_statements(activity)], choices, weights)
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


def methods() -> dict[str, tuple[str, str]]:
    """Each way of counting's label and explanation, in the order of the columns."""
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


def missing(weighting: Weighting) -> tuple[str, ...]:
    """The target categories nobody answered in, by their labels."""
    return tuple(_label(dimension, value) for dimension, value in weighting.empty_categories)


def columns(
    *,
    weightings: dict[str, Weighting],
    respondents: Sequence[Respondent],
    values: Callable[[np.ndarray], Sequence[float | None]],
) -> tuple[BalancedColumn, ...]:
    """One column per weighting (in ``methods()`` order), its values ``values(weights)``;
    one voice per organisation only when some respondent named an organisation."""
    named = any(r.organisation is not None for r in respondents)
    found = []
    for method, (label, explanation) in methods().items():
        weighting = weightings.get(method)
        if weighting is None or (method == ONE_VOICE_PER_ORGANISATION and not named):
            continue
        found.append(
            BalancedColumn(
                method=method,
                label=label,
                explanation=explanation,
                values=tuple(values(weighting.weights)),
                weighted=method != AS_COUNTED,
                effective_sample_size=weighting.effective_sample_size,
                design_effect=weighting.design_effect,
                trimmed=weighting.trimmed,
                missing=missing(weighting),
                converged=weighting.converged,
            )
        )
    return tuple(found)


def export_figures(weightings: dict[str, Weighting]) -> dict[str, dict[str, Any]]:
    """Each weighting's figures for the exports ({method: {...}}, as counted left out)."""
    return {
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


def weight_columns(weightings: dict[str, Weighting], index: int) -> dict[str, float | None]:
    """Respondent ``index``'s weights by ``WEIGHT_COLUMNS`` name (None: no such weighting)."""
    return {
        column: (float(weightings[method].weights[index]) if method in weightings else None)
        for method, column in WEIGHT_COLUMNS.items()
    }


def balanced_results(*, activity: Activity) -> BalancedResults | None:
    """The activity's result counted several ways side by side (None for a kind without
    balanced results). Nothing is shown while fewer than ``MIN_GROUP_SIZE`` answered.
    One voice per organisation only when someone named an organisation."""
    if not supports(activity=activity):
        return None
    ballots = _ballots(activity)
    measure, labels = _rows(activity)
    targets, note = _targets(activity)
    statements = activity.kind in STATEMENT_KINDS or activity.kind == CONSENSUS_KIND
    n = len(ballots.choices)
    if n < MIN_GROUP_SIZE:
        return BalancedResults(n, False, measure, (), (), note, statements)
    found, error = weightings(respondents=ballots.respondents, targets=targets)
    table = columns(
        weightings=found,
        respondents=ballots.respondents,
        values=lambda weights: _values(activity, measure, ballots.choices, weights),
    )
    rows = tuple(
        BalancedRow(label, tuple(column.values[i] for column in table))
        for i, label in enumerate(labels)
    )
    return BalancedResults(n, True, measure, table, rows, error or note, statements)


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
    found, _error = weightings(respondents=ballots.respondents, targets=targets)
    by_participant = {
        participant: weight_columns(found, i) for i, participant in enumerate(ballots.participants)
    }
    figures = export_figures(found)
    return ExportWeights(by_participant, figures)


def column_values(weights: ExportWeights, participant: Any) -> Sequence[float | None]:
    """A respondent's weight columns in ``WEIGHT_COLUMNS`` order (None: no weight)."""
    found = weights.by_participant.get(participant, {})
    return [found.get(column) for column in WEIGHT_COLUMNS.values()]
