"""The Q&A in the system Chromium against a real Daphne process: two participants ask,
one upvotes the other's question, the projector follows, and the facilitator puts a
question on the projector. No page may log an error or a CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from qna.models import Question, QuestionVote
from sessions import services
from tests import factories
from tests.frontend.test_browser import PASSWORD, join, open_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANA_ASKS = "How will battery recycling be financed?"
BEN_ASKS = "Who audits the supply chain?"


@pytest.fixture
def qna_session(transactional_db):
    """A session with an open Q&A whose results show on the projector, set up before the
    browser starts (services broadcast through async_to_sync, which cannot run while
    Playwright's loop runs on this thread)."""
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery roadmap workshop")
    session = factories.make_session(event=event, title="Panel")
    qna = services.add_activity(
        session=session, kind="qna", title="Questions for the panel", config={}
    )
    services.open_activity(activity=qna)
    services.reveal_results(activity=qna, revealed=True)
    return session, qna


def question_item(page, text: str):
    return page.locator("li.qna-q").filter(has_text=text)


def test_participants_ask_and_upvote_and_the_projector_shows_the_chosen_question(
    qna_session, daphne_server, browser, page_problems
):
    session, qna = qna_session
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    projector_context = browser.new_context()
    projector = projector_context.new_page()
    page_problems.watch(projector)
    projector.goto(f"{base}/s/{session.code}/screen")
    expect(projector.locator("body")).to_have_attribute("data-status", "live")
    expect(projector.get_by_role("heading", name="Questions for the panel")).to_be_visible()
    expect(projector.get_by_text("No questions yet.")).to_be_visible()

    (ana_context, ana), (ben_context, ben) = (
        join(browser, base, session.code, page_problems, name) for name in ("Ana", "Ben")
    )

    # Ana asks with her name; the counter follows her typing.
    field = ana.get_by_label("Your question")
    field.fill(ANA_ASKS)
    expect(ana.locator(".qna-counter")).to_have_text(f"{len(ANA_ASKS)} of 300 characters")
    ana.get_by_role("button", name="Ask").click()
    expect(ana.locator("#confirmation")).to_have_text("Question sent. Thank you!")
    expect(field).to_have_value("")
    expect(question_item(ana, ANA_ASKS)).to_contain_text("You")

    # Ben asks anonymously: nobody in the room sees his name.
    ben.get_by_label("Your question").fill(BEN_ASKS)
    ben.get_by_label("Ask anonymously").check()
    ben.get_by_role("button", name="Ask").click()
    expect(ben.locator("#confirmation")).to_have_text("Question sent. Thank you!")
    expect(question_item(ben, BEN_ASKS)).to_contain_text("You (anonymous to the room)")
    expect(question_item(ana, BEN_ASKS)).to_contain_text("Anonymous")
    expect(question_item(projector, BEN_ASKS)).to_contain_text("Anonymous")

    # Ben upvotes Ana's question (a toggle button); his own has no upvote button.
    upvote = question_item(ben, ANA_ASKS).get_by_role("button", name="Upvote")
    expect(upvote).to_have_attribute("aria-pressed", "false")
    upvote.click()
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(question_item(ben, BEN_ASKS).get_by_role("button", name="Upvote")).to_have_count(0)
    expect(question_item(ben, ANA_ASKS)).to_contain_text("1 vote")
    expect(question_item(projector, ANA_ASKS)).to_contain_text("1 vote")
    expect(question_item(projector, ANA_ASKS)).to_contain_text("Ana")
    expect(question_item(projector, BEN_ASKS)).to_contain_text("0 votes")
    # Sorted by votes, Ana's question comes first on the projector.
    expect(projector.locator("li.qna-q .qna-text")).to_have_text([ANA_ASKS, BEN_ASKS])
    expect(projector.locator("#count")).to_have_text("2 questions")

    # The facilitator sees both, with Ben's name (the default setting), and puts Ana's
    # question on the projector.
    box = console.locator(f'[data-results-for="{qna.pk}"]')
    expect(question_item(box, BEN_ASKS)).to_contain_text("Ben · anonymous to the room")
    question_item(box, ANA_ASKS).get_by_role("button", name="On projector").click()
    big = projector.locator(".qna-on-screen")
    expect(big.locator(".qna-big")).to_have_text(ANA_ASKS)
    expect(big).to_contain_text("Ana · 1 vote")
    expect(projector.locator("li.qna-q")).to_have_count(0)
    expect(console.locator("#announce")).to_have_text("Question on the projector.")
    expect(question_item(box, ANA_ASKS)).to_contain_text("On the projector")

    # "Off projector" brings the list back.
    question_item(box, ANA_ASKS).get_by_role("button", name="Off projector").click()
    expect(projector.locator(".qna-on-screen")).to_have_count(0)
    expect(projector.locator("li.qna-q")).to_have_count(2)

    assert list(Question.objects.order_by("id").values_list("text", "anonymous")) == [
        (ANA_ASKS, False),
        (BEN_ASKS, True),
    ]
    assert list(QuestionVote.objects.values_list("participant__display_name", flat=True)) == ["Ben"]
    assert Question.objects.get(text=ANA_ASKS).activity_id == qna.pk
    assert re.search("Ben", projector.content()) is None  # anonymous to the room
    for context in (ana_context, ben_context, projector_context, facilitator):
        context.close()
