"""Roadmaps: a consultation's final version published as structured, linkable items (its
vision, milestones by horizon, actions per actor group, context), each citing the
accepted cases and showing the evidence behind it (docs/knowledge.md).

Services (``publish_roadmap``, ``cite_case``, ``uncite``) are for the organisers of the
consultation's process; the selectors read what the public pages and the API show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.models import (
    Consultation,
    Evidence,
    Process,
    Section,
    SectionText,
    SectionType,
    ValidationRound,
    Verdict,
    Version,
)
from consult.selectors import is_organiser, readable_consultations, round_results
from people.text import storable_text
from people.vocabularies import StakeholderGroup

from .models import MAX_NOTE, Case, Roadmap, RoadmapCitation
from .selectors import public_cases
from .vocabularies import Horizon

User = AbstractBaseUser | AnonymousUser

PUBLISHABLE = (Consultation.Status.CLOSED, Consultation.Status.PUBLISHED)

# The actor groups of a consultation's actions (consult.services.ACTORS), in the order a
# roadmap shows them, with their names.
ACTOR_LABELS = {
    "policy": StakeholderGroup.POLICY.label,
    "industry": gettext_lazy("Industry"),
    "civil_society": StakeholderGroup.CIVIL_SOCIETY.label,
}


def _require_organiser(user: User, process: Process) -> None:
    if not is_organiser(user, process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))


# --------------------------------------------------------------------------- services


def _free_slug(consultation: Consultation) -> str:
    base = slugify(f"{consultation.process.slug}-{consultation.slug}")[:110].strip("-")
    base = base or "roadmap"
    slug, n = base, 1
    while Roadmap.objects.filter(slug=slug).exclude(consultation=consultation).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def publish_roadmap(
    *, consultation: Consultation, version: Version, by: AbstractBaseUser
) -> Roadmap:
    """Publish ``version`` of a closed (or published) consultation as its roadmap, or
    move its roadmap to ``version``: citations of items no longer in it are dropped, the
    others kept."""
    _require_organiser(by, consultation.process)
    if consultation.status not in PUBLISHABLE:
        raise ValidationError(
            _(
                "Only a closed consultation (or one whose outcome is published) can be "
                "published as a roadmap; close it first."
            ),
            code="not_closed",
        )
    if version.consultation_id != consultation.pk:
        raise ValidationError(
            {"version": _("That version belongs to another consultation.")}, code="invalid"
        )
    with transaction.atomic():
        roadmap = Roadmap.objects.select_for_update().filter(consultation=consultation).first()
        now = timezone.now()
        if roadmap is None:
            return Roadmap.objects.create(
                consultation=consultation,
                version=version,
                slug=_free_slug(consultation),
                title=consultation.title,
                published_at=now,
                published_by=by,
            )
        kept = SectionText.objects.filter(version=version).values("section_id")
        roadmap.citations.exclude(section_id__in=kept).delete()
        roadmap.version = version
        roadmap.title = consultation.title
        roadmap.published_at = now
        roadmap.published_by = by
        roadmap.save(update_fields=["version", "title", "published_at", "published_by"])
    return roadmap


def cite_case(
    *, roadmap: Roadmap, section: Section, case: Case, note: str = "", by: AbstractBaseUser
) -> RoadmapCitation:
    """An item of the roadmap cites an accepted case (citing it again changes the note)."""
    _require_organiser(by, roadmap.consultation.process)
    if not SectionText.objects.filter(version_id=roadmap.version_id, section=section).exists():
        raise ValidationError(
            {"section": _("That item is not in the roadmap's published version.")},
            code="invalid",
        )
    if case.status != Case.Status.ACCEPTED:
        raise ValidationError({"case": _("Only an accepted case can be cited.")}, code="invalid")
    note = " ".join(str(note or "").split())
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("Keep it under %(n)d characters.") % {"n": MAX_NOTE}})
    if not storable_text(note):
        raise ValidationError({"note": _("Null characters are not allowed.")})
    citation, _created = RoadmapCitation.objects.update_or_create(
        roadmap=roadmap, section=section, case=case, defaults={"note": note}
    )
    return citation


def uncite(*, citation: RoadmapCitation, by: AbstractBaseUser) -> None:
    """Remove a citation from the roadmap."""
    _require_organiser(by, citation.roadmap.consultation.process)
    citation.delete()


# --------------------------------------------------------------------------- selectors


def published_roadmaps() -> QuerySet[Roadmap]:
    """Every published roadmap, newest first, with its consultation and process."""
    return Roadmap.objects.select_related("consultation__process", "version").order_by(
        "-published_at", "-id"
    )


def roadmap_by_slug(slug: str) -> Roadmap | None:
    return published_roadmaps().filter(slug=slug).first()


def organised_roadmap(*, slug: str, user: User) -> Roadmap | None:
    """The roadmap ``slug`` if ``user`` organises its process (None if there is none;
    PermissionDenied if it is someone else's)."""
    roadmap = roadmap_by_slug(slug)
    if roadmap is not None:
        _require_organiser(user, roadmap.consultation.process)
    return roadmap


def citable_cases() -> QuerySet[Case]:
    """The cases an item may cite: the accepted ones, by name (a select lists them so
    typing a name's first letters finds it)."""
    return public_cases().only("pk", "slug", "name", "language").order_by("name", "id")


@dataclass
class Item:
    """One item of a roadmap: a section as its version reads, with what backs it."""

    text: SectionText
    citations: list[RoadmapCitation] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # The latest closed validation round on the section: its title and the overall
    # counts and shares per verdict (``round_results``), or None.
    validation: dict[str, Any] | None = None

    @property
    def section_id(self) -> int:
        return self.text.section_id

    @property
    def anchor(self) -> str:
        return f"item-{self.text.section_id}"

    @property
    def actor_label(self) -> str:
        return actor_label(self.text.actor) if self.text.actor else ""

    @property
    def evidence_links(self) -> list[tuple[Evidence, str]]:
        """Each evidence with its link if it is one of ours or a web address."""
        return [(item, safe_link(item.url)) for item in self.evidence]


def safe_link(url: str) -> str:
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if url.startswith(("https://", "http://")) else ""


def _validations(consultation: Consultation) -> dict[int, dict[str, Any]]:
    """Per section: the outcome of the latest closed round whose version holds it."""
    rounds = ValidationRound.objects.filter(consultation=consultation).exclude(closed_at=None)
    out: dict[int, dict[str, Any]] = {}
    for round_ in rounds.select_related("version").order_by("-closed_at", "-id"):
        for row in round_results(round_):
            if row["section"] in out:
                continue
            out[row["section"]] = {
                "round": round_.title,
                "closed_at": round_.closed_at,
                "total": row["total"],
                "shares": row["shares"],
                "verdicts": [
                    (label, row["counts"].get(value, 0), row["shares"].get(value, 0.0))
                    for value, label in Verdict.choices
                ],
            }
    return out


def roadmap_items(roadmap: Roadmap) -> list[Item]:
    """The items of the roadmap in their order, each with its citations (accepted cases
    only), the evidence attached to its section and its validation outcome."""
    texts = list(SectionText.objects.filter(version_id=roadmap.version_id).order_by("position"))
    citations: dict[int, list[RoadmapCitation]] = defaultdict(list)
    for citation in (
        RoadmapCitation.objects.filter(roadmap=roadmap, case__status=Case.Status.ACCEPTED)
        .select_related("case")
        .defer("case__search_vector")
        .order_by("case__name", "id")
    ):
        citations[citation.section_id].append(citation)
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for item in Evidence.objects.filter(section_id__in=[t.section_id for t in texts]):
        evidence[item.section_id].append(item)
    validations = _validations(roadmap.consultation)
    return [
        Item(
            text=text,
            citations=citations[text.section_id],
            evidence=evidence[text.section_id],
            validation=validations.get(text.section_id),
        )
        for text in texts
    ]


def actor_label(actor: str) -> str:
    return str(ACTOR_LABELS.get(actor, actor or _("Everyone")))


def roadmap_structure(items: list[Item]) -> dict[str, Any]:
    """The items grouped as a roadmap reads: the vision(s), milestones by horizon
    (2030, 2040, 2050, then any other), actions by actor group, and context last."""
    visions = [i for i in items if i.text.type == SectionType.VISION]
    contexts = [i for i in items if i.text.type == SectionType.CONTEXT]
    by_horizon: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        if item.text.type == SectionType.MILESTONE:
            by_horizon[item.text.horizon].append(item)
    horizons = [h for h in Horizon.values if h in by_horizon]
    horizons += sorted((h for h in by_horizon if h not in horizons), key=lambda h: h or 0)
    by_actor: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.text.type == SectionType.ACTION:
            by_actor[item.text.actor].append(item)
    actors = [a for a in ACTOR_LABELS if a in by_actor]
    actors += sorted(a for a in by_actor if a not in actors)
    return {
        "visions": visions,
        "milestones": [(h, by_horizon[h]) for h in horizons],
        "actions": [(a, actor_label(a), by_actor[a]) for a in actors],
        "contexts": contexts,
    }


def process_page(*, process: Process, user: User) -> dict[str, Any]:
    """What the public page of a process shows: its roadmaps, the consultations of it
    open now that ``user`` may read, and how many accepted cases it has."""
    return {
        "roadmaps": list(published_roadmaps().filter(consultation__process=process)),
        "consultations": list(
            readable_consultations(user)
            .filter(process=process, status=Consultation.Status.OPEN)
            .order_by("closes_at", "id")
        ),
        "cases": public_cases().filter(process=process).count(),
    }


def public_process(slug: str, *, user: User) -> Process | None:
    """The process ``slug`` if it has a public face for ``user``: a published roadmap or
    a consultation ``user`` may read (not a draft unless they organise it)."""
    readable = readable_consultations(user).values("process_id")
    return (
        Process.objects.filter(slug=slug)
        .annotate(roadmaps=Count("consultations__roadmap"))
        .filter(Q(roadmaps__gt=0) | Q(pk__in=readable))
        .first()
    )
