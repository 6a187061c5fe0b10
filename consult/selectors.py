"""Reads for consultations: who may do what, threads, differences between versions,
validation results. Each list is read in a fixed number of queries."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from people.vocabularies import StakeholderGroup

from .models import (
    Comment,
    Consultation,
    Disposition,
    Evidence,
    Process,
    ProcessRole,
    Profile,
    Reaction,
    Section,
    SectionText,
    ValidationAnswer,
    ValidationRound,
    Verdict,
    Version,
)
from .translations import LANGUAGE_CODES, language_name

MIN_GROUP_SIZE = 5  # a stakeholder group's figures are shown from this many respondents

User = AbstractBaseUser | AnonymousUser


# --------------------------------------------------------------------------- permissions


def is_organiser(user: User, process: Process) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if process.owner_id == user.pk:
        return True
    return ProcessRole.objects.filter(
        process=process, user=user, role=ProcessRole.Role.ORGANISER
    ).exists()


def is_moderator(user: User, process: Process) -> bool:
    """Moderators, and organisers, who moderate their own processes."""
    if not user.is_authenticated or not user.is_active:
        return False
    if process.owner_id == user.pk:
        return True
    return ProcessRole.objects.filter(process=process, user=user).exists()


def can_read(user: User, consultation: Consultation) -> bool:
    if consultation.status == Consultation.Status.DRAFT:
        return is_organiser(user, consultation.process)
    return consultation.is_public or user.is_authenticated


def organised_processes(user: User) -> QuerySet[Process]:
    """The processes ``user`` organises: as their owner or with the organiser role."""
    if not user.is_authenticated or not user.is_active:
        return Process.objects.none()
    roles = ProcessRole.objects.filter(user=user, role=ProcessRole.Role.ORGANISER)
    return Process.objects.filter(Q(owner=user) | Q(pk__in=roles.values("process_id")))


def readable_consultations(user: User) -> QuerySet[Consultation]:
    """The consultations ``user`` may read, as a query: the rule of ``can_read``."""
    readable = ~Q(status=Consultation.Status.DRAFT)
    if not user.is_authenticated:
        readable &= Q(is_public=True)
    else:
        readable |= Q(process__in=organised_processes(user))
    return Consultation.objects.filter(readable)


def readable_processes(user: User) -> QuerySet[Process]:
    """The processes ``user`` may see: those with a consultation they may read, and
    those they organise (whose pages they reach even before anything is published)."""
    with_readable = readable_consultations(user).values("process_id")
    return Process.objects.filter(
        Q(pk__in=with_readable) | Q(pk__in=organised_processes(user).values("pk"))
    )


def is_accepting_input(consultation: Consultation, now=None) -> bool:
    now = now or timezone.now()
    return (
        consultation.status == Consultation.Status.OPEN
        and consultation.opens_at <= now < consultation.closes_at
    )


def can_comment(user: User, consultation: Consultation) -> bool:
    return user.is_authenticated and user.is_active and is_accepting_input(consultation)


# --------------------------------------------------------------------------- drafts


def latest_version(consultation: Consultation) -> Version | None:
    return consultation.versions.order_by("-number").first()


def version_sections(version: Version) -> list[SectionText]:
    return list(version.texts.order_by("position"))


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from ``old`` to ``new`` as ("same" | "added" | "removed", text) runs,
    compared word by word (whitespace kept with the word before it)."""
    a = re.findall(r"\S+\s*", old or "")
    b = re.findall(r"\S+\s*", new or "")
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                out.append(("removed", "".join(a[i1:i2])))
            if j2 > j1:
                out.append(("added", "".join(b[j1:j2])))
    return out


def section_change(section: Section, old: Version, new: Version) -> dict[str, Any]:
    """What changed in one section between two versions (it may be new, or gone)."""
    texts = {
        t.version_id: t for t in SectionText.objects.filter(section=section, version__in=[old, new])
    }
    before, after = texts.get(old.pk), texts.get(new.pk)
    return {
        "status": "added" if before is None else "removed" if after is None else "changed",
        "heading": word_diff(before.heading if before else "", after.heading if after else ""),
        "body": word_diff(before.body if before else "", after.body if after else ""),
        "unchanged": before is not None
        and after is not None
        and (before.heading, before.body) == (after.heading, after.body),
    }


# --------------------------------------------------------------------------- comments


