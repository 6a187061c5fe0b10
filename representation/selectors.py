"""Representation: how many people of each stakeholder group, region and gender were
invited, accepted, joined (or registered) and contributed in a scope (a process, an
event, a live session or a consultation), against the process's target mix.

Everything is counted by the database with GROUP BY: one query for the invitations,
one for the live side and two for the consultation side, whatever the number of
people. Python only adds up the grouped rows (a few hundred at most) and maps
countries to regions. docs/stakeholders.md, "How representation is computed", says
who counts where and why.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from consult.formats import signed_number
from consult.models import (
    Comment,
    Consultation,
    Follow,
    Process,
    TargetShare,
    ValidationAnswer,
)
from consult.selectors import MIN_GROUP_SIZE, is_moderator, is_organiser
from consult.targets import (
    DEFAULT_ALERT_GAP_POINTS,
    DIMENSION_VALUES,
    alert_gap_points,
    target_mix,
)
from outreach.models import Invitation
from people.models import Affiliation, Person
from people.vocabularies import region_of
from sessions import selectors as live_selectors
from sessions.models import CommandReceipt, Event, Participant, Session

User = AbstractBaseUser | AnonymousUser

GROUP = TargetShare.Dimension.GROUP.value
REGION = TargetShare.Dimension.REGION.value
GENDER = TargetShare.Dimension.GENDER.value
DIMENSIONS = (GROUP, REGION, GENDER)
ACCEPTED = (Invitation.Answer.IN_PERSON, Invitation.Answer.REMOTE)

# Stages, in the order of the columns. A process shows all six; an event or a session
# the live ones; a consultation the consultation ones.
INVITED = "invited"
ACCEPTED_STAGE = "accepted"
JOINED = "joined"
LIVE_CONTRIBUTED = "live_contributed"
REGISTERED = "registered"
ONLINE_CONTRIBUTED = "online_contributed"
LIVE_STAGES = (JOINED, LIVE_CONTRIBUTED)
STAGE_LABELS = {
    INVITED: _("Invited"),
    ACCEPTED_STAGE: _("Accepted"),
    JOINED: _("Joined live"),
    LIVE_CONTRIBUTED: _("Contributed live"),
    REGISTERED: _("Registered for the consultation"),
    ONLINE_CONTRIBUTED: _("Contributed to the consultation"),
}
SHORT_LABELS = {JOINED: _("Joined"), LIVE_CONTRIBUTED: _("Contributed")}
CONSULTATION_SHORT_LABELS = {REGISTERED: _("Registered"), ONLINE_CONTRIBUTED: _("Contributed")}

# Why a cell is not shown to someone who is not an organiser of the process.
FEWER = "fewer"  # fewer than MIN_GROUP_SIZE people
HIDDEN = "hidden"  # hidden too, so that a small cell cannot be worked out from the total


# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True, slots=True)
class Scope:
    """What the figures count: a process, one of its events, live sessions or
    consultations; or several processes at once (a programme, for the funder's
    report; no target mix, each process has its own). ``kind`` is "process", "event",
    "session", "consultation" or "programme"."""

    kind: str
    process: Process | None
    event: Event | None = None
    session: Session | None = None
    consultation: Consultation | None = None
    processes: tuple[int, ...] = ()  # a programme's processes

    @property
    def title(self) -> str:
        if self.kind == "programme":
            return str(_("Programme"))
        thing = self.session or self.event or self.consultation or self.process
        return thing.title

    @property
    def key(self) -> str:
        """A short name of the scope ("event:12"), for logs and page links."""
        if self.kind == "programme":
            return "programme:" + ",".join(map(str, self.processes))
        thing = self.session or self.event or self.consultation or self.process
        return f"{self.kind}:{thing.pk}"

    @property
    def live(self) -> bool:
        return self.kind != "consultation"

    @property
    def online(self) -> bool:
        return self.kind in ("process", "consultation", "programme")

    @property
    def stages(self) -> tuple[str, ...]:
        stages: tuple[str, ...] = (INVITED, ACCEPTED_STAGE)
        if self.live:
            stages += LIVE_STAGES
        if self.online:
            stages += (REGISTERED, ONLINE_CONTRIBUTED)
        return stages


def process_scope(process: Process) -> Scope:
    return Scope(kind="process", process=process)


def programme_scope(processes: Iterable[Process]) -> Scope:
    """Several processes counted together: a person in two of them counts once."""
    return Scope(kind="programme", process=None, processes=tuple(sorted(p.pk for p in processes)))


def event_scope(event: Event) -> Scope:
    return Scope(kind="event", process=event.process, event=event)


def session_scope(session: Session) -> Scope:
    return Scope(
        kind="session", process=session.event.process, event=session.event, session=session
    )


def consultation_scope(consultation: Consultation) -> Scope:
    return Scope(kind="consultation", process=consultation.process, consultation=consultation)


def _invitations(scope: Scope) -> QuerySet[Invitation]:
    """Invitations in the scope. An invitation to an event counts for each of its
    sessions, and one to a session for its event."""
    if scope.kind == "programme":
        return Invitation.objects.filter(process_id__in=scope.processes)
    qs = Invitation.objects.filter(process=scope.process)
    if scope.kind == "event":
        return qs.filter(Q(event=scope.event) | Q(session__event=scope.event))
    if scope.kind == "session":
        return qs.filter(Q(session=scope.session) | Q(event_id=scope.session.event_id))
    if scope.kind == "consultation":
        return qs.filter(consultation=scope.consultation)
    return qs


def _participants(scope: Scope) -> QuerySet[Participant]:
    if scope.kind == "session":
        return Participant.objects.filter(session=scope.session)
    if scope.kind == "event":
        return Participant.objects.filter(session__event=scope.event)
    if scope.kind == "programme":
        return Participant.objects.filter(session__event__process_id__in=scope.processes)
    return Participant.objects.filter(session__event__process=scope.process)


def _in_consultations(scope: Scope, path: str) -> Q:
    """Rows whose ``path`` (a consultation relation) is a consultation of the scope."""
    if scope.kind == "consultation":
        return Q(**{path: scope.consultation})
    if scope.kind == "programme":
        return Q(**{f"{path}__process_id__in": scope.processes})
    return Q(**{f"{path}__process": scope.process})


# --------------------------------------------------------------------------- permissions


def sees_full_figures(user: User, scope: Scope) -> bool:
    """Organisers of the process see every figure; everyone else sees counts under
    MIN_GROUP_SIZE as "fewer than 5"."""
    return is_organiser(user, scope.process)


def _facilitates_event(user: User, event: Event) -> bool:
    if not live_selectors.may_run_events(user) or not user.is_active:
        return False
    return user.is_superuser or event.owner_id == user.pk


def may_see(user: User, scope: Scope) -> bool:
    """Who may read the representation of a scope: the process's organisers (every
    figure) and moderators, and for an event or a session also its facilitators (the
    event's organisers), with small counts suppressed."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_moderator(user, scope.process):  # organisers moderate their processes too
        return True
    return scope.event is not None and _facilitates_event(user, scope.event)


# --------------------------------------------------------------------------- counting


def _identity() -> Case:
    """One number per person for the live side: the directory person when the
    participant is linked to one (directly or through their account), else the
    account, else the participant itself."""
    return Case(
        When(person__isnull=False, then=F("person_id") * 3),
        When(
            user__directory_person__isnull=False,
            then=F("user__directory_person__id") * 3,
        ),
        When(user__isnull=False, then=F("user_id") * 3 + 1),
        default=F("id") * 3 + 2,
        output_field=BigIntegerField(),
    )


Counts = dict[str, dict[str, Counter[str]]]  # dimension -> stage -> value -> people


def _add(counts: Counts, row: dict[str, Any], stages: dict[str, str]) -> None:
    """Add one grouped row to the counts; ``stages`` maps a stage to the row's column."""
    region = row["region"] if "region" in row else region_of(row["country"])
    for dimension, value in ((GROUP, row["group"]), (REGION, region), (GENDER, row["gender"])):
        value = value or ""
        if value not in DIMENSION_VALUES[dimension].values:
            value = ""  # a value no longer in the list counts as not said
        for stage, column in stages.items():
            counts[dimension][stage][value] += row[column]


def _count_invitations(scope: Scope, counts: Counts) -> None:
    rows = (
        _invitations(scope)
        .values(
            group=F("person__stakeholder_group"),
            region=F("person__region"),
            gender=F("person__gender"),
        )
        .annotate(
            invited=Count("person", distinct=True),
            accepted=Count("person", distinct=True, filter=Q(answer__in=ACCEPTED)),
        )
        .order_by()
    )
    for row in rows:
        _add(counts, row, {INVITED: "invited", ACCEPTED_STAGE: "accepted"})


def _count_live(scope: Scope, counts: Counts) -> None:
    """Participants of the sessions in scope, once per person: with the profile they
    declared when they last joined, and as contributors when any of their
    participations has a command receipt (a vote, a note, a question...)."""
    participants = _participants(scope)
    latest = (
        participants.annotate(ident=_identity())
        .values("ident")
        .annotate(last=Max("id"))
        .values("last")
        .order_by()
    )
    contributors = (
        participants.filter(Exists(CommandReceipt.objects.filter(participant=OuterRef("pk"))))
        .annotate(ident=_identity())
        .values("ident")
        .order_by()
    )
    rows = (
        Participant.objects.filter(id__in=Subquery(latest))
        .alias(ident=_identity())
        .values("country", "gender", group=F("stakeholder_group"))
        .annotate(
            joined=Count("id"),
            contributed=Count("id", filter=Q(ident__in=Subquery(contributors))),
        )
        .order_by()
    )
    for row in rows:
        _add(counts, row, {JOINED: "joined", LIVE_CONTRIBUTED: "contributed"})


def event_reach(*, scope: Scope) -> dict[int, tuple[int, int]]:
    """Per event of the scope: (people who joined one of its live sessions, people who
    contributed in one), each person once per event."""
    participants = _participants(scope)
    joined = (
        participants.values(event=F("session__event_id"))
        .annotate(n=Count(_identity(), distinct=True))
        .order_by()
    )
    contributed = (
        participants.filter(Exists(CommandReceipt.objects.filter(participant=OuterRef("pk"))))
        .values(event=F("session__event_id"))
        .annotate(n=Count(_identity(), distinct=True))
        .order_by()
    )
    reach = {row["event"]: (row["n"], 0) for row in joined}
    for row in contributed:
        reach[row["event"]] = (reach.get(row["event"], (0, 0))[0], row["n"])
    return reach


def _count_consultation(scope: Scope, counts: Counts) -> None:
    """Registered: accounts that followed a consultation in scope, commented on it,
    answered its validation or accepted an invitation to it, plus directory people
    without an account who accepted one. Contributed: authors of comments (not deleted)
    or validation answers. An account's group and country come from its profile, else
    from its directory record; its gender from its directory record."""
    accepted = Invitation.objects.filter(
        _in_consultations(scope, "consultation"), answer__in=ACCEPTED
    )
    # IN (subquery) rather than EXISTS: PostgreSQL hashes each list once, where OR-ed
    # EXISTS clauses run once per account.
    commented = Comment.objects.filter(
        _in_consultations(scope, "section__consultation"), deleted_at=None
    ).values("author_id")
    answered = ValidationAnswer.objects.filter(
        _in_consultations(scope, "round__consultation")
    ).values("user_id")
    followed = Follow.objects.filter(_in_consultations(scope, "consultation")).values("user_id")
    invited = accepted.filter(person__user__isnull=False).values("person__user_id")
    contributed = Q(pk__in=commented) | Q(pk__in=answered)
    text = CharField()
    accounts = (
        get_user_model()
        .objects.filter(contributed | Q(pk__in=followed) | Q(pk__in=invited))
        .values(
            group=Coalesce(
                NullIf(F("profile__stakeholder_group"), Value("")),
                F("directory_person__stakeholder_group"),
                Value(""),
                output_field=text,
            ),
            country=Coalesce(
                NullIf(F("profile__country"), Value("")),
                F("directory_person__country"),
                Value(""),
                output_field=text,
            ),
            gender=Coalesce(F("directory_person__gender"), Value(""), output_field=text),
        )
        .annotate(
            registered=Count("id"),
            contributed=Count("id", filter=contributed),
        )
        .order_by()
    )
    for row in accounts:
        _add(counts, row, {REGISTERED: "registered", ONLINE_CONTRIBUTED: "contributed"})
    people = (
        Person.objects.filter(user__isnull=True, pk__in=accepted.values("person_id"))
        .values("region", "gender", group=F("stakeholder_group"))
        .annotate(registered=Count("id"))
        .order_by()
    )
    for row in people:
        _add(counts, row, {REGISTERED: "registered"})


# --------------------------------------------------------------------------- tables


@dataclass(slots=True)
class Cell:
    """One value at one stage. ``count``, ``share`` and ``gap`` are None when hidden
    (``suppressed`` then says why: FEWER or HIDDEN)."""

    count: int | None
    share: float | None  # of the stage's total, in %
    gap: float | None  # share - target, in percentage points
    too_few: bool = False  # alert: fewer than MIN_GROUP_SIZE people (values with a target)
    below_target: bool = False  # alert: more than the threshold below target
    suppressed: str = ""

    @property
    def alert(self) -> bool:
        return self.too_few or self.below_target

    @property
    def gap_display(self) -> str:
        # In the reader's language ("+3.5", or a minus sign and "2,0"); as_json keeps the plain number.
        return signed_number(self.gap, decimals=1)

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "share": self.share,
            "gap": self.gap,
            "alert": self.alert,
            "too_few": self.too_few,
            "below_target": self.below_target,
            "suppressed": self.suppressed or None,
        }


