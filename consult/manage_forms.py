"""Forms of the organisers' pages of a consultation (``consult/manage_views.py``).

They check shapes and lengths; the rules (who may, which status may follow which, when
a round may open, dates in order) are ``consult.services``'."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .manage_services import MAX_DRAFT_LENGTH
from .models import Consultation, Version
from .services import MAX_SECTION_LENGTH
from .time_zone import KNOWN_ZONES

MAX_NOTE_LENGTH = 5000


def time_zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(KNOWN_ZONES)]


class WallClockField(forms.DateTimeField):
    """A date and time as typed in a ``datetime-local`` input, without a zone (naive):
    the form's own time zone field says where it is (``manage_services.aware``)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        with timezone.override(dt.UTC):
            value = super().to_python(value)
        return None if value is None else timezone.make_naive(value, dt.UTC)

    def prepare_value(self, value):
        return value.strftime("%Y-%m-%dT%H:%M") if isinstance(value, dt.datetime) else value


class NewConsultationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address (slug)"),
        max_length=80,
        required=False,
        help_text=_(
            "Letters, numbers and hyphens, in the consultation's address. "
            "Leave it empty to make one from the title."
        ),
    )
    summary = forms.CharField(
        label=_("Summary (optional)"),
        max_length=MAX_SECTION_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone of the dates"), choices=time_zone_choices, initial="UTC"
    )
    opens_at = WallClockField(label=_("Opens at"))
    closes_at = WallClockField(label=_("Closes at"))
    is_public = forms.BooleanField(
        label=_("Readable without an account"),
        help_text=_("Commenting and validating always need an account."),
        required=False,
        initial=True,
    )
    language = forms.ChoiceField(
        label=_("Written in"),
        choices=settings.LANGUAGES,
        help_text=_("The language of the title, summary and sections; translations come later."),
    )

    def clean(self):
        data = super().clean()
        if "slug" in data and not data["slug"] and data.get("title"):
            data["slug"] = slugify(data["title"])[:80].strip("-")
            # Shown in the field if the form comes back, to be changed if it is taken.
            self.data = self.data.copy()
            self.data["slug"] = data["slug"]
            if not data["slug"]:
                self.add_error(
                    "slug",
                    _("Give the consultation an address: letters, numbers and hyphens."),
                )
        return data


class VersionForm(forms.Form):
    title = forms.CharField(
        label=_("Version title (optional)"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty for “Version 2”, “Version 3” …"),
    )
    change_note = forms.CharField(
        label=_("What changed (optional)"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    text = forms.CharField(
        label=_("The draft (Markdown)"),
        max_length=MAX_DRAFT_LENGTH,
        strip=False,
        help_text=_("Each “## ” line starts a section: see “How to write it” above."),
        widget=forms.Textarea(attrs={"rows": 24, "class": "draft-text", "spellcheck": "true"}),
        error_messages={
            "required": _(
                "Write at least one section: a line beginning with “## ” and its heading."
            )
        },
    )


class RoundForm(forms.Form):
    version = forms.ModelChoiceField(
        label=_("Version to validate"), queryset=Version.objects.none(), empty_label=None
    )
    title = forms.CharField(
        label=_("Round title (optional)"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty for “Validation of” and the version's title."),
    )

    def __init__(self, *args, consultation: Consultation, versions: list[Version], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        field.queryset = Version.objects.filter(consultation=consultation).order_by("-number")
        # The page's own list (newest first) for the options: no query of their own.
        field.choices = [(v.pk, f"{v.number}. {v.title}") for v in versions]
        if versions and not self.is_bound:
            self.initial["version"] = versions[0].pk
