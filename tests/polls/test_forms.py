"""The console's settings forms of the poll kinds (polls/forms.py): the fields each
kind shows, what ``config()`` hands to the kind, and that the kind's errors name the
form's own fields."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from polls import forms
from sessions.kinds import get_kind

POLL_FORMS = {
    "single_choice": forms.OptionsForm,
    "multiple_choice": forms.MultipleChoiceForm,
    "scale": forms.ScaleForm,
    "word_cloud": forms.WordCloudForm,
    "ranking": forms.OptionsForm,
    "dot_vote": forms.DotVoteForm,
    "impact_feasibility": forms.StatementsForm,
    "statement_ranking": forms.StatementsForm,
}


def bound(form_class, data, prefix="k"):
    form = form_class({f"{prefix}-{k}": v for k, v in data.items()}, prefix=prefix)
    assert form.is_valid(), form.errors
    return form


@pytest.mark.parametrize(("kind", "form_class"), POLL_FORMS.items())
def test_each_poll_kind_has_its_settings_form(kind, form_class):
    assert get_kind(kind).config_form is form_class


def test_the_fields_labels_and_defaults_shown():
    fields = {
        name: (str(field.label), field.initial, str(field.help_text))
        for form_class in (forms.MultipleChoiceForm, forms.ScaleForm, forms.WordCloudForm)
        for name, field in form_class.base_fields.items()
    }
    assert fields == {
        "options": ("Options, one per line", None, ""),
        "max_choices": (
            "Most options a participant may pick",
            None,
            "Multiple choice; empty means all.",
        ),
        "min": ("Scale from", 1, ""),
        "max": ("Scale to", 5, ""),
        "min_label": ("Label of the low end", None, ""),
        "max_label": ("Label of the high end", None, ""),
        "max_entries": ("Entries per participant", 3, ""),
        "max_length": ("Characters per entry", 30, ""),
        "by_group": (
            "Show results per stakeholder group",
            None,
            "Side by side, one column per group; a group with fewer than 5 answers is not "
            "shown on its own.",
        ),
    }
    assert list(forms.OptionsForm().fields) == ["options", "by_group"]


@pytest.mark.parametrize(
    ("form_class", "data", "config"),
    [
        (forms.OptionsForm, {"options": "A\nB"}, {"options": "A\nB"}),
        # Empty options stay, so the kind says how many it needs.
        (forms.OptionsForm, {}, {"options": ""}),
        (
            forms.MultipleChoiceForm,
            {"options": "A\nB\nC", "max_choices": "2"},
            {"options": "A\nB\nC", "max_choices": 2},
        ),
        # An empty number is left out: the kind takes its default.
        (forms.MultipleChoiceForm, {"options": "A\nB", "max_choices": ""}, {"options": "A\nB"}),
        (
            forms.ScaleForm,
            {"min": "0", "max": "10", "min_label": "Nothing", "max_label": ""},
            {"min": 0, "max": 10, "min_label": "Nothing"},
        ),
        (forms.ScaleForm, {"min": "", "max": ""}, {}),
        (forms.WordCloudForm, {"max_entries": "2", "max_length": ""}, {"max_entries": 2}),
        (forms.WordCloudForm, {}, {}),
        (
            forms.DotVoteForm,
            {"statements": "A\nB", "dots": "4", "max_per_statement": ""},
            {"statements": "A\nB", "dots": 4},
        ),
        (forms.StatementsForm, {}, {"statements": ""}),
    ],
)
def test_config_gives_the_filled_in_settings(form_class, data, config):
    assert bound(form_class, data).config() == config


@pytest.mark.parametrize(
    ("kind", "data", "clean"),
    [
        ("single_choice", {"options": "Yes\r\nNo\r\n\r\n"}, {"options": ["Yes", "No"]}),
        (
            "multiple_choice",
            {"options": "A\nB\nC", "max_choices": ""},
            {"options": ["A", "B", "C"], "max_choices": 3},
        ),
        ("scale", {}, {"min": 1, "max": 5, "min_label": "", "max_label": ""}),
        ("word_cloud", {"max_length": "20"}, {"max_entries": 3, "max_length": 20, "hidden": []}),
        ("ranking", {"options": "A\nB"}, {"options": ["A", "B"]}),
    ],
)
def test_the_kind_cleans_what_its_form_gives(kind, data, clean):
    poll = get_kind(kind)
    assert poll.clean_config(bound(poll.config_form, data, prefix=kind).config()) == clean


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("single_choice", {}, "options"),
        ("ranking", {"options": "A"}, "options"),
        ("multiple_choice", {"options": "A\nB", "max_choices": "3"}, "max_choices"),
        ("scale", {"min": "5", "max": "1"}, "max"),
        ("scale", {"min": "-11"}, "min"),
        ("word_cloud", {"max_entries": "11"}, "max_entries"),
        ("word_cloud", {"max_length": "2"}, "max_length"),
    ],
)
def test_the_kind_s_errors_name_a_field_of_its_form(kind, data, field):
    poll = get_kind(kind)
    form = bound(poll.config_form, data, prefix=kind)
    with pytest.raises(ValidationError) as refused:
        poll.clean_config(form.config())
    assert list(refused.value.message_dict) == [field]
    assert field in form.fields


def test_the_form_refuses_what_is_not_a_number_or_too_long():
    numbers = forms.ScaleForm({"s-min": "low", "s-max_label": "x" * 61}, prefix="s")
    assert not numbers.is_valid()
    assert set(numbers.errors) == {"min", "max_label"}
    choices = forms.MultipleChoiceForm({"m-options": "A\nB", "m-max_choices": "0"}, prefix="m")
    assert not choices.is_valid() and set(choices.errors) == {"max_choices"}
