"""Forms of the directory's organiser pages. They check the input; the services make
the change (and check their own rules again, whoever calls)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Organisation, Person, PersonEmail
from .selectors import QUADRANTS, PeopleFilter
from .vocabularies import Gender, Region, Sector, StakeholderGroup, ValueChainStage

NOT_STATED = _("Not stated")
GRID_VALUES = [(str(i), str(i)) for i in range(1, 6)]


def _stated(choices, empty_label) -> list[tuple[str, str]]:
    """A vocabulary's choices with its empty value relabelled (``Any`` in filters)."""
    return [("", empty_label), *((v, label) for v, label in choices if v)]


def _country_choices(empty_label):
    return [("", empty_label), *countries]


def split_list(text: str) -> list[str]:
    """Comma-, semicolon- or line-separated text as a list without blanks or repeats."""
    parts = (p.strip() for p in re.split(r"[,;\n]", text or ""))
    return list(dict.fromkeys(p for p in parts if p))


def _country_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: _country_choices(_("Not stated")),
        error_messages={"invalid_choice": _("Unknown country: %(value)s.")},
        **kwargs,
    )


def _choice(label, choices, empty_label=NOT_STATED, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=_stated(choices, empty_label),
        error_messages={"invalid_choice": _("%(value)s is not one of the choices.")},
        **kwargs,
    )


# --------------------------------------------------------------------------- filters


class DirectoryFilterForm(forms.Form):
    """The directory's filters, read from the query string (every one optional)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Name, address or organisation"))  # fmt: skip
    group = _choice(_("Stakeholder group"), StakeholderGroup.choices, _("Any"))
    region = _choice(_("Region"), Region.choices, _("Any"))
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: _country_choices(_("Any")),
        error_messages={"invalid_choice": _("Unknown country: %(value)s.")},
    )
    sector = _choice(_("Sector"), Sector.choices, _("Any"))
    stage = _choice(_("Value-chain stage"), ValueChainStage.choices, _("Any"))
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    quadrant = forms.ChoiceField(
        label=_("Grid quadrant"),
        required=False,
        choices=[("", _("Any")), *((k, v[0]) for k, v in QUADRANTS.items())],
        error_messages={"invalid_choice": _("%(value)s is not one of the choices.")},
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("No such organisation in the directory.")},
    )
    contactable = forms.BooleanField(label=_("Contactable only"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            ("", _("Any")),
            *((str(pk), name) for pk, name in Organisation.objects.values_list("pk", "name")),
        ]

    def people_filter(self) -> PeopleFilter:
        data = self.cleaned_data
        return PeopleFilter(
            query=data["q"].strip(),
            stakeholder_group=data["group"],
            region=data["region"],
            country=data["country"],
            sector=data["sector"],
            value_chain_stage=data["stage"],
            tag=data["tag"].strip(),
            quadrant=data["quadrant"],
            organisation=data["organisation"],
            contactable_only=data["contactable"],
        )

    def summary(self) -> str:
        """The filters in use, as ``name=value`` pairs (for the export log)."""
        used = [
            f"{name}={value}"
            for name, value in self.cleaned_data.items()
            if value not in ("", None, False)
        ]
        return ", ".join(used) or "all"


# --------------------------------------------------------------------------- people


class ProfileFields(forms.Form):
    """What organisers say about a person, on creating and on editing."""

    name = forms.CharField(label=_("Name"), max_length=120,
                           error_messages={"required": _("A person needs a name.")})  # fmt: skip
    stakeholder_group = _choice(_("Stakeholder group"), StakeholderGroup.choices)
    country = _country_field()
    sector = _choice(_("Sector"), Sector.choices)
    gender = _choice(_("Gender"), Gender.choices, _("Prefer not to say"))
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=300,
        help_text=_("Separated by commas, e.g. en, fr, sw"),
    )
    tags = forms.CharField(
        label=_("Expertise tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas"),
    )
    source = forms.CharField(label=_("Source (how we know them)"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("A person needs a name."))
        return name

    def clean_languages(self) -> list[str]:
        languages = split_list(self.cleaned_data["languages"])
        for language in languages:
            if len(language) > 40:
                raise ValidationError(_("Keep each language under 40 characters."))
        return languages

    def clean_tags(self) -> list[str]:
        tags = split_list(self.cleaned_data["tags"])
        for tag in tags:
            if len(tag) > 60:
                raise ValidationError(_("Keep each tag under 60 characters."))
        return tags


def _check_addresses(addresses: list[str], *, person: Person | None = None) -> list[str]:
    cleaned = []
    for address in addresses:
        address = address.lower()
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("%(email)s is not a valid email address."), params={"email": address}
            ) from None
        cleaned.append(address)
    taken = PersonEmail.objects.filter(email__in=cleaned)
    if person is not None:
        taken = taken.exclude(person=person)
    first = taken.values_list("email", flat=True).first()
    if first:
        raise ValidationError(
            _("%(email)s already belongs to someone in the directory."), params={"email": first}
        )
    return list(dict.fromkeys(cleaned))


class PersonCreateForm(ProfileFields):
    field_order = ["name", "emails", "basis", "consented_on", "consent_text_version",
                   "listed_source"]  # fmt: skip

    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; the first is the primary address."),
    )
    basis = forms.ChoiceField(
        label=_("Basis"),
        choices=Person.Basis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say why we hold this record: consent or a listed source.")},
    )
    consented_on = forms.DateField(
        label=_("Consent given on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    consent_text_version = forms.CharField(
        label=_("Version of the consent text"), required=False, max_length=32
    )
    listed_source = forms.CharField(
        label=_("Listed from (named source)"),
        required=False,
        max_length=200,
        help_text=_("E.g. the public member list of an association, with its address"),
    )

    def profile_fields(self):
        """The fields after the name, the addresses and the basis."""
        return [self[name] for name in ProfileFields.base_fields if name != "name"]

    def clean_emails(self) -> list[str]:
        return _check_addresses(split_list(self.cleaned_data["emails"]))

    def clean(self):
        data = super().clean()
        basis = data.get("basis")
        if basis == Person.Basis.CONSENT:
            if not data.get("consented_on") and "consented_on" not in self.errors:
                self.add_error("consented_on", _("A consented record needs the date of consent."))
            elif data.get("consented_on") and data["consented_on"] > timezone.localdate():
                self.add_error("consented_on", _("The date of consent cannot be in the future."))
            if not data.get("consent_text_version", "").strip():
                self.add_error(
                    "consent_text_version",
                    _("A consented record needs the version of the text they agreed to."),
                )
        elif basis == Person.Basis.LISTED and not data.get("listed_source", "").strip():
            self.add_error(
                "listed_source", _("A listed record needs the source it was listed from.")
            )
        return data

    def consented_at(self):
        """The day of consent as the start of that day, in the site's time zone."""
        day = self.cleaned_data.get("consented_on")
        if self.cleaned_data.get("basis") != Person.Basis.CONSENT or day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class PersonEditForm(ProfileFields):
    @classmethod
    def for_person(cls, person: Person) -> PersonEditForm:
        return cls(
            initial={
                "name": person.name,
                "stakeholder_group": person.stakeholder_group,
                "country": person.country.code or "",
                "sector": person.sector,
                "gender": person.gender,
                "languages": ", ".join(person.languages or []),
                "tags": ", ".join(t.name for t in person.tags.all()),
                "source": person.source,
                "notes": person.notes,
            }
        )


