"""Forms of the invitation pages. They check shapes and choices; the services check the
rules (placeholders, do-not-contact, one invitation per person and target) again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consult.models import Process
from people.forms import DirectoryFilterForm
from people.vocabularies import StakeholderGroup
from sessions.forms import ParticipantProfileForm

from . import selectors
from .models import Invitation
from .selectors import AudienceFilter, Target
from .services import default_text

NOT_A_CHOICE = _("%(value)s is not one of the choices.")


def _target_field(process: Process, *, required: bool, empty_label=None) -> forms.ChoiceField:
    choices = [(t.value, t.label) for t in selectors.targets_of(process)]
    if empty_label is not None:
        choices = [("", empty_label), *choices]
    return forms.ChoiceField(
        label=_("Invite to"),
        choices=choices,
        required=required,
        error_messages={
            "invalid_choice": _("Choose an event, live session or consultation of this process."),
            "required": _("Choose what to invite to."),
        },
    )


class AudienceForm(DirectoryFilterForm):
    """What to invite to, and who: the directory's filters (the same names as on the
    directory page, so its query string carries over), "not yet engaged", or exactly
    the people chosen there (``person``, repeated)."""

    not_engaged = forms.BooleanField(
        label=_("Only people not yet engaged in this process"),
        required=False,
        help_text=_(
            "Not invited to anything of it, not in any of its live sessions, no "
            "contribution to its consultations."
        ),
    )
    person = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.MultipleHiddenInput, choices=()
    )

    def __init__(self, process: Process, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.process = process
        self.fields["target"] = _target_field(process, required=True)
        self.order_fields(["target"])
        ids = self.data.getlist("person") if hasattr(self.data, "getlist") else []
        self.fields["person"].choices = [(i, i) for i in ids if str(i).isdigit()]

    def target(self) -> Target | None:
        return selectors.target_from_value(self.process, self.cleaned_data["target"])

    def audience_filter(self) -> AudienceFilter:
        return AudienceFilter(
            people_filter=self.people_filter(),
            not_engaged=self.cleaned_data["not_engaged"],
            people=tuple(self.cleaned_data["person"]),
        )


class TextsForm(forms.Form):
    """The default text and an optional override per stakeholder group."""

    def __init__(self, *args, texts: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.groups = []
        default = default_text()  # the built-in text, until the process saves its own
        for value, label in StakeholderGroup.choices:
            key = value or "default"
            current = texts.get(value)
            subject_label = _("Subject") if not value else _("Subject for %(group)s")
            body_label = _("Text") if not value else _("Text for %(group)s")
            self.fields[f"{key}-subject"] = forms.CharField(
                label=subject_label % {"group": label} if value else subject_label,
                max_length=300,
                required=False,
                initial=current.subject if current else (default[0] if not value else ""),
            )
            self.fields[f"{key}-body"] = forms.CharField(
                label=body_label % {"group": label} if value else body_label,
                widget=forms.Textarea(attrs={"rows": 8 if not value else 5}),
                max_length=6000,  # the service says "under 5000" with a clearer message
                required=False,
                initial=current.body if current else (default[1] if not value else ""),
            )
            if value:
                self.groups.append((value, label, key))

    def texts(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            value: (data.get(f"{value or 'default'}-subject", ""),
                    data.get(f"{value or 'default'}-body", ""))
            for value in StakeholderGroup.values
        }  # fmt: skip

    def default_fields(self):
        return [self["default-subject"], self["default-body"]]

    def group_fields(self):
        """(group label, subject field, body field) for each group's override."""
        return [
            (label, self[f"{key}-subject"], self[f"{key}-body"]) for _v, label, key in self.groups
        ]


class PreviewForm(forms.Form):
    person = forms.CharField(
        label=_("Preview for"),
        max_length=200,
        help_text=_("A name or an address in the directory."),
    )

    def __init__(self, process: Process, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.process = process
        self.fields["target"] = _target_field(process, required=True)

    def target(self) -> Target | None:
        return selectors.target_from_value(self.process, self.cleaned_data["target"])


ANSWER_FILTERS = [
    ("", _("Any")),
    ("none", _("No answer yet")),
    *((v, label) for v, label in Invitation.Answer.choices if v),
]


class ListFilterForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=ANSWER_FILTERS,
        required=False,
        error_messages={"invalid_choice": NOT_A_CHOICE},
    )
    group = forms.ChoiceField(
        label=_("Stakeholder group"),
        choices=[("", _("Any")), *((v or "none", label) for v, label in StakeholderGroup.choices)],
        required=False,
        error_messages={"invalid_choice": NOT_A_CHOICE},
    )

    def __init__(self, process: Process, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.process = process
        self.fields["target"] = _target_field(process, required=False, empty_label=_("Anything"))
        self.order_fields(["target", "answer", "group"])

    def list_filter(self) -> selectors.ListFilter:
        data = self.cleaned_data
        answer, group = data["answer"], data["group"]
        return selectors.ListFilter(
            target=selectors.target_from_value(self.process, data["target"]),
            answer=None if not answer else ("" if answer == "none" else answer),
            stakeholder_group=None if not group else ("" if group == "none" else group),
        )


class RemindForm(forms.Form):
    def __init__(self, process: Process, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.process = process
        self.fields["target"] = _target_field(
            process, required=False, empty_label=_("Everything of this process")
        )
        self.fields["target"].label = _("Remind those invited to")

    def target(self) -> Target | None:
        return selectors.target_from_value(self.process, self.cleaned_data["target"])


# --------------------------------------------------------------------------- invitees


def answer_choices(invitation: Invitation) -> list[tuple[str, str]]:
    if invitation.consultation_id:
        return [
            (Invitation.Answer.REMOTE, _("I will take part")),
            (Invitation.Answer.DECLINED, _("I cannot take part")),
        ]
    return [(v, label) for v, label in Invitation.Answer.choices if v]


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the answers."),
            "invalid_choice": NOT_A_CHOICE,
        },
    )

    def __init__(self, invitation: Invitation, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answer"].choices = answer_choices(invitation)
        if invitation.answer:
            self.fields["answer"].initial = invitation.answer


class JoinProfileForm(ParticipantProfileForm):
    """The stakeholder profile a personal link pre-fills from the directory record,
    for the invitee to confirm or correct (the same fields as joining with a code)."""

    correct_record = forms.BooleanField(
        label=_("Also correct my record in the organisers' stakeholder directory"),
        required=False,
        help_text=_("Group, country, sector and gender, as given above."),
    )
