"""Pages. Thin: forms check input, services and selectors do the work."""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consult.selectors import is_organiser as is_process_organiser
from people.services import log_export, process_scope
from reports import selectors as report_selectors
from sessions import access, commands, evidence, join_limits, retention, selectors, services
from sessions.join_limits import TooManyTries
from sessions.kinds import CommandError, get_kind, kind_choices
from sessions.models import Activity, Event, Session
from synthesis import balanced, board_themes

from .forms import ActivityForm, EventForm, JoinCodeForm, ProfileForm, SessionForm


def add_errors(form, exc: ValidationError, *more_forms) -> None:
    """Each error onto the first of ``form`` and ``more_forms`` with that field; the
    rest onto ``form`` as errors of the whole form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            owner = next((f for f in (form, *more_forms) if field in f.fields), None)
            if owner is None:
                form.add_error(None, errors)
            else:
                owner.add_error(field, errors)
    else:
        form.add_error(None, exc.messages)


# --------------------------------------------------------------------------- participants


def home(request):
    return render(request, "frontend/home.html", {"form": JoinCodeForm()})


def too_many_tries(request, exc: TooManyTries) -> HttpResponse:
    """The answer to an address over a join limit (sessions/join_limits.py)."""
    response = render(request, "frontend/too_many_tries.html", {"message": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def visited_session(request, code: str) -> Session | None:
    """The session of a join code a visitor typed or followed; a wrong one counts
    against their address, refused (``TooManyTries``) while it is over the limit,
    unless they show they know this code: its room cookie, or an organiser's log-in."""
    return join_limits.session_for_code(
        code=code,
        address=join_limits.request_address(request=request),
        proven=lambda: (
            selectors.token_from_cookies(request.COOKIES, code=code) is not None
            or selectors.may_run_events(request.user)
        ),
    )


def code_form(data=None) -> JoinCodeForm:
    """The join page's code form, its field focused on arrival (the one thing to do)."""
    form = JoinCodeForm(data)
    form.fields["code"].widget.attrs["autofocus"] = True
    return form


def join_problem(session: Session) -> str | None:
    """Why this session takes no new participants now, said on the join page before
    anyone fills in the form."""
    refusal = selectors.join_refusal(session)
    return refusal.message if refusal is not None else None


def join(request):
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "code" in request.GET else None)
    )
    form = code_form(data)
    if data is not None and form.is_valid():
        try:
            session = visited_session(request, form.cleaned_data["code"])
        except TooManyTries as exc:
            return too_many_tries(request, exc)
        if session is None:
            form.add_error("code", _("No session has this code. Check it and try again."))
        else:
            return redirect("frontend:join_code", code=session.code)
    return render(request, "frontend/join.html", {"form": form}, status=400 if form.errors else 200)


def current_participant(request, session: Session):
    return selectors.participant_from_cookies(request.COOKIES, session=session)