class EmailForm(forms.Form):
    email = forms.CharField(label=_("Add an email address"), max_length=254)

    def __init__(self, *args, person: Person, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_email(self) -> str:
        return _check_addresses([self.cleaned_data["email"].strip()], person=self.person)[0]


class AffiliationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        error_messages={
            "required": _("Choose an organisation."),
            "invalid_choice": _("No such organisation in the directory."),
        },
    )
    role = forms.CharField(label=_("Role"), required=False, max_length=120)
    is_delegate = forms.BooleanField(label=_("Delegate who speaks for it"), required=False)


class AnalysisForm(forms.Form):
    """A place on the influence/interest grid: both values 1 to 5, or neither."""

    influence = forms.TypedChoiceField(
        label=_("Influence"),
        required=False,
        choices=[("", _("Not placed")), *GRID_VALUES],
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Influence must be 1 to 5.")},
    )
    interest = forms.TypedChoiceField(
        label=_("Interest"),
        required=False,
        choices=[("", _("Not placed")), *GRID_VALUES],
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Interest must be 1 to 5.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def clean(self):
        data = super().clean()
        if not self.errors and (data.get("influence") is None) != (data.get("interest") is None):
            raise ValidationError(_("Give both influence and interest, or neither."))
        return data


class MergeForm(forms.Form):
    other = forms.IntegerField(
        label=_("The other person's id"),
        min_value=1,
        error_messages={"required": _("Choose the other person."),
                        "invalid": _("An id is a whole number.")},
    )  # fmt: skip
    keep = forms.IntegerField(required=False, min_value=1)


# --------------------------------------------------------------------------- organisations


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("An organisation needs a name.")},
    )
    stakeholder_group = _choice(_("Stakeholder group"), StakeholderGroup.choices)
    country = _country_field()
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        required=False,
        choices=[(v, label) for v, label in Sector.choices if v],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown sector: %(value)s.")},
    )
    value_chain_stage = _choice(_("Value-chain stage"), ValueChainStage.choices)
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Enter the website's full address, e.g. https://example.org")},
    )
    networks = forms.CharField(
        label=_("Networks it belongs to"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas"),
    )

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs) -> None:
        self.organisation = organisation
        if organisation is not None and not args and "data" not in kwargs:
            kwargs.setdefault(
                "initial",
                {
                    "name": organisation.name,
                    "stakeholder_group": organisation.stakeholder_group,
                    "country": organisation.country.code or "",
                    "sectors": organisation.sectors,
                    "value_chain_stage": organisation.value_chain_stage,
                    "website": organisation.website,
                    "networks": ", ".join(organisation.networks or []),
                },
            )
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("An organisation needs a name."))
        return name

    def clean_networks(self) -> list[str]:
        networks = split_list(self.cleaned_data["networks"].replace("\n", ","))
        for network in networks:
            if len(network) > 200:
                raise ValidationError(_("Keep each network under 200 characters."))
        return networks

    def clean(self):
        data = super().clean()
        name, country = data.get("name"), data.get("country")
        if name and country is not None:
            twins = Organisation.objects.filter(name__iexact=name, country=country)
            if self.organisation is not None:
                twins = twins.exclude(pk=self.organisation.pk)
            if twins.exists():
                self.add_error(
                    "name",
                    _("%(name)s is already in the directory for this country.") % {"name": name},
                )
        return data
