"""The managers' page of a case's evidence (``/manage/cases/<pk>/evidence``): what is
attached, putting the case to validation with experts, attaching a closed validation
round or a peer-learning activity, removing a copy. Thin: ``knowledge.evidence``
decides; a refusal for who answers 403, bad input 400 with the page and its errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consult.models import Process, ValidationRound
from sessions import evidence as live_evidence
from sessions.models import Activity

from . import evidence
from .models import Case, CaseEvidence
from .selectors import is_manager


def _case(request: HttpRequest, pk: int) -> Case:
    if not is_manager(request.user):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))
    return get_object_or_404(Case.objects.defer("search_vector"), pk=pk)


def _posted_id(request: HttpRequest, name: str) -> int | None:
    """A form's id field as a number, or None (missing, not a number, absurdly long)."""
    text = str(request.POST.get(name, "")).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def _link_back(url: str) -> str:
    """A copy's link if it is a path of this site or a web address, else none."""
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if url.startswith(("https://", "http://")) else ""


def _default_closing() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=evidence.VALIDATION_DAYS)


def _page(
    request: HttpRequest, case: Case, *, failed: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    attached = evidence.attached_keys(case)
    rounds = evidence.attachable_rounds(user=user, case=case)
    activities = evidence.attachable_activities(user=user)
    for round_ in rounds:
        round_.attached = evidence.round_key(round_) in attached
    for activity in activities:
        activity.attached = live_evidence.source_key(activity) in attached
    return render(
        request,
        "knowledge/manage_case_evidence.html",
        {
            "case": case,
            "accepted": case.status == Case.Status.ACCEPTED,
            "evidence": [(item, _link_back(item.url)) for item in evidence.case_evidence(case)],
            "validations": evidence.case_validations(case),
            "processes": evidence.validation_processes(user),
            "rounds": rounds,
            "activities": activities,
            "runs_flagship_labs": bool(activities) or evidence.facilitates_flagship_labs(user),
            "closes_on": _default_closing().isoformat(),
            "failed": failed or {},
        },
        status=status,
    )


def _refused(request: HttpRequest, case: Case, form: str, errors: list[str]) -> HttpResponse:
    """The page again, 400, with the errors on ``form`` and what was sent kept."""
    values = {
        key: request.POST.get(key, "") for key in ("process", "closes_on", "round", "activity")
    }
    return _page(request, case, failed={"form": form, "errors": errors, **values}, status=400)


def _carry_out(
    request: HttpRequest, case: Case, form: str, action: Callable[[], str | None]
) -> HttpResponse:
    """Run ``action`` (the message of success, or None after adding its own); on a
    ValidationError the page again with its messages."""
    try:
        done = action()
    except ValidationError as exc:
        return _refused(request, case, form, [str(message) for message in exc.messages])
    if done:
        messages.success(request, done)
    return redirect(reverse("knowledge:manage_evidence", args=[case.pk]) + "#evidence-heading")


@require_GET
@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _case(request, pk))


@require_POST
@login_required
def validate(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the case to validation: a draft consultation in a process the manager organises."""
    case = _case(request, pk)
    process_id = _posted_id(request, "process")
    process = Process.objects.filter(pk=process_id).first() if process_id is not None else None
    if process is None:
        return _refused(request, case, "validate", [_("Choose a process you organise.")])
    closes_at = None
    closes_on = str(request.POST.get("closes_on", "")).strip()
    if closes_on:
        try:
            day = dt.date.fromisoformat(closes_on[:10]) if len(closes_on) == 10 else None
        except ValueError:
            day = None
        if day is None:
            return _refused(
                request, case, "validate", [_("Give the closing day as a date (YYYY-MM-DD).")]
            )
        # Closes at the end of that day, UTC (the consultation's time zone).
        closes_at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)

    def action() -> None:
        consultation = evidence.put_to_validation(
            case=case, process=process, by=request.user, closes_at=closes_at
        )
        address = reverse("consult:manage", args=[process.slug, consultation.slug])
        said = _(
            "A draft consultation “%(title)s” was made of the case's texts. Open it and run "
            "a validation round with experts on its Manage page; once the round is closed, "
            "attach its results here."
        ) % {"title": consultation.title}
        link = format_html('<a href="{}">{}</a>', address, _("Manage the consultation"))
        messages.success(request, format_html("{} {}", said, link))

    return _carry_out(request, case, "validate", action)


@require_POST
@login_required
def attach_round(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    round_id = _posted_id(request, "round")
    round_ = (
        ValidationRound.objects.select_related("consultation__process").filter(pk=round_id).first()
        if round_id is not None
        else None
    )
    if round_ is None:
        return _refused(request, case, "round", [_("Choose a closed validation round.")])

    def action() -> str:
        item = evidence.attach_round(case=case, round=round_, by=request.user)
        return _("Results of “%(title)s” attached; attaching them again refreshes the copy.") % {
            "title": item.title
        }

    return _carry_out(request, case, "round", action)


@require_POST
@login_required
def attach_activity(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    activity_id = _posted_id(request, "activity")
    activity = (
        Activity.objects.select_related("session__event").filter(pk=activity_id).first()
        if activity_id is not None
        else None
    )
    if activity is None:
        return _refused(
            request, case, "activity", [_("Choose an activity of a peer-learning session.")]
        )

    def action() -> str:
        item = evidence.attach_activity(case=case, activity=activity, by=request.user)
        return _("Results of “%(title)s” attached; attaching them again refreshes the copy.") % {
            "title": item.title
        }

    return _carry_out(request, case, "activity", action)


@require_POST
@login_required
def detach(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    case = _case(request, pk)
    item = get_object_or_404(CaseEvidence, pk=evidence_id, case=case)

    def action() -> str:
        evidence.detach(evidence=item, by=request.user)
        return _("“%(title)s” is no longer evidence of this case.") % {"title": item.title}

    return _carry_out(request, case, "detach", action)
