"""The consensus-statements settings on the console's "Add an activity" form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TEXT_LIMIT
from .services import DEFAULTS, MAX_STATEMENTS, MAX_SUBMISSIONS, MIN_LENGTH


class ConsensusConfigForm(forms.Form):
    statements = forms.CharField(
        label=_("Statements, one per line"),
        help_text=_("Participants answer each with agree, disagree or pass (at most %(n)d).")
        % {"n": MAX_STATEMENTS},
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=MAX_STATEMENTS * (TEXT_LIMIT + 2),
    )
    allow_submissions = forms.BooleanField(
        label=_("Participants may submit statements (you approve each)"),
        initial=DEFAULTS["allow_submissions"],
        required=False,
    )
    max_submissions = forms.IntegerField(
        label=_("Statements per participant"),
        initial=DEFAULTS["max_submissions"],
        min_value=1,
        max_value=MAX_SUBMISSIONS,
        required=False,
    )
    max_length = forms.IntegerField(
        label=_("Characters per statement"),
        initial=DEFAULTS["max_length"],
        min_value=MIN_LENGTH,
        max_value=TEXT_LIMIT,
        required=False,
    )

    def config(self) -> dict[str, Any]:
        """The raw settings for ``ConsensusKind.clean_config``."""
        data = self.cleaned_data
        return {
            "statements": data.get("statements") or "",
            "allow_submissions": bool(data.get("allow_submissions")),
            "max_submissions": data.get("max_submissions"),
            "max_length": data.get("max_length"),
        }


class PromoteForm(forms.Form):
    """Promote one statement to another activity of the session (a dot vote, say)."""

    statement = forms.IntegerField(label=_("Statement"), min_value=1)
    target = forms.TypedChoiceField(label=_("Add to"), coerce=int, choices=())
    type = forms.ChoiceField(
        label=_("As"),
        choices=[
            ("vision", _("Vision statement")),
            ("milestone", _("Milestone")),
            ("action", _("Action")),
        ],
        initial="vision",
    )
    horizon = forms.TypedChoiceField(
        label=_("Horizon (milestones)"),
        coerce=int,
        choices=[("", "—"), (2030, "2030"), (2040, "2040"), (2050, "2050")],
        required=False,
        empty_value=None,
    )
    actor = forms.ChoiceField(
        label=_("Actor (actions)"),
        choices=[
            ("", "—"),
            ("policy", _("Policy makers")),
            ("industry", _("Industry")),
            ("civil_society", _("Civil society")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(t.pk, t.title) for t in targets]
        self._text = ""

    def command_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "statement": data["statement"],
            "target": data["target"],
            "type": data["type"],
            "horizon": data.get("horizon"),
            "actor": data.get("actor") or None,
        }

    def statement_text(self) -> str:
        from .models import Statement

        found = Statement.objects.filter(pk=self.cleaned_data["statement"]).first()
        return found.text if found else ""
