from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import MAX_NOTE, MAX_SUMMARY, WorkshopReport


class RequestForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)


class NotesForm(forms.Form):
    """The summary and one note per activity of the built report."""

    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, report: WorkshopReport, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        saved = dict(report.notes.values_list("activity_id", "text"))
        self.fields["summary"].initial = report.summary
        self.activity_ids = []
        for section in report.content.get("activities", []):
            pk = section["id"]
            self.activity_ids.append(pk)
            self.fields[f"note-{pk}"] = forms.CharField(
                label=_("Note on “%(title)s”") % {"title": section["title"]},
                required=False,
                max_length=MAX_NOTE,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=saved.get(pk, ""),
            )

    def notes(self) -> dict[int, str]:
        return {pk: self.cleaned_data[f"note-{pk}"] for pk in self.activity_ids}
