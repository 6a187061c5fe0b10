"""The public events calendar (a page, an iCal feed, a calendar file per event) and the
consultations open now. No account needed; only public events and the consultations
the reader may read are shown. The reads are frontend/calendar.py's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from consult.time_zone import current_zone_name
from sessions.models import Event

from . import calendar

ICAL_TYPE = "text/calendar; charset=utf-8"


class CalendarForm(forms.Form):
    """The calendar's filters (GET): a process (its slug), a kind, past or upcoming."""

    process = forms.ChoiceField(label=gettext_lazy("Process"), choices=[], required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of event"), choices=[], required=False)
    # Shown as two links, not a menu: "" or "0" the upcoming events, "1" the past ones.
    past = forms.ChoiceField(choices=[("", ""), ("0", ""), ("1", "")], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["process"].choices = any_ + [
            (process.slug, process.title) for process in calendar.calendar_processes()
        ]
        self.fields["kind"].choices = any_ + list(Event.Kind.choices)
        self.fields["process"].error_messages["invalid_choice"] = _(
            "There is no process “%(value)s” in the calendar."
        )
        self.fields["kind"].error_messages["invalid_choice"] = _(
            "“%(value)s” is not a kind of event."
        )
        self.fields["past"].error_messages["invalid_choice"] = _(
            "“past” is 1 for the past events, or left out for the upcoming ones."
        )

    def filters(self) -> calendar.CalendarFilters:
        if not self.is_bound or not self.is_valid():
            return calendar.CalendarFilters()
        return calendar.CalendarFilters(
            process=self.cleaned_data["process"], kind=self.cleaned_data["kind"]
        )

    def wants_past(self) -> bool:
        return self.is_bound and self.is_valid() and self.cleaned_data["past"] == "1"

    def problems(self) -> list[str]:
        """Every error, as one message each (for the 400 answers)."""
        return [str(error) for errors in self.errors.values() for error in errors]

    def menu(self, name: str) -> list[tuple[str, str, bool]]:
        """The options of filter ``name``: (value, label, chosen)."""
        bound = self[name]
        chosen = "" if bound.value() is None else str(bound.value())
        return [
            (str(value), label, str(value) == chosen) for value, label in self.fields[name].choices
        ]


def _query(request, *drop: str) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


@require_GET
def calendar_page(request):
    """The upcoming public events (or, with ``?past=1``, the past ones, the newest
    first), filtered by process and kind, 50 a page."""
    form = CalendarForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        for problem in form.problems():
            messages.error(request, problem)
        messages.error(request, _("Showing every upcoming event instead."))
    today = timezone.localdate()
    past = form.wants_past()
    filters = form.filters()
    if past:
        events = calendar.past_events(today=today, filters=filters)
    else:
        events = calendar.upcoming_events(today=today, filters=filters)
    page = Paginator(events, calendar.PER_PAGE).get_page(request.GET.get("page"))
    filter_query = "" if status == 400 else _query(request, "page", "past")
    return render(
        request,
        "frontend/calendar.html",
        {
            "form": form,
            "page": page,
            "past": past,
            "query": _query(request, "page"),
            "filter_query": filter_query,
            "filtered": bool(filters.process or filters.kind),
            "process_menu": form.menu("process"),
            "kind_menu": form.menu("kind"),
        },
        status=status,
    )


def _ical_response(body: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ICAL_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def calendar_feed(request):
    """Every upcoming public event and those of the last 90 days, as one iCal file
    (the address a calendar application subscribes to); the page's filters apply."""
    form = CalendarForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "\n".join(form.problems()) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    today = timezone.localdate()
    events = calendar.feed_events(today=today, filters=form.filters())
    body = calendar.calendar_file(events, name=_("Public events"), today=today)
    return _ical_response(body, filename="calendar.ics")


@require_GET
def event_ics(request, event_id: int):
    """One public event as a calendar file (unknown and non-public events alike: 404)."""
    event = calendar.public_event(event_id=event_id)
    if event is None:
        raise Http404
    body = calendar.calendar_file([event], name=event.title)
    return _ical_response(body, filename=f"event-{event.pk}.ics")


@require_GET
def open_consultations(request):
    """The consultations the reader may read that accept comments now."""
    return render(
        request,
        "frontend/open_consultations.html",
        {
            "consultations": calendar.open_consultations(user=request.user),
            "zone": current_zone_name(),
        },
    )
