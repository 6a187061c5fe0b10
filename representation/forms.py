"""The target mix form: per dimension, no target, equal shares among the values ticked,
or shares typed per value; and the alert threshold. The services check the sums."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consult.models import TargetShare
from consult.targets import DEFAULT_ALERT_GAP_POINTS, DIMENSION_VALUES, equal_shares
from people.vocabularies import StakeholderGroup

from .services import MAX_ALERT_GAP_POINTS, MAX_RETENTION_DAYS, MIN_ALERT_GAP_POINTS

NONE, EQUAL, CUSTOM = "none", "equal", "custom"
MODES = [
    (NONE, _("No target")),
    (EQUAL, _("Equal shares among the ones I tick")),
    (CUSTOM, _("The shares I type (they add up to 100 %)")),
]
DIMENSION_HELP = {
    TargetShare.Dimension.GROUP: _("Which stakeholder groups you want, and in what shares."),
    TargetShare.Dimension.REGION: _("Optional: regions, from the countries people give."),
    TargetShare.Dimension.GENDER: _("Optional: genders, from what people chose to say."),
}
# Ticked by default when a process has no group targets yet: every named group.
DEFAULT_EQUAL_GROUPS = [v for v in StakeholderGroup.values if v and v != StakeholderGroup.OTHER]


class ShareField(forms.CharField):
    """A percentage typed as 25, 12.5, 12,5 or 12.5 %; empty means none."""

    default_error_messages = {
        "invalid": _("Type a number, such as 25 or 12.5."),
        "negative": _("A share cannot be negative."),
        "too_big": _("A share cannot be more than 100 %."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": "6"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value).replace(",", ".").removesuffix("%").strip()
        if not text:
            return None
        try:
            share = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not share.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if share < 0:
            raise ValidationError(self.error_messages["negative"], code="negative")
        if share > 100:
            raise ValidationError(self.error_messages["too_big"], code="too_big")
        return share


def _named(dimension: str) -> list[tuple[str, str]]:
    return [(v, label) for v, label in DIMENSION_VALUES[dimension].choices if v]


class TargetForm(forms.Form):
    alert_gap_points = forms.IntegerField(
        label=_("Alert when a value is this many percentage points below its target"),
        min_value=MIN_ALERT_GAP_POINTS,
        max_value=MAX_ALERT_GAP_POINTS,
        help_text=_(
            "A value with a target is also flagged when fewer than 5 people have it. "
            "A whole number from 1 to 100."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    retention_days = forms.IntegerField(
        label=_("Erase guest participants' profiles this many days after their event ends"),
        required=False,
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        help_text=_(
            "Guests who joined a live session without an account or a personal link: their "
            "name, organisation and stakeholder profile are erased, their votes stay "
            "counted. Empty: kept until someone erases them."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self,
        *args: Any,
        mix: dict[str, dict[str, Decimal]] | None = None,
        alert_gap_points: int = DEFAULT_ALERT_GAP_POINTS,
        retention_days: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        mix = mix or {}
        self.fields["alert_gap_points"].initial = alert_gap_points
        self.fields["retention_days"].initial = retention_days
        for dimension in DIMENSION_VALUES:
            named = _named(dimension)
            current = mix.get(dimension, {})
            mode, ticked = _initial_mode(dimension, current)
            self.fields[f"{dimension}-mode"] = forms.ChoiceField(
                label=TargetShare.Dimension(dimension).label,
                choices=MODES,
                initial=mode,
                widget=forms.RadioSelect,
            )
            self.fields[f"{dimension}-equal"] = forms.MultipleChoiceField(
                label=_("Equal shares among"),
                choices=named,
                required=False,
                initial=ticked,
                widget=forms.CheckboxSelectMultiple,
            )
            for value, label in named:
                share = current.get(value)
                self.fields[f"{dimension}-{value}"] = ShareField(
                    label=label, initial=None if share is None else _plain(share)
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.mixes: dict[str, dict[str, Decimal]] = {}
        for dimension in DIMENSION_VALUES:
            mode = data.get(f"{dimension}-mode")
            if mode == EQUAL:
                ticked = data.get(f"{dimension}-equal") or []
                if not ticked:
                    self.add_error(f"{dimension}-mode", _("Tick at least one for equal shares."))
                    continue
                order = [v for v, _label in _named(dimension)]
                self.mixes[dimension] = equal_shares(sorted(ticked, key=order.index))
            elif mode == CUSTOM:
                shares = {
                    value: data[f"{dimension}-{value}"]
                    for value, _label in _named(dimension)
                    if data.get(f"{dimension}-{value}") is not None
                }
                if f"{dimension}-mode" in self.errors or any(
                    f"{dimension}-{value}" in self.errors for value, _label in _named(dimension)
                ):
                    continue
                if not any(shares.values()):
                    self.add_error(
                        f"{dimension}-mode", _("Type the shares, or choose “No target”.")
                    )
                    continue
                self.mixes[dimension] = shares
            elif mode == NONE:
                self.mixes[dimension] = {}
        return data

    def dimensions(self) -> list[dict[str, Any]]:
        """What the template lays out per dimension: the mode radios, and a row per
        value with its tick box (equal shares) and its share field."""
        out = []
        for dimension in DIMENSION_VALUES:
            ticks = {w.data["value"]: w for w in self[f"{dimension}-equal"]}
            out.append(
                {
                    "dimension": dimension,
                    "legend": TargetShare.Dimension(dimension).label,
                    "help": DIMENSION_HELP[dimension],
                    "mode": self[f"{dimension}-mode"],
                    "equal": self[f"{dimension}-equal"],
                    "rows": [
                        {
                            "label": label,
                            "tick": ticks[value],
                            "share": self[f"{dimension}-{value}"],
                        }
                        for value, label in _named(dimension)
                    ],
                }
            )
        return out


def _plain(share: Decimal) -> str:
    """12.50 as "12.5", 25.00 as "25"."""
    text = format(share.normalize(), "f")
    return text


def _initial_mode(dimension: str, current: dict[str, Decimal]) -> tuple[str, list[str]]:
    if not current:
        if dimension == TargetShare.Dimension.GROUP:
            return EQUAL, DEFAULT_EQUAL_GROUPS
        return NONE, []
    order = [v for v, _label in _named(dimension)]
    values = sorted(current, key=lambda v: order.index(v) if v in order else len(order))
    if equal_shares(values) == current:
        return EQUAL, values
    return CUSTOM, values