@dataclass(slots=True)
class ThreadComment:
    """A comment as its section's thread shows it (``section_threads``): the author's
    name, the version's number and the disposition are read with it, not as models."""

    pk: int
    parent_id: int | None
    depth: int
    author_id: int
    author_name: str
    body: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    hidden_at: datetime | None
    hidden_reason: str
    version_number: int
    decision: str | None  # of the disposition; None when the comment has none
    response: str
    reaction_counts: dict[str, int]
    thread_replies: list[ThreadComment] = field(default_factory=list)
    # The kinds the viewer chose (``section_threads``'s ``viewer``; empty without one).
    my_reactions: frozenset[str] = frozenset()
    # The language it was written in ("" when unknown: before languages were recorded).
    language: str = ""


_THREAD_FIELDS = (
    "pk",
    "parent_id",
    "depth",
    "author_id",
    "body",
    "created_at",
    "edited_at",
    "deleted_at",
    "hidden_at",
    "hidden_reason",
    "language",
)


def section_threads(section: Section, *, viewer: User | None = None) -> list[ThreadComment]:
    """The section's comments as a forest: top-level comments in order, each with
    ``thread_replies`` (nested), ``reaction_counts`` and the version it was made on,
    in one query whatever the number of comments.

    Rows are read as values into ``ThreadComment``, not as a comment, author, profile,
    version and disposition model each: building those five models per comment was a
    third of a 500-comment section page's time (docs/performance.md)."""
    kinds = Reaction.Kind.values
    reader = viewer.pk if viewer is not None and viewer.is_authenticated else None
    # The viewer's own reactions come from the same join as the counts: no extra query.
    mine = {
        f"mine_{kind}": Count("reactions", filter=Q(reactions__kind=kind, reactions__user=reader))
        for kind in kinds
        if reader is not None
    }
    rows = (
        Comment.objects.filter(section=section)
        .annotate(
            **{kind: Count("reactions", filter=Q(reactions__kind=kind)) for kind in kinds},
            **mine,
        )
        .order_by("created_at", "id")
        .values(
            *_THREAD_FIELDS,
            *kinds,
            *mine,
            author_name=Coalesce(
                NullIf(F("author__profile__display_name"), Value("")),
                F("author__username"),
                output_field=CharField(),
            ),
            version_number=F("version__number"),
            decision=F("disposition__decision"),
            response=Coalesce(F("disposition__response"), Value(""), output_field=TextField()),
        )
    )
    children: dict[int | None, list[ThreadComment]] = defaultdict(list)
    for row in rows:
        counts = {kind: row.pop(kind) for kind in kinds}
        chosen = frozenset(kind for kind in kinds if row.pop(f"mine_{kind}", 0))
        comment = ThreadComment(
            **row,
            reaction_counts=counts,
            thread_replies=children[row["pk"]],
            my_reactions=chosen,
        )
        children[comment.parent_id].append(comment)
    return children[None]


# --------------------------------------------------------------------------- validation


def _shares(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    return {
        "total": total,
        "counts": counts,
        "shares": {k: (round(100 * v / total, 1) if total else 0.0) for k, v in counts.items()},
    }


def may_see_answers(user: User, round: ValidationRound, process: Process) -> bool:
    """Whether ``user`` may see the answers of ``round`` (of a consultation of
    ``process``): its results page, and its reasons with who gave them on "you said, we
    did" and in its CSV and XLSX. Everyone who may read the consultation once the round
    is closed; while it runs, only the process's moderators and organisers."""
    return not round.is_open or is_moderator(user, process)


def round_results(round: ValidationRound) -> list[dict[str, Any]]:
    """Per section of the round's version: counts and shares of each verdict, overall
    and per stakeholder group side by side (a group with fewer than MIN_GROUP_SIZE
    respondents on that section shows only that it is too small)."""
    texts = version_sections(round.version)
    rows = (
        ValidationAnswer.objects.filter(round=round)
        .values("section_id", "verdict", "user__profile__stakeholder_group")
        .annotate(n=Count("id"))
    )
    overall: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(Verdict.values, 0))
    groups: dict[int, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: dict.fromkeys(Verdict.values, 0))
    )
    for row in rows:
        group = row["user__profile__stakeholder_group"] or ""
        overall[row["section_id"]][row["verdict"]] += row["n"]
        groups[row["section_id"]][group][row["verdict"]] += row["n"]
    results = []
    for text in texts:
        by_group = []
        for value, label in StakeholderGroup.choices:
            counts = groups[text.section_id].get(value, dict.fromkeys(Verdict.values, 0))
            respondents = sum(counts.values())
            entry: dict[str, Any] = {"group": value, "label": str(label)}
            if respondents < MIN_GROUP_SIZE:
                entry["hidden"] = True  # not even how many: a small group is identifiable
            else:
                entry.update({"hidden": False, **_shares(counts)})
            by_group.append(entry)
        results.append(
            {
                "section": text.section_id,
                "heading": text.heading,
                **_shares(overall[text.section_id]),
                "by_group": by_group,
            }
        )
    return results


