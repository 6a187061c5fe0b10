"""People reached over time: in each quarter, how many people were reached for the
first time at each stage (invited, joined live, contributed live, contributed to a
consultation, took part at all), and how the mix of everyone who had taken part so far
compares with the target mix, by stakeholder group, region and gender.

A person is one person across the live and the consultation sides (the directory
person when known, else the account, else the live participant: the identity of
``selectors._identity``), counted in the quarter they first reached each stage. Their
group, region and gender are the ones they declared when they last joined live, else
their profile's, else their directory record's (docs/stakeholders.md). A handful of
queries read one row per participant, contributor and invitee; Python walks them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.models import Comment, TargetShare, ValidationAnswer
from consult.targets import DIMENSION_VALUES, target_mix
from people.vocabularies import region_of
from sessions.models import CommandReceipt

from .selectors import (
    DIMENSIONS,
    INVITED,
    JOINED,
    LIVE_CONTRIBUTED,
    ONLINE_CONTRIBUTED,
    STAGE_LABELS,
    Scope,
    _identity,
    _in_consultations,
    _invitations,
    _participants,
    _vocabulary,
    hidden_in_column,
)

TOOK_PART = "took_part"
STAGES = (INVITED, JOINED, LIVE_CONTRIBUTED, ONLINE_CONTRIBUTED, TOOK_PART)
LABELS = {**STAGE_LABELS, TOOK_PART: _("Took part (live or in a consultation)")}

Profile = tuple[str, str, str]  # (group, region, gender)


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def of(cls, at: dt.datetime) -> Quarter:
        day = timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
        return cls(day.year, (day.month - 1) // 3 + 1)

    def next(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return str(_("%(year)d, quarter %(n)d") % {"year": self.year, "n": self.number})


@dataclass(slots=True)
class MixRow:
    """Everyone who had taken part by the end of a quarter, per value of a dimension.
    A count is None when suppressed (fewer than 5, or what would give one away)."""

    quarter: Quarter
    counts: list[int | None]
    shares: list[float | None]
    total: int


@dataclass(slots=True)
class DimensionTimeline:
    dimension: str
    label: str
    values: list[tuple[str, str, Decimal | None]]  # (value, label, target share in %)
    rows: list[MixRow]


@dataclass(slots=True)
class Timeline:
    quarters: list[Quarter]
    stages: list[tuple[str, str]]  # (key, label)
    new: list[list[int]]  # per quarter, per stage: people reached for the first time
    dimensions: list[DimensionTimeline]


def _first(seen: dict[int, dt.datetime], ident: int, at: dt.datetime | None) -> None:
    if at is not None and (ident not in seen or at < seen[ident]):
        seen[ident] = at


def _clean(dimension: str, value: str | None) -> str:
    value = value or ""
    return value if value in DIMENSION_VALUES[dimension].values else ""


def reach_over_time(*, scope: Scope) -> Timeline:
    firsts: dict[str, dict[int, dt.datetime]] = {stage: {} for stage in STAGES}
    profiles: dict[int, Profile] = {}

    # Invited: directory people (identity person * 3).
    invited_profiles: dict[int, Profile] = {}
    rows = (
        _invitations(scope)
        .values("person_id", "person__stakeholder_group", "person__region", "person__gender")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    for row in rows:
        ident = row["person_id"] * 3
        _first(firsts[INVITED], ident, row["first"])
        invited_profiles[ident] = (
            row["person__stakeholder_group"] or "",
            row["person__region"] or "",
            row["person__gender"] or "",
        )

    # Live: every participation, its identity, and what it declared (the last wins).
    ident_of: dict[int, int] = {}
    latest: dict[int, int] = {}
    participations = (
        _participants(scope)
        .annotate(ident=_identity())
        .values("id", "ident", "joined_at", "stakeholder_group", "country", "gender")
        .order_by("id")
    )
    for row in participations.iterator(chunk_size=5000):
        ident = row["ident"]
        ident_of[row["id"]] = ident
        _first(firsts[JOINED], ident, row["joined_at"])
        latest[ident] = row["id"]
        profiles[ident] = (row["stakeholder_group"], region_of(row["country"]), row["gender"])
    receipts = (
        CommandReceipt.objects.filter(participant__in=_participants(scope))
        .values("participant_id")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    for row in receipts.iterator(chunk_size=5000):
        _first(firsts[LIVE_CONTRIBUTED], ident_of[row["participant_id"]], row["first"])

    # Consultations: authors of comments and validation answers, as accounts.
    online: dict[int, dt.datetime] = {}
    comments = (
        Comment.objects.filter(_in_consultations(scope, "section__consultation"), deleted_at=None)
        .values(account=F("author_id"))
        .annotate(first=Min("created_at"))
        .order_by()
    )
    answers = (
        ValidationAnswer.objects.filter(_in_consultations(scope, "round__consultation"))
        .values(account=F("user_id"))
        .annotate(first=Min("updated_at"))
        .order_by()
    )
    for row in [*comments, *answers]:
        _first(online, row["account"], row["first"])
    accounts = (
        get_user_model()
        .objects.filter(pk__in=list(online))
        .values(
            "pk",
            "directory_person__id",
            "profile__stakeholder_group",
            "profile__country",
            "directory_person__stakeholder_group",
            "directory_person__region",
            "directory_person__gender",
        )
    )
    for row in accounts:
        person = row["directory_person__id"]
        ident = person * 3 if person is not None else row["pk"] * 3 + 1
        _first(firsts[ONLINE_CONTRIBUTED], ident, online[row["pk"]])
        if ident not in profiles:
            profiles[ident] = (
                row["profile__stakeholder_group"] or row["directory_person__stakeholder_group"],
                region_of(row["profile__country"]) if row["profile__country"] else "",
                row["directory_person__gender"] or "",
            )
            if not profiles[ident][1]:
                profiles[ident] = (
                    profiles[ident][0],
                    row["directory_person__region"] or "",
                    profiles[ident][2],
                )
    for stage in (JOINED, ONLINE_CONTRIBUTED):
        for ident, at in firsts[stage].items():
            _first(firsts[TOOK_PART], ident, at)
    return _timeline(scope, firsts, profiles)


def _quarters(firsts: dict[str, dict[int, dt.datetime]]) -> list[Quarter]:
    seen = {Quarter.of(at) for stage in firsts.values() for at in stage.values()}
    if not seen:
        return []
    quarter, last = (
        min(seen, key=lambda q: (q.year, q.number)),
        max(seen, key=lambda q: (q.year, q.number)),
    )
    quarters = [quarter]
    while quarter != last:
        quarter = quarter.next()
        quarters.append(quarter)
    return quarters


def _timeline(
    scope: Scope, firsts: dict[str, dict[int, dt.datetime]], profiles: dict[int, Profile]
) -> Timeline:
    quarters = _quarters(firsts)
    index = {q: i for i, q in enumerate(quarters)}
    new = [[0] * len(STAGES) for _q in quarters]
    for j, stage in enumerate(STAGES):
        for at in firsts[stage].values():
            new[index[Quarter.of(at)]][j] += 1
    # Everyone who took part, by the quarter they first did.
    joined_in: dict[Quarter, list[int]] = defaultdict(list)
    for ident, at in firsts[TOOK_PART].items():
        joined_in[Quarter.of(at)].append(ident)
    mix = target_mix(scope.process) if scope.process is not None else {}
    dimensions = []
    for position, dimension in enumerate(DIMENSIONS):
        vocabulary = _vocabulary(dimension)
        targets = mix.get(dimension, {})
        so_far: Counter[str] = Counter()
        rows = []
        for quarter in quarters:
            for ident in joined_in[quarter]:
                profile = profiles.get(ident, ("", "", ""))
                so_far[_clean(dimension, profile[position])] += 1
            total = sum(so_far.values())
            counts = [so_far[value] for value, _label in vocabulary]
            hidden = hidden_in_column(counts, total)
            rows.append(
                MixRow(
                    quarter=quarter,
                    counts=[None if hidden[i] else c for i, c in enumerate(counts)],
                    shares=[
                        None if hidden[i] or not total else round(100 * c / total, 1)
                        for i, c in enumerate(counts)
                    ],
                    total=total,
                )
            )
        dimensions.append(
            DimensionTimeline(
                dimension=dimension,
                label=str(TargetShare.Dimension(dimension).label),
                values=[
                    (value, str(label), targets.get(value) if value else None)
                    for value, label in vocabulary
                ],
                rows=rows,
            )
        )
    return Timeline(
        quarters=quarters,
        stages=[(stage, str(LABELS[stage])) for stage in STAGES],
        new=new,
        dimensions=dimensions,
    )
