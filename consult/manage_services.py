"""What the organisers' pages of a consultation need besides ``consult.services``: the
draft as one Markdown text (``## `` headings start sections) and back, which section of
the previous version a section of the new text continues, a new consultation from the
page's form, and the page's overview read in a fixed number of queries.

The writes themselves (and their permission checks) stay in ``consult.services``; this
module turns what the pages send into their arguments.

Section identity. A ``Section`` keeps its comments, validation answers and evidence from
version to version; ``publish_version`` takes, per section, the id of the section it
continues (or None for a new one). From one Markdown text that id is found by these
rules, in this order:

1. a section whose heading is the same as a section of the latest version (spaces and
   letter case aside) continues it (the first unused one, if two share a heading);
2. otherwise, a section whose body is the same as that of an unused section of the
   latest version continues it (a heading reworded); failing that, one whose words
   (heading and body) are at least half the same continues the most similar one;
3. anything else is a new section. A section of the latest version that nothing
   continues is left out of the new version (its comments stay, readable in the
   versions it was in).

A section unchanged (heading and body the same) keeps its exact text, and with it its
translations.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .models import Consultation, Process, SectionText, SectionType, ValidationRound, Version
from .selectors import latest_version, version_sections
from .time_zone import known_zone

MAX_SECTIONS = 100  # sections in one version published from the page
MAX_DRAFT_LENGTH = 200_000  # characters of the whole Markdown text (a form post stays small)
SIMILAR = 0.5  # share of words in common for a reworded section to continue the old one

# "## [milestone 2030] Heading": the optional tag gives the section's type, with the
# horizon of a milestone or the actor group of an action; without it, a context section.
_TAG = re.compile(r"^\[\s*(vision|milestone|action|context)\b\s*([^\]]*)\]\s*(.*)$", re.I)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


@dataclass
class DraftSection:
    """One section of a Markdown draft, as ``publish_version`` takes it."""

    type: str
    heading: str
    body: str
    horizon: int | None = None
    actor: str = ""
    section: int | None = None  # the section of the latest version it continues

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "heading": self.heading,
            "body": self.body,
            "horizon": self.horizon,
            "actor": self.actor,
            "section": self.section,
        }


# --------------------------------------------------------------------------- Markdown


def _tag(text: SectionText) -> str:
    if text.type == SectionType.MILESTONE:
        return f"[milestone {text.horizon}] "
    if text.type == SectionType.ACTION:
        return f"[action {text.actor}] "
    if text.type == SectionType.VISION:
        return "[vision] "
    # A context section whose heading itself begins like a tag keeps it as written.
    return "[context] " if _TAG.match(text.heading) else ""


def draft_markdown(*, texts: list[SectionText]) -> str:
    """A version's sections as one Markdown text that ``parse_draft`` reads back the same."""
    parts = [f"## {_tag(text)}{text.heading}\n\n{text.body.strip()}".rstrip() for text in texts]
    return "\n\n".join(parts) + ("\n" if parts else "")


def _section_from_heading(line: str, where: str) -> DraftSection:
    heading = line[3:].strip()
    match = _TAG.match(heading)
    if match is None:
        return DraftSection(type=SectionType.CONTEXT, heading=heading, body="")
    kind, value, heading = match.group(1).lower(), match.group(2).strip(), match.group(3).strip()
    section = DraftSection(type=kind, heading=heading, body="")
    if kind == SectionType.MILESTONE:
        section.horizon = int(value) if value.isdigit() else None  # checked by the service
    elif kind == SectionType.ACTION:
        section.actor = value.lower()
    elif value:
        raise ValidationError(
            f"{where}: " + _("only a milestone or an action takes a word after its type."),
            code="invalid",
        )
    return section


