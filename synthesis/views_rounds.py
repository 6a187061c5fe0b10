"""Balanced results of a consultation's validation round: the page (whoever may see the
round's results: ``consult.selectors.may_see_answers``) and the CSV of its answers with
each respondent's group, region, gender and weights (the process's organisers only,
logged as an export of personal data)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consult import selectors
from consult.models import Consultation, ValidationRound
from people.services import log_export, process_scope
from people.spreadsheets import as_csv

from .balanced import methods
from .balanced_rounds import EXPORT_COLUMNS, export_rows, may_export, may_see, round_balance


def _round(request: HttpRequest, *, process: str, slug: str, round_id: int) -> ValidationRound:
    """The round of a consultation the user may read (the rule of consult's pages: a
    draft is not found but by its organisers, a private one asks to log in)."""
    consultation = get_object_or_404(
        Consultation.objects.select_related("process"), process__slug=process, slug=slug
    )
    if not selectors.can_read(request.user, consultation):
        if consultation.status == Consultation.Status.DRAFT:
            raise Http404(_("No such consultation."))
        raise PermissionDenied(_("Log in to read this consultation."))
    round_ = get_object_or_404(ValidationRound, pk=round_id, consultation=consultation)
    round_.consultation = consultation  # with its process, already read
    return round_


@require_GET
def round_balanced(request: HttpRequest, process: str, slug: str, round_id: int) -> HttpResponse:
    round_ = _round(request, process=process, slug=slug, round_id=round_id)
    if not may_see(user=request.user, round_=round_):
        raise PermissionDenied(_("Results are shown when the round closes."))
    consultation = round_.consultation
    organiser = selectors.is_organiser(request.user, consultation.process)
    return render(
        request,
        "synthesis/round_balanced.html",
        {
            "consultation": consultation,
            "round": round_,
            "balance": round_balance(round_=round_, organiser=organiser),
            "may_export": organiser,
            "methods": list(methods().values()),
        },
    )


@require_GET
def round_balanced_export(
    request: HttpRequest, process: str, slug: str, round_id: int
) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    round_ = _round(request, process=process, slug=slug, round_id=round_id)
    if not may_export(user=request.user, round_=round_):
        raise PermissionDenied(_("Only the organisers of this process can do this."))
    rows = export_rows(round_=round_)
    log_export(
        user=request.user,
        what=_("Validation answers with weights (csv): %(title)s") % {"title": round_.title},
        rows=len(rows),
        scope=process_scope(round_.consultation.process_id),
    )
    response = HttpResponse(as_csv(EXPORT_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    name = f"{round_.consultation.slug}-round-{round_.pk}-weights"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