def session_page(*, participant: bool = False):
    """A page of a visited join code: the view gets the session (and, with
    ``participant``, the participant the room cookie names, else the visitor goes to
    the join page). A wrong code counts against the address: 404, or 429 over the limit."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, code: str, *args, **kwargs):
            try:
                session = visited_session(request, code)
            except TooManyTries as exc:
                return too_many_tries(request, exc)
            if session is None:
                raise Http404(_("No session has this code."))
            if not participant:
                return view(request, session, *args, **kwargs)
            person = current_participant(request, session)
            if person is None:
                return redirect("frontend:join_code", code=session.code)
            return view(request, session, person, *args, **kwargs)

        return wrapper

    return decorate


def join_code(request, code: str):
    try:
        session = visited_session(request, code)
    except TooManyTries as exc:
        return too_many_tries(request, exc)
    if session is None:
        form = code_form({"code": code})
        form.is_valid()
        form.add_error("code", _("No session has this code. Check it and try again."))
        return render(request, "frontend/join.html", {"form": form}, status=404)
    if current_participant(request, session) is not None:
        return redirect("frontend:room", code=session.code)
    problem = join_problem(session)
    form = ProfileForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            participant = services.join_session(
                code=session.code,
                user=request.user,
                address=join_limits.request_address(request=request),
                check_code_tries=False,  # checked above
                **form.cleaned_data,
            )
        except TooManyTries as exc:
            return too_many_tries(request, exc)
        except CommandError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            response = redirect("frontend:room", code=session.code)
            selectors.set_participant_cookie(
                response, participant=participant, secure=request.is_secure()
            )
            return response
    status = 400 if form.errors or (request.method == "POST" and problem) else 200
    context = {"form": form, "session": session, "problem": problem}
    context["retention_days"] = retention.retention_days_for(event=session.event)
    return render(request, "frontend/join_profile.html", context, status=status)


def agenda_kinds(activities: Iterable[Activity]) -> list[str]:
    """The kinds of a session's ``activities``: a live page loads only their scripts
    and style sheets, and room.js loads a kind added to the agenda later
    (docs/architecture.md, "The browser script")."""
    return sorted({activity.kind for activity in activities})


@session_page(participant=True)
def room(request, session: Session, participant):
    """The participant's room. The page does not carry their token: the room's
    WebSocket handshake sends the HTTP-only cookie (docs/protocol.md). A closed
    session's room says so and where to go on, without waiting for the connection
    (which a closed session refuses)."""
    ended = session.status == Session.Status.CLOSED
    return render(
        request,
        "frontend/room.html",
        {
            "session": session,
            "participant": participant,
            "ws_path": f"/ws/s/{session.code}/",
            "page_kinds": agenda_kinds(session.activities.only("kind")),
            "ended": ended,
            "follow_up": selectors.follow_up(session) if ended else None,
            "report_url": report_selectors.shared_url(session) if ended else None,
        },
    )


@require_http_methods(["GET", "POST"])
@session_page(participant=True)
def participant_profile(request, session: Session, participant):
    """The participant's own profile, to correct from the room: the join form again,
    filled in with what they gave (the participant is the one their room cookie names)."""
    problem = _("This session has ended.") if session.status == Session.Status.CLOSED else None
    if request.method == "POST":
        form = ProfileForm(request.POST)
    else:
        form = ProfileForm(
            initial={name: str(getattr(participant, name)) for name in services.PROFILE_FIELDS}
        )
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            services.update_participant_profile(participant=participant, **form.cleaned_data)
        except CommandError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("frontend:room", code=session.code)
    status = 400 if form.errors or (request.method == "POST" and problem) else 200
    context = {"form": form, "session": session, "participant": participant, "problem": problem}
    return render(request, "frontend/participant_profile.html", context, status=status)


@session_page()
def screen(request, session: Session):
    join_url = request.build_absolute_uri(reverse("frontend:join_code", args=[session.code]))
    # Inline SVG: no style attribute (CSP), scales with CSS, its <title> names it for
    # screen readers. segno escapes the title; the rest is path data.
    qr = segno.make(join_url, error="m").svg_inline(
        border=2,
        omitsize=True,
        light="#fff",
        svgclass="qr",
        title=_("QR code that opens the join page %(url)s") % {"url": join_url},
    )
    return render(
        request,
        "frontend/screen.html",
        {
            "session": session,
            "join_url": join_url,
            "qr": mark_safe(qr),  # noqa: S308 - segno's own markup, title escaped by segno
            "ws_path": f"/ws/s/{session.code}/",
            "page_kinds": agenda_kinds(session.activities.only("kind")),
            # ?contrast=high: black on white, no greys (a washed-out projector, a bright room).
            "high_contrast": request.GET.get("contrast") == "high",
        },
    )


# --------------------------------------------------------------------------- facilitators


def sent_by_script(request) -> bool:
    """A console form sent by console.js (``fetch``), answered in place: the form alone
    or JSON, and no message left for a later page."""
    return request.headers.get("X-Requested-With") == "fetch"


def organiser_required(view):
    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.may_run_events(request.user):
            raise PermissionDenied(_("Only organisers can do this."))
        return view(request, *args, **kwargs)

    return wrapper


def facilitated_session(request, code: str) -> Session:
    return access.facilitated_session(user=request.user, code=code)


@organiser_required
def dashboard(request):
    form = EventForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Event created."))
            return redirect("frontend:event", event_id=event.pk)
    events = selectors.events_for(request.user)
    status = 400 if form.errors else 200
    return render(
        request,
        "frontend/dashboard.html",
        {
            "events": events,
            "form": form,
            "programme": report_selectors.may_see_programme(request.user),
        },
        status=status,
    )


@organiser_required
def event_detail(request, event_id: int):
    event = get_object_or_404(Event.objects.select_related("process"), pk=event_id)
    if not (request.user.is_superuser or event.owner_id == request.user.pk):
        raise PermissionDenied(_("Only this event's organisers can see it."))
    form = SessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(event=event, title=form.cleaned_data["title"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Session created. Its join code is %(code)s.") % {"code": session.code}
            )
            return redirect("frontend:console", code=session.code)
    sessions = event.sessions.all()
    status = 400 if form.errors else 200
    process = event.process
    return render(
        request,
        "frontend/event.html",
        {
            "event": event,
            "sessions": sessions,
            "form": form,
            "process_organiser": process is not None
            and is_process_organiser(request.user, process),
        },
        status=status,
    )


def kind_forms(bound=None) -> list[tuple[str, Any, Any]]:
    """(name, label, settings form) of every kind with a settings form of its own;
    ``bound`` replaces the blank form of its kind (to show its errors)."""
    forms = []
    for name, _label in kind_choices():
        kind = get_kind(name)
        if kind.config_form is None:
            continue
        if bound is not None and bound.prefix == name:
            forms.append((name, kind.label, bound))
        else:
            forms.append((name, kind.label, kind.config_form(prefix=name)))
    return forms


def console_parts(*, request, session: Session) -> dict[str, Any]:
    """What the console's live parts (session state, panel commands, agenda cards) show."""
    agenda = selectors.agenda(session)
    targets = evidence.section_choices(request.user, session.event)
    names = {
        section: f"{target['consultation'].title}: {heading}"
        for target in targets
        for section, heading in target["sections"]
    }
    attached = evidence.attached_sections(agenda)
    for activity in agenda:
        activity.evidence_in = [names[s] for s in attached[activity.pk] if s in names]
        # Pages that work on this activity (e.g. a board's themes): (label, address).
        activity.tool_links = [
            *get_kind(activity.kind).tool_links(activity),
            *board_themes.tool_links(activity=activity),
        ]
    return {
        "session": session,
        "agenda": agenda,
        "evidence_targets": targets,
        "visibility_choices": Activity.Visibility.choices,
    }


