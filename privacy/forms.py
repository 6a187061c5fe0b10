"""Thin forms for correcting and erasing one's data; the rules are in privacy.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from people.vocabularies import Gender, Sector, StakeholderGroup


def _country_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=lambda: [("", _("Not stated")), *countries],
        error_messages={"invalid_choice": _("Unknown country: %(value)s.")},
    )


class ProfileCorrectionForm(forms.Form):
    """The consultation profile: the name others see and the stakeholder profile."""

    display_name = forms.CharField(label=_("Display name"), max_length=60)
    organisation = forms.CharField(label=_("Organisation"), max_length=120, required=False)
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"), choices=StakeholderGroup.choices, required=False
    )
    country = _country_field()
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, required=False)
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=[("", _("The language my browser asks for")), *settings.LANGUAGES],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "profile")
        super().__init__(*args, **kwargs)


class PersonCorrectionForm(forms.Form):
    """The directory record's own fields a person may correct."""

    name = forms.CharField(label=_("Name"), max_length=120)
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"), choices=StakeholderGroup.choices, required=False
    )
    country = _country_field()
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "person")
        super().__init__(*args, **kwargs)


class EraseForm(forms.Form):
    """Confirm by typing one's username (and the password, when the account has one)."""

    username = forms.CharField(label=_("Type your username to confirm"), max_length=150)
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput, required=False, strip=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"].required = True
            self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        else:
            del self.fields["password"]

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if value != self.user.get_username():
            raise forms.ValidationError(
                _("This is not your username. Type it exactly as shown."), code="mismatch"
            )
        return value

    def clean_password(self) -> str:
        value = self.cleaned_data.get("password", "")
        if not self.user.check_password(value):
            raise forms.ValidationError(_("This password is not right."), code="wrong_password")
        return value
