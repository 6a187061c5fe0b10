"""The projector on a 16:9 screen, and the session-state screens, in the system Chromium
against one real Daphne process for the module.

Every registered activity kind, with realistic content (long option labels, 30 words,
25 notes, 20 questions, 8 statements) and its results revealed, fits 1280 x 720 and
1920 x 1080 without scrolling; the join panel's four modes, the countdown on the
projector and on a phone, and the "session ended" screens with the consultation to go
on in. No page may log an error or a CSP violation."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import reverse
from playwright.sync_api import Page, expect

from qna.models import Question
from sessions import kinds, selectors, services
from sessions.models import Activity, Participant, Session
from tests import factories
from tests.consult.factories import make_consultation, make_process
from tests.frontend.conftest import PageProblems
from tests.threads import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = [(1280, 720), (1920, 1080)]
PHONE = {"width": 375, "height": 667}
GROUPS = ["civil_society", "industry_upstream", "research", "policy"]

_keys = itertools.count(1)


# --------------------------------------------------------------------------- servers


@pytest.fixture(scope="module")
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture(scope="module")
def screen_page(chromium, problems) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    problems.watch(page)
    yield page
    context.close()


@pytest.fixture
def projector(transactional_db, module_daphne, screen_page, problems) -> Iterator[Page]:
    """The module's projector page, back on a blank page at 1280 x 720 after the test
    (so nothing is connected when the tables are flushed); no page logged an error."""
    yield screen_page
    screen_page.goto("about:blank")
    screen_page.set_viewport_size({"width": 1280, "height": 720})
    errors, problems.errors[:] = list(problems.errors), []
    assert errors == []


@pytest.fixture
def phone(
    transactional_db, module_daphne, chromium, problems
) -> Iterator[Callable[[Participant], Page]]:
    """``phone(participant)``: their room on a 375 x 667 phone, already connected; the
    phones are put away after the test, before the tables are flushed."""
    contexts = []

    def open_room(participant: Participant) -> Page:
        context = chromium.new_context(viewport=PHONE)
        contexts.append(context)
        context.add_cookies([room_cookie(participant, module_daphne.base_url)])
        page = context.new_page()
        problems.watch(page)
        page.goto(f"{module_daphne.base_url}/s/{participant.session.code}/")
        expect(page.locator("body")).to_have_attribute("data-status", "live")
        return page

    yield open_room
    for context in contexts:
        context.close()


# --------------------------------------------------------------------------- content


def people(session: Session, n: int) -> list[Participant]:
    return [
        factories.make_participant(
            session=session, display_name=f"Person {i}", stakeholder_group=GROUPS[i % len(GROUPS)]
        )
        for i in range(n)
    ]


def act(activity: Activity, participant: Participant, action: str, data: Any) -> None:
    services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"p{next(_keys)}",
    )


def rotate(items: list[int], by: int) -> list[int]:
    by %= len(items)
    return items[by:] + items[:by]


LONG_OPTIONS = [
    "Traceability of battery minerals from the mine to the recycler, with audits "
    "published every year",
    "Living wages and safe working conditions in every tier of the supply chain, checked by unions",
    "Recycling targets for lithium, cobalt and nickel that rise every five years until 2050",
    "Free, prior and informed consent of the communities near new mining projects",
    "Public money only for projects that publish their environmental impact data",
    "A regional fund that pays for the training of workers in the new industries",
    "Shared rules for the due diligence of importers across all trading partners",
    "Water use limits for mines in dry regions, measured and reported monthly",
]

STATEMENTS = "\n".join(
    [
        "Mines leave no waste behind and restore the land they used",
        "milestone 2030: Half of the batteries sold in the region are recycled",
        "milestone 2040: Every mine publishes its water and energy use",
        "action industry: Publish supply chain audits for every tier",
        "action policy: Fund the training of workers in recycling plants",
        "Communities share in the benefits of the mines near them",
        "milestone 2050: Mining is carbon neutral across the value chain",
        "action civil_society: Monitor the agreements and report every year",
    ]
)

WORDS = [
    "traceability",
    "recycling",
    "wages",
    "water",
    "consent",
    "audits",
    "training",
    "transparency",
    "circularity",
    "cobalt",
    "lithium",
    "nickel",
    "communities",
    "justice",
    "safety",
    "energy",
    "land",
    "biodiversity",
    "governance",
    "finance",
    "innovation",
    "partnerships",
    "standards",
    "reporting",
    "health",
    "youth",
    "gender",
    "data",
    "trust",
    "resilience",
]

NOTE = "Make the {} rules public, so that every company and community knows what is agreed"
QUESTION = (
    "How will the roadmap make sure that the voices of {} are heard before the "
    "milestones for 2030 are set?"
)


def fill_choice(activity: Activity, who: list[Participant]) -> None:
    for i, p in enumerate(who):
        act(activity, p, "vote", i % len(activity.config["options"]))


def fill_multiple(activity: Activity, who: list[Participant]) -> None:
    for i, p in enumerate(who):
        act(activity, p, "vote", [i % 8, (i + 3) % 8])


def fill_scale(activity: Activity, who: list[Participant]) -> None:
    for i, p in enumerate(who):
        act(activity, p, "vote", i % 11)


def fill_words(activity: Activity, who: list[Participant]) -> None:
    for i, p in enumerate(who[:10]):
        act(activity, p, "vote", WORDS[3 * i : 3 * i + 3])


def fill_ranking(activity: Activity, who: list[Participant]) -> None:
    for i, p in enumerate(who):
        act(activity, p, "vote", rotate(list(range(8)), i))


def fill_dots(activity: Activity, who: list[Participant]) -> None:
    for i, p in enumerate(who):
        act(activity, p, "vote", {str(i % 8): 3, str((i + 2) % 8): 2})


def fill_grid(activity: Activity, who: list[Participant]) -> None:
    for i, p in enumerate(who):
        act(
            activity,
            p,
            "vote",
            {str(s): {"impact": 1 + (i + s) % 5, "feasibility": 1 + (i * s) % 5} for s in range(8)},
        )


def fill_board(activity: Activity, who: list[Participant]) -> None:
    for n in range(25):
        act(activity, who[n % 5], "post", {"column": n % 3, "text": NOTE.format(WORDS[n])})


def fill_questions(activity: Activity, who: list[Participant]) -> None:
    for n in range(20):
        act(activity, who[n % 4], "ask", {"text": QUESTION.format(WORDS[n]), "anonymous": False})
    # The later questions get the votes, so the most voted list differs from the newest.
    for n, question in enumerate(Question.objects.filter(activity=activity).order_by("-pk")[:6]):
        for voter in who[4 : 4 + 6 - n]:
            act(activity, voter, "upvote", {"question": question.pk})


# kind -> (config, how participants fill it). A kind registered later without an entry
# here is still shown, with the settings its own clean_config gives and no input.
CONTENT: dict[str, tuple[dict[str, Any], Callable[[Activity, list[Participant]], None]]] = {
    "single_choice": ({"options": LONG_OPTIONS[:6]}, fill_choice),
    "multiple_choice": ({"options": LONG_OPTIONS, "max_choices": 3}, fill_multiple),
    "scale": (
        {"min": 0, "max": 10, "min_label": "Not at all ready", "max_label": "Fully ready"},
        fill_scale,
    ),
    "word_cloud": ({"max_entries": 3, "max_length": 30}, fill_words),
    "ranking": ({"options": LONG_OPTIONS}, fill_ranking),
    "dot_vote": ({"statements": STATEMENTS, "dots": 5, "max_per_statement": 3}, fill_dots),
    "impact_feasibility": ({"statements": STATEMENTS}, fill_grid),
    "statement_ranking": ({"statements": STATEMENTS}, fill_ranking),
    "idea_board": ({"columns": ["Challenges", "Solutions", "Who must act"]}, fill_board),
    "qna": ({}, fill_questions),
}

KINDS = [name for name, _ in kinds.kind_choices()]

TITLE = (
    "Which of these should the regional roadmap for responsible battery minerals put first, "
    "and why?"
)


def kind_session(kind: str) -> Session:
    """An open session showing an open activity of ``kind`` with its content, its
    results revealed on the projector."""
    event = factories.make_event(title="Battery minerals roadmap forum")
    session = factories.make_session(event=event, title="Plenary: priorities for 2030")
    config, fill = CONTENT.get(kind, (None, None))
    activity = services.add_activity(
        session=session,
        kind=kind,
        title=TITLE,
        config=config if config is not None else kinds.get_kind(kind).clean_config({}),
    )
    services.open_activity(activity=activity)
    services.reveal_results(activity=activity, revealed=True)
    activity.refresh_from_db()
    if fill is not None:
        fill(activity, people(session, 12))
    return session


def poll_session(**event: Any) -> tuple[Session, Activity]:
    """An open session on a revealed single-choice poll with a few votes."""
    session = factories.make_session(
        event=factories.make_event(title="Battery minerals roadmap forum", **event),
        title="Plenary: priorities for 2030",
    )
    poll = services.add_activity(
        session=session, kind="single_choice", title=TITLE, config={"options": LONG_OPTIONS[:4]}
    )
    services.open_activity(activity=poll)
    services.reveal_results(activity=poll, revealed=True)
    poll.refresh_from_db()
    fill_choice(poll, people(session, 6))
    session.refresh_from_db()
    return session, poll


def room_cookie(participant: Participant, base: str) -> dict[str, Any]:
    """The room cookie the join page sets for ``participant``, for a browser context."""
    response = HttpResponse()
    selectors.set_participant_cookie(response, participant=participant, secure=False)
    name = selectors.participant_cookie_name(participant.session.code)
    return {"name": name, "value": response.cookies[name].value, "url": base}


# --------------------------------------------------------------------------- checks

# Geometry the page reports about itself: the document's scroll size against the
# viewport, and every element drawn in the page's live part (the join panel, the
# activity and its results box) that lies outside the viewport.
MEASURE = """() => {
  const doc = document.documentElement;
  const box = document.getElementById("live");
  const out = [];
  if (box) {
    for (const node of box.querySelectorAll("*")) {
      const r = node.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.left < -0.5) {
        out.push(node.tagName + "." + node.getAttribute("class") + " " +
          JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round)));
      }
    }
  }
  return {
    scrollHeight: doc.scrollHeight, scrollWidth: doc.scrollWidth,
    bodyHeight: document.body.scrollHeight, bodyWidth: document.body.scrollWidth,
    innerHeight: innerHeight, innerWidth: innerWidth, outside: out.slice(0, 5)
  };
}"""


def assert_fits(page: Page, what: str) -> None:
    got = page.evaluate(MEASURE)
    assert got["scrollHeight"] <= got["innerHeight"], (what, got)
    assert got["scrollWidth"] <= got["innerWidth"], (what, got)
    assert got["bodyHeight"] <= got["innerHeight"], (what, got)
    assert got["outside"] == [], (what, got)


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => {
          const n = document.querySelector(sel);
          if (!n) return false;
          const r = n.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&
            r.bottom <= innerHeight && r.right <= innerWidth;
        }""",
        selector,
    )


