"""The Q&A settings on the console's "Add an activity" form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TEXT_LIMIT
from .services import DEFAULTS, MAX_QUESTIONS, MIN_LENGTH


class QnaConfigForm(forms.Form):
    max_length = forms.IntegerField(
        label=_("Characters per question"),
        initial=DEFAULTS["max_length"],
        min_value=MIN_LENGTH,
        max_value=TEXT_LIMIT,
        required=False,
    )
    max_questions = forms.IntegerField(
        label=_("Questions per participant"),
        initial=DEFAULTS["max_questions"],
        min_value=1,
        max_value=MAX_QUESTIONS,
        required=False,
    )
    allow_anonymous = forms.BooleanField(
        label=_("Participants may ask anonymously"),
        initial=DEFAULTS["allow_anonymous"],
        required=False,
    )
    moderators_see_names = forms.BooleanField(
        label=_("The facilitator sees who asked anonymous questions"),
        initial=DEFAULTS["moderators_see_names"],
        required=False,
    )
    premoderate = forms.BooleanField(
        label=_("Approve questions before the room sees them"),
        initial=DEFAULTS["premoderate"],
        required=False,
    )

    def config(self) -> dict[str, Any]:
        """The raw settings for ``QnaKind.clean_config``; empty numbers take the defaults."""
        data = self.cleaned_data
        return {
            "max_length": data.get("max_length"),
            "max_questions": data.get("max_questions"),
            "allow_anonymous": bool(data.get("allow_anonymous")),
            "moderators_see_names": bool(data.get("moderators_see_names")),
            "premoderate": bool(data.get("premoderate")),
        }
