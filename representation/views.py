"""Pages and JSON of the target mix and the representation: thin views over
representation.services and selectors."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from consult.models import Consultation, Process, TargetShare
from consult.selectors import is_organiser
from consult.targets import (
    DIMENSION_VALUES,
    TargetError,
    alert_gap_points,
    retention_days_of,
    target_mix,
)
from sessions.models import Event, Session
from sessions.selectors import can_facilitate

from . import selectors
from .forms import TargetForm
from .services import TargetsInvalid, save_targets

PEOPLE_PER_PAGE = 100


# --------------------------------------------------------------------------- scopes


def _scope(
    slug: str,
    *,
    event_id: int | None = None,
    code: str | None = None,
    consultation: str | None = None,
) -> selectors.Scope:
    """The scope a URL names; 404 when it does not exist or is not of the process."""
    process = get_object_or_404(Process, slug=slug)
    if event_id is not None:
        event = get_object_or_404(Event, pk=event_id, process=process)
        event.process = process
        return selectors.event_scope(event)
    if code is not None:
        session = get_object_or_404(
            Session.objects.select_related("event"),
            code=code.strip().upper(),
            event__process=process,
        )
        session.event.process = process
        return selectors.session_scope(session)
    if consultation is not None:
        found = get_object_or_404(Consultation, process=process, slug=consultation)
        found.process = process
        return selectors.consultation_scope(found)
    return selectors.process_scope(process)


def scope_url(scope: selectors.Scope, name: str = "page", **extra: str) -> str:
    """The URL of a scope's representation page (``name`` "page") or, with
    ``dimension`` and ``value``, of its people list (``name`` "people")."""
    kwargs: dict[str, object] = {"slug": scope.process.slug, **extra}
    if scope.kind == "event":
        kwargs["event_id"] = scope.event.pk
    elif scope.kind == "session":
        kwargs["code"] = scope.session.code
    elif scope.kind == "consultation":
        kwargs["consultation"] = scope.consultation.slug
    return reverse(f"representation:{scope.kind}_{name}", kwargs=kwargs)


def _scoped(view, allowed):
    """Resolve the scope from the URL and let through those ``allowed(user, scope)``
    admits: anonymous visitors go to the login page, others get a 403."""

    @functools.wraps(view)
    @login_required
    def wrapper(
        request: HttpRequest,
        slug: str,
        event_id: int | None = None,
        code: str | None = None,
        consultation: str | None = None,
        **rest: str,
    ):
        scope = _scope(slug, event_id=event_id, code=code, consultation=consultation)
        if not allowed(request.user, scope):
            raise PermissionDenied(_("Only the organisers of this process can see this."))
        return view(request, scope, **rest)

    return wrapper


def readable_scope(view):
    """For those who may see the scope's representation (``selectors.may_see``)."""
    return _scoped(view, selectors.may_see)


def organised_scope(view):
    """For the organisers of the scope's process only."""
    return _scoped(view, lambda user, scope: is_organiser(user, scope.process))


