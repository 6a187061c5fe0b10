"""The live room in the system Chromium, against a real Daphne process: a facilitator,
participants in separate browser contexts and a projector. Every wait awaits a condition;
no page may log an error or a CSP violation."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from polls.models import Ballot
from sessions import services
from sessions.models import Activity, CommandReceipt
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def workshop(transactional_db):
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Mobility roadmap workshop")
    session = factories.make_session(event=event, title="Vision")
    poll = factories.make_activity(
        session=session,
        kind="single_choice",
        title="Which minerals first?",
        config={"options": ["Battery minerals", "Traditional metals", "Rare earths"]},
    )
    return session, poll


@pytest.fixture
def open_poll(workshop):
    """The workshop's poll, opened before the browser starts (services broadcast through
    async_to_sync, which cannot run while Playwright's loop runs on this thread)."""
    session, poll = workshop
    services.open_activity(activity=poll)
    return session, poll


@pytest.fixture
def every_kind(workshop):
    session, _ = workshop
    live = {"session": session, "results_visibility": "live"}  # participants see tallies
    return session, [
        factories.make_activity(**live, kind="multiple_choice", title="Which two?"),
        factories.make_activity(
            **live, kind="ranking", title="In which order?", allow_change=False
        ),
        factories.make_activity(**live, kind="word_cloud", title="In a word?"),
        factories.make_activity(**live, kind="scale", title="How far?"),
    ]


def log_in(context, base_url: str, problems):
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Login").fill("facilitator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="My events")).to_be_visible()
    return page


def open_console(browser, base: str, session, problems):
    context = browser.new_context()
    console = log_in(context, base, problems)
    console.goto(f"{base}/console/{session.code}/")
    expect(console.locator("body")).to_have_attribute("data-status", "live")
    return context, console


def join(browser, base_url: str, code: str, problems, name: str = "", group: str = ""):
    context = browser.new_context()
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base_url}/j/{code}")
    page.get_by_label("Your name as others see it").fill(name)
    if group:
        page.get_by_label("Stakeholder group").select_option(group)
    page.get_by_text("More about me (optional)").click()  # the optional part of the profile
    page.get_by_label("Country").select_option("BR")
    page.get_by_label("Sector").select_option("mobility")
    page.get_by_role("button", name="Enter the session").click()
    expect(page).to_have_url(re.compile(f"/s/{code}/$"))
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    expect(page.locator("body")).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    return context, page


def console_click(console, activity, button: str):
    console.locator(f"#activity-{activity.pk}").get_by_role(
        "button", name=button, exact=True
    ).click()
    expect(console.locator("body")).to_have_attribute("data-status", "live")


def test_three_participants_vote_and_the_projector_updates_without_reload(
    workshop, daphne_server, browser, page_problems
):
    session, poll = workshop
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)

    projector_context = browser.new_context()
    projector = projector_context.new_page()
    page_problems.watch(projector)
    projector.goto(f"{base}/s/{session.code}/screen")
    expect(projector.locator(".big-code")).to_have_text(session.code)
    expect(projector.locator("svg.qr")).to_be_visible()
    expect(projector.locator("body")).to_have_attribute("data-status", "live")

    people = [
        join(browser, base, session.code, page_problems, name, group)
        for name, group in (
            ("Ana", "civil_society"),
            ("Ben", "industry_upstream"),
            ("", "research"),
        )
    ]
    for _, page in people:
        expect(page.get_by_text("Waiting for the facilitator")).to_be_visible()
    expect(projector.locator("#connected")).to_have_text("3")
    expect(console.locator("#connected")).to_have_text("3")

    # The facilitator opens the poll and shows it on the projector; it appears by itself.
    console_click(console, poll, "Open")
    console_click(console, poll, "Show results on projector")
    expect(projector.get_by_role("heading", name="Which minerals first?")).to_be_visible()

    # Each hears the new question before anyone votes (a vote's results, said later,
    # take the announcer's place).
    for _, page in people:
        expect(page.get_by_role("heading", name="Which minerals first?")).to_be_visible()
        expect(page.locator("#announce")).to_have_text("New question: Which minerals first?")
    for index, (_, page) in enumerate(people):
        page.get_by_label(["Battery minerals", "Rare earths", "Battery minerals"][index]).check()
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("status").filter(has_text="Vote recorded")).to_be_visible()

    expect(projector.locator("#count")).to_have_text("3 votes")
    results = projector.locator("table.tally")
    expect(results.get_by_role("row", name=re.compile("Battery minerals"))).to_contain_text("2")
    expect(results.get_by_role("row", name=re.compile("Battery minerals"))).to_contain_text(
        "66.7 %"
    )
    expect(results.get_by_role("row", name=re.compile("Rare earths"))).to_contain_text("1")
    expect(console.locator(f'[data-count-for="{poll.pk}"]')).to_have_text("3")
    # Participants see the results once revealed (a poll's default visibility), as text.
    expect(people[0][1].locator("table.tally")).to_contain_text("66.7 %")
    assert sorted(
        p.stakeholder_group for p in session.participants.filter(country="BR", sector="mobility")
    ) == ["civil_society", "industry_upstream", "research"]

    # Closing the tab and coming back keeps the same participant and their vote.
    context, page = people[1]
    page.close()
    again = context.new_page()
    page_problems.watch(again)
    again.goto(f"{base}/j/{session.code}")
    expect(again).to_have_url(re.compile(f"/s/{session.code}/$"))
    expect(again.get_by_label("Rare earths")).to_be_checked()
    expect(again.get_by_role("status").filter(has_text="You have voted")).to_be_visible()
    assert session.participants.count() == 3
    assert Ballot.objects.filter(activity=poll).count() == 3

    for context, _ in people:
        context.close()
    facilitator.close()
    projector_context.close()


def test_every_poll_kind_can_be_answered_with_the_keyboard_and_moderated(
    every_kind, daphne_server, browser, page_problems
):
    session, (choose, rank, cloud, scale) = every_kind
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    context, page = join(browser, base, session.code, page_problems, "Ana")

    # Multiple choice: past the limit the other boxes are disabled.
    console_click(console, choose, "Open")
    expect(page.get_by_role("heading", name="Which two?")).to_be_visible()
    expect(page.get_by_role("group", name="Choose up to 2 options")).to_be_visible()
    page.get_by_label("Cobalt").check()
    page.get_by_label("Tin").check()
    expect(page.get_by_label("Lithium")).to_be_disabled()
    expect(page.get_by_label("Gold")).to_be_disabled()
    page.get_by_label("Tin").uncheck()
    expect(page.get_by_label("Gold")).to_be_enabled()
    page.get_by_label("Gold").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")

    # Ranking, by keyboard only: move "Recycling" to the top, then send.
    console_click(console, rank, "Open")
    expect(page.get_by_role("heading", name="In which order?")).to_be_visible()
    expect(page.get_by_role("button", name="Move Traceability up")).to_be_disabled()
    expect(page.get_by_role("button", name="Move Recycling down")).to_be_disabled()
    page.get_by_role("button", name="Move Recycling up").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # focus stayed on the moved item's button
    expect(page.locator("ol.ranking li span")).to_have_text(
        ["Recycling", "Traceability", "Living wages"]
    )
    expect(page.locator("#announce")).to_have_text("Recycling is now number 1")
    page.get_by_role("button", name="Send my answer").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")
    # This poll does not allow changes: the form is now closed to this participant.
    expect(page.get_by_role("button", name="Send my answer")).to_be_disabled()

    # Word cloud: the facilitator hides an entry live; everyone's results drop it.
    console_click(console, cloud, "Open")
    expect(page.get_by_role("heading", name="In a word?")).to_be_visible()
    page.get_by_label("Entry 1").fill("  Greenwashing ")
    page.get_by_label("Entry 2").fill("fair wages")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")
    box = console.locator(f'[data-results-for="{cloud.pk}"]')
    expect(box.get_by_role("row", name=re.compile("greenwashing"))).to_be_visible()
    box.get_by_role("button", name="Hide “greenwashing”").click()
    expect(box.get_by_role("row", name=re.compile("greenwashing"))).to_have_count(0)
    expect(box.get_by_role("row", name=re.compile("fair wages"))).to_be_visible()
    expect(page.locator("table.tally")).not_to_contain_text("greenwashing")
    expect(console.locator("#announce")).to_contain_text("Entry hidden")

    # Scale: the end labels are part of the accessible names of the end values.
    console_click(console, scale, "Open")
    expect(page.get_by_role("heading", name="How far?")).to_be_visible()
    page.get_by_role("radio", name="5 \u2013 Fully").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")

    ballots = dict(
        Ballot.objects.filter(activity__session=session).values_list("activity", "choice")
    )
    assert ballots == {
        choose.pk: [0, 3],
        rank.pk: [2, 0, 1],
        cloud.pk: ["greenwashing", "fair wages"],
        scale.pk: 5,
    }
    cloud.refresh_from_db()
    assert cloud.config["hidden"] == ["greenwashing"]
    # The console lists hidden entries after a reload and can show them again.
    console.reload()
    # Only the current activity's card is expanded: expand the word cloud's.
    console.locator(f"#activity-{cloud.pk} summary").click()
    console.get_by_role("button", name="Show “greenwashing” again").click()
    expect(console.get_by_role("status").filter(has_text="Moderation saved.")).to_be_visible()
    assert Activity.objects.get(pk=cloud.pk).config["hidden"] == []
    context.close()
    facilitator.close()


def test_the_console_shows_only_the_chosen_kind_s_settings_and_adds_it(
    workshop, daphne_server, browser, page_problems
):
    session, _ = workshop
    facilitator, console = open_console(browser, daphne_server.base_url, session, page_problems)
    form = console.locator("form.activity-form")
    settings = form.locator("fieldset[data-kinds]")
    kind = form.get_by_label("Kind of activity")
    expect(kind).to_have_value("single_choice")
    expect(settings.locator("visible=true")).to_have_count(1)
    expect(form.get_by_role("group", name="Single choice", exact=True)).to_be_visible()

    kind.select_option("ranking")
    ranking = form.get_by_role("group", name="Ranking", exact=True)
    expect(ranking).to_be_visible()
    expect(settings.locator("visible=true")).to_have_count(1)
    # Hidden settings are disabled: the browser sends only the chosen kind's.
    expect(form.locator('[name="single_choice-options"]')).to_be_disabled()
    form.get_by_label(re.compile(r"^Question:?$")).fill("In which order?")
    ranking.get_by_label("Options, one per line").fill("Traceability\nRecycling\nLiving wages")
    form.get_by_role("button", name="Add to agenda").click()
    expect(console.locator("#announce")).to_have_text("Added: In which order?")
    expect(console.get_by_role("heading", name="In which order?")).to_be_visible()
    added = Activity.objects.get(session=session, title="In which order?")
    assert (added.kind, added.config) == (
        "ranking",
        {"options": ["Traceability", "Recycling", "Living wages"]},
    )
    facilitator.close()


def test_a_vote_whose_ack_was_lost_is_resent_with_the_same_key(
    open_poll, daphne_server, browser, page_problems
):
    """The socket drops after the server committed the vote but before the ack reached
    the page: after reconnecting the page sends the same key and counts once."""
    session, poll = open_poll
    base = daphne_server.base_url
    sent: list[dict] = []
    acks: list[dict] = []
    state = {"dropped": False}

    def relay(route):
        server = route.connect_to_server()

        def from_page(message):
            data = json.loads(message)
            if data.get("type") == "act":
                sent.append(data)
            server.send(message)

        def from_server(message):
            data = json.loads(message)
            if data.get("type") == "ack":
                acks.append(data)
                if not state["dropped"]:
                    state["dropped"] = True
                    route.close(code=4000, reason="dropped by the test")
                    server.close()
                    return
            route.send(message)

        route.on_message(from_page)
        server.on_message(from_server)

    context = browser.new_context()
    context.route_web_socket(re.compile(r"/ws/s/"), relay)
    page = context.new_page()
    page_problems.watch(page)
    page.goto(f"{base}/j/{session.code}")
    page.get_by_role("button", name="Enter the session").click()
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    page.get_by_label("Traditional metals").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")

    assert state["dropped"] and len(sent) == 2 and len(acks) == 2
    assert sent[0]["key"] == sent[1]["key"] and sent[0]["data"] == sent[1]["data"] == 1
    assert [a["result"]["duplicate"] for a in acks] == [False, True]
    participant = session.participants.get()
    assert Ballot.objects.get(activity=poll, participant=participant).choice == 1
    assert CommandReceipt.objects.filter(participant=participant).count() == 1
    context.close()


def test_the_page_reconnects_after_a_server_restart_and_sends_a_vote_made_offline(
    open_poll, daphne_server, browser, page_problems
):
    session, poll = open_poll
    base = daphne_server.base_url
    # While the server is down the browser logs failed WebSocket connections.
    page_problems.expect_errors(r"WebSocket connection to .* failed")
    context, page = join(browser, base, session.code, page_problems, "Ana")
    expect(page.get_by_role("heading", name="Which minerals first?")).to_be_visible()

    daphne_server.kill()
    expect(page.locator("body")).to_have_attribute("data-status", "reconnecting")
    expect(page.locator("#live-status")).to_have_text("Connection lost. Reconnecting…")
    page.get_by_label("Rare earths").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#confirmation")).to_have_text("Sending…")

    daphne_server.start()
    expect(page.locator("body")).to_have_attribute("data-status", "live", timeout=30_000)
    expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")
    expect(page.locator("#count")).to_have_text("1 vote")
    assert list(Ballot.objects.filter(activity=poll).values_list("choice", flat=True)) == [2]
    context.close()
