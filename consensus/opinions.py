"""Common ground: what a consensus-statements activity's answers say (issue 17).

Participants answer statements with agree (+1), disagree (-1) or pass (0); a statement a
participant has not answered is "not seen". From that votes matrix (participants x
statements, ``NaN`` = not seen) and each participant's declared stakeholder group,
``analyse`` computes, purely (no database, no Django):

- per statement, agree / disagree / pass counts and shares, overall and per declared
  group; a group's figures are hidden on a statement fewer than ``MIN_GROUP_SIZE`` of its
  members answered (as ``polls/breakdown.py`` hides them);
- opinion groups, found from the answers the way Polis finds them: every participant
  with at least ``min_votes`` answers is placed on a principal-components map (not seen
  counts as pass, i.e. 0, and a participant's position is stretched by
  ``sqrt(statements / answers)`` so that someone who answered little is not pulled into
  the middle just for that); k-means then splits the participants into 2 to 5 groups in
  the first four components (the map shows the first two; four or five groups cannot
  all lie apart in two dimensions), the number chosen by the silhouette score (how much
  closer each person is to their own group than to the next one, deterministic
  ``random_state``), never a group under ``MIN_GROUP_SIZE`` people;
- consensus per statement: the product over groups of each group's smoothed agree rate
  ``(agree + 1) / (seen + 2)``, once over the declared stakeholder groups and once over
  the opinion groups;
- lists: common ground (highest consensus among the statements more than half of every
  group agrees with), divisive statements (highest variance of the groups' smoothed agree
  rates), and per opinion group the statements that set it apart (see ``_sets_apart``).

Everything is vectorised over numpy arrays: 2,000 participants x 200 statements take well
under a second (``bench/synthesis_consensus.py``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

# The same threshold as polls.breakdown.MIN_GROUP_SIZE (a test keeps them equal); not
# imported from there so that this module stays free of Django and of the polls app.
MIN_GROUP_SIZE = 5
# The key of participants who declared no stakeholder group (as polls.breakdown.NOT_SAID).
NOT_SAID = "not_said"

AGREE, DISAGREE, PASS = 1, -1, 0

Direction = Literal["agree", "disagree"]
Basis = Literal["opinion", "declared"]


class InvalidVotes(ValueError):
    """The votes matrix or the groups do not have the expected shape or values."""


class NoOpinionGroups(StrEnum):
    """Why a result has no opinion groups."""

    TOO_FEW_PARTICIPANTS = "too_few_participants"  # under 2 x min_group_size placed
    NO_DIFFERENCES = "no_differences"  # every placed participant sits on the same spot
    GROUPS_TOO_SMALL = "groups_too_small"  # every split leaves a group under the minimum


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """The documented thresholds; the defaults are what the activity uses."""

    # Answers (agree, disagree or pass) a participant needs to be placed on the map and
    # counted in an opinion group: Polis's 7, or every answered statement when fewer
    # than 7 statements have answers.
    min_votes: int = 7
    # Smallest declared group shown on a statement or counted in the declared-group
    # consensus, and smallest opinion group allowed.
    min_group_size: int = MIN_GROUP_SIZE
    max_opinion_groups: int = 5
    # Principal components the groups are found in (the map shows the first two).
    cluster_components: int = 4
    # Common ground: in every group, more than this share of those who answered agreed.
    common_ground_min_agree: float = 0.5
    # Divisive: the variance of the groups' smoothed agree rates is at least this (0.01
    # is, for two groups, agree rates 20 points apart).
    divisive_min_variance: float = 0.01
    # Sets a group apart: one-sided two-proportion z-test of the group against everyone
    # else placed (1.645 = 95 %), at least this many answers in that direction in the
    # group, and more than half of the group's answers in that direction.
    sets_apart_min_z: float = 1.645
    sets_apart_min_count: int = 3
    list_size: int = 10
    sets_apart_list_size: int = 5
    random_state: int = 0
    # Above this many placed participants the silhouette score is computed on a sample
    # of this size (it costs n squared); below it, exactly.
    silhouette_sample: int = 4000


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True, kw_only=True, slots=True)
class Tally:
    """Answers to one statement by some set of participants; shares are of ``seen``
    (``None`` when nobody answered)."""

    agree: int
    disagree: int
    passed: int
    seen: int
    agree_share: float | None
    disagree_share: float | None
    pass_share: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class GroupTally:
    """One declared group on one statement: ``tally`` is ``None`` when ``hidden``
    (fewer than ``min_group_size`` of the group answered it)."""

    group: str
    voters: int
    hidden: bool
    tally: Tally | None


@dataclass(frozen=True, kw_only=True, slots=True)
class StatementResult:
    statement_id: Hashable
    overall: Tally
    by_declared_group: tuple[GroupTally, ...]
    # Product of the smoothed agree rates; None without any group to take it over, and
    # the declared one also while a counted group has fewer than min_group_size answers
    # to the statement (its hidden figures would show through).
    consensus_declared: float | None
    consensus_opinion: float | None
    # Variance of the groups' smoothed agree rates; None under two groups (or as above).
    divisiveness_declared: float | None
    divisiveness_opinion: float | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Placement:
    """A participant on the map; ``group`` is the index of their opinion group."""

    participant_id: Hashable
    x: float
    y: float
    group: int | None


@dataclass(frozen=True, kw_only=True, slots=True)
class SetsApart:
    """A statement that sets an opinion group apart: ``direction`` is what the group
    answers; shares are of the answers in the group and in the rest of the placed
    participants; ``ratio`` compares their smoothed rates."""

    statement_id: Hashable
    direction: Direction
    group_share: float
    rest_share: float
    ratio: float
    z: float


@dataclass(frozen=True, kw_only=True, slots=True)
class OpinionGroup:
    index: int
    size: int
    member_ids: tuple[Hashable, ...]
    centroid: tuple[float, float]  # on the map
    # One per statement, in the order of ``OpinionResult.statements``.
    statements: tuple[Tally, ...]
    sets_apart: tuple[SetsApart, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Ranked:
    statement_id: Hashable
    score: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Lists:
    """Common-ground and divisive statements over one set of groups."""

    basis: Basis
    groups: tuple[str, ...]
    common_ground: tuple[Ranked, ...]  # by consensus, highest first
    divisive: tuple[Ranked, ...]  # by variance of the agree rates, highest first


@dataclass(frozen=True, kw_only=True, slots=True)
class OpinionResult:
    participants: int
    statements: tuple[StatementResult, ...]
    # Declared groups taken into the declared-group consensus (at least min_group_size
    # participants who answered anything; "not said" never).
    declared_groups_counted: tuple[str, ...]
    placed: tuple[Placement, ...]
    opinion_groups: tuple[OpinionGroup, ...]
    no_opinion_groups: NoOpinionGroups | None
    silhouette: float | None  # of the chosen split
    silhouette_by_k: dict[int, float]  # every split tried and allowed
    declared_lists: Lists | None  # None under two counted declared groups
    opinion_lists: Lists | None  # None without opinion groups
    settings: Settings = field(default=DEFAULT_SETTINGS)


def smoothed_agree_rate(*, agree: np.ndarray | int, seen: np.ndarray | int) -> np.ndarray:
    """``(agree + 1) / (seen + 2)``: the agree rate with one imaginary agree and one
    imaginary non-agree added, so a group that has barely answered sits near 1/2."""
    return (np.asarray(agree, dtype=float) + 1.0) / (np.asarray(seen, dtype=float) + 2.0)


def consensus(*, agree: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Per statement, the product over groups of the smoothed agree rates; ``agree`` and
    ``seen`` are groups x statements counts. High only when every group agrees."""
    return np.prod(smoothed_agree_rate(agree=agree, seen=seen), axis=0)


