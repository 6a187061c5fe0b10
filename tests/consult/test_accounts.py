"""Open registration through allauth: profile and consent recorded, email verified
before the first log-in, no account without consent."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from consult.models import Profile
from tests.caches import clear_cache

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "amara@example.org",
    "username": "amara",
    "password1": "a-long-pass-phrase-42",
    "password2": "a-long-pass-phrase-42",
    "display_name": "Amara K.",
    "organisation": "Cobalt Institute of Katanga",
    "stakeholder_group": "civil_society",
    "country": "CD",
    "sector": "mining",
    "accept_terms": "on",
}


def test_the_sign_up_page_asks_for_the_profile_and_links_the_terms(client):
    html = client.get(reverse("account_signup")).content.decode()
    for field in ("display_name", "stakeholder_group", "country", "sector", "accept_terms"):
        assert f'name="{field}"' in html
    assert reverse("consult:terms") in html
    terms = client.get(reverse("consult:terms"))
    assert terms.status_code == 200 and b"privacy notice" in terms.content


def test_registering_records_consent_and_verifies_the_email_before_log_in(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(username="amara")
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.stakeholder_group, profile.country.code) == (
        "Amara K.",
        "civil_society",
        "CD",
    )
    assert profile.consented_at is not None and profile.terms_version == settings.TERMS_VERSION
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["amara@example.org"]

    # Not verified yet: logging in sends the person to the verification notice.
    client.logout()
    login = client.post(
        reverse("account_login"), {"login": "amara", "password": SIGNUP["password1"]}
    )
    assert "_auth_user_id" not in client.session
    assert login.status_code == 302 and "confirm-email" in login["Location"]

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)
    confirm = client.post(link.group(1))
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    "change",
    [
        {"accept_terms": ""},
        {"display_name": ""},
        {"stakeholder_group": "aliens"},
        {"country": "XX"},
        {"password2": "something-else-entirely"},
        {"display_name": "x" * 61},
    ],
)
def test_a_bad_sign_up_creates_no_account(client, change):
    response = client.post(reverse("account_signup"), {**SIGNUP, **change})
    assert response.status_code == 200
    assert not User.objects.filter(username="amara").exists()
    assert Profile.objects.count() == 0


def test_participants_land_on_the_home_page_and_organisers_on_their_events(client):
    from tests.factories import make_user

    for organiser, target in (
        (False, reverse("frontend:home")),
        (True, reverse("frontend:dashboard")),
    ):
        user = make_user(organiser=organiser, password="a-long-pass-phrase-42")
        response = client.post(
            reverse("account_login"), {"login": user.username, "password": "a-long-pass-phrase-42"}
        )
        assert response.status_code == 302 and response["Location"] == target
        client.logout()


def test_confirming_an_address_links_the_account_to_its_directory_record_never_a_namesake(
    client, settings
):
    from people.models import Person
    from people.services import create_person

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clear_cache()  # allauth limits confirmation mails per address; earlier tests sent some
    record = create_person(name="Someone else entirely", basis="listed",
                           listed_source="Forum list", emails=["amara@example.org"])  # fmt: skip
    namesake = create_person(name="Amara K.", basis="listed", listed_source="Forum list")
    client.post(reverse("account_signup"), SIGNUP)
    user = User.objects.get(username="amara")
    record.refresh_from_db()
    assert record.user is None  # not before the address is verified
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)
    client.post(link.group(1))
    record.refresh_from_db()
    namesake.refresh_from_db()
    assert record.user == user
    assert namesake.user is None
    assert Person.objects.filter(user=user).count() == 1