def largest_text_in(page: Page, selector: str) -> bool:
    """Whether the visible text drawn with the largest font is inside ``selector``."""
    return page.evaluate(
        """(selector) => {
          let best = null, size = 0;
          const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walk.nextNode()) {
            const parent = walk.currentNode.parentElement;
            if (!walk.currentNode.textContent.trim() || !parent) continue;
            const r = parent.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            const s = parseFloat(getComputedStyle(parent).fontSize);
            if (s > size) { size = s; best = parent; }
          }
          return best !== null && best.closest(selector) !== null;
        }""",
        selector,
    )


def assert_clear_of_timer(page: Page) -> None:
    """The question's text and the countdown do not overlap."""
    title, timer = page.evaluate(
        """() => {
          const range = document.createRange();
          range.selectNodeContents(document.getElementById("question"));
          return [range.getBoundingClientRect().toJSON(),
                  document.getElementById("timer").getBoundingClientRect().toJSON()];
        }"""
    )
    assert title["right"] <= timer["left"] or title["top"] >= timer["bottom"], (title, timer)


def open_screen(page: Page, base: str, session: Session) -> None:
    page.goto(f"{base}/s/{session.code}/screen")
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile("."))


# --------------------------------------------------------------------------- tests


def test_every_kind_fits_a_16_9_projector_without_scrolling(module_daphne, projector):
    """One test for every registered kind (one set of rows, flushed once); a kind that
    does not fit is named with what crossed the edge, after all were tried."""
    sessions = in_thread(lambda: {kind: kind_session(kind) for kind in KINDS})
    misfits = {}
    for kind, session in sessions.items():
        try:
            open_screen(projector, module_daphne.base_url, session)
            title = projector.locator("h2#question")
            expect(title).to_have_text(TITLE)
            expect(projector.locator("#results > *").first).to_be_attached()
            for width, height in SCREENS:
                projector.set_viewport_size({"width": width, "height": height})
                # room.js leaves out what does not fit, in the frame after a change.
                projector.wait_for_selector(
                    f'#results[data-fit="{width}x{height}"]:not([data-fitting])'
                )
                expect(title).to_be_visible()
                assert in_viewport(projector, "h2#question"), "the title is cut"
                assert in_viewport(projector, ".join-panel .big-code"), "the code is cut"
                assert_fits(projector, f"{kind} at {width}x{height}")
            projector.set_viewport_size({"width": 1280, "height": 720})
        except AssertionError as error:
            misfits[kind] = str(error)[:1000]
    assert misfits == {}


