"""Account rules for django-allauth: open registration with email verification, an
account linked to its directory record once it has verified an address the record
holds (never by name), and where each kind of account lands. It lives in the page layer because the landing
depends on the live side's organiser permission (``consult`` never imports ``sessions``)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from people.services import link_account
from sessions.selectors import may_run_events


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return settings.ACCOUNT_ALLOW_SIGNUP

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        link_account(user=email_address.user, verified_emails=[email_address.email])
        return confirmed

    def get_login_redirect_url(self, request) -> str:
        if may_run_events(request.user):
            return reverse("frontend:dashboard")
        return reverse("frontend:home")

    def get_signup_redirect_url(self, request) -> str:
        # After sign-up (reached when the email is confirmed): the same landing as a
        # log-in, not LOGIN_REDIRECT_URL (the organisers' dashboard, 403 for others).
        return self.get_login_redirect_url(request)
