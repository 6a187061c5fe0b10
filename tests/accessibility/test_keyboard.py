"""Accessibility, proven (issue 18): one keyboard-only walk per role, in the system
Chromium against one real Daphne process for the module.

Keyboard only: after ``page.goto`` each walk drives its page with ``page.keyboard``
alone (Tab, Shift+Tab, Enter, Space, arrow keys, typing); locators only find what to
assert on (which control has the focus, what the page says). ``tab_to`` presses Tab
until a control has the focus, and fails naming every control the focus went through.

- A participant joins with the session code and their profile, then answers every
  registered activity kind as the facilitator opens each in turn (from the server):
  the eight polls, the idea board (a note, an upvote), Q&A (a question, an upvote) and
  common ground (agree, disagree, pass, a proposal); every answer is checked in the
  database. Updates from the server (another participant's vote, note or question, the
  facilitator's approval) never move the focus; a form disabled under the focus (a vote
  that cannot be changed, the last question or proposal allowed, a note being posted)
  keeps it in the form; the polite live regions say what happened.
- A facilitator signs in and runs a session from the console: opens an activity, shows
  its results on the projector, opens the next one, closes it and closes the session;
  the database, the projector and a participant's phone follow.
- A stakeholder signs in, comments on a consultation section and answers a validation
  round. No page may log an error or a CSP violation."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from playwright.sync_api import JSHandle, Locator, Page, expect

from boards.models import Note, NoteVote
from consensus.models import Answer, Statement
from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import Comment, ValidationAnswer
from polls.models import Ballot
from qna.models import Question, QuestionVote
from sessions import kinds, selectors, services
from sessions.models import Activity, Participant, Session
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.frontend.conftest import PageProblems
from tests.threads import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"  # tests.factories.make_user's
PHONE = {"width": 375, "height": 667}
DESK = {"width": 1280, "height": 800}

# The activity of each registered kind in the participant's session, in agenda order.
TITLES = {
    "single_choice": "Should contracts be public?",
    "multiple_choice": "Which two minerals first?",
    "scale": "How ready is your sector?",
    "word_cloud": "In a word: what matters most?",
    "ranking": "Rank the priorities",
    "dot_vote": "Spread your dots",
    "impact_feasibility": "Rate impact and feasibility",
    "statement_ranking": "Rank the roadmap statements",
    "idea_board": "Ideas for the roadmap",
    "qna": "Questions to the panel",
    "consensus": "Where do we agree?",
}
_keys = itertools.count(1)

# One question and one proposal each: sending the last one disables the form under the
# focus, which must stay in the form.
CONFIGS: dict[str, dict[str, Any]] = {
    **factories.DEFAULT_CONFIGS,
    "idea_board": {"columns": ["Challenges", "Solutions", "Who must act"]},
    "qna": {"max_questions": 1},
    "consensus": {**factories.DEFAULT_CONFIGS["consensus"], "max_submissions": 1},
}


# --------------------------------------------------------------------------- keyboard

# The focused element, described for a failure message: its tag, id, type and name.
DESCRIBE_FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "(nothing: the page itself)";
  const label = e.getAttribute("aria-label") || (e.labels && e.labels.length ? e.labels[0].textContent : "")
    || e.textContent || e.value || "";
  return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.type ? "[" + e.type + "]" : "")
    + (e.name ? "[name=" + e.name + "]" : "") + " " + JSON.stringify(label.trim().replace(/\\s+/g, " ").slice(0, 50));
}"""


def has_focus(target: Locator) -> bool:
    return target.evaluate("node => node === document.activeElement")


