"""The stakeholder profile a participant declares when joining a live session (with the
code, or from a personal invitation link that fills it from the directory)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from people.vocabularies import Gender, Sector, StakeholderGroup


def country_choices() -> list[tuple[str, str]]:
    return [("", _("Prefer not to say")), *countries]


class ParticipantProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name as others see it"),
        max_length=60,
        required=False,
        help_text=_("Leave empty to stay anonymous to the other participants."),
    )
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"), choices=StakeholderGroup.choices, required=False
    )
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, required=False)
    gender = forms.ChoiceField(label=_("Gender (optional)"), choices=Gender.choices, required=False)
    organisation = forms.CharField(
        label=_("Organisation (optional)"), max_length=120, required=False
    )
