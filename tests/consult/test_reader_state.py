"""What the consultation pages show of the reader: the reactions they chose, and the way
back to the page after logging in or signing up."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from consult import services
from tests.consult.factories import make_consultation, make_member
from tests.consult.test_accounts import SIGNUP
from tests.consult.test_pages import urls

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'<button type="submit" name="kind" value="(\w+)" class="small"([^>]*)>')


def reaction_buttons(html: str, comment) -> dict[str, str]:
    """The reaction buttons of one comment as {kind: their attributes after the class}."""
    start = html.index(f'id="comment-{comment.pk}"')
    end = html.find('<li class="comment"', start)
    return dict(BUTTON.findall(html[start : end if end != -1 else None]))


def test_reaction_buttons_say_which_ones_the_reader_chose():
    u = urls(make_consultation())
    ana, ben = make_member(), make_member()
    first = services.add_comment(section=u["section_obj"], author=ben, body="One")
    second = services.add_comment(section=u["section_obj"], author=ben, body="Two")
    services.toggle_reaction(comment=first, user=ana, kind="agree")
    services.toggle_reaction(comment=first, user=ana, kind="insightful")
    services.toggle_reaction(comment=second, user=ben, kind="disagree")  # someone else's
    services.toggle_reaction(comment=second, user=ana, kind="disagree")
    services.toggle_reaction(comment=second, user=ana, kind="disagree")  # and taken back
    reader = Client()
    reader.force_login(ana)
    html = reader.get(u["section"]).content.decode()
    assert reaction_buttons(html, first) == {
        "agree": ' aria-pressed="true"',
        "disagree": ' aria-pressed="false"',
        "insightful": ' aria-pressed="true"',
    }
    assert reaction_buttons(html, second) == dict.fromkeys(
        ["agree", "disagree", "insightful"], ' aria-pressed="false"'
    )
    # Someone who cannot react sees no toggle state, only disabled buttons.
    anonymous = Client().get(u["section"]).content.decode()
    assert reaction_buttons(anonymous, first) == dict.fromkeys(
        ["agree", "disagree", "insightful"], " disabled"
    )


def test_signing_up_from_a_section_lands_back_on_it_once_the_email_is_confirmed(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    u = urls(make_consultation())
    reader = Client()
    section = reader.get(u["section"]).content.decode()
    back = f"?next={quote(u['section'])}"
    signup_url = reverse("account_signup") + back
    assert f'href="{reverse("account_login")}{back}"' in section
    assert f'href="{signup_url}"' in section
    # The log-in page's own "Register" link keeps the way back too.
    login_page = reader.get(reverse("account_login") + back).content.decode()
    encoded = reverse("account_signup") + "?next=" + quote(u["section"], safe="")
    assert f'href="{encoded}"' in login_page

    form = reader.get(signup_url).content.decode()
    assert f'name="next" value="{u["section"]}"' in form
    signed_up = reader.post(signup_url, {**SIGNUP, "next": u["section"]})
    assert signed_up.status_code == 302 and "confirm-email" in signed_up["Location"]
    assert "_auth_user_id" not in reader.session  # not before the address is confirmed
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)
    confirmed = reader.post(link[1])
    assert confirmed.status_code == 302 and confirmed["Location"] == u["section"]
    assert reader.session["_auth_user_id"] == str(User.objects.get(username="amara").pk)


def test_a_foreign_next_is_not_followed_after_confirming(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reader = Client()
    url = reverse("account_signup") + "?next=https://evil.example/"
    reader.post(url, {**SIGNUP, "next": "https://evil.example/"})
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)
    confirmed = reader.post(link[1])
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("frontend:home")