# --------------------------------------------------------------------------- target mix


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def targets(request: HttpRequest, slug: str) -> HttpResponse:
    process = get_object_or_404(Process, slug=slug)
    if not is_organiser(request.user, process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))
    form = TargetForm(
        request.POST if request.method == "POST" else None,
        mix=target_mix(process),
        alert_gap_points=alert_gap_points(process),
        retention_days=retention_days_of(process),
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_targets(
                process=process,
                by=request.user,
                mixes=form.mixes,
                alert_gap_points=form.cleaned_data["alert_gap_points"],
                retention_days=form.cleaned_data["retention_days"],
            )
        except TargetsInvalid as exc:
            for name, message in exc.errors.items():
                form.add_error(f"{name}-mode" if name in form.mixes else name, message)
        except TargetError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Target mix saved."))
            return redirect("representation:targets", slug=process.slug)
    return render(
        request,
        "representation/targets.html",
        {"process": process, "form": form},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- representation


def _children(scope: selectors.Scope) -> dict[str, list]:
    """The narrower scopes a page links to (events, sessions, consultations)."""
    if scope.kind == "process":
        return {
            "events": list(
                Event.objects.filter(process=scope.process).prefetch_related("sessions")
            ),
            "consultations": list(Consultation.objects.filter(process=scope.process)),
        }
    if scope.kind == "event":
        return {"sessions": list(scope.event.sessions.all())}
    return {}


def _outreach_links(
    scope: selectors.Scope, dimension: str, value: str, people: list
) -> dict[str, str]:
    """Links to the invitation pages (app outreach): its audience page with the
    directory filter for the value (groups and regions: outreach has no gender filter),
    the same page with exactly the people listed who are not invited yet, and the
    invitation list of those of the group who have not answered (where reminders go)."""
    new = reverse("outreach:new", args=[scope.process.slug])
    links = {"invite": "", "invite_listed": "", "remind": ""}
    filter_name = {selectors.GROUP: "group", selectors.REGION: "region"}.get(dimension)
    if filter_name is not None:
        links["invite"] = f"{new}?" + urlencode({filter_name: value})
    not_invited = [person.pk for person in people if not person.invited]
    if not_invited:
        links["invite_listed"] = f"{new}?" + urlencode({"person": not_invited}, doseq=True)
    if dimension == selectors.GROUP:
        links["remind"] = (
            reverse("outreach:list", args=[scope.process.slug])
            + "?"
            + urlencode({"answer": "none", "group": value})
        )
    return links


@require_safe
@readable_scope
def representation_page(request: HttpRequest, scope: selectors.Scope) -> HttpResponse:
    full = selectors.sees_full_figures(request.user, scope)
    rep = selectors.for_viewer(rep=selectors.representation(scope=scope), full=full)
    alerts = [
        {
            "table": table,
            "row": row,
            "cells": [(s.label, c) for s, c in zip(rep.stages, row.cells, strict=True) if c.alert],
            "people_url": scope_url(scope, "people", dimension=table.dimension, value=row.value)
            if full
            else "",
        }
        for table, row in rep.alerts
    ]
    return render(
        request,
        "representation/representation.html",
        {
            "scope": scope,
            "rep": rep,
            "alerts": alerts,
            "organiser": full,
            "children": _children(scope),
        },
    )


@require_safe
@organised_scope
def people_page(
    request: HttpRequest, scope: selectors.Scope, dimension: str, value: str
) -> HttpResponse:
    if not selectors.valid_value(dimension, value):
        raise Http404(_("No such group, region or gender."))
    people = selectors.people_to_invite(scope=scope, dimension=dimension, value=value)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read once, for the links and the table
    label = dict(DIMENSION_VALUES[dimension].choices)[value]
    return render(
        request,
        "representation/people.html",
        {
            "scope": scope,
            "dimension_label": TargetShare.Dimension(dimension).label,
            "value_label": label,
            "page": page,
            "left_out": selectors.not_contactable_count(dimension=dimension, value=value),
            "links": _outreach_links(scope, dimension, value, page.object_list),
            "back_url": scope_url(scope),
        },
    )


# --------------------------------------------------------------------------- facilitator console


def _facilitated_session(request: HttpRequest, slug: str, code: str) -> selectors.Scope | None:
    scope = _scope(slug, code=code)
    if not can_facilitate(request.user, scope.session):
        return None
    return scope


@require_safe
def session_json(request: HttpRequest, slug: str, code: str) -> JsonResponse:
    """Every stage of a session for its facilitators: all figures for an organiser of
    the process, small counts suppressed for the others."""
    scope = _facilitated_session(request, slug, code)
    if scope is None:
        return JsonResponse(
            {"error": _("Only this session's facilitators can see this.")}, status=403
        )
    full = selectors.sees_full_figures(request.user, scope)
    rep = selectors.for_viewer(rep=selectors.representation(scope=scope), full=full)
    return JsonResponse(rep.as_json(), json_dumps_params={"ensure_ascii": False})


@require_safe
def projector_json(request: HttpRequest, slug: str, code: str) -> JsonResponse:
    """Who is in the room, for the projector: the live stages only, small counts always
    suppressed whoever asks."""
    scope = _facilitated_session(request, slug, code)
    if scope is None:
        return JsonResponse(
            {"error": _("Only this session's facilitators can see this.")}, status=403
        )
    rep = selectors.suppress(selectors.representation(scope=scope, stages=selectors.LIVE_STAGES))
    return JsonResponse(rep.as_json(), json_dumps_params={"ensure_ascii": False})
