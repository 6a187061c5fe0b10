"""Attendance pages: the check-in at the door (the organiser's phone opens the address
of an invitee's QR code), the code typed by hand when scanning is not possible, and
an event's attendance list with its CSV and XLSX downloads.

Every route needs a row in tests/outreach/test_permission_matrix.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from consult.models import Process
from consult.selectors import is_organiser
from people.services import log_export, process_scope
from people.spreadsheets import as_csv, as_xlsx
from sessions.models import Event

from . import attendance as att
from .models import Attendance
from .views import ONLY_ORGANISERS, organisers_only

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Check-in code"),
        max_length=300,
        help_text=gettext_lazy(
            "The code beside the QR code on the invitation, e.g. 42-K7QX2MPA9D."
        ),
    )


def _event(process: Process, event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id, process=process).first()
    if event is None:
        raise Http404(_("No such event in this process."))
    return event


@require_http_methods(["GET", "POST"])
def checkin(request, code: str):
    """The address of an invitee's QR code: who they are and one "Check in" button."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    invitation = att.invitation_for_code(code)
    if invitation is None:
        raise Http404(_("This check-in code is not valid."))
    if not is_organiser(request.user, invitation.process):
        raise PermissionDenied(ONLY_ORGANISERS)
    event = att.event_of(invitation)
    if request.method == "POST":
        result = att.check_in(invitation=invitation, by=request.user)
        at = att.local_time(event, result.attendance.checked_in_at).strftime("%H:%M")
        name = invitation.person.name
        if result.done_now:
            messages.success(
                request, _("Checked in: %(name)s at %(time)s.") % {"name": name, "time": at}
            )
        else:
            messages.info(
                request,
                _("%(name)s was already checked in at %(time)s.") % {"name": name, "time": at},
            )
        return redirect("outreach:checkin", code=att.checkin_code(invitation))
    attendance = Attendance.objects.filter(invitation=invitation).first()
    return render(
        request,
        "outreach/checkin.html",
        {
            "invitation": invitation,
            "event": event,
            "process": invitation.process,
            "attendance": attendance,
            "attendance_time": att.local_time(event, attendance.checked_in_at).strftime("%H:%M")
            if attendance
            else "",
        },
    )


@organisers_only
@require_GET
def event_checkin(request, process: Process, event_id: int):
    """Type a check-in code by hand (when the QR code cannot be scanned)."""
    event = _event(process, event_id)
    form = CodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        invitation = att.invitation_for_code(form.cleaned_data["code"])
        if invitation is None or invitation.process_id != process.pk:
            form.add_error("code", _("This code is not valid: check it and type it again."))
        elif att.event_of(invitation).pk != event.pk:
            form.add_error("code", _("This code is for another event."))
        else:
            return redirect("outreach:checkin", code=att.checkin_code(invitation))
    return render(
        request,
        "outreach/event_checkin.html",
        {"process": process, "event": event, "form": form},
        status=400 if form.errors else 200,
    )


@organisers_only
@require_GET
def attendance_list(request, process: Process, event_id: int):
    """Who came to an event, in the room and remotely; ``?format=csv|xlsx`` downloads it
    (logged as an export of personal data) and ``?mode=`` keeps one mode."""
    event = _event(process, event_id)
    mode = request.GET.get("mode", "")
    if mode not in Attendance.Mode.values:
        mode = ""
    fmt = request.GET.get("format", "")
    everyone = att.attendance_rows(event=event)
    rows = [row for row in everyone if not mode or row["mode"] == mode]
    if fmt in ("csv", "xlsx"):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if fmt == "csv":
            response = HttpResponse(
                as_csv(att.COLUMNS, rows), content_type="text/csv; charset=utf-8"
            )
        else:
            columns = [
                ("name", "name"),
                ("organisation", "organisation"),
                ("stakeholder_group_label", "stakeholder_group"),
                ("mode_label", "mode"),
                ("checked_in_at", "checked_in_at"),
            ]
            response = HttpResponse(
                as_xlsx(
                    columns,
                    rows,
                    title=_("Attendance"),
                    labels={key: str(label) for key, label in att.LABELS.items()},
                ),
                content_type=XLSX,
            )
        suffix = f"-{mode}" if mode else ""
        response["Content-Disposition"] = (
            f'attachment; filename="attendance-{event.pk}{suffix}-{stamp}.{fmt}"'
        )
        log_export(
            user=request.user,
            what=f"attendance list ({fmt}{', ' + mode if mode else ''}): {event.title}",
            rows=len(rows),
            scope=process_scope(process.pk),
        )
        return response
    if fmt:
        raise Http404(_("Exports are CSV or XLSX."))
    return render(
        request,
        "outreach/attendance.html",
        {
            "process": process,
            "event": event,
            "rows": rows,
            "mode": mode,
            "counts": att.mode_counts(everyone),
            "total": len(everyone),
            "modes": Attendance.Mode.choices,
        },
    )
