"""Newsletter pages (namespace "newsletter"): the public sign-up, confirmation and
unsubscribe pages under /newsletter/, and the directory managers' mailings under
/directory/newsletter/. Thin: forms check the input, ``outreach.newsletter`` does the
work. Every route needs a row in tests/outreach/test_newsletter_matrix.py."""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people.selectors import can_manage_directory
from sessions import join_limits

from . import newsletter
from .models import Mailing

PER_PAGE = 50
NOT_A_MANAGER = gettext_lazy(
    "Only directory managers can write and send the newsletter. "
    "Ask an administrator for the “manage the directory” permission."
)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def managers_only(view):
    """Log in first; then only directory managers, whatever the method."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_manage_directory(request.user):
            raise PermissionDenied(NOT_A_MANAGER)
        return view(request, *args, **kwargs)

    return wrapped


# --------------------------------------------------------------------------- public


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Enter your email address."),
            "invalid": gettext_lazy("Enter a valid email address."),
            "max_length": gettext_lazy("Enter a valid email address."),
        },
    )
    name = forms.CharField(
        label=gettext_lazy("Your name (optional)"),
        max_length=newsletter.MAX_NAME,
        required=False,
        help_text=gettext_lazy("How the organisers address you; without it, we use your address."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the newsletter's mails"),
        choices=newsletter.languages,
    )
    consent = forms.BooleanField(
        label=newsletter.CONSENT_TEXT,
        error_messages={
            "required": gettext_lazy(
                "Tick the box to agree, or the newsletter cannot be sent to you."
            )
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["name"].widget.attrs.update(autocomplete="name")
        current = get_language() or ""
        if current in dict(newsletter.languages()):
            self.fields["language"].initial = current


@require_http_methods(["GET", "POST"])
def signup(request):
    """The sign-up form. Whatever the address's state the answer is the same page."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            newsletter.sign_up(
                email=data["email"],
                name=data["name"],
                language=data["language"],
                consent=data["consent"],
                client_address=join_limits.request_address(request=request),
            )
        except newsletter.SignupLimited as exc:
            return render(
                request, "outreach/newsletter_limited.html", {"message": str(exc)}, status=429
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return render(request, "outreach/newsletter_sent.html")
    return render(
        request,
        "outreach/newsletter.html",
        {"form": form, "version": newsletter.consent_text_version()},
        status=400 if form.errors else 200,
    )


def _unknown(request):
    return render(request, "outreach/newsletter_unknown.html", status=404)


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The link of the confirmation mail. GET shows a button and changes nothing (mail
    scanners open links, and a subscription must be the person's own act); its POST
    subscribes (again: nothing changes)."""
    subscription = newsletter.subscription_by_token(token)
    if subscription is None:
        return _unknown(request)
    if request.method == "POST":
        confirmed = newsletter.confirm(subscription=subscription)
        state = "subscribed" if confirmed else "stale"
    elif subscription.is_subscribed:
        state = "subscribed"
    else:
        state = "stale" if newsletter.link_is_stale(subscription) else "ask"
    return render(
        request,
        "outreach/newsletter_confirmed.html",
        {"state": state, "subscription": subscription, "token": subscription.token},
    )


@csrf_exempt  # mail clients' one-click List-Unsubscribe POSTs carry no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The unsubscribe link of every newsletter mail: a confirm button (GET), and the
    POST (the button, or a mail client's one-click) unsubscribes."""
    subscription = newsletter.subscription_by_token(token)
    if subscription is None:
        return _unknown(request)
    if request.method == "POST":
        subscription = newsletter.unsubscribe(subscription=subscription)
    return render(
        request,
        "outreach/newsletter_unsubscribe.html",
        {"subscription": subscription, "done": subscription.unsubscribed_at is not None},
    )


# --------------------------------------------------------------------------- managers


class MailingForm(forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=newsletter.MAX_SUBJECT,
        error_messages={"required": gettext_lazy("Give the mailing a subject.")},
    )
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=newsletter.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy(
            "Markdown: **bold**, *italic*, [links](https://example.org), lists. "
            "Every mail ends with the subscriber's unsubscribe link."
        ),
        error_messages={"required": gettext_lazy("Write the text of the mailing.")},
    )


@managers_only
@require_http_methods(["GET", "POST"])
def mailings(request):
    """The mailings, the number of subscribers, and a new mailing (previewed before it
    is saved when the "preview" button was used)."""
    form = MailingForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = Mailing(subject=data["subject"], body=data["body"])
        else:
            try:
                mailing = newsletter.create_mailing(
                    by=request.user, subject=data["subject"], body=data["body"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved. Check it once more, then send it."))
                return redirect("newsletter:mailing", pk=mailing.pk)
    page = Paginator(newsletter.mailings(), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/newsletter_mailings.html",
        {"form": form, "preview": preview, "page": page, "counts": newsletter.counts()},
        status=400 if form.errors else 200,
    )


@managers_only
@require_GET
def mailing(request, pk: int):
    """One mailing as subscribers will read it, with its "send" button until it is sent."""
    found = get_object_or_404(newsletter.mailings(), pk=pk)
    return render(
        request,
        "outreach/newsletter_mailing.html",
        {"mailing": found, "counts": newsletter.counts()},
    )


@managers_only
@require_POST
def send(request, pk: int):
    found = get_object_or_404(Mailing, pk=pk)
    try:
        sent = newsletter.send_mailing(mailing=found, by=request.user)
    except newsletter.NewsletterError as exc:
        messages.error(request, str(exc))
        return render(
            request,
            "outreach/newsletter_mailing.html",
            {"mailing": found, "counts": newsletter.counts()},
            status=409,
        )
    messages.success(
        request,
        ngettext(
            "Queued for %(n)d subscriber: the mail worker delivers it.",
            "Queued for %(n)d subscribers: the mail worker delivers the mails.",
            sent,
        )
        % {"n": sent},
    )
    return redirect("newsletter:mailing", pk=found.pk)
