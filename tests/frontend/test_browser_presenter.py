"""The presenter view in the system Chromium against a real Daphne process (issue 16): a
facilitator runs a five-activity session with the keyboard only while three participants
(one on a 375 x 667 phone) take part, and the facilitator's page never reloads. No page
may log an error or a CSP violation (the page_problems fixture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from boards.models import Note
from polls.models import Ballot
from qna.models import Question
from sessions import services
from sessions.models import Activity, Session
from tests import factories
from tests.boards.boards import make_board
from tests.frontend.test_browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}
NOTES = ["Shared traceability data", "Audit every smelter", "Fund recycling plants"]
QUESTIONS = ["Who pays for recycling?", "Who audits the mines?", "When does it start?"]


@pytest.fixture
def agenda(transactional_db):
    """A draft session with five activities of five kinds, made before the browser starts
    (services broadcast through async_to_sync, which cannot run while Playwright's loop
    runs on this thread)."""
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery minerals workshop")
    session = factories.make_session(event=event, title="Roadmap plenary")
    activities = [
        factories.make_activity(
            session=session,
            kind="single_choice",
            title="Which minerals first?",
            config={"options": ["Battery minerals", "Traditional metals", "Rare earths"]},
        ),
        factories.make_activity(session=session, kind="word_cloud", title="In a word?"),
        factories.make_activity(session=session, kind="scale", title="How far are we?"),
        make_board(session=session, open=False, title="What stands in the way?", mode="open"),
        services.add_activity(
            session=session, kind="qna", title="Questions for the panel", config={}
        ),
    ]
    return session, activities


def join(browser, base: str, code: str, problems, name: str, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base}/j/{code}")
    page.get_by_label("Your name as others see it").fill(name)
    page.get_by_role("button", name="Enter the session").click()
    expect(page).to_have_url(re.compile(f"/s/{code}/$"))
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    return context, page


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.id || '') + '|' + e.textContent.trim() : ''; }"
    )


def tab_to(page, pattern: str, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or ``key``: Shift+Tab) until the focused element's id or text matches
    ``pattern``."""
    wanted = re.compile(pattern)
    for _ in range(limit):
        page.keyboard.press(key)
        if wanted.search(focused(page)):
            return
    raise AssertionError(f"Tab never reached {pattern!r}; focus is on {focused(page)!r}")


def session_row(session: Session) -> Session:
    return Session.objects.get(pk=session.pk)


