"""Process and programme report pages: ask for the report (the worker builds it), follow
its build, read it, download its PDF and its tables as XLSX. A process report is for
the process's organisers; a programme report covers every process its reader organises
(a superuser: every process), for the funder's periodic report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consult.models import Process
from consult.selectors import is_organiser

from . import selectors, services
from .forms import RequestForm
from .models import ProcessReport
from .views import CHART_POLICY

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Target:
    """What a page reports on: one process, or the reader's programme."""

    report: ProcessReport | None
    request: Callable[[str], ProcessReport]
    url: Callable[..., str]  # a route's name (and arguments) -> its address here
    heading: str
    filename: str
    back: tuple[str, str]  # (label, address)


def _process_target(request: HttpRequest, slug: str) -> Target:
    process = get_object_or_404(Process, slug=slug)
    if not is_organiser(request.user, process):
        raise PermissionDenied(_("Only the organisers of this process can see this."))
    return Target(
        report=selectors.process_report_of(process),
        request=lambda language: services.request_process_report(
            process=process, language=language
        ),
        url=lambda name, *args: reverse(f"reports:process_{name}", args=[slug, *args]),
        heading=_("Process report: %(title)s") % {"title": process.title},
        filename=f"process-report-{process.slug}",
        back=(
            _("Representation across the process"),
            reverse("representation:process_page", args=[slug]),
        ),
    )


def _programme_target(request: HttpRequest) -> Target:
    user = request.user
    if not selectors.may_see_programme(user):
        raise PermissionDenied(_("Only organisers of a process can see this."))
    return Target(
        report=selectors.programme_report_of(user),
        request=lambda language: services.request_process_report(owner=user, language=language),
        url=lambda name, *args: reverse(f"reports:programme_{name}", args=list(args)),
        heading=_("Programme report"),
        filename="programme-report",
        back=(_("My events"), reverse("frontend:dashboard")),
    )


def _page(request: HttpRequest, target: Target) -> HttpResponse:
    report = target.report
    form = RequestForm(request.POST or None, initial={"language": selectors.language_of(report)})
    if request.method == "POST" and form.is_valid():
        target.request(form.cleaned_data["language"])
        messages.success(request, _("The report is being prepared."))
        return redirect(target.url("page"))
    return render(
        request,
        "reports/process.html",
        {
            "report": report,
            "form": form,
            "heading": target.heading,
            "back_label": target.back[0],
            "back_url": target.back[1],
            "intro": _(
                "No report yet. The report gathers the events, who was reached by "
                "stakeholder group, region and gender over time against the target, the "
                "contributions, the inputs answered and the validation outcomes, as a page, "
                "a PDF and an XLSX workbook."
            ),
            "urls": {name: target.url(name) for name in ("status", "pdf", "xlsx")},
            **selectors.process_page_context(report, chart_url=lambda n: target.url("chart", n)),
        },
        status=400 if form.errors else 200,
    )


def _status(target: Target) -> JsonResponse:
    if target.report is None:
        raise Http404(_("There is no report yet."))
    return JsonResponse(selectors.status_view(target.report))


def _file(target: Target, field: str, content_type: str, extension: str) -> HttpResponse:
    report = target.report
    if report is None or report.status != ProcessReport.Status.READY:
        raise Http404(_("The report is not ready yet."))
    data = ProcessReport.objects.filter(pk=report.pk).values_list(field, flat=True).first()
    if data is None:
        raise Http404(_("The report is not ready yet."))
    response = HttpResponse(bytes(data), content_type=content_type)
    name = f"{target.filename}-{report.language}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _chart(target: Target, number: int) -> HttpResponse:
    charts = target.report.content.get("charts", []) if target.report else []
    if not 1 <= number <= len(charts):
        raise Http404(_("No such chart."))
    response = HttpResponse(charts[number - 1]["svg"], content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def process_page(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the process report as it stands; POST: build it (again), in a language."""
    return _page(request, _process_target(request, slug))


@require_GET
@login_required
def process_status(request: HttpRequest, slug: str) -> JsonResponse:
    return _status(_process_target(request, slug))


@require_GET
@login_required
def process_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    return _file(_process_target(request, slug), "pdf", "application/pdf", "pdf")


@require_GET
@login_required
def process_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    return _file(_process_target(request, slug), "xlsx", XLSX, "xlsx")


@csp_replace(CHART_POLICY)
@require_GET
@login_required
def process_chart(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _chart(_process_target(request, slug), number)


@login_required
@require_http_methods(["GET", "POST"])
def programme_page(request: HttpRequest) -> HttpResponse:
    """GET: the reader's programme report as it stands; POST: build it (again)."""
    return _page(request, _programme_target(request))


@require_GET
@login_required
def programme_status(request: HttpRequest) -> JsonResponse:
    return _status(_programme_target(request))


@require_GET
@login_required
def programme_pdf(request: HttpRequest) -> HttpResponse:
    return _file(_programme_target(request), "pdf", "application/pdf", "pdf")


@require_GET
@login_required
def programme_xlsx(request: HttpRequest) -> HttpResponse:
    return _file(_programme_target(request), "xlsx", XLSX, "xlsx")


@csp_replace(CHART_POLICY)
@require_GET
@login_required
def programme_chart(request: HttpRequest, number: int) -> HttpResponse:
    return _chart(_programme_target(request), number)
