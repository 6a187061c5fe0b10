"""Forms of the managers' pages and the proposal pages. They only shape what was typed
(lists, links one per line); the services check everything and their messages are put
back on the fields (``add_service_errors``)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from people.models import Organisation
from people.vocabularies import Region, Sector, ValueChainStage

from .models import MAX_LINKS, MAX_NAME, MAX_NOTE, MAX_SUMMARY, Case, CaseLink, ImpactArea
from .services import Decision
from .vocabularies import CaseType, Maturity, Mineral

EMPTY = [("", _("Choose…"))]
CASE_KEYS = ("name", "summary", "case_type", "maturity", "good_practice", "transfer",
             "sectors", "minerals", "stages", "regions", "countries")  # fmt: skip


def _known(choices) -> list[tuple[str, str]]:
    return [(value, label) for value, label in choices.choices if value]


def _links_text(case: Case, kind: str) -> str:
    return "\n".join(
        f"{link.url} {link.title}".strip() for link in case.links.all() if link.kind == kind
    )


MAX_ORGANISATION_LINES = 50
_COUNTRY_SUFFIX = re.compile(r"^(?P<name>.+?)\s*\((?P<country>[A-Za-z]{2})\)$")


def _shared_names(case: Case) -> set[str]:
    """The lower-cased names of this case's organisations that more than one
    organisation of the directory has."""
    names = {o.name.lower() for o in case.organisations.all()}
    return set(
        Organisation.objects.annotate(lower=Lower("name"))
        .filter(lower__in=names)
        .values("lower")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("lower", flat=True)
    )


def _named(organisation: Organisation, ambiguous: set[str]) -> str:
    if organisation.name.lower() in ambiguous and organisation.country:
        return f"{organisation.name} ({organisation.country.code})"
    return organisation.name


def organisations_named(text: str) -> tuple[list[int], list[str]]:
    """The directory's organisations named one per line (``Name`` or ``Name (CC)``), as
    ids, and a message per line that names none or several."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    lines = list(dict.fromkeys(line for line in lines if line))
    if len(lines) > MAX_ORGANISATION_LINES:
        return [], [_("Name at most %(n)d organisations.") % {"n": MAX_ORGANISATION_LINES}]
    found: list[int] = []
    errors: list[str] = []
    for line in lines:
        match = _COUNTRY_SUFFIX.match(line)
        candidates = Organisation.objects.filter(name__iexact=line)
        if match and not candidates.exists():
            candidates = Organisation.objects.filter(
                name__iexact=match["name"], country=match["country"].upper()
            )
        ids = list(candidates.values_list("pk", flat=True)[:2])
        if not ids:
            errors.append(_("“%(name)s” is not in the stakeholder directory.") % {"name": line})
        elif len(ids) > 1:
            errors.append(
                _("Several organisations are called “%(name)s”: add the country code, "
                  "as in “%(name)s (DE)”.") % {"name": line}
            )  # fmt: skip
        else:
            found.append(ids[0])
    return found, errors


def _parse_links(text: str, kind: str) -> list[dict[str, str]]:
    links = []
    for line in (text or "").splitlines():
        parts = line.strip().split(None, 1)
        if parts:
            links.append({"url": parts[0], "title": parts[1] if len(parts) > 1 else "",
                          "kind": kind})  # fmt: skip
    return links