def test_the_join_panel_modes(module_daphne, projector):
    session, _ = in_thread(poll_session)
    open_screen(projector, module_daphne.base_url, session)
    page = projector
    expect(page.locator("body")).to_have_attribute("data-join-panel", "shown")
    panel = page.locator(".join-panel")
    expect(panel.locator("svg.qr")).to_be_visible()
    shown_width = panel.bounding_box()["width"]
    assert shown_width <= 0.25 * 1280
    assert_fits(page, "shown")

    in_thread(lambda: services.set_join_panel(session=session, mode="small"))
    expect(page.locator("body")).to_have_attribute("data-join-panel", "small")
    expect(panel.locator(".big-code")).to_be_visible()
    expect(panel.locator(".url")).to_be_visible()
    expect(panel.locator("svg.qr")).to_be_hidden()
    strip = panel.bounding_box()
    assert strip["height"] <= 0.12 * 720, strip
    assert strip["y"] + strip["height"] >= 720 - 40 or strip["y"] <= 40, strip  # a corner
    assert in_viewport(page, ".join-panel")
    assert in_viewport(page, "h2#question")
    assert_fits(page, "small")

    in_thread(lambda: services.set_join_panel(session=session, mode="hidden"))
    expect(page.locator("body")).to_have_attribute("data-join-panel", "hidden")
    expect(panel).to_be_hidden()
    expect(page.locator("h2#question")).to_be_visible()
    assert_fits(page, "hidden")

    in_thread(lambda: services.set_join_panel(session=session, mode="full"))
    expect(page.locator("body")).to_have_attribute("data-join-panel", "full")
    code = panel.locator(".big-code")
    expect(code).to_have_text(session.code)
    expect(panel.locator("svg.qr")).to_be_visible()
    assert largest_text_in(page, ".big-code")
    box = panel.bounding_box()
    assert box["width"] >= 0.95 * 1280 and box["height"] >= 0.95 * 720, box
    assert page.evaluate(
        "() => document.elementFromPoint(innerWidth / 2, innerHeight / 2).closest('.join-panel') !== null"
    )
    assert_fits(page, "full")


