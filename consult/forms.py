"""The sign-up form's extra fields (allauth's ``ACCOUNT_SIGNUP_FORM_CLASS``)."""

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from people.vocabularies import Sector, StakeholderGroup

from . import services


def _terms_label():
    return format_html(
        _('I accept the <a href="{}">terms of use and privacy notice</a>.'),
        reverse_lazy("consult:terms"),
    )


class SignupForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name as others see it"),
        max_length=60,
        help_text=_("Shown with your comments."),
    )
    organisation = forms.CharField(
        label=_("Organisation (optional)"), max_length=120, required=False
    )
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"), choices=StakeholderGroup.choices, required=False
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=lambda: [("", _("Prefer not to say")), *countries],
        required=False,
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, required=False)
    accept_terms = forms.BooleanField(label=lazy(_terms_label, str)(), required=True)

    def signup(self, request, user) -> None:
        data = self.cleaned_data
        services.create_profile(
            user=user,
            display_name=data["display_name"],
            organisation=data.get("organisation", ""),
            stakeholder_group=data.get("stakeholder_group", ""),
            country=data.get("country", ""),
            sector=data.get("sector", ""),
            accepted_terms=data["accept_terms"],
        )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Markdown works: **bold**, *italic*, lists and links. At most 5,000 characters."
        ),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class InputFilterForm(forms.Form):
    """Filters of the "you said, we did" page (all optional)."""

    section = forms.TypedChoiceField(
        label=_("Section"), required=False, coerce=int, empty_value=None
    )
    decision = forms.ChoiceField(label=_("Answer"), required=False)
    group = forms.ChoiceField(label=_("Stakeholder group"), required=False)
    # Any interface language is understood; the list offers those inputs were written
    # in (``offer_languages``).
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, consultation, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from .models import Disposition
        from .selectors import latest_version, version_sections

        version = latest_version(consultation)
        texts = version_sections(version) if version else []
        self.fields["section"].choices = [("", _("All sections"))] + [
            (t.section_id, t.heading) for t in texts
        ]
        self.fields["decision"].choices = [
            ("", _("All")),
            ("none", _("Not answered yet")),
            *Disposition.Decision.choices,
        ]
        self.fields["group"].choices = [("any", _("All groups"))] + [
            (value, label) for value, label in StakeholderGroup.choices
        ]
        self.fields["language"].choices = [("", _("All languages")), *settings.LANGUAGES]

    def offer_languages(self, present: list[tuple[str, str]]) -> None:
        """List only the languages in ``present`` ((code, name): those the inputs were
        written in), and the one chosen, if any."""
        chosen = self.cleaned_filters().get("language") if self.is_bound else None
        codes = {code for code, _name in present} | {chosen}
        self.fields["language"].choices = [("", _("All languages"))] + [
            (code, name) for code, name in settings.LANGUAGES if code in codes
        ]

    def cleaned_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "section": data.get("section"),
            "decision": data.get("decision") or None,
            "group": None
            if "group" not in self.data or data.get("group") == "any"
            else data["group"],
            "language": data.get("language") or None,
        }
