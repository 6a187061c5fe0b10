"""The signed-in person's own data: see it, download it, correct it, erase it.

No URL here takes an id: every view reads, changes or erases ``request.user``'s data
only, so nobody can reach anyone else's.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from consult.models import Profile
from people.services import log_export

from . import selectors, services
from .forms import EraseForm, PersonCorrectionForm, ProfileCorrectionForm


@never_cache
@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    data = selectors.my_data(request.user)
    context = {
        "sections": selectors.page_sections(data),
        "has_profile": data["profile"] is not None,
        "has_record": data["directory"] is not None,
    }
    return render(request, "privacy/overview.html", context)


@never_cache
@login_required
@require_GET
def download(request: HttpRequest) -> HttpResponse:
    data = selectors.my_data(request.user)
    payload = {"exported_at": timezone.now(), **data}
    log_export(user=request.user, what="own data", rows=selectors.record_count(data), scope="self")
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


def _initial_profile(profile: Profile | None) -> dict[str, str] | None:
    if profile is None:
        return None
    return {f: str(getattr(profile, f) or "") for f in services.PROFILE_FIELDS_ALL}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest) -> HttpResponse:
    profile = Profile.objects.filter(user=request.user).first()
    person = selectors.linked_person(request.user)
    data = request.POST if request.method == "POST" else None
    profile_form = (
        ProfileCorrectionForm(data, initial=_initial_profile(profile)) if profile else None
    )
    person_form = (
        PersonCorrectionForm(
            data, initial={f: str(getattr(person, f) or "") for f in services.PERSON_FIELDS}
        )
        if person
        else None
    )
    forms = [f for f in (profile_form, person_form) if f is not None]
    if request.method == "POST" and forms and all(f.is_valid() for f in forms):
        try:
            services.correct_data(
                user=request.user,
                profile=profile_form.cleaned_data if profile_form else None,
                person=person_form.cleaned_data if person_form else None,
            )
        except ValidationError as exc:
            _attach_errors(exc, profile_form, person_form)
        else:
            messages.success(request, _("Your corrections were saved."))
            return redirect("privacy:overview")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "privacy/correct.html",
        {"profile_form": profile_form, "person_form": person_form},
        status=status,
    )


def _attach_errors(exc: ValidationError, profile_form, person_form) -> None:
    if not hasattr(exc, "error_dict"):
        (profile_form or person_form).add_error(None, exc)
        return
    for key, errors in exc.message_dict.items():
        prefix, _sep, field = key.partition("-")
        form = profile_form if prefix == "profile" else person_form
        if form is None or field not in form.fields:
            (profile_form or person_form).add_error(None, errors)
        else:
            form.add_error(field, errors)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = EraseForm(request.POST if request.method == "POST" else None, user=user)
    blockers = services.blockers(user=user)
    if request.method == "POST" and not blockers and form.is_valid():
        try:
            services.erase_account(user=user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            logout(request)
            messages.success(
                request, _("Your account and the data that led to you have been erased.")
            )
            return redirect("frontend:home")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "blockers": blockers,
        "live": selectors.live_items(user),
        "username": user.get_username(),
    }
    return render(request, "privacy/erase.html", context, status=status)
