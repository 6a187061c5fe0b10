"""The console's settings forms for the poll kinds ("Add an activity").

One form per kind (``config_form`` on the kind). Field names are the config keys the
kind's ``clean_config`` reports its errors under, so the console shows each error on
its own field; ``config()`` gives the raw settings for ``clean_config``. The forms
check shapes only; the kinds check the rules.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .statements import MAX_STATEMENT_LENGTH, MAX_STATEMENTS


class PollSettingsForm(forms.Form):
    """``config()``: every filled-in field; an empty one (or an unticked box) is left
    out, so the kind takes its default."""

    def config(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in self.fields
            if data.get(name) not in (None, "") and data.get(name) is not False
        }


class ByGroupForm(PollSettingsForm):
    """The kinds whose tally can carry ``by_group`` (``polls.kinds.clean_by_group``)."""

    by_group = forms.BooleanField(
        label=_("Show results per stakeholder group"),
        required=False,
        help_text=_(
            "Side by side, one column per group; a group with fewer than 5 answers is "
            "not shown on its own."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["by_group"] = self.fields.pop("by_group")  # after the kind's own fields


class OptionsForm(ByGroupForm):
    """Single choice and ranking: the options."""

    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def config(self) -> dict[str, Any]:
        # Empty options stay, so the kind answers "give between 2 and 20 options"
        # rather than a missing-value error.
        return {**super().config(), "options": self.cleaned_data.get("options") or ""}


class MultipleChoiceForm(OptionsForm):
    max_choices = forms.IntegerField(
        label=_("Most options a participant may pick"),
        required=False,
        min_value=1,
        help_text=_("Multiple choice; empty means all."),
    )


class ScaleForm(ByGroupForm):
    min = forms.IntegerField(label=_("Scale from"), required=False, initial=1)
    max = forms.IntegerField(label=_("Scale to"), required=False, initial=5)
    min_label = forms.CharField(label=_("Label of the low end"), required=False, max_length=60)
    max_label = forms.CharField(label=_("Label of the high end"), required=False, max_length=60)


class WordCloudForm(PollSettingsForm):
    max_entries = forms.IntegerField(label=_("Entries per participant"), required=False, initial=3)
    max_length = forms.IntegerField(label=_("Characters per entry"), required=False, initial=30)


# --------------------------------------------------------------------------- vision voting


class StatementsForm(forms.Form):
    """The console's settings for a vision-voting activity."""

    statements = forms.CharField(
        label=_("Statements, one per line"),
        required=False,
        max_length=MAX_STATEMENTS * (MAX_STATEMENT_LENGTH + 40),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "2 to 30 statements. A plain line is a vision statement; start a line with "
            "“milestone 2030:”, “milestone 2040:” or “milestone 2050:” for a milestone, "
            "or “action policy makers:”, “action industry:” or “action civil society:” "
            "for an action."
        ),
    )

    def config(self) -> dict[str, Any]:
        return {"statements": self.cleaned_data.get("statements") or ""}


class DotVoteForm(StatementsForm):
    dots = forms.IntegerField(label=_("Dots per participant"), required=False, initial=5)
    max_per_statement = forms.IntegerField(
        label=_("Most dots on one statement"), required=False, initial=3
    )

    def config(self) -> dict[str, Any]:
        config = super().config()
        for name in ("dots", "max_per_statement"):
            if self.cleaned_data.get(name) is not None:
                config[name] = self.cleaned_data[name]
        return config
