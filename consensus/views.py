"""The facilitator's common-ground page of a consensus activity: the map of opinion
groups, their profiles, common-ground and divisive statements, every statement per
declared group, and promoting a statement to another activity (a dot vote, say).

Only the session's facilitators see it (``sessions.access``, the console's own rule)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sessions import access
from sessions import services as session_services
from sessions.kinds import CommandError
from sessions.models import Activity

from . import report
from .forms import PromoteForm

KIND = "consensus"


def page_url(activity: Activity) -> str:
    return reverse(
        "consensus:common_ground",
        kwargs={"code": activity.session.code, "activity_id": activity.pk},
    )


def _facilitated_activity(request: HttpRequest, *, code: str, activity_id: int) -> Activity:
    return access.facilitated_activity(
        user=request.user,
        code=code,
        activity_id=activity_id,
        kinds=(KIND,),
        missing=_("This session has no such common-ground activity."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def common_ground(request: HttpRequest, code: str, activity_id: int) -> HttpResponse:
    """GET: the analysis; POST: promote one statement to another activity."""
    activity = _facilitated_activity(request, code=code, activity_id=activity_id)
    targets = report.promotion_targets(activity=activity)
    form = PromoteForm(targets=targets)
    status = 200
    if request.method == "POST":
        form = PromoteForm(request.POST, targets=targets)
        if form.is_valid():
            try:
                session_services.moderate_activity(
                    activity=activity, action="promote", data=form.command_data()
                )
            except CommandError as error:
                form.add_error(None, error.message)
            else:
                target = next(t for t in targets if t.pk == form.cleaned_data["target"])
                messages.success(
                    request,
                    _("“%(text)s” is now a statement of “%(target)s”.")
                    % {"text": form.statement_text(), "target": target.title},
                )
                return redirect(page_url(activity))
        status = 400
    return render(
        request,
        "consensus/common_ground.html",
        {
            "activity": activity,
            "code": code,
            "page": report.common_ground_page(activity=activity),
            "form": form,
            "targets": targets,
        },
        status=status,
    )