def parse_draft(*, text: str) -> list[DraftSection]:
    """The sections of a Markdown draft: each line starting with ``## `` begins one
    (its heading, after an optional ``[type ...]`` tag), its body is every line up to
    the next such line. ``###`` and deeper headings, and anything in a fenced code
    block, stay in the body. Refused: text before the first heading, no section, more
    than ``MAX_SECTIONS`` sections, more than ``MAX_DRAFT_LENGTH`` characters."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_DRAFT_LENGTH:
        raise ValidationError(
            _("Keep the draft under %(n)d characters.") % {"n": MAX_DRAFT_LENGTH},
            code="too_long",
        )
    sections: list[DraftSection] = []
    lines: list[str] = []
    before: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced and (line.startswith("## ") or line.rstrip() == "##"):
            if sections:
                sections[-1].body = "\n".join(lines).strip()
            where = _("Section %(n)d") % {"n": len(sections) + 1}
            sections.append(_section_from_heading(line, where))
            lines = []
        elif sections:
            lines.append(line)
        else:
            before.append(line)
    if sections:
        sections[-1].body = "\n".join(lines).strip()
    if "".join(before).strip():
        raise ValidationError(
            _("Start with a section heading: a line beginning with “## ”."), code="invalid"
        )
    if not sections:
        raise ValidationError(
            _("Write at least one section: a line beginning with “## ” and its heading."),
            code="empty",
        )
    if len(sections) > MAX_SECTIONS:
        raise ValidationError(
            _("A version has at most %(n)d sections.") % {"n": MAX_SECTIONS}, code="too_many"
        )
    return sections


# --------------------------------------------------------------------------- identity


def _same_heading(heading: str) -> str:
    return " ".join(heading.split()).casefold()


def _same_body(text: SectionText) -> str:
    return text.body.replace("\r\n", "\n").strip()


def _words(text: SectionText | DraftSection) -> list[str]:
    return f"{text.heading} {text.body}".casefold().split()[:2000]  # bounded: stays quick


def continue_sections(*, sections: list[DraftSection], previous: list[SectionText]) -> None:
    """Set each section's ``section`` to the section of ``previous`` (the latest
    version's texts) it continues, by the rules in this module's docstring; an
    unchanged section takes the previous text exactly (so it keeps its translations)."""
    used: set[int] = set()
    for section in sections:
        wanted = _same_heading(section.heading)
        for text in previous:
            if text.section_id not in used and _same_heading(text.heading) == wanted:
                section.section = text.section_id
                used.add(text.section_id)
                break
    for section in sections:
        if section.section is not None:
            continue
        words = _words(section)
        best, best_ratio = None, SIMILAR
        for text in previous:
            if text.section_id in used:
                continue
            if section.body and _same_body(text) == section.body:
                best, best_ratio = text, 1.0  # a heading reworded, the text kept
                break
            matcher = difflib.SequenceMatcher(a=_words(text), b=words, autojunk=False)
            if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio >= best_ratio:
                best, best_ratio = text, ratio
        if best is not None:
            section.section = best.section_id
            used.add(best.section_id)
    by_section = {text.section_id: text for text in previous}
    for section in sections:
        text = by_section.get(section.section)
        if text is None:
            continue
        # Exactly as it was, so it keeps its translations (the page sends \r\n).
        if _same_body(text) == section.body:
            section.body = text.body
        if " ".join(text.heading.split()) == section.heading:
            section.heading = text.heading


@dataclass(frozen=True)
class Published:
    version: Version
    continued: int  # sections that continue one of the previous version
    new: int
    left_out: int  # sections of the previous version not in this one


def publish_markdown(
    *,
    consultation: Consultation,
    by: AbstractBaseUser,
    title: str,
    text: str,
    change_note: str = "",
) -> Published:
    """A new version from one Markdown text (``parse_draft``), each section continuing
    the one of the latest version it matches (``continue_sections``), through
    ``services.publish_version`` (which checks who may and what a section holds)."""
    sections = parse_draft(text=text)
    previous = latest_version(consultation)
    before = version_sections(previous) if previous is not None else []
    continue_sections(sections=sections, previous=before)
    version = services.publish_version(
        consultation=consultation,
        by=by,
        title=title,
        change_note=change_note,
        sections=[section.as_dict() for section in sections],
    )
    continued = sum(1 for section in sections if section.section is not None)
    return Published(
        version=version,
        continued=continued,
        new=len(sections) - continued,
        left_out=len(before) - continued,
    )


# --------------------------------------------------------------------------- consultations


def aware(value: dt.datetime, zone: str) -> dt.datetime:
    """A wall-clock time typed in ``zone`` (a datetime-local input) as an aware time."""
    return timezone.make_aware(value, zoneinfo.ZoneInfo(zone))


def create_from_page(
    *,
    process: Process,
    by: AbstractBaseUser,
    title: str,
    slug: str,
    summary: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    time_zone: str,
    is_public: bool,
    language: str,
) -> Consultation:
    """``services.create_consultation`` with the page's wall-clock times (in
    ``time_zone``) and a clear refusal when the process has a consultation at that
    address already."""
    if known_zone(time_zone) is None:
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    taken = _("This process has a consultation at this address already: choose another.")
    if Consultation.objects.filter(process=process, slug=slug).exists():
        raise ValidationError({"slug": ValidationError(taken, code="taken")})
    try:
        with transaction.atomic():
            return services.create_consultation(
                process=process,
                by=by,
                title=title,
                slug=slug,
                summary=summary,
                opens_at=aware(opens_at, time_zone),
                closes_at=aware(closes_at, time_zone),
                time_zone=time_zone,
                is_public=is_public,
                language=language,
            )
    except IntegrityError as exc:  # made at the same moment by someone else
        raise ValidationError({"slug": ValidationError(taken, code="taken")}) from exc


# --------------------------------------------------------------------------- rounds


# --------------------------------------------------------------------------- the page


NEXT_STATUS_LABELS = {
    (Consultation.Status.DRAFT, Consultation.Status.OPEN): "open",
    (Consultation.Status.OPEN, Consultation.Status.CLOSED): "close",
    (Consultation.Status.CLOSED, Consultation.Status.OPEN): "reopen",
    (Consultation.Status.CLOSED, Consultation.Status.PUBLISHED): "publish",
}


def next_statuses(*, consultation: Consultation) -> list[dict[str, str]]:
    """The statuses the consultation may go to next (``services.STATUS_FLOW``), each
    with the words of its button and a note on what it does."""
    words = {
        "open": (_("Open for comments"), _("Readers can comment between its dates.")),
        "close": (_("Close"), _("No more comments; you can reopen it.")),
        "reopen": (_("Reopen for comments"), _("Comments are taken again.")),
        "publish": (
            _("Publish the outcome"),
            _("Final: no new version, comments or rounds after this."),
        ),
    }
    found = []
    order = list(Consultation.Status.values)
    for status in sorted(
        services.STATUS_FLOW.get(consultation.status, set()), key=lambda s: order.index(s)
    ):
        label, note = words[NEXT_STATUS_LABELS[(consultation.status, status)]]
        found.append({"value": status, "label": label, "note": note})
    return found


def manage_overview(*, consultation: Consultation) -> dict[str, Any]:
    """What the manage page shows, in three queries whatever the number of versions and
    rounds: the versions (newest first, with their number of sections) and the rounds
    (newest first, with their version, answers and the people who gave them)."""
    versions = list(
        Version.objects.filter(consultation=consultation)
        .annotate(section_count=Count("texts"))
        .order_by("-number")
    )
    rounds = list(
        ValidationRound.objects.filter(consultation=consultation)
        .select_related("version")
        .annotate(
            answer_count=Count("answers"),
            people_count=Count("answers__user", distinct=True),
        )
        .order_by("-opened_at", "-id")
    )
    running = next((r for r in rounds if r.is_open), None)
    return {
        "versions": versions,
        "latest": versions[0] if versions else None,
        "rounds": rounds,
        "running": running,
        "may_open_round": running is None
        and bool(versions)
        and consultation.status == Consultation.Status.OPEN,
        "next_statuses": next_statuses(consultation=consultation),
        "final": consultation.status == Consultation.Status.PUBLISHED,
    }