def render_console(
    request, session: Session, form: ActivityForm, status: int = 200, kind_form=None
):
    """The whole console page, or for a fetch request only its "Add an activity" form
    (console_add_form.html, which console.js puts in place of the refused one)."""
    if sent_by_script(request):
        return render(
            request,
            "frontend/console_add_form.html",
            {"session": session, "form": form, "kind_forms": kind_forms(kind_form)},
            status=status,
        )
    join_url = request.build_absolute_uri(reverse("frontend:join_code", args=[session.code]))
    parts = console_parts(request=request, session=session)
    return render(
        request,
        "frontend/console.html",
        {
            **parts,
            "page_kinds": agenda_kinds(parts["agenda"]),
            "form": form,
            "kind_forms": kind_forms(kind_form),
            "join_url": join_url,
            "ws_path": f"/ws/s/{session.code}/",
        },
        status=status,
    )


@organiser_required
def console(request, code: str):
    """The facilitator's console; ``?part=agenda`` answers only the parts that commands
    change (console_live.html), which console.js swaps into the page after each one."""
    session = facilitated_session(request, code)
    if request.GET.get("part") == "agenda":
        response = render(
            request,
            "frontend/console_live.html",
            console_parts(request=request, session=session),
        )
        add_never_cache_headers(response)
        return response
    return render_console(request, session, ActivityForm())


@organiser_required
@require_POST
def add_activity(request, code: str):
    session = facilitated_session(request, code)
    form = ActivityForm(request.POST)
    kind_form = None
    # The chosen kind's settings are read (and shown again) even when another field
    # is wrong; the other kinds' settings fields are ignored.
    if form.is_valid() or "kind" in form.cleaned_data:
        kind = get_kind(form.cleaned_data["kind"])
        if kind.config_form is not None:
            kind_form = kind.config_form(request.POST, prefix=kind.name)
    settings_valid = kind_form is None or kind_form.is_valid()
    if form.is_valid() and settings_valid:
        try:
            activity = services.add_activity(
                session=session,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                config=kind_form.config() if kind_form is not None else {},
                results_visibility=form.cleaned_data["results_visibility"],
                allow_change=form.cleaned_data["allow_change"],
            )
        except ValidationError as exc:
            if kind_form is not None:
                add_errors(kind_form, exc, form)
            else:
                add_errors(form, exc)
        except CommandError as exc:
            form.add_error(None, exc.message)
        else:
            if sent_by_script(request):  # console.js
                return JsonResponse({"activity": activity.pk, "title": activity.title})
            messages.success(request, _("Activity added to the agenda."))
            # console.js opens the card the address points at.
            return redirect(
                reverse("frontend:console", args=[session.code]) + f"#activity-{activity.pk}"
            )
    return render_console(request, session, form, status=400, kind_form=kind_form)


@organiser_required
@require_POST
def console_action(request, code: str):
    """A facilitator command from the console's forms (sessions/commands.py: the same
    table and names as the room's ``control`` message)."""
    session = facilitated_session(request, code)
    name = request.POST.get("action", "")
    command = commands.COMMANDS.get(name)
    try:
        if command is None:
            raise CommandError("unknown_action", _("Unknown action."))
        raw_activity = request.POST.get("activity", "")
        value = command.form_value(request.POST)
        commands.run(
            session=session,
            name=name,
            activity_id=int(raw_activity) if raw_activity.isdigit() else None,
            value=value,
        )
    except CommandError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, command.done(value))
    # Back to the page the form was on: the presenter view's forms say so.
    page = "frontend:present" if request.POST.get("back") == "present" else "frontend:console"
    return redirect(page, code=session.code)


