"""The log of personal-data exports of a process (who, when, what), for its organisers:
"you said, we did" downloads, activity exports of its events' sessions."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _

from consult.models import Process
from consult.selectors import is_organiser
from people.models import ExportLog
from people.services import process_scope
from sessions.models import Event

PER_PAGE = 100


def process_exports(process: Process) -> QuerySet[ExportLog]:
    """The exports logged for the process, and for its events (an event's activity
    exports were logged under the event when it had no process yet)."""
    events = [
        f"event:{pk}" for pk in Event.objects.filter(process=process).values_list("pk", flat=True)
    ]
    return (
        ExportLog.objects.filter(Q(scope=process_scope(process.pk)) | Q(scope__in=events))
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def export_log(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    process = get_object_or_404(Process, slug=slug)
    if not is_organiser(request.user, process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))
    page = Paginator(process_exports(process), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "privacy/export_log.html", {"process": process, "page": page})


urlpatterns = [
    path("processes/<slug:slug>/exports/", export_log, name="process_exports"),
]
