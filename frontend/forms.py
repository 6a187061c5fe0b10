"""Forms for the facilitator's pages and for joining a session.

They check shapes and choices; the services check the rules and raise errors that the
views put back on the form.
"""

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from people.vocabularies import Sector
from sessions.forms import ParticipantProfileForm
from sessions.kinds import kind_choices
from sessions.models import Activity, Event


def time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of event"), choices=Event.Kind.choices)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="UTC")
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    # The rules across fields (the event cannot end before it starts) are the service's.


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Session title"), max_length=200)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=kind_choices)
    title = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    max_choices = forms.IntegerField(
        label=_("Most options a participant may pick"), required=False, min_value=1,
        help_text=_("Multiple choice; empty means all."),
    )  # fmt: skip
    scale_min = forms.IntegerField(label=_("Scale from"), required=False, initial=1)
    scale_max = forms.IntegerField(label=_("Scale to"), required=False, initial=5)
    min_label = forms.CharField(label=_("Label of the low end"), required=False, max_length=60)
    max_label = forms.CharField(label=_("Label of the high end"), required=False, max_length=60)
    max_entries = forms.IntegerField(label=_("Entries per participant"), required=False, initial=3)
    max_length = forms.IntegerField(label=_("Characters per entry"), required=False, initial=30)
    results_visibility = forms.ChoiceField(
        label=_("Participants see results"),
        choices=Activity.Visibility.choices,
        initial=Activity.Visibility.LIVE,
    )
    allow_change = forms.BooleanField(
        label=_("Participants may change their vote"), required=False, initial=True
    )

    def config(self) -> dict:
        """The raw settings for the kind to validate."""
        data = self.cleaned_data
        config = {
            "options": data.get("options") or "",
            "max_choices": data.get("max_choices"),
            "min": data.get("scale_min"),
            "max": data.get("scale_max"),
            "min_label": data.get("min_label") or "",
            "max_label": data.get("max_label") or "",
            "max_entries": data.get("max_entries"),
            "max_length": data.get("max_length"),
        }
        # Empty numbers fall back to the kind's defaults; empty options stay, so the
        # kind answers "give between 2 and 20 options" rather than a type error.
        return {k: v for k, v in config.items() if k == "options" or v not in (None, "")}


# Config keys the kinds report errors under -> the form field that holds them.
CONFIG_FIELDS = {"min": "scale_min", "max": "scale_max"}


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Session code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class ProfileForm(ParticipantProfileForm):
    """Joining with the code: the profile alone."""
