"""The interface language: a person chooses it with the switcher on every page
(``set_language``, Django's view, which keeps the choice in the language cookie for
the browser); a signed-in person's choice is also stored in their profile. When they
log in, the profile's language is kept in their session (``remember_on_login``), and a
browser without the cookie gets it (``ProfileLanguageMiddleware``), without a query per
request. Their mail is written in it too (``consult.notifications.language_of``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import selectors, services
from .translations import supported

# The session key holding the signed-in person's chosen language ("" for none).
SESSION_KEY = "profile_language"


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (a POST of ``language`` and ``next``), storing a
    signed-in person's choice in their profile as well."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and services.set_preferred_language(
        user=request.user, language=language or ""
    ):
        request.session[SESSION_KEY] = language
    return response


def remember_on_login(sender, request: HttpRequest, user, **kwargs) -> None:
    """``user_logged_in``: keep the profile's language in the new session."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_KEY] = selectors.preferred_language(user)


class ProfileLanguageMiddleware:
    """After the locale and authentication middleware: a signed-in person whose browser
    has no language cookie gets the language their profile chose (kept in the session
    at login); the response sets the cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = None
        session = getattr(request, "session", None)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and session is not None:
            chosen = supported(session.get(SESSION_KEY))
            if chosen:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
