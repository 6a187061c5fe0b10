"""The knowledge repository: good-practice cases, the impact areas and issues they are
mapped to, the actions still needed on unresolved challenges, and the evidence behind a
case (docs/knowledge.md).

Texts people write are kept in the language they were written in (``language``) with
one column per other interface language (``consult.translations``). A case's texts are
versioned: every change of them writes a ``CaseVersion`` with what they were."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consult.models import Process
from consult.translations import language_field, translations
from people.models import Organisation
from people.vocabularies import StakeholderGroup

from .vocabularies import CaseType, Horizon, Maturity

# Limits of what people write (forms and services check them, docs/knowledge.md).
MAX_NAME = 200
MAX_SUMMARY = 1_000
MAX_TEXT = 20_000
MAX_NOTE = 500
MAX_LINKS = 20


class ImpactArea(models.Model):
    """The first level of the impact vocabulary ("Transparency, traceability and due
    diligence"), kept by the repository's managers."""

    title = models.CharField(_("title"), max_length=200)
    title_in = translations(models.CharField(_("title"), max_length=200))
    language = language_field()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class ImpactIssue(models.Model):
    """An issue of an impact area ("independent third-party audit of supply-chain due
    diligence"): what a case is mapped to."""

    area = models.ForeignKey(ImpactArea, on_delete=models.CASCADE, related_name="issues")
    title = models.CharField(_("title"), max_length=300)
    title_in = translations(models.CharField(_("title"), max_length=300))
    language = language_field()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["area__position", "area_id", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Case(models.Model):
    """A good-practice case: a real initiative, company practice or policy that solved
    (or tries to solve) a sourcing problem. Proposed by a stakeholder or written by the
    repository's managers; public once accepted."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, waiting for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")
        # Its own context: "Declined" is also what an invitee answered (a verb there).
        DECLINED = "declined", pgettext_lazy("case status", "Declined")

    slug = models.SlugField(_("short name in its address"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=MAX_NAME)
    name_in = translations(models.CharField(_("name"), max_length=MAX_NAME))
    summary = models.TextField(_("short description"), max_length=MAX_SUMMARY)
    summary_in = translations(models.TextField(_("short description"), max_length=MAX_SUMMARY))
    good_practice = models.TextField(_("good-practice aspects (Markdown)"), blank=True)
    good_practice_in = translations(models.TextField(_("good-practice aspects (Markdown)")))
    transfer = models.TextField(_("suggestions for transfer (Markdown)"), blank=True)
    transfer_in = translations(models.TextField(_("suggestions for transfer (Markdown)")))
    language = language_field()
    case_type = models.CharField(_("type"), max_length=32, choices=CaseType.choices)
    maturity = models.CharField(_("maturity"), max_length=16, choices=Maturity.choices)
    # Lists of values of people.vocabularies (Sector, ValueChainStage, Region), of
    # knowledge.vocabularies.Mineral, and of ISO 3166 country codes.
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    minerals = models.JSONField(_("minerals"), default=list, blank=True)
    stages = models.JSONField(_("value-chain stages"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="cases", verbose_name=_("organisations involved")
    )
    process = models.ForeignKey(
        Process, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_cases",
    )
    # The reviewers' last word to the proposer (changes asked, or why it was declined).
    review_note = models.TextField(_("note to the proposer"), max_length=2_000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The words of the texts and their translations for full-text search, kept by a
    # PostgreSQL trigger (migration 0002, ``knowledge.search``); null on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        permissions = [("manage_knowledge", "Can manage the knowledge repository")]
        indexes = [models.Index(fields=["status", "case_type"])]

    def __str__(self) -> str:
        return self.name


class CaseLink(models.Model):
    """A link about a case: a web page, or a source its text relies on."""

    class Kind(models.TextChoices):
        LINK = "link", _("Link")
        SOURCE = "source", _("Source")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.LINK)
    url = models.URLField(_("address"), max_length=500)
    title = models.CharField(_("title"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["case", "position", "id"]

    def __str__(self) -> str:
        return self.title or self.url


class CaseVersion(models.Model):
    """What a case's texts were at one version (its name, description, good-practice
    aspects and transfer suggestions, with their translations)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    texts = models.JSONField(default=dict)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="one_case_version_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.number}"


class CaseIssue(models.Model):
    """A case addresses an impact issue (an "x" in the mapping template), with an
    optional note on how."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mappings")
    issue = models.ForeignKey(ImpactIssue, on_delete=models.PROTECT, related_name="mappings")
    note = models.CharField(_("how"), max_length=MAX_NOTE, blank=True)

    class Meta:
        ordering = ["issue__area__position", "issue__position", "issue_id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "issue"], name="one_mapping_per_case_issue")
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} -> issue {self.issue_id}"


class CaseAction(models.Model):
    """An action still needed on an unresolved challenge, for a case or an impact issue
    (or both): who should take it and by when. Written by the managers or promoted from
    a workshop's board note or statement (``source_key`` then names it, once)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    issue = models.ForeignKey(
        ImpactIssue, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    text = models.TextField(_("action"), max_length=2_000)
    text_in = translations(models.TextField(_("action"), max_length=2_000))
    language = language_field()
    actor = models.CharField(
        _("who should act"), max_length=32, choices=StakeholderGroup.choices, blank=True
    )
    horizon = models.PositiveSmallIntegerField(_("horizon"), choices=Horizon.choices)
    source = models.CharField(_("where it comes from"), max_length=300, blank=True)
    source_key = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["horizon", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(issue__isnull=False),
                name="action_of_a_case_or_an_issue",
            ),
            models.UniqueConstraint(
                fields=["source_key"],
                condition=~models.Q(source_key=""),
                name="action_promoted_once",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class CaseEvidence(models.Model):
    """Results behind a case (an expert validation round, a peer-learning session's
    activity), copied as they were when attached, with a link back (as
    ``consult.models.Evidence`` for a consultation section)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("title"), max_length=300)
    origin = models.CharField(_("from"), max_length=300, blank=True)
    url = models.CharField(max_length=500)
    source_key = models.CharField(max_length=100)
    results = models.JSONField(default=list)
    responses = models.PositiveIntegerField(default=0)
    collected_at = models.DateTimeField()
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attached_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "source_key"], name="evidence_once_per_case")
        ]

    def __str__(self) -> str:
        return self.title


class CaseValidation(models.Model):
    """A consultation made to validate a case with experts (``knowledge.evidence``): its
    sections are the case's texts as they were at ``case_version``. Its closed validation
    rounds are the first offered as the case's evidence."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="validations")
    consultation = models.OneToOneField(
        "consult.Consultation", on_delete=models.CASCADE, related_name="case_validation"
    )
    case_version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"case {self.case_id} validated in consultation {self.consultation_id}"


# --------------------------------------------------------------------------- roadmaps


class Roadmap(models.Model):
    """A consultation's final version published as a roadmap: its sections as structured,
    linkable items (``knowledge.roadmaps``), each citing the cases behind it. One per
    consultation; publishing again moves it to another version."""

    consultation = models.OneToOneField(
        "consult.Consultation", on_delete=models.CASCADE, related_name="roadmap"
    )
    version = models.ForeignKey("consult.Version", on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(_("short name in its address"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-published_at", "id"]

    def __str__(self) -> str:
        return self.title


class RoadmapCitation(models.Model):
    """A roadmap's item (a section of its version) cites an accepted case."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="citations")
    section = models.ForeignKey("consult.Section", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="roadmap_citations")
    note = models.CharField(_("why it is cited"), max_length=MAX_NOTE, blank=True)

    class Meta:
        ordering = ["roadmap", "section", "case__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "section", "case"], name="cite_a_case_once_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"roadmap {self.roadmap_id} section {self.section_id} cites case {self.case_id}"