def comment_counts(consultation: Consultation) -> dict[int, int]:
    """Visible comments per section (deleted and hidden ones left out)."""
    return dict(
        Comment.objects.filter(section__consultation=consultation, deleted_at=None, hidden_at=None)
        .values("section")
        .annotate(n=Count("id"))
        .values_list("section", "n")
    )


def section_page(section: Section) -> dict[str, Any]:
    """The section as it reads in the latest version, the versions it appears in, and
    what changed since the version before (if it was there)."""
    texts = list(
        SectionText.objects.filter(section=section)
        .select_related("version")
        .order_by("version__number")
    )
    latest = latest_version(section.consultation)
    current = next((t for t in texts if t.version_id == latest.pk), None)
    previous = None
    if current is not None:
        earlier = [t for t in texts if t.version.number < current.version.number]
        previous = earlier[-1] if earlier else None
    return {
        "text": current,
        "version": latest,
        "versions": [t.version for t in texts],
        "changes": (
            {
                "from": previous.version,
                "heading": word_diff(previous.heading, current.heading),
                "body": word_diff(previous.body, current.body),
                "unchanged": (previous.heading, previous.body) == (current.heading, current.body),
            }
            if previous is not None and current is not None
            else None
        ),
    }


# --------------------------------------------------------------------------- you said, we did


def inputs(
    consultation: Consultation,
    *,
    section: int | None = None,
    decision: str | None = None,
    group: str | None = None,
    language: str | None = None,
    viewer: User | None = None,
) -> list[dict[str, Any]]:
    """Every input to the consultation (visible comments and validation reasons) with
    its disposition, newest sections order first, in six queries (seven for a logged-in
    ``viewer`` while a round runs). ``decision`` may be a Disposition decision or "none"
    (not answered yet); ``group`` a stakeholder group value ("" for undisclosed);
    ``language`` the code of the language inputs were written in (``in_language``).
    The reasons of a round ``viewer`` may not see the answers of (``may_see_answers``;
    no viewer reads as the public) are left out.

    The versions, section texts, rounds and people are read once each and shared by
    the inputs (``select_related`` built them again for every one of thousands of
    rows; docs/performance.md); each row's ``object`` still has them attached."""
    versions = {v.pk: v for v in Version.objects.filter(consultation=consultation)}
    latest = max(versions.values(), key=lambda v: v.number, default=None)
    texts = {t.pk: t for t in SectionText.objects.filter(version__in=list(versions))}
    for text in texts.values():
        text.version = versions[text.version_id]
    headings = {
        t.section_id: (t.position, t.heading)
        for t in texts.values()
        if latest is not None and t.version_id == latest.pk
    }
    rounds = {r.pk: r for r in ValidationRound.objects.filter(consultation=consultation)}
    for round_ in rounds.values():
        round_.version = versions[round_.version_id]
    reader = viewer if viewer is not None else AnonymousUser()
    unseen = [r.pk for r in rounds.values() if not may_see_answers(reader, r, consultation.process)]
    comments = Comment.objects.filter(
        section__consultation=consultation, deleted_at=None, hidden_at=None
    ).select_related("disposition")
    answers = (
        ValidationAnswer.objects.filter(round__consultation=consultation)
        .exclude(reason="")
        .exclude(round_id__in=unseen)
        .select_related("disposition")
    )
    if section is not None:
        comments = comments.filter(section_id=section)
        answers = answers.filter(section_id=section)
    items = [*comments, *answers]
    person_ids = {i.author_id if isinstance(i, Comment) else i.user_id for i in items}
    people = {}
    if person_ids:
        people = {
            p.pk: p
            for p in get_user_model().objects.filter(pk__in=person_ids).select_related("profile")
        }
    decisions = dict(Disposition.Decision.choices)
    rows = []
    for item in items:
        is_comment = isinstance(item, Comment)
        if is_comment:
            item.author = person = people[item.author_id]
            item.version = version = versions[item.version_id]
        else:
            item.user = person = people[item.user_id]
            item.round = rounds[item.round_id]
            version = item.round.version
        profile = getattr(person, "profile", None)
        disposition = getattr(item, "disposition", None)
        addressed_in = None
        if disposition is not None and disposition.addressed_in_id is not None:
            addressed_in = texts.get(disposition.addressed_in_id)
            if addressed_in is None:  # a text of another consultation: read it as before
                addressed_in = disposition.addressed_in
            else:
                disposition.addressed_in = addressed_in
        position, heading = headings.get(item.section_id, (10**6, ""))
        rows.append(
            {
                "id": item.pk,
                "kind": "comment" if is_comment else "validation",
                "section": item.section_id,
                "position": position,
                "heading": heading,
                "author": profile.display_name if profile else person.get_username(),
                "group": profile.stakeholder_group if profile else "",
                "verdict": "" if is_comment else item.verdict,
                "text": item.body if is_comment else item.reason,
                "language": item.language,
                "language_name": _language_label(item.language),
                "version": version.number,
                "at": item.created_at if is_comment else item.updated_at,
                "decision": disposition.decision if disposition else "",
                "decision_label": (
                    str(decisions.get(disposition.decision, disposition.decision))
                    if disposition
                    else ""
                ),
                "response": disposition.response if disposition else "",
                "addressed_in": (
                    f"v{addressed_in.version.number}: {addressed_in.heading}"
                    if addressed_in is not None
                    else ""
                ),
                "addressed_in_id": disposition.addressed_in_id if disposition else None,
                "object": item,
            }
        )
    if decision == "none":
        rows = [r for r in rows if not r["decision"]]
    elif decision:
        rows = [r for r in rows if r["decision"] == decision]
    if group is not None:
        rows = [r for r in rows if r["group"] == group]
    rows = in_language(rows, language)
    rows.sort(key=lambda r: (r["position"], r["at"], r["kind"], r["id"]))
    return rows