def test_before_the_first_activity_the_join_panel_is_large(module_daphne, projector):
    session = in_thread(lambda: factories.make_session(title="Plenary: priorities for 2030"))
    open_screen(projector, module_daphne.base_url, session)
    page = projector
    expect(page.locator("body")).to_have_attribute("data-session", "draft")
    expect(page.get_by_text("Starting soon")).to_be_visible()
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function("w => innerWidth === w", arg=width)
        qr = page.locator(".join-panel svg.qr").bounding_box()
        assert qr["height"] >= 0.4 * height, (width, qr)
        assert in_viewport(page, ".join-panel .big-code")
        assert largest_text_in(page, ".big-code")
        assert_fits(page, f"lobby at {width}x{height}")
    # Opened on a phone, the page is one column that scrolls, no wider than the phone.
    page.set_viewport_size(PHONE)
    page.wait_for_function("w => innerWidth === w", arg=PHONE["width"])
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert in_viewport(page, ".join-panel .big-code")
    assert page.eval_on_selector(".big-code", "n => parseFloat(getComputedStyle(n).fontSize)") >= 32


def test_the_timer_shows_on_the_projector_and_a_phone(module_daphne, projector, phone):
    session, _ = in_thread(poll_session)
    ana = in_thread(lambda: factories.make_participant(session=session, display_name="Ana"))
    open_screen(projector, module_daphne.base_url, session)
    phone = phone(ana)
    expect(projector.locator("#timer")).to_be_hidden()

    in_thread(lambda: services.set_timer(session=session, seconds=120))
    for page in (projector, phone):
        timer = page.get_by_role("timer")
        expect(timer).to_be_visible()
        expect(timer).to_have_text(re.compile(r"^[12]:\d\d$"))
        assert in_viewport(page, "#timer")
    # The projector: large, in a corner, beside the question rather than over it.
    box = projector.locator("#timer").bounding_box()
    assert box["y"] <= 40 and box["x"] + box["width"] >= 1280 - 40, box
    assert_clear_of_timer(projector)
    size = projector.eval_on_selector("#timer", "n => parseFloat(getComputedStyle(n).fontSize)")
    assert size >= 36
    assert_fits(projector, "timer")
    # The phone: at the top of the page, without scrolling, and no wider than the phone.
    assert phone.locator("#timer").bounding_box()["y"] < 160
    assert phone.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    # Scrolled down to the answers, the countdown stays in sight.
    assert phone.evaluate("() => { scrollTo(0, document.body.scrollHeight); return scrollY > 0; }")
    assert in_viewport(phone, "#timer")

    # In the last ten seconds the countdown turns red on both.
    in_thread(lambda: services.set_timer(session=session, seconds=9))
    for page in (projector, phone):
        expect(page.locator("#timer")).to_have_class(re.compile(r"\bsoon\b"))
        expect(page.locator("#timer")).to_have_css("color", "rgb(164, 22, 26)")
    # At 0 it says so, still red, until the facilitator stops it.
    in_thread(lambda: services.set_timer(session=session, seconds=1))
    for page in (projector, phone):
        expect(page.locator("#timer")).to_have_text("Time is up")
        expect(page.locator("#timer")).to_have_class(re.compile(r"\bover\b"))
        expect(page.locator("#timer")).to_have_css("color", "rgb(164, 22, 26)")
    assert_clear_of_timer(projector)
    in_thread(lambda: services.set_timer(session=session, seconds=0))
    expect(projector.locator("#timer")).to_be_hidden()
    expect(phone.locator("#timer")).to_be_hidden()


