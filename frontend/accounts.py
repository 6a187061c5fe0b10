"""Account rules for django-allauth: open registration with email verification, an
account linked to its directory record once it has verified an address the record
holds (never by name), and where each kind of account lands. It lives in the page layer because the landing
depends on the live side's organiser permission (``consult`` never imports ``sessions``)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import filter_users_by_email, filter_users_by_username
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from people.services import link_account
from sessions.selectors import may_run_events


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The lockout is lifted by a password reset (ACCOUNT_LOGIN_ON_PASSWORD_RESET).
        "too_many_login_attempts": _(
            "Too many failed log-ins with this name or address. Try again in a few "
            "minutes, or reset your password to log in now."
        ),
    }

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Count failed log-ins per account, whether tried by user name or by address:
        allauth counts each spelling apart, so a password reset (which clears the
        address's count) would leave the user name locked."""
        login = str(credentials.get("email", credentials.get("username", ""))).strip()
        users = filter_users_by_email(login) if "@" in login else filter_users_by_username(login)
        user = users[0] if users else None
        if user is None:
            return super()._get_login_attempts_cache_key(request, **credentials)
        return f"account:{user.pk}"

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