@organiser_required
@require_POST
def attach_evidence(request, code: str, activity_id: int):
    """Attach a copy of the activity's results to the consultation section chosen."""
    session = facilitated_session(request, code)
    activity = get_object_or_404(Activity, pk=activity_id, session=session)
    activity.session = session
    section = evidence.find_section(request.POST.get("section"))
    error = ""
    try:
        if section is None:
            raise ValidationError(_("Choose a section of a consultation."))
        evidence.attach_activity_to_section(activity=activity, section=section, by=request.user)
    except PermissionDenied as exc:
        error = str(exc) or _("You may not attach results to this section.")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        done = _("Results of “%(activity)s” attached to the consultation “%(consultation)s”.") % {
            "activity": activity.title,
            "consultation": section.consultation.title,
        }
    # console.js (fetch) shows the answer in place; the form without it reloads the page.
    if sent_by_script(request):
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"message": done})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(reverse("frontend:console", args=[session.code]) + f"#activity-{activity.pk}")


def activity_results(request, code: str, activity_id: int):
    """One activity's results, read-only, as anyone may read them (``evidence_rows``):
    for its facilitators, and for everyone once shown on the projector or attached as
    evidence to a consultation they may read; otherwise not found."""
    session = selectors.session_by_code(code)
    activity = Activity.objects.filter(pk=activity_id, session=session).first() if session else None
    if activity is None:
        raise Http404(_("No such results."))
    activity.session = session
    if not evidence.results_public(activity, request.user):
        raise Http404(_("No such results."))
    return render(
        request,
        "frontend/results.html",
        {
            "session": session,
            "activity": activity,
            "rows": evidence.evidence_rows(activity),
            "responses": get_kind(activity.kind).response_count(activity),
            "facilitator": selectors.can_facilitate(request.user, session),
            "balanced": balanced.balanced_results(activity=activity),
        },
    )


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (participants write these texts)."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


@organiser_required
def export_csv(request, code: str, activity_id: int):
    session = facilitated_session(request, code)
    activity = get_object_or_404(Activity, pk=activity_id, session=session)
    columns, records = selectors.export_records(activity)
    with_weight_columns(activity=activity, columns=columns, records=records, empty="")
    _log_activity_export(request, session, activity, "csv", len(records))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{session.code}-{activity.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(columns)
    for record in records:
        writer.writerow([spreadsheet_safe(record[name]) for name in columns])
    return response


def with_weight_columns(
    *, activity: Activity, columns: list[str], records: list[dict[str, Any]], empty: Any = None
) -> balanced.ExportWeights | None:
    """Add the balanced-results weight columns (``synthesis.balanced.WEIGHT_COLUMNS``)
    after the export's own to ``columns`` and every record, for the kinds that have
    them (``empty`` where a weight does not apply). Returns the weights and figures."""
    weights = balanced.export_weights(activity=activity)
    if weights is None:
        return None
    names = list(balanced.WEIGHT_COLUMNS.values())
    columns.extend(names)
    for record in records:
        values = balanced.column_values(weights, record["participant"])
        record.update((n, empty if v is None else v) for n, v in zip(names, values, strict=True))
    return weights


def _log_activity_export(request, session: Session, activity: Activity, fmt: str, rows: int):
    """Activity exports carry participants' profiles: logged in the process's log (or,
    for an event outside any process, the event's)."""
    event = session.event
    log_export(
        user=request.user,
        what=f"activity export ({fmt}): {activity.title} \u00b7 {session.title}",
        rows=rows,
        scope=process_scope(event.process_id) if event.process_id else f"event:{event.pk}",
    )


@organiser_required
def export_json(request, code: str, activity_id: int):
    session = facilitated_session(request, code)
    activity = get_object_or_404(Activity, pk=activity_id, session=session)
    columns, records = selectors.export_records(activity)
    weights = with_weight_columns(activity=activity, columns=columns, records=records)
    _log_activity_export(request, session, activity, "json", len(records))
    response = JsonResponse(
        {
            "session": session.code,
            "activity": {"id": activity.pk, "kind": activity.kind, "title": activity.title},
            "columns": columns,
            "responses": records,
            **({"weights": weights.figures} if weights is not None else {}),
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="{session.code}-{activity.pk}.json"'
    return response
