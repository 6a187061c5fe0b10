"""The console's settings form for an idea board."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_COLUMNS = 6
MAX_COLUMN_LENGTH = 60
DEFAULT_MAX_LENGTH, MIN_MAX_LENGTH, MAX_MAX_LENGTH = 280, 10, 500
DEFAULT_MAX_NOTES, MAX_MAX_NOTES = 10, 50


class BoardForm(forms.Form):
    columns = forms.CharField(
        label=_("Columns, one per line"),
        required=False,
        max_length=MAX_COLUMNS * (MAX_COLUMN_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="Challenges\nSolutions\nWho must act",
        help_text=_("1 to 6 columns, each at most 60 characters."),
    )
    mode = forms.ChoiceField(
        label=_("Who sees the notes"),
        choices=[
            ("open", _("Everyone, as they arrive")),
            ("private", _("Each participant only their own, until I reveal them")),
        ],
        initial="open",
    )
    max_length = forms.IntegerField(
        label=_("Characters per note"), required=False, initial=DEFAULT_MAX_LENGTH
    )
    max_notes = forms.IntegerField(
        label=_("Notes per participant"), required=False, initial=DEFAULT_MAX_NOTES
    )

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "columns": self.cleaned_data.get("columns") or "",
            "mode": self.cleaned_data.get("mode") or "open",
        }
        for name in ("max_length", "max_notes"):
            if self.cleaned_data.get(name) is not None:
                config[name] = self.cleaned_data[name]
        return config