def divisiveness(*, agree: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Per statement, the variance over groups of the smoothed agree rates."""
    return np.var(smoothed_agree_rate(agree=agree, seen=seen), axis=0)


def votes_matrix(
    *,
    votes: Iterable[tuple[Hashable, Hashable, int]],
    participant_ids: Sequence[Hashable],
    statement_ids: Sequence[Hashable],
) -> np.ndarray:
    """The participants x statements matrix (``NaN`` = not seen) from
    ``(participant_id, statement_id, vote)`` rows; rows of unknown ids are ignored."""
    row = {pid: i for i, pid in enumerate(participant_ids)}
    col = {sid: j for j, sid in enumerate(statement_ids)}
    rows, cols, values = [], [], []
    for pid, sid, value in votes:
        i, j = row.get(pid), col.get(sid)
        if i is not None and j is not None:
            rows.append(i)
            cols.append(j)
            values.append(value)
    matrix = np.full((len(participant_ids), len(statement_ids)), np.nan)
    matrix[np.asarray(rows, dtype=int), np.asarray(cols, dtype=int)] = np.asarray(
        values, dtype=float
    )
    return matrix


def analyse(
    *,
    votes: np.ndarray,
    declared_groups: Sequence[str | None],
    participant_ids: Sequence[Hashable] | None = None,
    statement_ids: Sequence[Hashable] | None = None,
    group_order: Sequence[str] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> OpinionResult:
    """Everything a consensus-statements result shows (the module docstring).

    ``votes`` is participants x statements with +1, -1, 0 and ``NaN`` (not seen);
    ``declared_groups`` one group key per participant (``None`` or ``""``: not said).
    Ids default to the row and column indexes. Declared groups are listed in
    ``group_order`` when given (groups missing from it follow, sorted), else sorted,
    "not said" last.
    """
    # One thread: the work is small, and OpenMP / BLAS threads spinning for a core on a
    # busy 2-core server made k-means a hundred times slower (seconds instead of ms).
    with threadpool_limits(limits=1):
        return _analyse(
            votes=votes,
            declared_groups=declared_groups,
            participant_ids=participant_ids,
            statement_ids=statement_ids,
            group_order=group_order,
            settings=settings,
        )


def _analyse(
    *,
    votes: np.ndarray,
    declared_groups: Sequence[str | None],
    participant_ids: Sequence[Hashable] | None,
    statement_ids: Sequence[Hashable] | None,
    group_order: Sequence[str] | None,
    settings: Settings,
) -> OpinionResult:
    matrix = _checked(votes=votes, declared_groups=declared_groups)
    n, m = matrix.shape
    pids = tuple(range(n)) if participant_ids is None else tuple(participant_ids)
    sids = tuple(range(m)) if statement_ids is None else tuple(statement_ids)
    if len(pids) != n or len(sids) != m:
        raise InvalidVotes("participant_ids and statement_ids must match the matrix")

    seen = ~np.isnan(matrix)
    agree = matrix == AGREE
    disagree = matrix == DISAGREE
    passed = matrix == PASS
    # One float matrix per answer, so that per-group counts are a matrix product.
    answers = {
        "agree": agree.astype(float),
        "disagree": disagree.astype(float),
        "passed": passed.astype(float),
        "seen": seen.astype(float),
    }
    answered = seen.sum(axis=1)

    keys = [str(group) if group else NOT_SAID for group in declared_groups]
    order = _group_order(keys=keys, group_order=group_order)
    declared = _one_hot(labels=[order.index(k) for k in keys], k=len(order), n=n)
    declared_counts = {name: declared.T @ a for name, a in answers.items()}
    voters_per_group = declared.T @ (answered > 0).astype(float)
    counted = [
        g
        for g, key in enumerate(order)
        if key != NOT_SAID and voters_per_group[g] >= settings.min_group_size
    ]

    placement = _opinion_groups(matrix=matrix, seen=seen, answered=answered, settings=settings)
    if placement.labels is not None:
        members = _one_hot(labels=list(placement.labels), k=placement.k, n=len(placement.rows))
        opinion_counts = {name: members.T @ a[placement.rows] for name, a in answers.items()}
    else:
        opinion_counts = None

    # A declared group's figures are hidden on a statement fewer than min_group_size of
    # its members answered; its rate would show through the product, so the declared
    # scores of such a statement wait (NaN, reported as None) until every group has.
    declared_agree = declared_counts["agree"][counted]
    declared_seen = declared_counts["seen"][counted]
    complete = (declared_seen >= settings.min_group_size).all(axis=0)
    declared_consensus = declared_variance = None
    if counted:
        declared_consensus = np.where(
            complete, consensus(agree=declared_agree, seen=declared_seen), np.nan
        )
    if len(counted) >= 2:
        declared_variance = np.where(
            complete, divisiveness(agree=declared_agree, seen=declared_seen), np.nan
        )
    opinion_consensus = opinion_variance = None
    if opinion_counts is not None:
        opinion_consensus = consensus(agree=opinion_counts["agree"], seen=opinion_counts["seen"])
        opinion_variance = divisiveness(agree=opinion_counts["agree"], seen=opinion_counts["seen"])

    overall = {name: a.sum(axis=0) for name, a in answers.items()}
    statements = tuple(
        StatementResult(
            statement_id=sids[j],
            overall=_tally(counts=overall, j=j),
            by_declared_group=tuple(
                _group_tally(key=key, counts=declared_counts, g=g, j=j, settings=settings)
                for g, key in enumerate(order)
            ),
            consensus_declared=_item(declared_consensus, j),
            consensus_opinion=_item(opinion_consensus, j),
            divisiveness_declared=_item(declared_variance, j),
            divisiveness_opinion=_item(opinion_variance, j),
        )
        for j in range(m)
    )

    opinion_groups: tuple[OpinionGroup, ...] = ()
    if opinion_counts is not None and placement.labels is not None:
        opinion_groups = tuple(
            OpinionGroup(
                index=g,
                size=int(np.sum(placement.labels == g)),
                member_ids=tuple(pids[i] for i in placement.rows[placement.labels == g]),
                centroid=(float(placement.centroids[g, 0]), float(placement.centroids[g, 1])),
                statements=tuple(_tally(counts=opinion_counts, j=j, g=g) for j in range(m)),
                sets_apart=_sets_apart(counts=opinion_counts, g=g, sids=sids, settings=settings),
            )
            for g in range(placement.k)
        )

    declared_lists = None
    if len(counted) >= 2 and declared_consensus is not None and declared_variance is not None:
        declared_lists = _lists(
            basis="declared",
            groups=tuple(order[g] for g in counted),
            agree=declared_agree,
            seen=declared_seen,
            consensus_scores=declared_consensus,
            variances=declared_variance,
            sids=sids,
            settings=settings,
        )
    opinion_lists = None
    if (
        opinion_counts is not None
        and opinion_consensus is not None
        and opinion_variance is not None
    ):
        opinion_lists = _lists(
            basis="opinion",
            groups=tuple(str(g) for g in range(placement.k)),
            agree=opinion_counts["agree"],
            seen=opinion_counts["seen"],
            consensus_scores=opinion_consensus,
            variances=opinion_variance,
            sids=sids,
            settings=settings,
        )

    return OpinionResult(
        participants=n,
        statements=statements,
        declared_groups_counted=tuple(order[g] for g in counted),
        placed=tuple(
            Placement(
                participant_id=pids[i],
                x=float(placement.coords[r, 0]),
                y=float(placement.coords[r, 1]),
                group=None if placement.labels is None else int(placement.labels[r]),
            )
            for r, i in enumerate(placement.rows)
        ),
        opinion_groups=opinion_groups,
        no_opinion_groups=placement.reason,
        silhouette=placement.silhouette,
        silhouette_by_k=placement.silhouette_by_k,
        declared_lists=declared_lists,
        opinion_lists=opinion_lists,
        settings=settings,
    )


@dataclass(kw_only=True, slots=True)
class _Placement:
    rows: np.ndarray  # indexes of the placed participants
    coords: np.ndarray  # placed x 2
    labels: np.ndarray | None = None  # placed, opinion group index
    k: int = 0
    centroids: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    reason: NoOpinionGroups | None = None
    silhouette: float | None = None
    silhouette_by_k: dict[int, float] = field(default_factory=dict)


def _opinion_groups(
    *, matrix: np.ndarray, seen: np.ndarray, answered: np.ndarray, settings: Settings
) -> _Placement:
    """Place participants on the map and split it (the module docstring)."""
    with_answers = seen.any(axis=0)
    used = int(with_answers.sum())
    min_votes = max(1, min(settings.min_votes, used))
    rows = np.flatnonzero(answered >= min_votes) if used else np.zeros(0, dtype=int)
    # The groups are found in the first ``cluster_components`` principal components
    # (k groups need up to k - 1 dimensions to lie apart); the map shows the first two.
    space = np.zeros((len(rows), max(2, settings.cluster_components)))
    if len(rows) >= 2 and np.ptp(matrix[rows][:, with_answers], axis=0).any():
        data = np.nan_to_num(matrix[np.ix_(rows, np.flatnonzero(with_answers))], nan=0.0)
        components = min(space.shape[1], len(rows), used)
        projected = PCA(n_components=components, svd_solver="full").fit_transform(data)
        space[:, :components] = projected * np.sqrt(used / answered[rows])[:, None]
        space[np.abs(space) < 1e-12] = 0.0  # rounding noise would count as a difference
    placement = _Placement(rows=rows, coords=space[:, :2])

    size = settings.min_group_size
    if len(rows) < 2 * size:
        placement.reason = NoOpinionGroups.TOO_FEW_PARTICIPANTS
        return placement
    distinct = len(np.unique(np.round(space, 9), axis=0))
    if distinct < 2:
        placement.reason = NoOpinionGroups.NO_DIFFERENCES
        return placement

    best: tuple[float, int, np.ndarray, np.ndarray] | None = None
    top = min(settings.max_opinion_groups, distinct, len(rows) // size)
    sample = settings.silhouette_sample if len(rows) > settings.silhouette_sample else None
    for k in range(2, top + 1):
        kmeans = KMeans(n_clusters=k, n_init=10, random_state=settings.random_state)
        labels = kmeans.fit_predict(space)
        if np.bincount(labels, minlength=k).min() < size:
            continue
        score = float(
            silhouette_score(space, labels, sample_size=sample, random_state=settings.random_state)
        )
        placement.silhouette_by_k[k] = score
        if best is None or score > best[0] + 1e-12:
            best = (score, k, labels, kmeans.cluster_centers_)
    if best is None:
        placement.reason = NoOpinionGroups.GROUPS_TOO_SMALL
        return placement

    score, k, labels, centres = best
    # Groups numbered largest first (then left to right) so the numbering is stable.
    sizes = np.bincount(labels, minlength=k)
    ranking = sorted(range(k), key=lambda g: (-sizes[g], centres[g, 0], centres[g, 1]))
    renumber = np.empty(k, dtype=int)
    renumber[ranking] = np.arange(k)
    placement.labels = renumber[labels]
    placement.centroids = centres[ranking]
    placement.k = k
    placement.silhouette = score
    return placement


def _sets_apart(
    *, counts: dict[str, np.ndarray], g: int, sids: Sequence[Hashable], settings: Settings
) -> tuple[SetsApart, ...]:
    """Statements opinion group ``g`` answers unlike the other placed participants.

    For each direction (agree, disagree): the group's share ``x1 / n1`` against the
    rest's ``x2 / n2`` with a one-sided pooled two-proportion z-test; kept when
    ``z >= sets_apart_min_z``, ``x1 >= sets_apart_min_count`` and more than half of the
    group's answers go that way. Ranked by the ratio of the smoothed rates
    ``((x1 + 1) / (n1 + 2)) / ((x2 + 1) / (n2 + 2))`` (Polis's representativeness);
    a statement appears once, in its stronger direction.
    """
    n1 = counts["seen"][g]
    n2 = counts["seen"].sum(axis=0) - n1
    found: dict[int, SetsApart] = {}
    directions: tuple[Direction, ...] = ("agree", "disagree")
    for direction in directions:
        x1 = counts[direction][g]
        x2 = counts[direction].sum(axis=0) - x1
        with np.errstate(divide="ignore", invalid="ignore"):
            p1 = np.where(n1 > 0, x1 / n1, 0.0)
            p2 = np.where(n2 > 0, x2 / n2, 0.0)
            pooled = (x1 + x2) / (n1 + n2)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            z = np.where(se > 0, (p1 - p2) / se, 0.0)
        # The same smoothing for either direction: (x + 1) / (n + 2).
        ratio = smoothed_agree_rate(agree=x1, seen=n1) / smoothed_agree_rate(agree=x2, seen=n2)
        keep = (
            (n1 > 0)
            & (n2 > 0)
            & (z >= settings.sets_apart_min_z)
            & (x1 >= settings.sets_apart_min_count)
            & (p1 > 0.5)
        )
        for j in (int(j) for j in np.flatnonzero(keep)):
            candidate = SetsApart(
                statement_id=sids[j],
                direction=direction,
                group_share=float(p1[j]),
                rest_share=float(p2[j]),
                ratio=float(ratio[j]),
                z=float(z[j]),
            )
            if j not in found or candidate.ratio > found[j].ratio:
                found[j] = candidate
    ranked = sorted(found.items(), key=lambda item: (-item[1].ratio, -item[1].z, item[0]))
    return tuple(entry for _j, entry in ranked[: settings.sets_apart_list_size])


def _lists(
    *,
    basis: Basis,
    groups: tuple[str, ...],
    agree: np.ndarray,
    seen: np.ndarray,
    consensus_scores: np.ndarray,
    variances: np.ndarray,
    sids: Sequence[Hashable],
    settings: Settings,
) -> Lists:
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(seen > 0, agree / seen, 0.0)
    # More than the minimum share agreed in every group (so every group answered it).
    everywhere = ((seen > 0) & (share > settings.common_ground_min_agree)).all(axis=0)
    everywhere &= ~np.isnan(consensus_scores)
    common = _ranked(scores=consensus_scores, keep=everywhere, sids=sids, size=settings.list_size)
    divisive = _ranked(
        scores=variances,
        keep=~np.isnan(variances) & (variances >= settings.divisive_min_variance),
        sids=sids,
        size=settings.list_size,
    )
    return Lists(basis=basis, groups=groups, common_ground=common, divisive=divisive)


def _ranked(
    *, scores: np.ndarray, keep: np.ndarray, sids: Sequence[Hashable], size: int
) -> tuple[Ranked, ...]:
    """The kept statements by score, highest first; ties in statement order."""
    indexes = np.flatnonzero(keep)
    ordered = indexes[np.lexsort((indexes, -scores[indexes]))][:size]
    return tuple(Ranked(statement_id=sids[j], score=float(scores[j])) for j in ordered)


def _checked(*, votes: np.ndarray, declared_groups: Sequence[str | None]) -> np.ndarray:
    matrix = np.asarray(votes, dtype=float)
    if matrix.ndim != 2:
        if matrix.size == 0:
            matrix = matrix.reshape(len(declared_groups), 0)
        else:
            raise InvalidVotes("votes must be a participants x statements matrix")
    if matrix.shape[0] != len(declared_groups):
        raise InvalidVotes("one declared group per participant (row of votes)")
    values = matrix[~np.isnan(matrix)]
    if not np.isin(values, (AGREE, DISAGREE, PASS)).all():
        raise InvalidVotes("votes are +1 (agree), -1 (disagree), 0 (pass) or NaN (not seen)")
    return matrix


def _group_order(*, keys: Sequence[str], group_order: Sequence[str] | None) -> list[str]:
    present = set(keys)
    if group_order is None:
        return sorted(present - {NOT_SAID}) + ([NOT_SAID] if NOT_SAID in present else [])
    order = list(dict.fromkeys(group_order))
    return order + sorted(present - set(order))


def _one_hot(*, labels: Sequence[int], k: int, n: int) -> np.ndarray:
    """n x k membership matrix: row i has a 1 in column ``labels[i]``."""
    matrix = np.zeros((n, k))
    if n:
        matrix[np.arange(n), np.asarray(labels, dtype=int)] = 1.0
    return matrix


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _tally(*, counts: dict[str, np.ndarray], j: int, g: int | None = None) -> Tally:
    """Statement ``j``'s tally from per-statement counts, or from group ``g``'s row of
    per-group counts."""

    def count(name: str) -> int:
        value = counts[name][j] if g is None else counts[name][g, j]
        return round(float(value))

    agree, disagree, passed, seen = (count(n) for n in ("agree", "disagree", "passed", "seen"))
    return Tally(
        agree=agree,
        disagree=disagree,
        passed=passed,
        seen=seen,
        agree_share=_share(agree, seen),
        disagree_share=_share(disagree, seen),
        pass_share=_share(passed, seen),
    )


def _group_tally(
    *, key: str, counts: dict[str, np.ndarray], g: int, j: int, settings: Settings
) -> GroupTally:
    voters = round(float(counts["seen"][g, j]))
    hidden = voters < settings.min_group_size
    return GroupTally(
        group=key,
        voters=voters,
        hidden=hidden,
        tally=None if hidden else _tally(counts=counts, j=j, g=g),
    )


def _item(values: np.ndarray | None, j: int) -> float | None:
    return None if values is None or np.isnan(values[j]) else float(values[j])
