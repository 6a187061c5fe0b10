"""Balanced results of a consultation's validation round: per section, the share of
each verdict counted as counted, with equal voice, to the process's target mix and one
voice per organisation, side by side; each answer's weights for the export
(docs/synthesis.md, "Balanced results").

The weights and columns are ``synthesis.balanced``'s (which uses ``synthesis.weights``);
this module reads a round's answers with each respondent's declared profile. The
weights are computed per section, over the people who answered that section.

A respondent's profile: stakeholder group and country from their account's profile,
else from their directory record (as on the representation pages); region from the
country; gender from their directory record; organisation as typed in their profile,
else the one organisation their directory record belongs to (none when several).

Small groups: nothing is shown for a section fewer than ``MIN_GROUP_SIZE`` people
answered (as for a live poll). To anyone but the process's organisers, a section's
weighted column is also withheld while a group it weighs on its own (a stakeholder
group for equal voice, a target category for the target mix, an organisation of
several respondents for one voice per organisation) has 1 to 4 respondents there:
comparing it with "as counted" would give away that small group's verdicts.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _

from consult import extensions, selectors
from consult.models import ValidationAnswer, ValidationRound, Verdict
from people.models import Affiliation
from people.vocabularies import region_of

from .balanced import (
    WEIGHT_COLUMNS,
    BalancedColumn,
    BalancedRow,
    columns,
    organisation_key,
    process_targets,
    weight_columns,
    weightings,
)
from .weights import (
    DIMENSIONS,
    EQUAL_VOICE,
    NOT_DECLARED,
    ONE_VOICE_PER_ORGANISATION,
    TARGET_MIX,
    Respondent,
    weighted_shares,
)

MIN_GROUP_SIZE = selectors.MIN_GROUP_SIZE

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class SectionBalance:
    """One section's verdicts counted several ways: one row per verdict (its share in %
    of the weight of those who answered), one column per way of counting. ``shown`` is
    False (no columns, no rows) while fewer than ``MIN_GROUP_SIZE`` answered."""

    section: int
    heading: str
    respondents: int
    shown: bool
    columns: tuple[BalancedColumn, ...] = ()
    rows: tuple[BalancedRow, ...] = ()

    @property
    def withheld(self) -> bool:
        return any(column.hidden for column in self.columns)


@dataclass(frozen=True)
class RoundBalance:
    """A round's balanced results; ``target_note`` says why there is no target-mix
    column (None when there is one, or may be)."""

    sections: tuple[SectionBalance, ...]
    target_note: str | None
    min_group_size: int = MIN_GROUP_SIZE


@dataclass(frozen=True)
class _Answers:
    """A round's answers (ordered by section, then answer) with their respondents."""

    sections: list[int]
    verdicts: list[str]
    respondents: list[Respondent]


def _declared(value: str) -> str:
    return "" if value in NOT_DECLARED else value


def _answers(round_: ValidationRound) -> _Answers:
    rows = list(
        ValidationAnswer.objects.filter(round=round_)
        .order_by("section_id", "id")
        .values_list(
            "id",
            "section_id",
            "verdict",
            "user__profile__stakeholder_group",
            "user__profile__country",
            "user__profile__organisation",
            "user__directory_person__id",
            "user__directory_person__stakeholder_group",
            "user__directory_person__country",
            "user__directory_person__gender",
        )
    )
    people = {row[6] for row in rows if row[6] is not None}
    organisations: dict[int, set[str]] = defaultdict(set)
    for person, name in Affiliation.objects.filter(person_id__in=people).values_list(
        "person_id", "organisation__name"
    ):
        organisations[person].add(name)
    answers = _Answers([], [], [])
    for _pk, section, verdict, group, country, typed, person, d_group, d_country, gender in rows:
        linked = organisations.get(person, set()) if person is not None else set()
        organisation = organisation_key(typed or "")
        if organisation is None and len(linked) == 1:
            organisation = organisation_key(next(iter(linked)))
        answers.sections.append(section)
        answers.verdicts.append(verdict)
        answers.respondents.append(
            Respondent(
                stakeholder_group=_declared(group or d_group or ""),
                region=region_of(country or d_country or ""),
                gender=_declared(gender or ""),
                organisation=organisation,
            )
        )
    return answers


def _by_section(answers: _Answers) -> dict[int, list[int]]:
    """The indices of each section's answers."""
    found: dict[int, list[int]] = defaultdict(list)
    for i, section in enumerate(answers.sections):
        found[section].append(i)
    return found


def _verdict_values(verdicts: Sequence[str], weights: Any) -> list[float | None]:
    """Each verdict's share in % of the weight of those who answered (``Verdict`` order)."""
    shares = weighted_shares(answers=list(verdicts), weights=weights)["shares"]
    if not shares:
        return [None] * len(Verdict.values)
    return [100 * shares.get(value, 0.0) for value in Verdict.values]


def _small(counts: Iterable[int]) -> bool:
    return any(0 < n < MIN_GROUP_SIZE for n in counts)