def tab_to(page: Page, target: Locator, *, back: bool = False, limit: int = 60) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``target`` has the focus, at most
    ``limit`` times; fail listing where the focus went."""
    expect(target).to_be_enabled()
    key = "Shift+Tab" if back else "Tab"
    went = []
    for _ in range(limit):
        if has_focus(target):
            return
        page.keyboard.press(key)
        went.append(page.evaluate(DESCRIBE_FOCUS))
    if has_focus(target):
        return
    raise AssertionError(
        f"{key} pressed {limit} times and {target} never had the focus; it went to:\n  "
        + "\n  ".join(went)
    )


def press(page: Page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def focus_handle(page: Page) -> JSHandle:
    return page.evaluate_handle("() => document.activeElement")


def assert_focus_kept(page: Page, before: JSHandle, what: str) -> None:
    """The element that had the focus before an update from the server still has it."""
    kept = page.evaluate("node => node === document.activeElement && node.isConnected", before)
    assert kept, f"the focus moved on {what}: it is now on {page.evaluate(DESCRIBE_FOCUS)}"


# --------------------------------------------------------------------------- browsers


@pytest.fixture(scope="module")
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def browse(transactional_db, module_daphne, chromium, problems) -> Iterator[Callable[..., Page]]:
    """``browse(**context_options)``: a page in a new browser context; every context is
    closed after the test (before its tables are flushed), and no page logged an error."""
    contexts = []

    def new(**options: Any) -> Page:
        context = chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield new
    for context in contexts:
        context.close()
    server_quiet()
    errors, problems.errors[:] = list(problems.errors), []
    assert errors == [], errors


def server_quiet(timeout: float = 10.0) -> None:
    """Wait until no other connection to the test database is running a query or holds
    a transaction open: the server finishes what the test's last steps set off (a
    tally, the sockets' goodbyes) before the tables are flushed under it (a flush in
    the middle of it can deadlock)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
                " AND (state = 'active' OR state LIKE 'idle in transaction%%')"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)  # polling the server's connections; no event to await


