"""The organisers' pages of a consultation: its status, versions and validation rounds
(``manage``), a new version from one Markdown text (``publish_version``) and a new
consultation (``new_consultation``). Thin views over ``consult.services`` and
``consult.manage_services``; only the process's organisers reach them."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import manage_services, selectors, services
from .manage_forms import NewConsultationForm, RoundForm, VersionForm
from .models import Consultation, Process, ValidationRound
from .time_zone import known_zone
from .translations import current_language
from .views import readable_consultation, reader_zone


def _only_organisers() -> PermissionDenied:
    return PermissionDenied(_("Only the organisers of this process can do this."))


def _organised(request: HttpRequest, process: str, slug: str) -> Consultation:
    """The consultation, for its process's organisers: 404 for a draft others may not
    know of (as every consultation page), 403 for anyone else who is not an organiser."""
    consultation = readable_consultation(request, process, slug)
    if not selectors.is_organiser(request.user, consultation.process):
        raise _only_organisers()
    return consultation


def _manage_url(consultation: Consultation) -> str:
    return reverse("consult:manage", args=[consultation.process.slug, consultation.slug])


def _add_errors(form, exc: ValidationError) -> None:
    """A service's refusal onto the form: each error under its field when the form has
    that field, else as an error of the whole form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _manage_page(
    request: HttpRequest,
    consultation: Consultation,
    *,
    round_form: RoundForm | None = None,
    status_errors: list[str] | None = None,
    status: int = 200,
    overview: dict | None = None,
) -> HttpResponse:
    overview = overview or manage_services.manage_overview(consultation=consultation)
    if round_form is None:
        round_form = RoundForm(consultation=consultation, versions=overview["versions"])
    return render(
        request,
        "consult/manage.html",
        {
            "consultation": consultation,
            **overview,
            "round_form": round_form,
            "status_errors": status_errors or [],
            "accepting": selectors.is_accepting_input(consultation),
            "zone": reader_zone(request, consultation),
        },
        status=status,
    )


@require_GET
@login_required
def manage(request: HttpRequest, process: str, slug: str) -> HttpResponse:
    return _manage_page(request, _organised(request, process, slug))


@require_POST
def set_status(request: HttpRequest, process: str, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:manage", args=[process, slug]))
    consultation = _organised(request, process, slug)
    try:
        services.set_status(
            consultation=consultation, by=request.user, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        return _manage_page(request, consultation, status_errors=exc.messages, status=400)
    messages.success(
        request,
        _("The consultation is now: %(status)s.") % {"status": consultation.get_status_display()},
    )
    return redirect(_manage_url(consultation))


@require_POST
def open_round(request: HttpRequest, process: str, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:manage", args=[process, slug]))
    consultation = _organised(request, process, slug)
    overview = manage_services.manage_overview(consultation=consultation)
    form = RoundForm(request.POST, consultation=consultation, versions=overview["versions"])
    if form.is_valid():
        version = form.cleaned_data["version"]
        try:
            round_ = services.open_round(
                consultation=consultation,
                by=request.user,
                version=version,
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The round “%(title)s” is open: participants can answer on the validation page.")
                % {"title": round_.title},
            )
            return redirect(_manage_url(consultation))
    return _manage_page(request, consultation, round_form=form, status=400, overview=overview)


@require_POST
def close_round(request: HttpRequest, process: str, slug: str, round_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consult:manage", args=[process, slug]))
    consultation = _organised(request, process, slug)
    round_ = get_object_or_404(
        ValidationRound.objects.select_related("consultation__process"),
        pk=round_id,
        consultation=consultation,
    )
    services.close_round(round=round_, by=request.user)  # closing a closed round: no change
    messages.success(
        request,
        _("The round “%(title)s” is closed; its results are open to every reader.")
        % {"title": round_.title},
    )
    return redirect(_manage_url(consultation))


@login_required
@require_http_methods(["GET", "POST"])
def publish_version(request: HttpRequest, process: str, slug: str) -> HttpResponse:
    consultation = _organised(request, process, slug)
    latest = selectors.latest_version(consultation)
    final = consultation.status == Consultation.Status.PUBLISHED
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                published = manage_services.publish_markdown(
                    consultation=consultation,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    change_note=form.cleaned_data["change_note"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Version %(n)d is published: %(continued)d sections continue from "
                        "the previous version (with their comments), %(new)d are new, "
                        "%(left)d left out."
                    )
                    % {
                        "n": published.version.number,
                        "continued": published.continued,
                        "new": published.new,
                        "left": published.left_out,
                    },
                )
                return redirect(_manage_url(consultation))
    else:
        texts = selectors.version_sections(latest) if latest is not None else []
        form = VersionForm(initial={"text": manage_services.draft_markdown(texts=texts)})
    return render(
        request,
        "consult/manage_version.html",
        {
            "consultation": consultation,
            "form": form,
            "latest": latest,
            "final": final,
            "max_sections": manage_services.MAX_SECTIONS,
            "max_section_length": services.MAX_SECTION_LENGTH,
            "horizons": services.HORIZONS,
            "actors": services.ACTORS,
        },
        status=400 if form.errors else 200,
    )


def _next_hour(zone: str) -> dt.datetime:
    """The next full hour on the wall clocks of ``zone`` (the form's first suggestion)."""
    now = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    return (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0, tzinfo=None)


@login_required
@require_http_methods(["GET", "POST"])
def new_consultation(request: HttpRequest, process: str) -> HttpResponse:
    process_ = get_object_or_404(Process, slug=process)
    if not selectors.is_organiser(request.user, process_):
        raise _only_organisers()
    if request.method == "POST":
        form = NewConsultationForm(request.POST)
        if form.is_valid():
            try:
                consultation = manage_services.create_from_page(
                    process=process_, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("The consultation is created. Now write its first version.")
                )
                return redirect("consult:publish_version", process=process, slug=consultation.slug)
    else:
        zone = known_zone(getattr(request, "reader_time_zone", None)) or "UTC"
        opens = _next_hour(zone)
        form = NewConsultationForm(
            initial={
                "time_zone": zone,
                "opens_at": opens,
                "closes_at": opens + dt.timedelta(days=28),
                "language": current_language(),
                "is_public": True,
            }
        )
    return render(
        request,
        "consult/manage_new.html",
        {"process": process_, "form": form},
        status=400 if form.errors else 200,
    )