def _language_label(code: str) -> str:
    """A recorded language's own name ("Español"); "" when unknown."""
    return language_name(code) if code in LANGUAGE_CODES else ""


def in_language(rows: list[dict[str, Any]], language: str | None) -> list[dict[str, Any]]:
    """The ``inputs`` rows written in ``language`` (all of them when None)."""
    if language is None:
        return rows
    return [r for r in rows if r["language"] == language]


def input_languages(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(code, own name) of the languages ``inputs`` rows were written in, in the
    interface's order; unknown ones ("") left out."""
    present = {r["language"] for r in rows}
    return [(code, language_name(code)) for code in LANGUAGE_CODES if code in present]


# --------------------------------------------------------------------------- evidence


def section_evidence(section: Section) -> list[Evidence]:
    """The results attached to a section as evidence, in one query however many."""
    return list(Evidence.objects.filter(section=section).order_by("attached_at", "id"))


def evidence_targets(user: User, *, process: Process | None = None) -> list[dict[str, Any]]:
    """The sections ``user`` may attach evidence to: those of the latest version of each
    consultation (not yet published) of ``process``, or of every process they organise.
    ``[{"consultation": Consultation, "sections": [(section id, heading), ...]}]``, in
    three queries at most."""
    if not user.is_authenticated or not user.is_active:
        return []
    if process is not None:
        if not is_organiser(user, process):
            return []
        consultations = Consultation.objects.filter(process=process)
    else:
        consultations = Consultation.objects.filter(
            Q(process__owner=user)
            | Q(process__roles__user=user, process__roles__role=ProcessRole.Role.ORGANISER)
        ).distinct()
    latest = Version.objects.filter(consultation=OuterRef("pk")).order_by("-number")
    consultations = list(
        consultations.exclude(status=Consultation.Status.PUBLISHED)
        .select_related("process")
        .annotate(latest_version=Subquery(latest.values("pk")[:1]))
        .order_by("process__title", "title", "id")
    )
    texts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    versions = [c.latest_version for c in consultations if c.latest_version is not None]
    for version_id, section_id, heading in (
        SectionText.objects.filter(version_id__in=versions)
        .order_by("version_id", "position")
        .values_list("version_id", "section_id", "heading")
    ):
        texts[version_id].append((section_id, heading))
    return [
        {"consultation": c, "sections": texts[c.latest_version]}
        for c in consultations
        if texts.get(c.latest_version)
    ]


def preferred_language(user: User) -> str:
    """The interface language a person chose in their profile ("" for none)."""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""
