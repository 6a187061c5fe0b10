"""Certificate pages (namespace "certificates", reports/certificate_urls.py): the
attendee's list and PDFs from their account, the PDF from their personal link, and the
organisers' PDF of every attendee of an event: asked for on its page, built by the
tasks worker (the page follows it with reports/reports.js), downloaded once ready
(logged as an export of personal data).

Every route needs rows in tests/reports/test_certificate_matrix.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from consult.models import Process
from outreach import selectors as outreach_selectors
from outreach.models import Attendance
from outreach.views import organisers_only
from people.services import log_export, process_scope
from sessions.models import Event

from . import certificates as cert
from . import selectors
from .models import CertificateBatch


def _problem(request, message: str, *, status: int, title: str = "") -> HttpResponse:
    """A page saying why there is no PDF (instead of an empty one)."""
    return render(
        request,
        "reports/certificate_problem.html",
        {"message": message, "title": title or _("No certificate")},
        status=status,
    )


def _pdf(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_certificates(request):
    """The events the signed-in person attended, each with its certificate."""
    person = cert.directory_person(user=request.user)
    items = [
        {"attendance": a, "event": cert.attended_event(a)}
        for a in cert.certificates_of(user=request.user)
    ]
    return render(
        request, "reports/my_certificates.html", {"items": items, "has_person": person is not None}
    )


@login_required
@require_GET
def my_certificate_pdf(request, attendance_id: int):
    """The certificate of one of the signed-in person's own attendances; someone else's
    is "not found", as an id that does not exist (ids reveal nothing)."""
    attendance = cert.own_certificate(user=request.user, attendance_id=attendance_id)
    if attendance is None:
        return _problem(request, _("You have no certificate at this address."), status=404)
    content = cert.certificate_pdf(
        attendances=[attendance], language=translation.get_language() or settings.LANGUAGE_CODE
    )
    return _pdf(content, filename=f"certificate-{attendance.pk}.pdf")


@require_GET
def invitation_certificate_pdf(request, token: str):
    """The certificate from the personal link (no account needed: the token is the
    credential), once the invitation has an attendance."""
    invitation = outreach_selectors.invitation_by_token(token)
    if invitation is None:
        return _problem(request, _("This invitation link is not valid."), status=404)
    attendance = cert.certificate_for_invitation(invitation=invitation)
    if attendance is None:
        return _problem(
            request,
            _(
                "There is no certificate yet: it is available once you have been checked in "
                "at the event or have joined its live session."
            ),
            status=404,
        )
    content = cert.certificate_pdf(
        attendances=[attendance], language=translation.get_language() or settings.LANGUAGE_CODE
    )
    return _pdf(content, filename=f"certificate-{attendance.pk}.pdf")


class BatchForm(forms.Form):
    """The organisers' choice: in which language, and whose certificates."""

    language = forms.ChoiceField(
        label=gettext_lazy("Language of the certificates"), choices=settings.LANGUAGES
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Whose certificates"),
        required=False,
        choices=[("", gettext_lazy("Everyone")), *Attendance.Mode.choices],
    )


def _event(process: Process, event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id, process=process).first()
    if event is None:
        raise Http404(_("No such event in this process."))
    return event


def _mode(request: HttpRequest) -> str | None:
    """``?mode=``: "" (everyone), an attendance mode, or None when it is neither."""
    mode = request.GET.get("mode", "")
    return mode if not mode or mode in Attendance.Mode.values else None


def _address(name: str, process: Process, event: Event, mode: str) -> str:
    url = reverse(f"certificates:{name}", args=[process.slug, event.pk])
    return f"{url}?{urlencode({'mode': mode})}" if mode else url


def _bad_mode(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        _("Choose everyone, in the room or remote."),
        status=400,
        title=_("Certificates"),
    )


@organisers_only
@require_http_methods(["GET", "POST"])
def event_certificates(request: HttpRequest, process: Process, event_id: int) -> HttpResponse:
    """GET: the organisers' PDF of the event's certificates (``?mode=``: whose), how far
    its build is and its download once ready; POST: ask the worker to build it (again)
    in a language, then back here."""
    event = _event(process, event_id)
    mode = _mode(request)
    if mode is None:
        return _bad_mode(request)
    batch = cert.batch_of(event=event, mode=mode)
    initial = {
        "language": selectors.language_of(batch)
        if batch
        else cert.language_of(translation.get_language(), default=settings.LANGUAGE_CODE),
        "mode": mode,
    }
    form = BatchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["mode"]
        try:
            cert.request_certificates(
                event=event, mode=chosen, language=form.cleaned_data["language"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The certificates are being prepared."))
            return redirect(_address("event_certificates", process, event, chosen))
    attended = len(cert.event_certificates(event=event, mode=mode))
    return render(
        request,
        "reports/certificate_batch.html",
        {
            "process": process,
            "event": event,
            "mode": mode,
            "modes": Attendance.Mode.choices,
            "batch": batch,
            "attended": attended,
            "form": form,
            "limit": cert.MAX_BULK,
            "status_url": _address("event_status", process, event, mode),
            "pdf_url": _address("event_pdf", process, event, mode),
        },
        status=400 if form.errors else 200,
    )


@organisers_only
@require_GET
def event_certificates_status(
    request: HttpRequest, process: Process, event_id: int
) -> JsonResponse:
    """How far the build of the organisers' PDF is (reports/reports.js follows it)."""
    event = _event(process, event_id)
    mode = _mode(request)
    if mode is None:
        return JsonResponse({"error": _("Choose everyone, in the room or remote.")}, status=400)
    batch = cert.batch_of(event=event, mode=mode)
    if batch is None:
        raise Http404(_("The certificates have not been asked for yet."))
    return JsonResponse(selectors.status_view(batch))


@organisers_only
@require_GET
def event_certificates_pdf(request: HttpRequest, process: Process, event_id: int) -> HttpResponse:
    """The built PDF of every attendee's certificate (``?mode=``: whose), in the
    attendance list's order; 404 until the worker has built it. Each download is logged
    as an export of personal data."""
    event = _event(process, event_id)
    mode = _mode(request)
    if mode is None:
        return _bad_mode(request)
    batch = cert.batch_of(event=event, mode=mode)
    content = (
        CertificateBatch.objects.filter(pk=batch.pk).values_list("pdf", flat=True).first()
        if batch is not None and batch.status == CertificateBatch.Status.READY
        else None
    )
    if content is None:
        return _problem(
            request,
            _("The certificates are not ready yet."),
            status=404,
            title=_("Certificates"),
        )
    count = batch.content.get("count", 0)
    log_export(
        user=request.user,
        what=f"certificates of participation (pdf, {batch.language}"
        f"{', ' + mode if mode else ''}): {event.title}",
        rows=count,
        scope=process_scope(process.pk),
    )
    suffix = f"-{mode}" if mode else ""
    return _pdf(bytes(content), filename=f"certificates-{event.pk}{suffix}-{batch.language}.pdf")