@dataclass(slots=True)
class Row:
    value: str  # "" is "prefer not to say" / unknown: its own row, never in the targets
    label: str
    target: Decimal | None
    cells: list[Cell]

    @property
    def alert(self) -> bool:
        return any(cell.alert for cell in self.cells)


@dataclass(slots=True)
class Table:
    dimension: str
    label: str
    rows: list[Row]
    totals: list[Cell]
    has_targets: bool


@dataclass(slots=True)
class Stage:
    key: str
    label: str


@dataclass(slots=True)
class Representation:
    scope: Scope
    stages: list[Stage]
    tables: list[Table]
    alert_gap_points: int
    suppressed: bool = False  # counts under MIN_GROUP_SIZE are hidden
    min_group_size: int = MIN_GROUP_SIZE
    alerts: list[tuple[Table, Row]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        keys = [stage.key for stage in self.stages]
        return {
            "scope": {"kind": self.scope.kind, "key": self.scope.key, "title": self.scope.title},
            "suppressed": self.suppressed,
            "min_group_size": self.min_group_size,
            "alert_gap_points": self.alert_gap_points,
            "stages": [{"key": s.key, "label": str(s.label)} for s in self.stages],
            "dimensions": [
                {
                    "dimension": table.dimension,
                    "label": str(table.label),
                    "totals": {
                        k: (None if c.suppressed else c.count)
                        for k, c in zip(keys, table.totals, strict=True)
                    },
                    "rows": [
                        {
                            "value": row.value,
                            "label": str(row.label),
                            "target": None if row.target is None else float(row.target),
                            "cells": {k: c.as_json() for k, c in zip(keys, row.cells, strict=True)},
                        }
                        for row in table.rows
                    ],
                }
                for table in self.tables
            ],
        }


def _vocabulary(dimension: str) -> list[tuple[str, str]]:
    """The values of a dimension, named values first and the unknown one last."""
    choices = DIMENSION_VALUES[dimension].choices
    return [c for c in choices if c[0]] + [c for c in choices if not c[0]]


def _table(
    dimension: str,
    counts: dict[str, Counter[str]],
    stages: Iterable[str],
    targets: dict[str, Decimal],
    threshold: int,
) -> Table:
    stages = list(stages)
    totals = {stage: sum(counts[stage].values()) for stage in stages}
    rows = []
    for value, label in _vocabulary(dimension):
        target = targets.get(value) if value else None
        cells = []
        for stage in stages:
            count, total = counts[stage][value], totals[stage]
            share = round(100 * count / total, 1) if total else None
            gap = None
            if target is not None and share is not None:
                gap = round(share - float(target), 1)
            cells.append(
                Cell(
                    count=count,
                    share=share,
                    gap=gap,
                    # A stage nobody has reached yet raises no alert.
                    too_few=target is not None and bool(total) and count < MIN_GROUP_SIZE,
                    below_target=gap is not None and gap < -threshold,
                )
            )
        rows.append(Row(value=value, label=label, target=target, cells=cells))
    return Table(
        dimension=dimension,
        label=TargetShare.Dimension(dimension).label,
        rows=rows,
        totals=[
            Cell(count=totals[s], share=100.0 if totals[s] else None, gap=None) for s in stages
        ],
        has_targets=bool(targets),
    )


def representation(*, scope: Scope, stages: Iterable[str] | None = None) -> Representation:
    """Every figure of the scope, unsuppressed (see ``for_viewer``). ``stages`` limits
    the stages counted (the projector's live ones); the queries of the others are not
    run."""
    stages = [s for s in scope.stages if stages is None or s in stages]
    counts: Counts = defaultdict(lambda: defaultdict(Counter))
    if INVITED in stages or ACCEPTED_STAGE in stages:
        _count_invitations(scope, counts)
    if JOINED in stages or LIVE_CONTRIBUTED in stages:
        _count_live(scope, counts)
    if REGISTERED in stages or ONLINE_CONTRIBUTED in stages:
        _count_consultation(scope, counts)
    if scope.process is None:  # a programme: each process has its own target mix
        mix, threshold = {}, DEFAULT_ALERT_GAP_POINTS
    else:
        mix = target_mix(scope.process)
        threshold = alert_gap_points(scope.process)
    tables = [
        _table(dimension, counts[dimension], stages, mix.get(dimension, {}), threshold)
        for dimension in DIMENSIONS
    ]
    labels = {**STAGE_LABELS}
    if scope.kind in ("event", "session"):
        labels.update(SHORT_LABELS)
    if scope.kind == "consultation":
        labels.update(CONSULTATION_SHORT_LABELS)
    return Representation(
        scope=scope,
        stages=[Stage(key=s, label=labels[s]) for s in stages],
        tables=tables,
        alert_gap_points=threshold,
        alerts=[(t, r) for t in tables for r in t.rows if r.alert],
    )


def only_stages(rep: Representation, stages: Iterable[str]) -> Representation:
    """The same figures for some of the stages only (each stage's column is counted on
    its own, so this equals counting just those stages, without the queries)."""
    keep = [i for i, stage in enumerate(rep.stages) if stage.key in stages]
    tables = [
        replace(
            table,
            rows=[replace(row, cells=[row.cells[i] for i in keep]) for row in table.rows],
            totals=[table.totals[i] for i in keep],
        )
        for table in rep.tables
    ]
    return replace(
        rep,
        stages=[rep.stages[i] for i in keep],
        tables=tables,
        alerts=[(t, r) for t in tables for r in t.rows if r.alert],
    )


# --------------------------------------------------------------------------- suppression


def _hide(cell: Cell, why: str) -> Cell:
    return replace(
        cell,
        count=None,
        share=None,
        gap=None,
        suppressed=why,
        # A hidden cell keeps "below target" but not by how much.
        below_target=cell.below_target and why == HIDDEN,
    )


def hidden_in_column(counts: list[int], total: int) -> list[str]:
    """Which counts of one column (whose total is ``total``) anyone but the organisers
    may not see, and why ("" for shown): every count under MIN_GROUP_SIZE (zero
    included) is FEWER; when only one such count is not zero and the total is shown,
    the total minus what is shown would give it away, so the smallest count shown is
    HIDDEN too."""
    hidden = [FEWER if count < MIN_GROUP_SIZE else "" for count in counts]
    fewer = [i for i, why in enumerate(hidden) if why]
    if total >= MIN_GROUP_SIZE and len(fewer) == 1 and counts[fewer[0]]:
        shown = [i for i, count in enumerate(counts) if not hidden[i] and count]
        if shown:
            hidden[min(shown, key=lambda i: counts[i])] = HIDDEN
    return hidden


def suppress(rep: Representation) -> Representation:
    """The figures as anyone but the process's organisers may see them: every count
    under MIN_GROUP_SIZE (zero included) is "fewer than 5", without its share or gap,
    and a total under MIN_GROUP_SIZE is hidden. When only one count of a column is
    hidden and the total is shown, the total minus what is shown would give it away:
    the smallest count shown (not zero) is hidden too ("hidden")."""
    tables = []
    for table in rep.tables:
        rows = [replace(row, cells=list(row.cells)) for row in table.rows]
        totals = list(table.totals)
        for j in range(len(rep.stages)):
            column = [row.cells[j] for row in rows]
            hidden = hidden_in_column([cell.count for cell in column], totals[j].count)
            for i, why in enumerate(hidden):
                if why:
                    rows[i].cells[j] = _hide(column[i], why)
            if totals[j].count < MIN_GROUP_SIZE:
                totals[j] = _hide(totals[j], FEWER)
        tables.append(replace(table, rows=rows, totals=totals))
    return replace(
        rep,
        tables=tables,
        suppressed=True,
        alerts=[(t, r) for t in tables for r in t.rows if r.alert],
    )


def for_viewer(*, rep: Representation, full: bool) -> Representation:
    return rep if full else suppress(rep)


# --------------------------------------------------------------------------- people to invite


PEOPLE_FIELDS = {GROUP: "stakeholder_group", REGION: "region", GENDER: "gender"}


def valid_value(dimension: str, value: str) -> bool:
    """A named value of a dimension (not the unknown one, which has no target)."""
    return (
        dimension in DIMENSION_VALUES
        and bool(value)
        and value in DIMENSION_VALUES[dimension].values
    )


def people_to_invite(*, scope: Scope, dimension: str, value: str) -> QuerySet[Person]:
    """Directory people of one group, region or gender who may be contacted and have
    either no invitation in the scope (``invited`` False) or one not answered yet
    (``pending`` True, with its ``sent_at`` and ``reminders``); not yet invited first,
    then by name. Each row carries ``organisation``, the name of one affiliation."""
    if not valid_value(dimension, value):
        return Person.objects.none()
    theirs = _invitations(scope).filter(person=OuterRef("pk"))
    pending = theirs.filter(answer=Invitation.Answer.NONE).order_by("-sent_at", "-id")
    return (
        Person.objects.filter(**{PEOPLE_FIELDS[dimension]: value}, do_not_contact=False)
        .annotate(
            invited=Exists(theirs),
            pending=Exists(pending),
            sent_at=Subquery(pending.values("sent_at")[:1]),
            reminders=Subquery(pending.values("reminders")[:1]),
            organisation=Subquery(
                Affiliation.objects.filter(person=OuterRef("pk"))
                .order_by("-is_delegate", "id")
                .values("organisation__name")[:1]
            ),
        )
        .filter(Q(invited=False) | Q(pending=True))
        .order_by("invited", "name", "id")
    )


def not_contactable_count(*, dimension: str, value: str) -> int:
    """How many people of the value are marked "do not contact" (left out of the list)."""
    if not valid_value(dimension, value):
        return 0
    return Person.objects.filter(**{PEOPLE_FIELDS[dimension]: value}, do_not_contact=True).count()
