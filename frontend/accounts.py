"""Account rules for django-allauth: open registration with email verification, and
where each kind of account lands. It lives in the page layer because the landing
depends on the live side's organiser permission (``consult`` never imports ``sessions``)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from sessions.selectors import is_organiser


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUP

    def get_login_redirect_url(self, request) -> str:
        if is_organiser(request.user):
            return reverse("frontend:dashboard")
        return reverse("frontend:home")

    def get_signup_redirect_url(self, request) -> str:
        # After sign-up (reached when the email is confirmed): the same landing as a
        # log-in, not LOGIN_REDIRECT_URL (the organisers' dashboard, 403 for others).
        return self.get_login_redirect_url(request)
