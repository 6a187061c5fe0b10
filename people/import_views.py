"""The directory's import pages: upload, map the columns and preview, then confirm.
Thin: ``people.imports`` does the work; nothing reaches the directory before the
organiser confirms."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from . import imports
from .imports import FIELDS, IGNORE, ImportRefused
from .models import ImportBatch
from .views import directory_manager_required

SHOWN_ERRORS = 500
SHOWN_SAMPLE = 20


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=_lazy(
            "The first row names the columns. At most 10 MB and 50,000 rows; CSV files in "
            "UTF-8 (Excel: \u201cCSV UTF-8\u201d)."
        ),
    )
    listed_source = forms.CharField(
        label=_lazy("Where does this list come from?"),
        max_length=200,
        help_text=_lazy(
            "Recorded on every person as the basis for holding their data, e.g. "
            "\u201cResponsible minerals forum 2026 attendee list\u201d."
        ),
    )


def _batch(request, pk: int) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=pk, created_by=request.user).first()
    if batch is None:
        raise Http404(_("No such import."))
    return batch


@directory_manager_required
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > imports.MAX_BYTES:
                raise ImportRefused(
                    _("The file is %(size)s MB; the limit is %(limit)s MB.")
                    % {
                        "size": number_format(upload.size / 1024 / 1024, decimal_pos=1),
                        "limit": imports.MAX_BYTES // 1024 // 1024,
                    }
                )
            batch = imports.start(
                by=request.user,
                filename=upload.name,
                data=upload.read(),
                listed_source=form.cleaned_data["listed_source"],
            )
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("people:import_preview", pk=batch.pk)
    return render(
        request, "people/import_upload.html", {"form": form}, status=400 if form.errors else 200
    )


def _mapping_from(request, batch: ImportBatch) -> dict[str, str]:
    return {
        str(i): request.POST.get(f"col-{i}", IGNORE)
        for i in range(len(batch.headers))
        if request.POST.get(f"col-{i}", IGNORE)
    }


def _merges_from(request) -> dict[int, str]:
    merges = {}
    for key, value in request.POST.items():
        if key.startswith("merge-") and key[6:].isdigit() and value:
            merges[int(key[6:])] = value
    return merges


@directory_manager_required
def import_preview(request, pk: int):
    batch = _batch(request, pk)
    if batch.status != ImportBatch.Status.PENDING:
        messages.info(request, _("This file was already imported or discarded."))
        return redirect("people:directory")
    mapping = batch.mapping
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        mapping = _mapping_from(request, batch)
        try:
            if action == "discard":
                imports.discard(batch=batch, by=request.user)
                messages.info(request, _("The file was discarded; nothing was imported."))
                return redirect("people:directory")
            if action == "apply":
                result = imports.apply(
                    batch=batch,
                    by=request.user,
                    mapping=mapping,
                    merges=_merges_from(request),
                    skip_invalid=request.POST.get("skip_invalid") == "on",
                )
                messages.success(
                    request,
                    _(
                        "Imported: %(created)s people added, %(updated)s updated, %(merged)s "
                        "merged, %(orgs)s organisations added, %(skipped)s rows left out."
                    )
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "merged": result.merged,
                        "orgs": result.organisations_created,
                        "skipped": result.skipped,
                    },
                )
                return redirect("people:directory")
            imports.clean_mapping(batch.headers, mapping)
            batch.mapping = mapping
            batch.save(update_fields=["mapping"])
        except ImportRefused as exc:
            error, status = str(exc), 400
    try:
        checked = imports.preview(batch=batch, mapping=mapping)
    except ImportRefused as exc:
        checked, error, status = None, error or str(exc), 400
    columns = [
        {
            "index": i,
            "header": header,
            "target": mapping.get(str(i), IGNORE),
            "sample": next((r[i] for r in batch.rows if r[i]), ""),
        }
        for i, header in enumerate(batch.headers)
    ]
    context = {
        "batch": batch,
        "columns": columns,
        "fields": [(IGNORE, _("Not imported"))] + [(k, v[0]) for k, v in FIELDS.items()],
        "checked": checked,
        "error": error,
        "shown_errors": checked.errors[:SHOWN_ERRORS] if checked else [],
        "sample": checked.valid[:SHOWN_SAMPLE] if checked else [],
        "near": checked.near_duplicates if checked else [],
    }
    return render(request, "people/import_preview.html", context, status=status)
