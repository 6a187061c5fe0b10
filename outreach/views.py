"""Invitation pages: the organisers' (audience, texts, list, reminders) under
/processes/<slug>/invitations/, and the invitee's personal link under /i/<token>/.

Thin: forms check the input, services and selectors do the work. Every route needs a
row in tests/outreach/test_permission_matrix.py."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

import segno
from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from allauth.account.utils import complete_signup
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consult.models import Process
from consult.selectors import is_organiser
from people.selectors import PeopleFilter, filter_people
from sessions import join_limits
from sessions import selectors as session_selectors
from sessions.join_limits import TooManyTries
from sessions.kinds import CommandError
from sessions.models import Session

from . import attendance, selectors, services
from .forms import (
    AnswerForm,
    AudienceForm,
    JoinProfileForm,
    ListFilterForm,
    PreviewForm,
    RemindForm,
    TextsForm,
)
from .models import Invitation

PER_PAGE = 100
# How many of an audience's names the builder lists before sending.
NAMES_SHOWN = 100
ONLY_ORGANISERS = _("Only the organisers of this process can do this.")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def organisers_only(view):
    """Log in first; then only the organisers of the process (404 if there is none)."""

    @functools.wraps(view)
    def wrapped(request, process: str, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        found = Process.objects.filter(slug=process).first()
        if found is None:
            raise Http404(_("No such process."))
        if not is_organiser(request.user, found):
            raise PermissionDenied(ONLY_ORGANISERS)
        return view(request, found, *args, **kwargs)

    return wrapped


def _list_url(process: Process, **query) -> str:
    url = reverse("outreach:list", args=[process.slug])
    query = {k: v for k, v in query.items() if v}
    return f"{url}?{urlencode(query)}" if query else url


# --------------------------------------------------------------------------- organisers


@organisers_only
@require_GET
def invitation_list(request, process: Process):
    form = ListFilterForm(process, request.GET or None)
    list_filter = form.list_filter() if form.is_bound and form.is_valid() else None
    if form.is_bound and list_filter is None:
        rows, counts, page = [], None, None
    else:
        qs = selectors.invitations(process=process, f=list_filter)
        counts = selectors.invitation_counts(qs)
        page = Paginator(qs.order_by("-created_at", "-id"), PER_PAGE).get_page(
            request.GET.get("page")
        )
        rows = [
            {
                "invitation": invitation,
                "target": selectors.target_of(invitation),
                "status": selectors.status_of(invitation),
            }
            for invitation in page.object_list
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outreach/list.html",
        {
            "process": process,
            "form": form,
            "rows": rows,
            "counts": counts,
            "page": page,
            "query": query.urlencode(),
            "remind_form": RemindForm(process, initial={"target": request.GET.get("target", "")}),
        },
        status=400 if form.errors else 200,
    )


def _audience_form(request, process: Process) -> AudienceForm:
    if request.method == "POST":
        return AudienceForm(process, request.POST)
    if "target" in request.GET:
        return AudienceForm(process, request.GET)
    # Arriving from the directory with its filters: show them, ask what to invite to.
    initial = {key: request.GET.get(key) for key in request.GET if key != "person"}
    initial["person"] = request.GET.getlist("person")
    return AudienceForm(process, initial=initial)


@organisers_only
@require_http_methods(["GET", "POST"])
def audience(request, process: Process):
    form = _audience_form(request, process)
    found = None
    if form.is_bound and form.is_valid():
        target, filters = form.target(), form.audience_filter()
        if request.method == "POST":
            try:
                result = services.create_invitations(
                    process=process, by=request.user, target=target, filters=filters
                )
            except services.OutreachError as exc:
                form.add_error(None, str(exc))
            else:
                text = ngettext(
                    "%(n)d invitation created: it is mailed by the worker, at most %(rate)d a "
                    "minute.",
                    "%(n)d invitations created: they are mailed by the worker, at most %(rate)d "
                    "a minute.",
                    result.created,
                ) % {"n": result.created, "rate": services.mails_per_minute()}
                if result.already_invited:
                    text += " " + ngettext(
                        "%(n)d person was already invited and was skipped.",
                        "%(n)d people were already invited and were skipped.",
                        result.already_invited,
                    ) % {"n": result.already_invited}
                messages.success(request, text)
                return redirect(_list_url(process, target=target.value))
        found = selectors.audience(process=process, target=target, filters=filters)
    return render(
        request,
        "outreach/audience.html",
        {
            "process": process,
            "form": form,
            "audience": found,
            "names": list(found.to_invite[:NAMES_SHOWN]) if found else [],
            # The audience's choices, posted again by the "invite" button.
            "carried": [
                (name, value)
                for name, values in form.data.lists()
                if name != "csrfmiddlewaretoken"
                for value in values
            ]
            if form.is_bound
            else [],
            "max_audience": selectors.MAX_AUDIENCE,
            "rate": services.mails_per_minute(),
        },
        status=400 if form.errors else 200,
    )


@organisers_only
@require_http_methods(["GET", "POST"])
def texts(request, process: Process):
    current = services.texts_of(process)
    form = TextsForm(request.POST if request.method == "POST" else None, texts=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_texts(process=process, by=request.user, texts=form.texts())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The invitation texts are saved."))
            return redirect("outreach:texts", process=process.slug)
    default_subject, default_body = services.default_text()
    return render(
        request,
        "outreach/texts.html",
        {
            "process": process,
            "form": form,
            "preview_form": PreviewForm(process),
            "has_default": "" in current,
            "builtin_subject": default_subject,
            "builtin_body": default_body,
        },
        status=400 if form.errors else 200,
    )


@organisers_only
@require_GET
def text_preview(request, process: Process):
    form = PreviewForm(process, request.GET or None)
    mail = person = None
    if form.is_bound and form.is_valid():
        query = form.cleaned_data["person"].strip()
        person = filter_people(PeopleFilter(query=query)).order_by("name", "id").first()
        if person is None:
            form.add_error("person", _("No one in the directory matches “%(q)s”.") % {"q": query})
        else:
            mail = services.preview(
                process=process, by=request.user, person=person, target=form.target()
            )
    return render(
        request,
        "outreach/preview.html",
        {
            "process": process,
            "form": form,
            "mail": mail,
            "person": person,
            "source": services.text_source(process=process, group=person.stakeholder_group)
            if mail
            else "",
        },
        status=400 if form.errors else 200,
    )


@organisers_only
@require_POST
def remind(request, process: Process):
    form = RemindForm(process, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_list_url(process))
    target = form.target()
    count = services.request_reminders(process=process, by=request.user, target=target)
    messages.success(
        request,
        ngettext(
            "%(n)d reminder will be sent to someone who has not answered.",
            "%(n)d reminders will be sent to people who have not answered.",
            count,
        )
        % {"n": count},
    )
    return redirect(_list_url(process, target=target.value if target else ""))


# --------------------------------------------------------------------------- invitees


def _invitation(token: str) -> Invitation:
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        raise Http404(_("This invitation link is not valid."))
    return invitation


def _invitation_page(request, invitation: Invitation, *, form=None, status: int = 200):
    target = selectors.target_of(invitation)
    context = {
        "invitation": invitation,
        "target": target,
        "form": form or AnswerForm(invitation),
    }
    if target.kind == "session":
        context["session_open"] = _session_problem(invitation.session) is None
        context["session_problem"] = _session_problem(invitation.session)
    if target.kind == "consultation":
        context["consultation_url"] = reverse(
            "consult:consultation", args=[invitation.process.slug, invitation.consultation.slug]
        )
    if attendance.has_checkin(invitation):
        context.update(_checkin_qr(request, invitation))
    return render(request, "outreach/invitation.html", context, status=status)


def _checkin_qr(request, invitation: Invitation) -> dict:
    """The QR code to show at the door: the check-in address with a signed code of the
    invitation (not its personal link's token), and the code to type by hand."""
    code = attendance.checkin_code(invitation)
    url = request.build_absolute_uri(reverse("outreach:checkin", args=[code]))
    # Inline SVG as on the projector screen (frontend/views.py): no style attribute
    # (CSP), scales with CSS; segno escapes the title.
    qr = segno.make(url, error="m").svg_inline(
        border=4,
        omitsize=True,
        light="#fff",
        svgclass="qr",
        title=_("QR code to check in at the door"),
    )
    return {
        "checkin_code": code,
        "checkin_qr": mark_safe(qr),  # noqa: S308 - segno's own markup, title escaped by segno
    }


def _session_problem(session: Session) -> str | None:
    if session.status == Session.Status.CLOSED:
        return _("This session has ended.")
    if session.status == Session.Status.DRAFT:
        return _("This session has not started yet: come back to this link when it starts.")
    if session.locked:
        return _("This session is not accepting new participants.")
    return None


@require_GET
def invitation(request, token: str):
    return _invitation_page(request, _invitation(token))


@require_POST
def answer(request, token: str):
    invitation = _invitation(token)
    form = AnswerForm(invitation, request.POST)
    if form.is_valid():
        try:
            services.answer_invitation(invitation=invitation, answer=form.cleaned_data["answer"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your answer is saved. You can change it here."))
            return redirect("outreach:invitation", token=token)
    return _invitation_page(request, invitation, form=form, status=400)


@require_http_methods(["GET", "POST"])
def join(request, token: str):
    invitation = _invitation(token)
    if invitation.session_id is None:
        raise Http404(_("This invitation is not to a live session."))
    session = invitation.session
    if session_selectors.participant_from_cookies(request.COOKIES, session=session):
        return redirect("frontend:room", code=session.code)
    problem = _session_problem(session)
    if request.method == "POST":
        form = JoinProfileForm(request.POST)
    else:
        form = JoinProfileForm(initial=selectors.profile_of(invitation.person))
    retry_after = None  # over a join limit (sessions/join_limits.py)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            participant = services.join_from_invitation(
                invitation=invitation,
                user=request.user,
                address=join_limits.request_address(request=request),
                **form.cleaned_data,
            )
        except TooManyTries as exc:
            form.add_error(None, exc.message)
            retry_after = exc.retry_after
        except CommandError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            response = redirect("frontend:room", code=session.code)
            session_selectors.set_participant_cookie(
                response, participant=participant, secure=request.is_secure()
            )
            return response
    status = 400 if form.errors or (request.method == "POST" and problem) else 200
    if retry_after is not None:
        status = 429
    response = render(
        request,
        "outreach/join.html",
        {"invitation": invitation, "session": session, "form": form, "problem": problem},
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _invitee_address(invitation: Invitation) -> str:
    """The address the invitation went to (or the person's first, if all bounced since)."""
    address = selectors.usable_address(invitation.person)
    if not address:
        first = invitation.person.emails.order_by("-is_primary", "id").first()
        address = first.email if first else ""
    return address


def _signup_form(request, *, address: str, profile: dict[str, str]) -> SignupForm:
    """allauth's sign-up form (with the project's profile fields), its address fixed to
    the invitation's and the rest pre-filled from the directory record."""
    form = SignupForm(request.POST if request.method == "POST" else None)
    form.fields["email"].initial = address
    form.fields["email"].disabled = True  # the invitation's address, verified by the link
    form.fields["email"].help_text = _(
        "The address this invitation was sent to: it needs no confirmation."
    )
    for name in ("display_name", "stakeholder_group", "country", "sector", "organisation"):
        if name in form.fields:
            form.fields[name].initial = profile[name]
    return form


@require_http_methods(["GET", "POST"])
def register(request, token: str):
    invitation = _invitation(token)
    if invitation.consultation_id is None:
        raise Http404(_("This invitation is not to a consultation."))
    consultation_url = reverse(
        "consult:consultation", args=[invitation.process.slug, invitation.consultation.slug]
    )
    context = {"invitation": invitation, "consultation_url": consultation_url}
    if request.user.is_authenticated:
        if request.method == "POST":
            linked = services.link_invitee_account(invitation=invitation, user=request.user)
            if linked is None:
                messages.info(
                    request,
                    _(
                        "Your account's verified addresses do not include the one this "
                        "invitation was sent to, so it is not linked to the invitation."
                    ),
                )
            return redirect(consultation_url)
        return render(request, "outreach/register.html", {**context, "mode": "continue"})
    address = _invitee_address(invitation)
    if not address:
        return render(request, "outreach/register.html", {**context, "mode": "no_address"})
    if invitation.person.user_id or selectors.account_exists(address):
        login_url = reverse("account_login") + "?" + urlencode({"next": request.path})
        return render(
            request,
            "outreach/register.html",
            {**context, "mode": "log_in", "login_url": login_url},
        )
    form = _signup_form(request, address=address, profile=selectors.profile_of(invitation.person))
    if request.method == "POST" and form.is_valid():
        if form.account_already_exists:
            form.add_error("email", _("An account already uses this address: log in instead."))
        else:
            with transaction.atomic():
                get_adapter(request).stash_verified_email(request, address)
                user = form.save(request)
                services.link_invitee_account(invitation=invitation, user=user)
            return complete_signup(
                request, user=user, email_verification=None, success_url=consultation_url
            )
    return render(
        request,
        "outreach/register.html",
        {**context, "mode": "register", "form": form},
        status=400 if form.errors else 200,
    )


@csrf_exempt  # mail clients' one-click List-Unsubscribe POSTs carry no CSRF token
@require_http_methods(["GET", "POST"])
def opt_out(request, token: str):
    """The opt-out link of every invitation mail: a confirm page (GET), and the POST
    (the page's button, or a mail client's one-click) marks the person "do not contact"."""
    invitation = _invitation(token)
    done = invitation.person.do_not_contact
    if request.method == "POST":
        services.opt_out(invitation=invitation)
        done = True
    return render(
        request,
        "outreach/opt_out.html",
        {"invitation": invitation, "done": done},
    )
