"""Workshop report pages: the facilitators' page (ask for the report, follow its build,
write the summary and notes, publish it, download the PDF), and the shared copy anyone
with its link reads once it is published (the session's participants get the link)."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sessions import access, evidence
from sessions.models import Session
from sessions.selectors import can_facilitate

from . import selectors, services
from .forms import NotesForm, RequestForm
from .models import WorkshopReport


def _session(request: HttpRequest, code: str) -> Session:
    return access.facilitated_session(user=request.user, code=code)


def _page_url(code: str) -> str:
    return reverse("reports:workshop", args=[code])


@login_required
@require_http_methods(["GET", "POST"])
def workshop(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the report as it stands; POST: build it (again), in the chosen language."""
    session = _session(request, code)
    report = selectors.report_of(session)
    form = RequestForm(request.POST or None, initial={"language": selectors.language_of(report)})
    if request.method == "POST" and form.is_valid():
        services.request_report(session=session, language=form.cleaned_data["language"])
        messages.success(request, _("The report is being prepared."))
        return redirect(_page_url(code))
    notes = NotesForm(report=report) if report and report.content else None
    return render(
        request,
        "reports/workshop.html",
        {
            "session": session,
            "report": report,
            "form": form,
            "notes_form": notes,
            "sections": evidence.section_choices(request.user, session.event),
            **selectors.page_context(report, chart_url=_chart_url(report)),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def notes(request: HttpRequest, code: str) -> HttpResponse:
    session = _session(request, code)
    report = selectors.report_of(session)
    if report is None:
        raise Http404(_("This session has no report yet."))
    form = NotesForm(request.POST, report=report)
    if form.is_valid():
        try:
            services.save_notes(
                report=report, summary=form.cleaned_data["summary"], notes=form.notes()
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Saved. The report is being prepared again with it."))
            return redirect(_page_url(code))
    return render(
        request,
        "reports/workshop.html",
        {
            "session": session,
            "report": report,
            "form": RequestForm(initial={"language": report.language}),
            "notes_form": form,
            **selectors.page_context(report, chart_url=_chart_url(report)),
        },
        status=400,
    )


@require_POST
@login_required
def publish(request: HttpRequest, code: str) -> HttpResponse:
    session = _session(request, code)
    report = selectors.report_of(session)
    if report is None:
        raise Http404(_("This session has no report yet."))
    published = request.POST.get("published") == "1"
    try:
        services.set_published(report=report, published=published)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The report is published: anyone with its link can read it.")
            if published
            else _("The report is no longer published; its link shows nothing."),
        )
    return redirect(_page_url(code))


@require_POST
@login_required
def attach(request: HttpRequest, code: str) -> HttpResponse:
    """Attach the published report to the consultation section chosen."""
    session = _session(request, code)
    report = selectors.report_of(session)
    if report is None:
        raise Http404(_("This session has no report yet."))
    section = evidence.find_section(request.POST.get("section"))
    try:
        if section is None:
            raise ValidationError(_("Choose a section of a consultation."))
        services.attach_to_section(report=report, section=section, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("The report is attached to the consultation “%(consultation)s”.")
            % {"consultation": section.consultation.title},
        )
    return redirect(_page_url(code))


@require_GET
@login_required
def status(request: HttpRequest, code: str) -> JsonResponse:
    """How far the build is (reports.js follows it on the page)."""
    report = selectors.report_of(_session(request, code))
    if report is None:
        raise Http404(_("This session has no report yet."))
    return JsonResponse(selectors.status_view(report))


def _pdf_response(report: WorkshopReport) -> HttpResponse:
    if report.pdf is None or report.status != WorkshopReport.Status.READY:
        raise Http404(_("The report is not ready yet."))
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    name = f"report-{report.session.code}-{report.language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def pdf(request: HttpRequest, code: str) -> HttpResponse:
    report = selectors.report_of(_session(request, code))
    if report is None:
        raise Http404(_("This session has no report yet."))
    return _pdf_response(report)


def _shared(token: str) -> WorkshopReport:
    report = selectors.published_report(token)
    if report is None:
        raise Http404(_("No published report has this link."))
    return report


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    report = _shared(token)
    return render(
        request,
        "reports/shared.html",
        {"report": report, **selectors.page_context(report, chart_url=_chart_url(report))},
    )


@require_GET
def shared_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _pdf_response(_shared(token))


def _chart_url(report: WorkshopReport | None):
    if report is None:
        return lambda number: ""
    return lambda number: reverse("reports:chart", args=[report.share_token, number])


# A chart is an SVG document with inline styles (matplotlib's); shown as an image it
# runs no script, so its own policy allows just those styles.
CHART_POLICY = {"default-src": ["'none'"], "style-src": ["'unsafe-inline'"], "img-src": ["data:"]}


@csp_replace(CHART_POLICY)
@require_GET
def chart(request: HttpRequest, token: str, number: int) -> HttpResponse:
    """A chart of a published report, or of any report for its session's facilitators."""
    report = (
        WorkshopReport.objects.select_related("session__event").filter(share_token=token).first()
    )
    if report is None or not (report.published_at or can_facilitate(request.user, report.session)):
        raise Http404(_("No published report has this link."))
    svg = report.charts.filter(number=number).values_list("svg", flat=True).first()
    if svg is None:
        raise Http404(_("No such chart."))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