def _singles_out(method: str, respondents: Sequence[Respondent], targets: dict[str, Any]) -> bool:
    """Whether the method's column would single out a group of 1 to 4 respondents."""
    if method == EQUAL_VOICE:
        groups: dict[str, int] = defaultdict(int)
        for r in respondents:
            if r.stakeholder_group:
                groups[r.stakeholder_group] += 1
        return len(groups) > 1 and _small(groups.values())
    if method == TARGET_MIX:
        for dimension in DIMENSIONS:
            shares = targets.get(dimension) or {}
            counts: dict[str, int] = defaultdict(int)
            for r in respondents:
                if r.value(dimension) in shares:
                    counts[r.value(dimension)] += 1
            if _small(counts.values()):
                return True
        return False
    if method == ONE_VOICE_PER_ORGANISATION:
        members: dict[Any, int] = defaultdict(int)
        for r in respondents:
            if r.organisation is not None:
                members[r.organisation] += 1
        return _small(n for n in members.values() if n > 1)
    return False


def _withhold(
    table: tuple[BalancedColumn, ...], respondents: Sequence[Respondent], targets: dict[str, Any]
) -> tuple[BalancedColumn, ...]:
    return tuple(
        dataclasses.replace(column, values=(None,) * len(column.values), hidden=True)
        if column.weighted and _singles_out(column.method, respondents, targets)
        else column
        for column in table
    )


def round_balance(*, round_: ValidationRound, organiser: bool = False) -> RoundBalance:
    """Per section of the round's version (in its order), the verdicts counted several
    ways side by side. ``organiser``: the viewer organises the process, and sees every
    column (see the module's note on small groups)."""
    answers = _answers(round_)
    targets, note = process_targets(process=round_.consultation.process)
    indices = _by_section(answers)
    labels = [str(label) for label in Verdict.labels]
    sections = []
    for text in selectors.version_sections(round_.version):
        idx = indices.get(text.section_id, [])
        if len(idx) < MIN_GROUP_SIZE:
            sections.append(SectionBalance(text.section_id, text.heading, len(idx), False))
            continue
        respondents = [answers.respondents[i] for i in idx]
        verdicts = [answers.verdicts[i] for i in idx]
        found, error = weightings(respondents=respondents, targets=targets)
        note = note or error
        table = columns(
            weightings=found,
            respondents=respondents,
            values=lambda weights, verdicts=verdicts: _verdict_values(verdicts, weights),
        )
        if not organiser:
            table = _withhold(table, respondents, targets)
        rows = tuple(
            BalancedRow(label, tuple(column.values[i] for column in table))
            for i, label in enumerate(labels)
        )
        sections.append(SectionBalance(text.section_id, text.heading, len(idx), True, table, rows))
    return RoundBalance(tuple(sections), note)


# --------------------------------------------------------------------------- the export

EXPORT_COLUMNS = [
    ("section", "section"),
    ("verdict", "verdict"),
    ("stakeholder_group", "stakeholder_group"),
    ("region", "region"),
    ("gender", "gender"),
    *((name, name) for name in WEIGHT_COLUMNS.values()),
]


def export_rows(*, round_: ValidationRound) -> list[dict[str, Any]]:
    """One row per answer of the round (by section, in the version's order): the
    section's heading, the verdict, the respondent's declared group, region and gender
    ("" when not said) and their weights on that section (``WEIGHT_COLUMNS``; the
    target mix None without targets). No names, no reasons, no organisations."""
    answers = _answers(round_)
    targets, _note = process_targets(process=round_.consultation.process)
    indices = _by_section(answers)
    rows = []
    for text in selectors.version_sections(round_.version):
        idx = indices.get(text.section_id, [])
        if not idx:
            continue
        respondents = [answers.respondents[i] for i in idx]
        found, _error = weightings(respondents=respondents, targets=targets)
        for position, i in enumerate(idx):
            respondent = answers.respondents[i]
            rows.append(
                {
                    "section": text.heading,
                    "verdict": answers.verdicts[i],
                    "stakeholder_group": respondent.stakeholder_group,
                    "region": respondent.region,
                    "gender": respondent.gender,
                    **weight_columns(found, position),
                }
            )
    return rows


# --------------------------------------------------------------------------- permissions


def may_see(*, user: User, round_: ValidationRound) -> bool:
    """Who may see a round's balanced results: whoever may see its results
    (``consult.selectors.may_see_answers``; the caller checks they may read the
    consultation)."""
    return selectors.may_see_answers(user, round_, round_.consultation.process)


def may_export(*, user: User, round_: ValidationRound) -> bool:
    """Who may download the answers with their profiles and weights: the organisers."""
    return selectors.is_organiser(user, round_.consultation.process)


def round_links(*, round_: ValidationRound, user: User) -> list[tuple[str, str]]:
    """The links on a round's results page (``consult.extensions.add_round_links``)."""
    if not may_see(user=user, round_=round_):
        return []
    consultation = round_.consultation
    args = [consultation.process.slug, consultation.slug, round_.pk]
    links = [(_("Balanced results"), reverse("synthesis:round_balanced", args=args))]
    if may_export(user=user, round_=round_):
        url = reverse("synthesis:round_balanced_export", args=args)
        links.append((_("Answers with weights (CSV)"), url))
    return links


def register_links() -> None:
    """Put the links on the round results page (called from ``SynthesisConfig.ready``)."""
    extensions.add_round_links(round_links)