def test_a_facilitator_runs_five_activities_with_the_keyboard_only_and_never_reloads(
    agenda, daphne_server, browser, page_problems
):
    session, (choice, cloud, rating, board, questions) = agenda
    base = daphne_server.base_url

    facilitator = browser.new_context()
    presenter = log_in(facilitator, base, page_problems)
    presenter.goto(f"{base}/console/{session.code}/present")
    expect(presenter.locator("body")).to_have_attribute("data-status", "live")
    presenter.evaluate("() => { window.__marker = 1; }")
    navigations: list[str] = []
    presenter.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == presenter.main_frame else None,
    )

    people = [
        join(browser, base, session.code, page_problems, "Ana"),
        join(browser, base, session.code, page_problems, "Ben"),
        join(browser, base, session.code, page_problems, "Chidi", viewport=PHONE, is_mobile=True),
    ]
    pages = [page for _, page in people]
    phone = pages[2]
    expect(presenter.locator("#connected")).to_have_text("3")

    # A draft session: only "Open session"; the keyboard reaches it and presses it.
    expect(presenter.locator("#start-heading")).to_have_text("This session is not open yet.")
    expect(presenter.locator("#controls")).to_be_hidden()
    presenter.keyboard.press("n")
    expect(presenter.locator("#announce")).to_have_text("Open the session first.")
    assert session_row(session).current_activity_id is None
    tab_to(presenter, r"^\|Open session$")
    presenter.keyboard.press("Enter")
    expect(presenter.locator("#controls")).to_be_visible()
    expect(presenter.locator("#announce")).to_have_text("Session opened.")
    assert session_row(session).status == Session.Status.OPEN

    def next_activity(key: str, activity: Activity, position: int) -> None:
        presenter.keyboard.press(key)
        expect(presenter.locator("#current-title")).to_have_text(activity.title)
        expect(presenter.locator("#current-step")).to_have_text(f"{position} of 5")
        expect(presenter.locator("#current-status")).to_have_text("Open")
        expect(presenter.locator("#agenda-list li[aria-current=step]")).to_contain_text(
            activity.title
        )
        for page in pages:
            expect(page.get_by_role("heading", name=activity.title)).to_be_visible()
        assert session_row(session).current_activity_id == activity.pk

    def count_is(n: int) -> None:
        expect(presenter.locator("#current-count")).to_have_text(str(n))

    # 1. Single choice, with Space: focus went from the hidden "Open session" button to
    # the current activity's heading, where Space is no button's.
    expect(presenter.locator(":focus")).to_have_attribute("id", "current-title")
    next_activity("Space", choice, 1)
    for page, option in zip(
        pages, ["Battery minerals", "Rare earths", "Battery minerals"], strict=True
    ):
        page.get_by_label(option).check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")
    count_is(3)
    row = presenter.locator("#current-results table.tally").get_by_role(
        "row", name=re.compile("Battery minerals")
    )
    expect(row).to_contain_text("66.7 %")
    # Results stay hidden from participants until revealed ("r").
    expect(phone.locator("table.tally")).to_have_count(0)
    presenter.keyboard.press("r")
    expect(presenter.locator("#current-revealed")).to_have_text("Results on the projector")
    expect(presenter.locator("#announce")).to_have_text("Results shown on the projector.")
    for page in pages:
        expect(page.locator("table.tally")).to_contain_text("66.7 %")
    assert Activity.objects.get(pk=choice.pk).results_revealed

    # 2. Word cloud, with the arrow key a clicker sends.
    next_activity("ArrowRight", cloud, 2)
    for page, word in zip(pages, ["traceability", "recycling", "recycling"], strict=True):
        page.get_by_label("Entry 1").fill(word)
        page.get_by_role("button", name="Send my answer").click()
        expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")
    count_is(3)
    assert Activity.objects.get(pk=choice.pk).status == Activity.Status.CLOSED

    # The timer: the minutes field takes typing (no shortcut fires there), Enter starts it.
    tab_to(presenter, r"^timer-minutes\|", key="Shift+Tab")
    presenter.keyboard.press("Control+a")
    presenter.keyboard.type("0")
    presenter.keyboard.press("Tab")  # on to the Start button, where "t" is a shortcut again
    presenter.keyboard.press("t")
    expect(presenter.locator("#live-alert")).to_have_text(
        "Set the timer in whole minutes, from 1 to 99."
    )
    expect(presenter.locator(":focus")).to_have_attribute("id", "timer-minutes")
    assert session_row(session).timer_ends_at is None
    presenter.keyboard.press("Control+a")
    presenter.keyboard.type("5")
    presenter.keyboard.press("t")  # typed into the field: not a shortcut
    presenter.keyboard.press("Enter")
    expect(presenter.locator("#announce")).to_have_text("Timer started: 5 minutes.")
    expect(presenter.locator("#live-alert")).to_be_hidden()
    for page in (presenter, phone):
        expect(page.locator("#timer")).to_be_visible()
        expect(page.locator("#timer")).to_have_text(re.compile(r"^[45]:\d\d$"))
    row = session_row(session)
    assert row.timer_seconds == 300 and row.timer_ends_at is not None
    presenter.keyboard.press("Tab")  # on to the Stop button: "t" works again
    expect(presenter.locator(":focus")).to_have_text("Stop timer")
    presenter.keyboard.press("t")
    expect(presenter.locator("#announce")).to_have_text("Timer stopped.")
    for page in (presenter, phone):
        expect(page.locator("#timer")).to_be_hidden()
    assert session_row(session).timer_ends_at is None
    # Focus stayed on the timer's button, which now starts it again.
    expect(presenter.locator(":focus")).to_have_text("Start timer")

    # 3. Scale, with Page Down (focus is on the timer's button: keys other than Space
    # and Enter still work there).
    next_activity("PageDown", rating, 3)
    for page in pages:
        page.get_by_role("radio", name="4", exact=True).check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")
    count_is(3)

    # 4. Idea board, with "n".
    next_activity("n", board, 4)
    for page, text in zip(pages, NOTES, strict=True):
        page.get_by_label("Your note", exact=True).fill(text)
        page.get_by_role("button", name="Post", exact=True).click()
        expect(page.locator(".board-mine-list")).to_contain_text(text)
    count_is(3)
    for text in NOTES:
        expect(presenter.locator("#current-results .board-note", has_text=text)).to_be_visible()

    # 5. Q&A; then back one ("p") and forward again: the Q&A is shown closed, "o" reopens it.
    next_activity("n", questions, 5)
    for page, text in zip(pages, QUESTIONS, strict=True):
        page.get_by_label("Your question").fill(text)
        page.get_by_role("button", name="Ask").click()
        expect(page.locator("#confirmation")).to_have_text("Question sent. Thank you!")
    count_is(3)
    expect(presenter.get_by_role("button", name="Next")).to_be_disabled()
    presenter.keyboard.press("n")
    expect(presenter.locator("#announce")).to_have_text("This is the last activity.")
    presenter.keyboard.press("p")
    expect(presenter.locator("#current-title")).to_have_text(board.title)
    expect(presenter.locator("#current-status")).to_have_text("Closed")
    presenter.keyboard.press("ArrowRight")
    expect(presenter.locator("#current-title")).to_have_text(questions.title)
    expect(presenter.locator("#current-status")).to_have_text("Closed")
    assert Activity.objects.get(pk=questions.pk).status == Activity.Status.CLOSED
    presenter.keyboard.press("o")
    expect(presenter.locator("#current-status")).to_have_text("Open")
    expect(presenter.locator("#announce")).to_have_text(
        f"Opened: {questions.title}. Participants can answer now."
    )
    assert Activity.objects.get(pk=questions.pk).status == Activity.Status.OPEN

    # The help overlay: "?" opens it, Escape closes it, focus comes back.
    before = focused(presenter)
    presenter.keyboard.press("?")
    help_dialog = presenter.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_role("row", name=re.compile("Reveal or hide"))).to_be_visible()
    presenter.keyboard.press("n")  # the dialog has the keyboard: nothing happens
    presenter.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert focused(presenter) == before
    assert session_row(session).current_activity_id == questions.pk

    # With Alt held a key is no shortcut: the join panel's "j" comes after it over the same
    # connection, and the session is still unlocked when "j" has taken effect.
    presenter.keyboard.press("Alt+l")
    presenter.keyboard.press("j")
    expect(presenter.get_by_role("button", name="Join panel: small")).to_be_visible()
    expect(presenter.locator("#session-state")).to_have_text("New participants can join")
    assert not session_row(session).locked
    # Lock, then the join code full screen and back.
    presenter.keyboard.press("l")
    expect(presenter.locator("#session-state")).to_have_text("Locked against new joiners")
    assert session_row(session).locked
    presenter.keyboard.press("f")
    expect(presenter.locator("#announce")).to_have_text(
        "The join code is full screen on the projector."
    )
    assert session_row(session).join_panel == "full"
    presenter.keyboard.press("f")
    expect(presenter.get_by_role("button", name="Join code full screen")).to_be_visible()
    assert session_row(session).join_panel == "small"

    # Close the session: a confirmation dialog, answered with the keyboard.
    tab_to(presenter, r"^\|Close session$")
    presenter.keyboard.press("Enter")
    confirm = presenter.get_by_role("dialog", name="Close the session?")
    expect(confirm).to_be_visible()
    expect(presenter.locator(":focus")).to_have_text("Cancel")
    presenter.keyboard.press("Tab")
    expect(presenter.locator(":focus")).to_have_text("Close the session")
    presenter.keyboard.press("Enter")
    expect(confirm).to_be_hidden()
    expect(presenter.locator("#start-heading")).to_have_text("This session has ended.")
    expect(presenter.locator("#announce")).to_have_text("Session closed.")
    for page in pages:
        expect(page.locator("#note")).to_contain_text("This session has ended.")
    assert session_row(session).status == Session.Status.CLOSED

    # Everything the participants did is in the database.
    ballots = Ballot.objects.filter(activity__session=session)
    assert sorted(ballots.filter(activity=choice).values_list("choice", flat=True)) == [0, 0, 2]
    assert sorted(ballots.filter(activity=cloud).values_list("choice", flat=True)) == [
        ["recycling"],
        ["recycling"],
        ["traceability"],
    ]
    assert list(ballots.filter(activity=rating).values_list("choice", flat=True)) == [4, 4, 4]
    assert sorted(Note.objects.filter(activity=board).values_list("text", flat=True)) == sorted(
        NOTES
    )
    assert sorted(
        Question.objects.filter(activity=questions).values_list("text", flat=True)
    ) == sorted(QUESTIONS)

    # One page load for the whole session: the marker survived, nothing navigated.
    assert presenter.evaluate("() => window.__marker") == 1
    assert navigations == []

    for context, _ in people:
        context.close()
    facilitator.close()