def live(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-status", "live")


def sign_in(page: Page, base: str, username: str, next_url: str) -> None:
    """The account page, by keyboard: the login, the password, Enter on "Sign In"."""
    page.goto(f"{base}/accounts/login/?next={next_url}")
    tab_to(page, page.get_by_label("Login"))
    page.keyboard.type(username)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign In"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + next_url)


# --------------------------------------------------------------------------- participant


def room_cookie(participant: Participant, base: str) -> dict[str, Any]:
    """The room cookie the join page sets for ``participant``, for a browser context."""
    response = HttpResponse()
    selectors.set_participant_cookie(response, participant=participant, secure=False)
    name = selectors.participant_cookie_name(participant.session.code)
    return {"name": name, "value": response.cookies[name].value, "url": base}


def agenda() -> tuple[Session, dict[str, Activity], list[Participant]]:
    """A session with one activity of every registered kind, all in draft, whose results
    participants see live; two other participants who answer from the server."""
    session = factories.make_session(title="Battery minerals plenary")
    by_kind = {
        kind: services.add_activity(
            session=session,
            kind=kind,
            title=TITLES[kind],
            config=CONFIGS[kind],
            results_visibility=Activity.Visibility.LIVE,
            allow_change=kind != "scale",  # a vote that locks the form
        )
        for kind, _ in kinds.kind_choices()
    }
    others = [
        factories.make_participant(session=session, display_name=name, stakeholder_group="research")
        for name in ("Ben", "Chen")
    ]
    return session, by_kind, others


def server_act(activity: Activity, participant: Participant, action: str, data: Any) -> None:
    """Another participant's command, as their phone sends it (on a worker thread)."""
    in_thread(
        lambda: services.perform_command(
            participant=participant,
            activity_id=activity.pk,
            action=action,
            data=data,
            key=f"k{next(_keys)}",
        )
    )


class Room:
    """The participant's room page and what the walk checks on it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.mark = 0  # how many announcements were heard already
        self.confirmation = page.locator("#confirmation")

    def open(self, activity: Activity) -> None:
        """The facilitator opens ``activity``; the room draws it and says so politely."""
        in_thread(lambda: services.open_activity(activity=activity))
        expect(self.page.get_by_role("heading", level=2, name=activity.title)).to_be_visible()
        self.heard(f"New question: {activity.title}")

    def heard(self, text: str) -> None:
        """Wait until the polite announcer says ``text`` (after what was heard before):
        read from the log of everything it said, as a later announcement (the results
        updated, say) may replace it before a check could read it."""
        found = self.page.wait_for_function(
            """([text, start]) => {
              const i = (window.announced || []).indexOf(text, start);
              return i >= 0 ? i + 1 : false;
            }""",
            arg=[text, self.mark],
        )
        self.mark = found.json_value()

    def send_vote(self) -> None:
        """Tab to "Send my answer", press Enter: the polite status line says it is
        recorded once the server has stored it."""
        tab_to(self.page, self.page.get_by_role("button", name="Send my answer"))
        self.page.keyboard.press("Enter")
        expect(self.confirmation).to_have_text("Vote recorded. Thank you!")


# Everything the room's polite announcer (#announce) says, in order, in
# ``window.announced``.
LOG_ANNOUNCEMENTS = """
window.announced = [];
document.addEventListener("DOMContentLoaded", () => {
  const node = document.getElementById("announce");
  if (!node) return;
  new MutationObserver((records) => records.forEach((r) => {
    if (r.type === "characterData") window.announced.push(r.target.data);
    r.addedNodes.forEach((n) => window.announced.push(n.textContent));
  })).observe(node, { childList: true, characterData: true, subtree: true });
});
"""


def ballot(activity: Activity) -> Any:
    return Ballot.objects.get(activity=activity, participant__display_name="Ana").choice


def join(page: Page, base: str, code: str) -> None:
    """The join page: the code, then the profile (a name and a group), into the room."""
    page.goto(f"{base}/join")
    tab_to(page, page.get_by_label("Session code"))
    page.keyboard.type(code)
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    name = page.get_by_label("Your name as others see it")
    expect(name).to_be_visible()
    tab_to(page, name)
    page.keyboard.type("Ana")
    group = page.get_by_label("Stakeholder group")
    tab_to(page, group)
    press(page, "ArrowDown", 3)  # past "Prefer not to say" and the two industry groups
    expect(group).to_have_value("civil_society")
    # The optional part opens with Enter on its summary; the country is typed ahead.
    tab_to(page, page.locator("summary", has_text="More about me (optional)"))
    page.keyboard.press("Enter")
    country = page.get_by_label("Country")
    tab_to(page, country)
    page.keyboard.type("Kenya")
    expect(country).to_have_value("KE")
    tab_to(page, page.get_by_role("button", name="Enter the session"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/s/{code}/$"))
    live(page)


def test_a_participant_joins_and_answers_every_kind_by_keyboard(module_daphne, browse):
    session, by_kind, (ben, chen) = in_thread(agenda)
    assert set(by_kind) == {name for name, _ in kinds.kind_choices()}  # every kind is walked
    base = module_daphne.base_url
    page = browse(viewport=PHONE)
    page.add_init_script(LOG_ANNOUNCEMENTS)
    join(page, base, session.code)
    ana = Participant.objects.get(session=session, display_name="Ana")
    assert (ana.stakeholder_group, ana.country) == ("civil_society", "KE")
    room = Room(page)
    expect(page.locator("#announce")).to_have_attribute("aria-live", "polite")

    # Single choice: arrows pick the option; another participant's vote redraws the
    # results and leaves the focus (and the choice) where it was.
    poll = by_kind["single_choice"]
    room.open(poll)
    tab_to(page, page.get_by_role("radio", name="Yes", exact=True))
    page.keyboard.press("ArrowDown")
    no = page.get_by_role("radio", name="No", exact=True)
    expect(no).to_be_checked()
    before = focus_handle(page)
    server_act(poll, ben, "vote", 2)
    expect(page.locator("#count")).to_have_text("1 vote")
    expect(page.locator("#results table.tally")).to_contain_text("Not sure")
    assert_focus_kept(page, before, "another participant's vote")
    expect(no).to_be_checked()
    expect(room.confirmation).to_have_attribute("role", "status")  # a polite live region
    room.send_vote()
    assert ballot(poll) == 1
    expect(page.locator("#count")).to_have_text("2 votes")

    # Multiple choice: Space ticks a box; past the limit the others are disabled.
    poll = by_kind["multiple_choice"]
    room.open(poll)
    tab_to(page, page.get_by_role("checkbox", name="Cobalt"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("checkbox", name="Tin"))
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Gold")).to_be_disabled()
    room.send_vote()
    assert ballot(poll) == [0, 2]

    # Scale: into the radio group, then the arrows. The vote cannot be changed: the
    # form locks, and the focus goes from the disabled button to the status line.
    poll = by_kind["scale"]
    room.open(poll)
    tab_to(page, page.get_by_role("radio", name="1 \u2013 Not at all"))
    press(page, "ArrowRight", 3)
    expect(page.get_by_role("radio", name="4", exact=True)).to_be_checked()
    room.send_vote()
    expect(page.get_by_role("button", name="Send my answer")).to_be_disabled()
    expect(room.confirmation).to_be_focused()
    assert ballot(poll) == 4

    # Word cloud: typed entries.
    poll = by_kind["word_cloud"]
    room.open(poll)
    tab_to(page, page.get_by_label("Entry 1"))
    page.keyboard.type("recycling")
    tab_to(page, page.get_by_label("Entry 2"))
    page.keyboard.type("living wages")
    room.send_vote()
    assert ballot(poll) == ["recycling", "living wages"]

    # Ranking: the move buttons keep the focus on the moved option, and its new place
    # is announced.
    poll = by_kind["ranking"]
    room.open(poll)
    tab_to(page, page.get_by_role("button", name="Move Recycling up"))
    press(page, "Enter", 2)
    expect(page.locator("ol.ranking li span")).to_have_text(
        ["Recycling", "Traceability", "Living wages"]
    )
    room.heard("Recycling is now number 1")
    room.send_vote()
    assert ballot(poll) == [2, 0, 1]

    # Dot vote: Enter on "+" places a dot; at the statement's limit the focus goes to its minus.
    poll = by_kind["dot_vote"]
    room.open(poll)
    plus = page.get_by_role("button", name="Add a dot to “Zero-waste mines”")
    tab_to(page, plus)
    press(page, "Enter", 3)
    expect(plus).to_be_disabled()
    expect(page.get_by_role("button", name="Remove a dot from “Zero-waste mines”")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Add a dot to “Half of batteries recycled”"))
    press(page, "Enter", 2)
    expect(page.locator(".dots-left")).to_have_text("0 dots left")
    room.send_vote()
    assert ballot(poll) == {"0": 3, "1": 2}

    # Impact and feasibility: two radio groups per statement; others may be skipped.
    poll = by_kind["impact_feasibility"]
    room.open(poll)
    tab_to(page, page.locator(f'input[name="a{poll.pk}-0-impact"][value="1"]'))
    press(page, "ArrowRight", 3)
    page.keyboard.press("Tab")  # on to the feasibility group of the same statement
    expect(page.locator(f'input[name="a{poll.pk}-0-feasibility"][value="1"]')).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f'input[name="a{poll.pk}-0-impact"][value="4"]')).to_be_checked()
    expect(page.locator(f'input[name="a{poll.pk}-0-feasibility"][value="2"]')).to_be_checked()
    room.send_vote()
    assert ballot(poll) == {"0": {"impact": 4, "feasibility": 2}}

    # Statement ranking, as the ranking poll.
    poll = by_kind["statement_ranking"]
    room.open(poll)
    tab_to(page, page.get_by_role("button", name="Move Publish supply chain audits up"))
    page.keyboard.press("Enter")
    room.heard("Publish supply chain audits is now number 2")
    room.send_vote()
    assert ballot(poll) == [0, 2, 1]

    walk_the_board(page, room, by_kind["idea_board"], ben)
    walk_the_questions(page, room, by_kind["qna"], chen)
    walk_common_ground(page, room, by_kind["consensus"])
    page.goto("about:blank")  # nothing stays connected to the room


def walk_the_board(page: Page, room: Room, board: Activity, ben: Participant) -> None:
    room.open(board)
    column = page.get_by_label("Column")
    tab_to(page, column)
    page.keyboard.press("ArrowDown")
    expect(column).to_have_value("1")
    tab_to(page, page.get_by_role("textbox", name="Your note", exact=True))
    page.keyboard.type("Publish every smelter audit")
    tab_to(page, page.get_by_role("button", name="Post"))
    page.keyboard.press("Enter")
    room.heard("Note posted.")
    own = page.locator(".board-mine-list")
    expect(own).to_contain_text("Publish every smelter audit")
    # "Post" was disabled while sending: the focus is back in the note field.
    text = page.get_by_role("textbox", name="Your note", exact=True)
    expect(text).to_be_focused()
    mine = Note.objects.get(activity=board, participant__display_name="Ana")
    assert (mine.column, mine.text) == (1, "Publish every smelter audit")

    # Ana edits her note: Enter on "Edit" puts the focus in the text, "Save" back on
    # "Edit".
    edit = own.get_by_role("button", name="Edit")
    tab_to(page, edit)
    page.keyboard.press("Enter")
    expect(own.get_by_role("textbox", name="Edit your note")).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" in full")
    page.keyboard.press("Tab")
    expect(own.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")
    room.heard("Note saved.")
    expect(edit).to_be_focused()
    expect(own.locator(".board-text")).to_have_text("Publish every smelter audit in full")
    mine.refresh_from_db()
    assert mine.text == "Publish every smelter audit in full"

    # Ana is typing her next note when Ben's arrives on the board: her focus, and what
    # she typed, stay.
    tab_to(page, text, back=True)
    page.keyboard.type("Pay living wages")
    before = focus_handle(page)
    server_act(board, ben, "post", {"column": 0, "text": "No data from the mines"})
    expect(
        page.locator(".board-wrap .board-note", has_text="No data from the mines")
    ).to_be_visible()
    assert_focus_kept(page, before, "another participant's note")
    expect(text).to_have_value("Pay living wages")

    # The facilitator starts the upvoting: announced; Ana upvotes Ben's note.
    in_thread(
        lambda: services.moderate_activity(
            activity=board, action="start_voting", data={"budget": 2}
        )
    )
    room.heard("Upvoting has started: 2 upvotes each.")
    bens = page.locator(".board-wrap .board-note", has_text="No data from the mines")
    upvote = bens.get_by_role("button", name="Upvote")
    tab_to(page, upvote)
    page.keyboard.press("Enter")
    expect(bens.get_by_role("button", name="Upvoted")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".board-votes")).to_have_text("1 upvote left")
    expect(bens.get_by_role("button", name="Upvoted")).to_be_focused()  # kept across the redraw
    assert list(
        NoteVote.objects.filter(participant__display_name="Ana").values_list(
            "note__text", flat=True
        )
    ) == ["No data from the mines"]


def walk_the_questions(page: Page, room: Room, qna: Activity, chen: Participant) -> None:
    room.open(qna)
    tab_to(page, page.get_by_label("Your question"))
    page.keyboard.type("Who pays for the traceability system?")
    anonymous = page.get_by_role("checkbox", name="Ask anonymously")
    tab_to(page, anonymous)
    page.keyboard.press("Space")
    expect(anonymous).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Ask"))
    page.keyboard.press("Enter")
    expect(room.confirmation).to_have_text("Question sent. Thank you!")
    asked = Question.objects.get(activity=qna, participant__display_name="Ana")
    assert (asked.text, asked.anonymous) == ("Who pays for the traceability system?", True)
    # That was the one question allowed: the form is disabled, the focus on its status.
    expect(page.get_by_role("button", name="Ask")).to_be_disabled()
    expect(page.locator(".qna-left")).to_have_text(
        "You have asked as many questions as this Q&A allows."
    )
    expect(room.confirmation).to_be_focused()

    # Chen's question arrives: the focus stays where it is.
    before = focus_handle(page)
    server_act(
        qna, chen, "ask", {"text": "When will artisanal miners be heard?", "anonymous": False}
    )
    chens = page.locator(".qna-q", has_text="When will artisanal miners be heard?")
    expect(chens).to_be_visible()
    assert_focus_kept(page, before, "another participant's question")

    upvote = chens.get_by_role("button", name="Upvote")
    tab_to(page, upvote)
    page.keyboard.press("Enter")
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(upvote).to_be_focused()
    assert list(
        QuestionVote.objects.filter(participant__display_name="Ana").values_list(
            "question__text", flat=True
        )
    ) == ["When will artisanal miners be heard?"]


def walk_common_ground(page: Page, room: Room, consensus: Activity) -> None:
    room.open(consensus)
    card = page.locator(".cs-card")
    seeds = list(Statement.objects.filter(activity=consensus).order_by("pk"))
    expect(card.locator(".cs-statement")).to_have_text(seeds[0].text)
    tab_to(page, card.get_by_role("button", name="Agree", exact=True))
    page.keyboard.press("Enter")
    room.heard("Answer saved. 1 of 3 answered.")
    expect(card.locator(".cs-statement")).to_have_text(seeds[1].text)
    # The next statement's first button has the focus: the keyboard carries on.
    expect(card.get_by_role("button", name="Agree", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Disagree", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    room.heard("Answer saved. 2 of 3 answered.")
    expect(card.locator(".cs-statement")).to_have_text(seeds[2].text)
    tab_to(page, card.get_by_role("button", name="Pass unsure / skip"))
    page.keyboard.press("Space")
    room.heard("Answer saved. You have answered every statement.")
    expect(page.get_by_role("heading", name="You have answered every statement")).to_be_focused()
    assert dict(
        Answer.objects.filter(participant__display_name="Ana").values_list("statement", "vote")
    ) == {seeds[0].pk: 1, seeds[1].pk: -1, seeds[2].pk: 0}

    # A proposal.
    tab_to(page, page.get_by_label("Your statement"))
    page.keyboard.type("Royalties should reach the communities near mines.")
    tab_to(page, page.get_by_role("button", name="Send statement"))
    page.keyboard.press("Enter")
    expect(room.confirmation).to_have_text("Sent. It will appear once the facilitator approves it.")
    # The one proposal allowed: the form is disabled, the focus on its status.
    expect(page.get_by_role("button", name="Send statement")).to_be_disabled()
    expect(room.confirmation).to_be_focused()
    proposed = Statement.objects.get(
        activity=consensus, text="Royalties should reach the communities near mines."
    )

    # The facilitator approves it (from the server): Ana is told there is a new
    # statement to answer, and her focus stays where it was.
    before = focus_handle(page)
    in_thread(
        lambda: services.moderate_activity(
            activity=consensus, action="approve", data={"statement": proposed.pk}
        )
    )
    room.heard("A new statement to answer.")
    expect(card.locator(".cs-statement")).to_have_text(proposed.text)
    expect(page.locator(".cs-own")).to_contain_text("Visible to everyone")
    assert_focus_kept(page, before, "the facilitator's approval")
    tab_to(page, card.get_by_role("button", name="Agree", exact=True), back=True)
    page.keyboard.press("Enter")
    room.heard("Answer saved. You have answered every statement.")
    assert Answer.objects.get(participant__display_name="Ana", statement=proposed).vote == 1


# --------------------------------------------------------------------------- facilitator


def facilitated() -> tuple[Session, Activity, Activity, Participant]:
    owner = factories.make_user(organiser=True, username="facilitator")
    event = factories.make_event(owner=owner, title="Battery minerals forum")
    session = factories.make_session(event=event, title="Vision plenary")
    first = factories.make_activity(session=session, kind="single_choice", title="Which first?")
    second = factories.make_activity(session=session, kind="scale", title="How far along?")
    voter = factories.make_participant(session=session, display_name="Ben")
    return session, first, second, voter


def test_a_facilitator_runs_a_session_from_the_console_by_keyboard(module_daphne, browse):
    session, first, second, ben = in_thread(facilitated)
    base = module_daphne.base_url
    projector = browse(viewport={"width": 1280, "height": 720})
    projector.goto(f"{base}/s/{session.code}/screen")
    live(projector)
    # Ben's phone, watched (not driven): it follows the facilitator too.
    phone = browse(viewport=PHONE)
    phone.context.add_cookies([room_cookie(ben, base)])
    phone.goto(f"{base}/s/{session.code}/")
    live(phone)

    console = browse(viewport=DESK)
    sign_in(console, base, "facilitator", f"/console/{session.code}/")
    live(console)
    status = lambda a: Activity.objects.get(pk=a.pk).status  # noqa: E731
    announce = console.locator("#announce")
    expect(announce).to_have_attribute("aria-live", "polite")

    # Open the first activity: the projector shows it; the focus stays on the button,
    # which now closes it.
    tab_to(console, console.locator(f"#cmd-status-{first.pk}"))
    expect(console.locator(f"#cmd-status-{first.pk}")).to_have_text("Open")
    console.keyboard.press("Enter")
    expect(console.locator(f"#cmd-status-{first.pk}")).to_have_text("Close")
    expect(console.locator(f"#cmd-status-{first.pk}")).to_be_focused()
    expect(projector.get_by_role("heading", name="Which first?")).to_be_visible()
    expect(phone.get_by_role("heading", name="Which first?")).to_be_visible()
    assert status(first) == "open"
    assert Session.objects.get(pk=session.pk).current_activity_id == first.pk

    # A vote comes in; the facilitator shows the results on the projector.
    server_act(first, ben, "vote", 0)
    expect(console.locator(f'[data-count-for="{first.pk}"]')).to_have_text("1")
    reveal = console.locator(f"#cmd-reveal-{first.pk}")
    tab_to(console, reveal)
    expect(reveal).to_have_text("Show results on projector")
    console.keyboard.press("Enter")
    expect(reveal).to_have_text("Hide from projector")
    expect(reveal).to_be_focused()
    expect(projector.locator("#results table.tally")).to_contain_text("Yes")
    assert Activity.objects.get(pk=first.pk).results_revealed is True

    # On to the next activity: the first closes, the projector follows.
    opener = console.locator(f"#cmd-status-{second.pk}")
    tab_to(console, opener)
    console.keyboard.press("Enter")
    expect(opener).to_have_text("Close")
    expect(projector.get_by_role("heading", name="How far along?")).to_be_visible()
    expect(phone.get_by_role("heading", name="How far along?")).to_be_visible()
    assert (status(first), status(second)) == ("closed", "open")
    assert Session.objects.get(pk=session.pk).current_activity_id == second.pk

    # Close it, then the session.
    expect(opener).to_be_focused()
    console.keyboard.press("Enter")
    expect(opener).to_have_text("Open")
    expect(phone.locator("#confirmation")).to_have_text("This question is closed.")
    assert status(second) == "closed"
    tab_to(console, console.get_by_role("button", name="Close session"), back=True)
    console.keyboard.press("Enter")
    expect(console.locator(".session-state .ended")).to_contain_text("This session has ended.")
    expect(projector.locator("body")).to_have_attribute("data-session", "closed")
    expect(phone.locator("#note")).to_contain_text("This session has ended.")
    assert Session.objects.get(pk=session.pk).status == "closed"
    for page in (console, projector, phone):
        page.goto("about:blank")


# --------------------------------------------------------------------------- stakeholder


def consultation_with_a_round():
    organiser = factories.make_user(organiser=True)
    process = make_process(owner=organiser)
    consultation = make_consultation(process=process, title="Battery minerals roadmap draft")
    version = consult_selectors.latest_version(consultation)
    consult_services.open_round(consultation=consultation, by=organiser, version=version)
    member = make_member(group="civil_society", username="zawadi")
    sections = [t.section for t in version.texts.order_by("position")]
    return consultation, sections, member


def test_a_stakeholder_comments_and_answers_a_validation_round_by_keyboard(module_daphne, browse):
    consultation, sections, member = in_thread(consultation_with_a_round)
    base = module_daphne.base_url
    page = browse(viewport=DESK)
    c = f"/c/{consultation.process.slug}/{consultation.slug}"

    # A comment on the first section.
    sign_in(page, base, "zawadi", f"{c}/s/{sections[0].pk}/")
    tab_to(page, page.get_by_label("Your comment"))
    page.keyboard.type("Say 2035, not 2050.")
    tab_to(page, page.get_by_role("button", name="Comment", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your comment is published.")).to_be_visible()
    assert list(
        Comment.objects.filter(section=sections[0], author=member).values_list("body", flat=True)
    ) == ["Say 2035, not 2050."]

    # The validation round: "agree with changes" with a reason on the first section,
    # "agree" on the second.
    page.goto(f"{base}{c}/validate/")
    first = page.locator(f"#section-{sections[0].pk}")
    tab_to(page, first.get_by_role("radio", name="Agree", exact=True))
    page.keyboard.press("ArrowDown")
    expect(first.get_by_role("radio", name="Agree with changes")).to_be_checked()
    tab_to(page, first.get_by_label("Reason (needed unless you agree)"))
    page.keyboard.type("The 2050 horizon is too late.")
    tab_to(page, first.get_by_role("button", name="Save my answer"))
    page.keyboard.press("Enter")
    expect(
        page.get_by_text("Answer saved. You can change it until the round closes.")
    ).to_be_visible()
    expect(page.locator(f"#section-{sections[0].pk}").get_by_role("button")).to_have_text(
        "Change my answer"
    )

    second = page.locator(f"#section-{sections[1].pk}")
    tab_to(page, second.get_by_role("radio", name="Agree", exact=True))
    page.keyboard.press("Space")
    tab_to(page, second.get_by_role("button", name="Save my answer"))
    page.keyboard.press("Enter")
    expect(second.get_by_role("button")).to_have_text("Change my answer")
    answers = ValidationAnswer.objects.filter(user=member).order_by("section__pk")
    assert [(a.section_id, a.verdict, a.reason) for a in answers] == [
        (sections[0].pk, "agree_with_changes", "The 2050 horizon is too late."),
        (sections[1].pk, "agree", ""),
    ]
