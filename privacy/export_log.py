"""The log of personal-data exports of a process (who, when, what), for its organisers:
"you said, we did" downloads, activity exports of its events' sessions."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _

from consult.models import Process
from consult.selectors import is_organiser

from . import selectors

PER_PAGE = 100


def export_log(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    process = get_object_or_404(Process, slug=slug)
    if not is_organiser(request.user, process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))
    page = Paginator(selectors.process_exports(process), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "privacy/export_log.html", {"process": process, "page": page})


urlpatterns = [
    path("processes/<slug:slug>/exports/", export_log, name="process_exports"),
]