def test_the_ended_screens_point_to_the_open_consultation(module_daphne, projector, phone):
    def build():
        process = make_process()
        consultation = make_consultation(process=process, title="Battery minerals roadmap draft")
        session, _ = poll_session(process=process)
        ana = factories.make_participant(session=session, display_name="Ana")
        return session, ana, consultation

    session, ana, consultation = in_thread(build)
    base = module_daphne.base_url
    open_screen(projector, base, session)
    phone = phone(ana)

    in_thread(lambda: services.set_session_status(session=session, status="closed"))
    thanks = re.compile(r"This session has ended\. Thank you")
    link = {"name": consultation.title}
    expect(projector.locator("body")).to_have_class(re.compile(r"\bended\b"))
    note = projector.locator("#note")
    expect(note).to_contain_text(thanks)
    expect(note.get_by_role("link", **link)).to_be_visible()
    expect(projector.locator("h2#question")).to_be_hidden()
    expect(projector.locator(".join-panel")).to_be_hidden()
    for width, height in SCREENS:
        projector.set_viewport_size({"width": width, "height": height})
        projector.wait_for_function("w => innerWidth === w", arg=width)
        box = note.bounding_box()
        assert box["width"] >= 0.9 * width and box["height"] >= 0.9 * height, box
        assert largest_text_in(projector, "#note strong")
        assert_fits(projector, f"ended at {width}x{height}")

    # The participant who was in the room, and again after a reload (the page says so
    # itself: a closed session refuses its connection).
    expect(phone.locator("#note")).to_contain_text(thanks)
    expect(phone.locator("#note").get_by_role("link", **link)).to_be_visible()
    assert in_viewport(phone, "#note")
    size = phone.eval_on_selector("#note strong", "n => parseFloat(getComputedStyle(n).fontSize)")
    assert size >= 20
    phone.reload()
    expect(phone.locator("body")).to_have_class(re.compile(r"\bended\b"))
    expect(phone.locator("#note")).to_contain_text(thanks)
    expect(phone.locator("#note").get_by_role("link", **link)).to_have_attribute(
        "href", reverse("consult:consultation", args=[consultation.process.slug, consultation.slug])
    )
    assert in_viewport(phone, "#note")
