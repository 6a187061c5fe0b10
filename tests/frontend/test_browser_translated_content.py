"""An organiser's texts in the participant's language, live: a Spanish browser reads the
translated question, options and result labels; a French one reads the original, in an
element tagged with its language and marked as untranslated; a translation added while
the activity is open reaches the open page without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions import services
from tests import factories
from tests.threads import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participants_read_their_language_or_the_marked_original(
    daphne_server, browser, page_problems
):
    session = factories.make_session()
    poll = factories.make_activity(
        session=session,
        title="Which minerals first?",
        config={"options": ["Lithium", "Cobalt"]},
        results_visibility="live",
        language="en",
    )
    in_thread(
        lambda: services.translate_activity(
            activity=poll,
            language="es",
            title="¿Qué minerales primero?",
            texts={"Lithium": "Litio", "Cobalt": "Cobalto"},
        )
    )
    in_thread(lambda: services.open_activity(activity=poll))
    base = daphne_server.base_url

    spanish = browser.new_context(locale="es-ES").new_page()
    french = browser.new_context(locale="fr-FR").new_page()
    for page in (spanish, french):
        page_problems.watch(page)
        page.goto(f"{base}/j/{session.code}")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("body")).to_have_attribute("data-status", "live")

    question = spanish.locator("#question")
    expect(question).to_have_text("¿Qué minerales primero?")
    expect(question).not_to_have_attribute("lang", "en")
    expect(spanish.locator("#original-note")).to_have_count(0)
    spanish.get_by_label("Cobalto").check()
    spanish.locator("#stage form button[type=submit]").click()
    # The live results name the options in Spanish too.
    expect(spanish.locator("#results").get_by_role("rowheader")).to_have_text(["Cobalto", "Litio"])

    question = french.locator("#question")
    expect(question).to_have_text("Which minerals first?")
    expect(question).to_have_attribute("lang", "en")
    expect(french.locator("#original-note")).to_contain_text("English")
    expect(french.get_by_label("Lithium")).to_be_visible()

    # A French translation added now reaches the open page.
    in_thread(
        lambda: services.translate_activity(
            activity=poll,
            language="fr",
            title="Quels minerais d'abord ?",
            texts={"Lithium": "Lithium (fr)"},
        )
    )
    expect(french.locator("#question")).to_have_text("Quels minerais d'abord ?")
    expect(french.locator("#original-note")).to_have_count(0)
    expect(french.get_by_label("Lithium (fr)")).to_be_visible()
