"""The stakeholder directory: organisations, people, their addresses and affiliations.

A person in the directory may or may not have an account; an account is linked only
through an email address it has verified, never by name (``services.link_account``).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .vocabularies import Gender, Region, Sector, StakeholderGroup, ValueChainStage


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=32, choices=StakeholderGroup.choices, blank=True
    )
    country = CountryField(_("country"), blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    value_chain_stage = models.CharField(
        _("value-chain stage"), max_length=16, choices=ValueChainStage.choices, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    networks = models.JSONField(_("networks it belongs to"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "country", name="organisation_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """An expertise tag (free vocabulary, kept once, lower case)."""

    name = models.CharField(_("tag"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    class Basis(models.TextChoices):
        CONSENT = "consent", _("Consented")
        LISTED = "listed", _("Listed by an organiser")

    name = models.CharField(_("name"), max_length=120)
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=32, choices=StakeholderGroup.choices, blank=True
    )
    country = CountryField(_("country"), blank=True)
    # Derived from the country by the services (people.vocabularies.region_of); stored
    # so that audiences and representation filter and count by it in the database.
    region = models.CharField(_("region"), max_length=24, choices=Region.choices, blank=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people")
    source = models.CharField(_("source (how we know them)"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_person",
    )
    influence = models.PositiveSmallIntegerField(_("influence"), null=True, blank=True)
    interest = models.PositiveSmallIntegerField(_("interest"), null=True, blank=True)
    basis = models.CharField(_("basis"), max_length=16, choices=Basis.choices)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    consent_text_version = models.CharField(_("consent text version"), max_length=32, blank=True)
    listed_source = models.CharField(_("listed from (named source)"), max_length=200, blank=True)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    do_not_contact_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = _("people")
        permissions = [("manage_directory", "Can see and manage the stakeholder directory")]
        indexes = [models.Index(fields=["stakeholder_group", "region"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(basis="consent", consented_at__isnull=False)
                    & ~models.Q(consent_text_version="")
                )
                | (models.Q(basis="listed") & ~models.Q(listed_source="")),
                name="person_has_a_basis",
            ),
            models.CheckConstraint(
                condition=models.Q(influence__isnull=True)
                | models.Q(influence__gte=1, influence__lte=5),
                name="influence_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(interest__isnull=True)
                | models.Q(interest__gte=1, interest__lte=5),
                name="interest_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PersonEmail(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(_("email"), max_length=254)
    is_primary = models.BooleanField(default=False)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            # Stored lower case by the services; one person per address.
            models.UniqueConstraint(fields=["email"], name="email_belongs_to_one_person"),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(is_primary=True),
                name="one_primary_email_per_person",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Affiliation(models.Model):
    """A person's place in an organisation; a delegate speaks for it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(_("role"), max_length=120, blank=True)
    is_delegate = models.BooleanField(_("delegate who speaks for it"), default=False)

    class Meta:
        ordering = ["organisation__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"], name="one_affiliation_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.organisation}"


class AnalysisChange(models.Model):
    """One change of a person's place on the influence/interest grid (its history)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="analysis_history")
    influence = models.PositiveSmallIntegerField(null=True)
    interest = models.PositiveSmallIntegerField(null=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id}: influence {self.influence}, interest {self.interest}"


class ExportLog(models.Model):
    """Who exported which personal data, and when (visible to the organisers)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    what = models.CharField(max_length=200)
    rows = models.PositiveIntegerField(default=0)
    scope = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.what


class ImportBatch(models.Model):
    """An uploaded spreadsheet waiting for the organiser's confirmation. Nothing of it is
    in the directory until it is applied, and then all of it at once
    (``people.imports``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        APPLIED = "applied", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(max_length=200)
    listed_source = models.CharField(_("source of the list"), max_length=200)
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename
