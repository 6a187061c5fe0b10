"""The idea board in the system Chromium against a real Daphne process: a private board
revealed live, clustering by drag and drop and by keyboard, an upvote round. No page
may log an error or a CSP violation (the page_problems fixture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from boards.models import Note, NoteVote
from tests import factories
from tests.boards.boards import make_board
from tests.frontend.test_browser import PASSWORD, join, open_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = ["Shared traceability data", "Audit every smelter", "Fund recycling plants"]


def make_workshop(**config):
    """Opened before the browser starts (services broadcast through async_to_sync, which
    cannot run while Playwright's loop runs on this thread)."""
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery minerals workshop")
    session = factories.make_session(event=event, title="Challenges")
    board = make_board(session=session, title="What stands in the way?", **config)
    return session, board


@pytest.fixture
def private_board(transactional_db):
    return make_workshop(mode="private")


@pytest.fixture
def open_board(transactional_db):
    session, board = make_workshop(mode="open")
    vision = factories.make_activity(session=session, kind="dot_vote", title="Our vision")
    return session, board, vision


def post_note(page, text: str, column: str):
    page.get_by_label("Column").select_option(label=column)
    page.get_by_label("Your note", exact=True).fill(text)
    expect(page.locator(".board-counter")).to_have_text(f"{len(text)} of 280 characters")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator(".board-mine-list")).to_contain_text(text)
    expect(page.locator("#announce")).to_have_text("Note posted.")
    expect(page.get_by_label("Your note", exact=True)).to_have_value("")


def test_a_private_board_is_revealed_to_every_participant_without_reload(
    private_board, daphne_server, browser, page_problems
):
    session, board = private_board
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    projector_context = browser.new_context()
    projector = projector_context.new_page()
    page_problems.watch(projector)
    projector.goto(f"{base}/s/{session.code}/screen")
    expect(projector.locator("body")).to_have_attribute("data-status", "live")

    people = [join(browser, base, session.code, page_problems, name) for name in ("Ana", "Ben", "")]
    for (_, page), text, column in zip(
        people, TEXTS, ["Solutions", "Challenges", "Solutions"], strict=True
    ):
        expect(page.get_by_role("heading", name="What stands in the way?")).to_be_visible()
        expect(page.locator(".board-wrap")).to_contain_text("when the facilitator reveals them")
        post_note(page, text, column)

    # The console sees every note as it arrives, with its author.
    box = console.locator(f'[data-results-for="{board.pk}"]')
    for text in TEXTS:
        expect(box.locator(".board-note", has_text=text)).to_be_visible()
    expect(box.locator(".board-note", has_text=TEXTS[0])).to_contain_text("Ana")
    expect(projector.locator("#results")).to_contain_text("collected privately")
    # Nobody sees anybody else's note.
    for index, (_, page) in enumerate(people):
        for other, text in enumerate(TEXTS):
            if other != index:
                expect(page.locator("body")).not_to_contain_text(text)
        expect(page.locator(".board-wrap .board-note")).to_have_count(0)

    box.get_by_role("button", name="Reveal all notes").click()
    expect(console.locator("#announce")).to_have_text("Notes revealed to everyone.")
    for _, page in people:
        wall = page.locator(".board-wrap")
        for text in TEXTS:
            expect(wall.locator(".board-note", has_text=text)).to_be_visible()
        expect(wall.get_by_role("region", name="Solutions").locator(".board-note")).to_have_count(2)
        expect(page.locator("#announce")).to_have_text("Everyone's notes are now shown.")
    # Names show where people gave one; the third stays anonymous.
    wall = people[1][1].locator(".board-wrap")
    expect(wall.locator(".board-note", has_text=TEXTS[0])).to_contain_text("Ana")
    expect(wall.locator(".board-note", has_text=TEXTS[2]).locator(".board-meta")).to_have_count(0)
    for text in TEXTS:
        expect(projector.locator(".board-note", has_text=text)).to_be_visible()
    assert Note.objects.filter(activity=board).count() == 3

    for context, _ in people:
        context.close()
    facilitator.close()
    projector_context.close()


def test_clustering_by_drag_and_drop_and_keyboard_then_an_upvote_round(
    open_board, daphne_server, browser, page_problems
):
    session, board, vision = open_board
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    context, page = join(browser, base, session.code, page_problems, "Ana")
    post_note(page, TEXTS[0], "Challenges")
    post_note(page, TEXTS[1], "Challenges")
    # Over the limit: the counter says so and Post is disabled.
    page.get_by_label("Your note", exact=True).fill("x" * 281)
    expect(page.locator(".board-counter")).to_have_text("281 of 280 characters")
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_disabled()
    page.get_by_label("Your note", exact=True).fill("")

    box = console.locator(f'[data-results-for="{board.pk}"]')
    box.get_by_label("New cluster").fill("Data")
    box.get_by_role("button", name="Create cluster").click()
    zone = box.locator(".board-drop", has_text="Data")
    expect(zone).to_contain_text("(0 notes)")
    # Drag and drop ...
    box.locator(".board-note", has_text=TEXTS[0]).drag_to(zone)
    expect(zone).to_contain_text("(1 note)")
    expect(console.locator("#announce")).to_have_text("Note moved to “Data”.")
    # ... and the keyboard alternative.
    note = box.locator(".board-note", has_text=TEXTS[1])
    note.get_by_label("Move to cluster").select_option(label="Data")
    note.get_by_role("button", name="Move", exact=True).focus()
    console.keyboard.press("Enter")
    expect(zone).to_contain_text("(2 notes)")
    expect(page.locator(".board-wrap h4.board-cluster")).to_have_text(["Data"])
    assert set(Note.objects.values_list("cluster__name", flat=True)) == {"Data"}

    # The participant edits their own note.
    mine = page.locator(".board-own", has_text=TEXTS[1])
    mine.get_by_role("button", name="Edit").click()
    page.get_by_label("Edit your note").fill("Audit every smelter yearly")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".board-wrap")).to_contain_text("Audit every smelter yearly")

    box.get_by_label("Upvotes per participant").fill("1")
    box.get_by_role("button", name="Start upvoting").click()
    expect(page.locator(".board-votes")).to_have_text("1 upvote left")
    expect(page.locator("#announce")).to_have_text("Upvoting has started: 1 upvote each.")
    first = page.locator(".board-wrap .board-note", has_text=TEXTS[0])
    first.get_by_role("button", name="Upvote").click()
    expect(page.locator(".board-votes")).to_have_text("0 upvotes left")
    expect(first.get_by_role("button", name="Upvoted")).to_have_attribute("aria-pressed", "true")
    second = page.locator(".board-wrap .board-note", has_text="yearly")
    expect(second.get_by_role("button", name="Upvote")).to_be_disabled()
    expect(first).to_contain_text("1 upvote")
    expect(box.locator(".board-note", has_text=TEXTS[0])).to_contain_text("1 upvote")
    assert NoteVote.objects.filter(note__text=TEXTS[0]).count() == 1

    box.get_by_role("button", name="Lock board").click()
    expect(page.locator(".board-locked")).to_be_visible()
    expect(page.get_by_label("Your note", exact=True)).to_be_disabled()
    expect(page.locator(".board-own").get_by_role("button", name="Delete")).to_have_count(0)
    expect(page.locator("#announce")).to_have_text(re.compile("locked"))

    # The facilitator merges a duplicate: it leaves the participant's board.
    duplicate = box.locator(".board-note", has_text="yearly")
    duplicate.get_by_role("button", name="Merge…").click()
    duplicate.get_by_label("Merge into").select_option(label=TEXTS[0])
    duplicate.get_by_role("button", name="Merge", exact=True).click()
    expect(duplicate).to_contain_text(f"Merged into “{TEXTS[0]}”")
    expect(page.locator(".board-wrap .board-note")).to_have_count(1)
    # ... and promotes a note to a milestone of the vision vote.
    original = box.locator(".board-note").filter(has=console.get_by_text(TEXTS[0], exact=True))
    original.get_by_role("button", name="Promote…").click()
    form = box.locator(".board-promote")
    form.get_by_label("Add to").select_option(label="Our vision")
    form.get_by_label("As", exact=True).select_option(label="Milestone")
    form.get_by_label("Horizon (milestones)").select_option("2040")
    form.get_by_role("button", name="Promote", exact=True).click()
    expect(console.locator("#announce")).to_have_text("Added as a statement.")
    vision.refresh_from_db()
    first = Note.objects.get(text=TEXTS[0])
    assert vision.config["statements"][-1] == {
        "text": TEXTS[0],
        "type": "milestone",
        "horizon": 2040,
        "actor": None,
        "source": {"activity": board.pk, "note": first.pk},
    }
    context.close()
    facilitator.close()
