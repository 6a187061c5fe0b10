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
    location = forms.CharField(
        label=_("Where"),
        help_text=_("A city and venue, or “online”. Shown in the public calendar."),
        max_length=200,
        required=False,
    )
    public = forms.BooleanField(
        label=_("Show in the public calendar"),
        help_text=_("Anyone can see its title, dates, place and process, without an account."),
        required=False,
    )
    # The rules across fields (the event cannot end before it starts) are the service's.


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Session title"), max_length=200)


class ActivityForm(forms.Form):
    """What every activity has; its kind's own settings are its ``config_form``."""

    kind = forms.ChoiceField(label=_("Kind of activity"), choices=kind_choices)
    title = forms.CharField(label=_("Question"), max_length=300)
    results_visibility = forms.TypedChoiceField(
        label=_("Participants see results"),
        choices=[
            ("", _("The kind's default (polls: when shown; boards, Q&A: live)")),
            *Activity.Visibility.choices,
        ],
        required=False,
        empty_value=None,
        initial="",
    )
    allow_change = forms.BooleanField(
        label=_("Participants may change their vote"), required=False, initial=True
    )


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