class CaseForm(forms.Form):
    """A case's fields; ``with_status`` adds the status (managers only)."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": MAX_NAME, "autocomplete": "off"}),
    )
    summary = forms.CharField(
        label=_("Short description"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_SUMMARY}),
        help_text=_("Plain text, up to %(n)d characters.") % {"n": MAX_SUMMARY},
    )
    case_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=EMPTY + list(CaseType.choices)
    )
    maturity = forms.ChoiceField(
        label=_("Maturity"), required=False, choices=EMPTY + list(Maturity.choices)
    )
    good_practice = forms.CharField(
        label=_("Good-practice aspects"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: no HTML."),
    )
    transfer = forms.CharField(
        label=_("Suggestions for transferring it to other organisations"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: no HTML."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        required=False,
        choices=_known(Sector),
        widget=forms.CheckboxSelectMultiple,
    )
    minerals = forms.MultipleChoiceField(
        label=_("Minerals"),
        required=False,
        choices=list(Mineral.choices),
        widget=forms.CheckboxSelectMultiple,
    )
    stages = forms.MultipleChoiceField(
        label=_("Value-chain stages"),
        required=False,
        choices=_known(ValueChainStage),
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions"),
        required=False,
        choices=_known(Region),
        widget=forms.CheckboxSelectMultiple,
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        required=False,
        choices=list(countries),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose more than one."),
    )
    organisations = forms.CharField(
        label=_("Organisations involved"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, named as in the stakeholder directory. Where several "
            "organisations have that name, add the country code: “Refiners Alliance (DE)”."
        ),
    )

    def clean_organisations(self) -> list[int]:
        found, errors = organisations_named(self.cleaned_data.get("organisations", ""))
        if errors:
            raise ValidationError(errors)
        return found

    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: the full address (https://…), then optionally a title. "
            "At most %(n)d links and sources together."
        )
        % {"n": MAX_LINKS},
    )
    sources = forms.CharField(
        label=_("Sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The sources the text relies on, written as the links."),
    )

    def __init__(self, *args, with_status: bool = False, with_note: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_status:
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"), choices=Case.Status.choices, initial=Case.Status.ACCEPTED
            )
        if with_note:
            self.fields["note"] = forms.CharField(
                label=_("What changed (for the list of versions)"),
                required=False,
                widget=forms.TextInput(attrs={"maxlength": 300}),
            )

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        ambiguous = _shared_names(case)
        return {
            "name": case.name,
            "summary": case.summary,
            "case_type": case.case_type,
            "maturity": case.maturity,
            "good_practice": case.good_practice,
            "transfer": case.transfer,
            "sectors": case.sectors,
            "minerals": case.minerals,
            "stages": case.stages,
            "regions": case.regions,
            "countries": case.countries,
            "organisations": "\n".join(_named(o, ambiguous) for o in case.organisations.all()),
            "links": _links_text(case, CaseLink.Kind.LINK),
            "sources": _links_text(case, CaseLink.Kind.SOURCE),
            "status": case.status,
        }

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {key: data.get(key) for key in CASE_KEYS}
        result["organisations"] = data.get("organisations") or []
        result["links"] = _parse_links(data.get("links", ""), CaseLink.Kind.LINK) + _parse_links(
            data.get("sources", ""), CaseLink.Kind.SOURCE
        )
        if "status" in self.fields:
            result["status"] = data.get("status")
        return result

    def text_fields(self):
        return [self[name] for name in ("name", "summary", "case_type", "maturity")]

    def long_fields(self):
        return [self[name] for name in ("good_practice", "transfer")]

    def list_fields(self):
        return [self[name] for name in ("sectors", "minerals", "stages", "regions")]

    def link_fields(self):
        return [self[name] for name in ("countries", "organisations", "links", "sources")]


class MappingForm(forms.Form):
    """One checkbox and note per impact issue, grouped by area."""

    def __init__(self, *args, areas: list[ImpactArea], mapped: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = areas
        for area in areas:
            for issue in area.issues.all():
                self.fields[f"issue-{issue.pk}"] = forms.BooleanField(
                    label=issue.title, required=False, initial=issue.pk in mapped
                )
                self.fields[f"note-{issue.pk}"] = forms.CharField(
                    label=_("How (optional)"),
                    required=False,
                    initial=mapped.get(issue.pk, ""),
                    widget=forms.TextInput(attrs={"maxlength": MAX_NOTE}),
                )

    def groups(self):
        return [
            (
                area,
                [
                    (issue, self[f"issue-{issue.pk}"], self[f"note-{issue.pk}"])
                    for issue in area.issues.all()
                ],
            )
            for area in self.areas
        ]

    def mappings(self) -> dict[int, str]:
        data = self.cleaned_data
        return {
            int(name.removeprefix("issue-")): data.get("note-" + name.removeprefix("issue-"), "")
            for name, value in data.items()
            if name.startswith("issue-") and value
        }


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[
            (Decision.ACCEPT, _("Accept: publish it")),
            (Decision.REQUEST_CHANGES, _("Ask the proposer for changes")),
            (Decision.DECLINE, _("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the proposer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        help_text=_("Required when asking for changes or declining; the proposer gets it by mail."),
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All cases")), *Case.Status.choices],
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (else on the whole form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        form.add_error(None, error)
