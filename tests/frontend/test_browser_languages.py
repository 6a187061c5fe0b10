"""One walk in Spanish and one in Chinese, as a browser that asks for that language:
join a live session, vote, and comment on a consultation section. The page's ``lang``,
the server's text and the browser scripts' text (Django's JavaScript catalogue) are in
that language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation.trans_real import DjangoTranslation
from playwright.sync_api import expect

from consult.models import Comment
from tests import factories
from tests.consult.factories import make_consultation, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Django's language code, and the browser locale that asks for it.
WALKS = {"es": "es-ES", "zh-hans": "zh-CN"}


def server_text(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def script_text(language: str, message: str) -> str:
    return DjangoTranslation(language, domain="djangojs").gettext(message)


@pytest.mark.parametrize("language", WALKS)
def test_join_vote_and_comment_in_another_language(language, daphne_server, browser, page_problems):
    session = factories.make_session()
    factories.make_activity(
        session=session,
        kind="single_choice",
        open=True,
        title="Which minerals first?",
        config={"options": ["Lithium", "Cobalt"]},
    )
    consultation = make_consultation()
    section = consultation.sections.order_by("pk").first()
    member = make_member()
    base = daphne_server.base_url
    context = browser.new_context(locale=WALKS[language])
    page = context.new_page()
    page_problems.watch(page)

    # Join: the page and its text in the browser's language.
    enter = server_text(language, "Enter the session")
    assert enter != "Enter the session"  # the catalogue has it
    page.goto(f"{base}/j/{session.code}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_role("button", name=enter).click()
    expect(page).to_have_url(re.compile(f"/s/{session.code}/$"))
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    expect(page.locator("html")).to_have_attribute("lang", language)

    # Vote: the room's script speaks the language too.
    page.get_by_label("Cobalt").check()
    page.get_by_role("button", name=script_text(language, "Send my answer")).click()
    recorded = script_text(language, "Vote recorded. Thank you!")
    assert recorded != "Vote recorded. Thank you!"
    expect(page.locator(".confirmation")).to_have_text(recorded)

    # Comment on a consultation section, signed in.
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": factories.login_cookie(member),
                "url": base,
            }
        ]
    )
    page.goto(f"{base}/c/{consultation.process.slug}/{consultation.slug}/s/{section.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_label(server_text(language, "Your comment")).fill("Más reciclaje / 更多回收")
    page.get_by_role("button", name=server_text(language, "Comment"), exact=True).click()
    expect(page.get_by_text(server_text(language, "Your comment is published."))).to_be_visible()
    assert Comment.objects.filter(section=section, author=member).count() == 1
    context.close()
