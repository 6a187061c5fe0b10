"""Common ground in the system Chromium against a real Daphne process: a participant
answers the statements one by one (by mouse and by keyboard), reviews and changes an
answer and proposes a statement; the facilitator approves it and the participant is
asked about it next; the facilitator adds and hides statements; the projector shows the
counts; the analysis on the console, the projector and a phone. No page may log an
error or a CSP violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from consensus.models import Analysis, Answer, Statement
from consensus.tasks import recompute_analysis
from sessions import services
from tests import factories
from tests.frontend.test_browser import PASSWORD, join, open_console
from tests.threads import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEEDS = [
    "Mining contracts should be published in full.",
    "Artisanal miners need formal titles to their land.",
    "Recycled minerals should count towards due diligence targets.",
]
ANA_PROPOSES = "Communities near mines should share in the royalties."
FACILITATOR_ADDS = "Smelters should be audited every year."


def workshop(**activity: Any):
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery minerals forum")
    session = factories.make_session(event=event, title="Common ground")
    consensus = services.add_activity(
        session=session,
        kind="consensus",
        title="Where do we agree?",
        config={"statements": SEEDS, "max_submissions": 2},
        **activity,
    )
    services.open_activity(activity=consensus)
    services.reveal_results(activity=consensus, revealed=True)
    consensus.refresh_from_db()
    return session, consensus


@pytest.fixture
def consensus_session(transactional_db):
    """An open activity with three statements, its results on the projector, and a
    draft one after it, set up before the browser starts."""
    session, consensus = workshop()
    draft = services.add_activity(
        session=session, kind="consensus", title="Second round", config={"statements": SEEDS}
    )
    return session, consensus, draft


@pytest.fixture
def answered_session(transactional_db):
    """Twelve participants of two stakeholder groups have answered and the analysis is
    stored: everyone agrees with the first statement, the groups split on the second,
    everyone passes the third. Participants see results live."""
    session, consensus = workshop(results_visibility="live")
    s1, s2, s3 = Statement.objects.filter(activity=consensus).order_by("id")
    groups = ["industry_upstream"] * 6 + ["civil_society"] * 6
    for n, group in enumerate(groups):
        person = factories.make_participant(session=session, stakeholder_group=group)
        split = "agree" if group == "industry_upstream" else "disagree"
        for statement, vote in ((s1, "agree"), (s2, split), (s3, "pass")):
            services.perform_command(
                participant=person,
                activity_id=consensus.pk,
                action="answer",
                data={"statement": statement.pk, "vote": vote},
                key=f"k{n}-{statement.pk}",
            )
    recompute_analysis.call(activity_id=consensus.pk)
    return session, consensus, (s1, s2, s3)


def projector_page(browser, base: str, session, problems):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base}/s/{session.code}/screen")
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    return context, page


def vote(scope, name: str):
    # exact: "Agree" is also part of "Disagree".
    return scope.get_by_role("button", name=name, exact=True)


def item(scope, text: str):
    return scope.locator("li.cs-item").filter(has_text=text)


def test_a_participant_answers_one_by_one_proposes_and_answers_the_approved_statement(
    consensus_session, daphne_server, browser, page_problems
):
    session, consensus, draft = consensus_session
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    box = console.locator(f'[data-results-for="{consensus.pk}"]')
    expect(console.locator(f'[data-results-for="{draft.pk}"]')).to_contain_text(
        "The statements are listed here once the activity is open."
    )
    projector_context, projector = projector_page(browser, base, session, page_problems)
    expect(projector.get_by_role("heading", name="Where do we agree?")).to_be_visible()
    expect(projector.locator(".cs-figures")).to_contain_text("3 statements")
    ana_context, ana = join(browser, base, session.code, page_problems, "Ana")

    # One statement at a time, the first not answered, with the progress.
    card = ana.locator(".cs-card")
    progress = ana.locator(".cs-progress")
    expect(progress).to_have_text("0 of 3 answered")
    expect(card.locator(".cs-statement")).to_have_text(SEEDS[0])
    expect(vote(card, "Pass unsure / skip")).to_be_visible()
    vote(card, "Agree").click()
    expect(progress).to_have_text("1 of 3 answered")
    expect(card.locator(".cs-statement")).to_have_text(SEEDS[1])
    expect(ana.locator("#announce")).to_have_text("Answer saved. 1 of 3 answered.")
    # The next statement's first button has the focus: the keyboard carries on.
    expect(vote(card, "Agree")).to_be_focused()
    ana.keyboard.press("Tab")
    expect(vote(card, "Disagree")).to_be_focused()
    ana.keyboard.press("Enter")
    expect(card.locator(".cs-statement")).to_have_text(SEEDS[2])
    expect(vote(card, "Agree")).to_be_focused()
    ana.keyboard.press("Tab")
    ana.keyboard.press("Tab")
    ana.keyboard.press("Space")

    # All answered: the review list with each answer pressed, and a change.
    expect(progress).to_have_text("3 of 3 answered")
    expect(card.locator(".cs-statement")).to_have_count(0)
    done = ana.get_by_role("heading", name="You have answered every statement")
    expect(done).to_be_focused()
    review = ana.locator(".cs-review")
    expect(review).to_have_attribute("open", "")
    expect(review.locator(".cs-text")).to_have_text(SEEDS)
    expect(vote(item(review, SEEDS[1]), "Disagree")).to_have_attribute("aria-pressed", "true")
    expect(vote(item(review, SEEDS[1]), "Agree")).to_have_attribute("aria-pressed", "false")
    stage = ana.locator("#stage")
    acknowledged = stage.get_attribute("data-ack")
    vote(item(review, SEEDS[2]), "Agree").click()
    expect(stage).not_to_have_attribute("data-ack", acknowledged or "")
    expect(vote(item(review, SEEDS[2]), "Agree")).to_have_attribute("aria-pressed", "true")
    expect(vote(item(review, SEEDS[2]), "Agree")).to_be_focused()  # kept across the redraw
    expect(vote(item(review, SEEDS[2]), "Pass unsure / skip")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert dict(
        Answer.objects.filter(participant__display_name="Ana").values_list(
            "statement__text", "vote"
        )
    ) == {SEEDS[0]: 1, SEEDS[1]: -1, SEEDS[2]: 1}

    # The facilitator's console counts the answers; the analysis waits for its task.
    statements = box.locator(".cs-section").filter(has_text="Statements (3)")
    expect(item(statements, SEEDS[1])).to_contain_text("0 agree · 1 disagree · 0 pass")
    expect(box.locator(".cs-updating")).to_have_text("Updating…")
    # The projector: the statements most agreed so far, with their shares.
    expect(projector.locator("#count")).to_have_text("1 participant answered")
    top = projector.locator(".cs-top .cs-ranked")
    expect(top.first).to_contain_text(SEEDS[0])
    expect(top.filter(has_text=SEEDS[1])).to_contain_text("0 % agree · 100 % disagree · 0 % pass")
    expect(projector.locator(".cs-figures")).to_contain_text("3 statements")

    # Ana proposes a statement; the counter follows her typing.
    field = ana.get_by_label("Your statement")
    field.fill(ANA_PROPOSES)
    expect(ana.locator(".cs-counter")).to_have_text(f"{len(ANA_PROPOSES)} of 200 characters")
    ana.get_by_role("button", name="Send statement").click()
    expect(ana.locator("#confirmation")).to_have_text(
        "Sent. It will appear once the facilitator approves it."
    )
    expect(field).to_have_value("")
    expect(item(ana.locator(".cs-own"), ANA_PROPOSES)).to_contain_text("Awaiting approval")
    expect(ana.locator(".cs-left")).to_have_text("You can send 1 more statement.")
    # The same statement again is refused, with the server's reason.
    field.fill(ANA_PROPOSES.upper())
    ana.get_by_role("button", name="Send statement").click()
    expect(ana.locator("#live-alert")).to_have_text("This statement is already there.")
    assert Statement.objects.filter(activity=consensus).count() == 4

    # The console shows it awaiting approval; approving keeps the focus on it.
    pending = box.locator(".cs-section").filter(has_text="Awaiting approval (1)")
    expect(item(pending, ANA_PROPOSES)).to_contain_text("From a participant")
    expect(projector.locator(".cs-top")).not_to_contain_text(ANA_PROPOSES)
    item(pending, ANA_PROPOSES).get_by_role("button", name="Approve").click()
    expect(console.locator("#announce")).to_have_text("Statement approved.")
    approved = item(box.locator(".cs-section").filter(has_text="Statements (4)"), ANA_PROPOSES)
    expect(approved.get_by_role("button", name="Hide")).to_be_focused()
    expect(box.locator(".cs-section").filter(has_text="Awaiting approval")).to_have_count(0)

    # Ana is asked about it next, and her own copy says it is visible.
    expect(card.locator(".cs-statement")).to_have_text(ANA_PROPOSES)
    expect(progress).to_have_text("3 of 4 answered")
    expect(item(ana.locator(".cs-own"), ANA_PROPOSES)).to_contain_text("Visible to everyone")
    expect(ana.locator(".cs-done")).to_be_hidden()
    vote(card, "Agree").click()
    expect(progress).to_have_text("4 of 4 answered")
    expect(projector.locator(".cs-figures")).to_contain_text("4 statements")

    # The facilitator adds a statement (visible at once) and hides one.
    box.get_by_label("Add a statement").fill(FACILITATOR_ADDS)
    box.get_by_role("button", name="Add", exact=True).click()
    expect(console.locator("#announce")).to_have_text("Statement added.")
    expect(item(box, FACILITATOR_ADDS)).to_contain_text("0 agree · 0 disagree · 0 pass")
    expect(box.get_by_label("Add a statement")).to_have_value("")
    expect(card.locator(".cs-statement")).to_have_text(FACILITATOR_ADDS)
    expect(progress).to_have_text("4 of 5 answered")
    item(box, SEEDS[1]).get_by_role("button", name="Hide").click()
    hidden = box.locator(".cs-section").filter(has_text="Hidden (1)")
    expect(item(hidden, SEEDS[1]).get_by_role("button", name="Unhide")).to_be_focused()
    expect(progress).to_have_text("3 of 4 answered")
    expect(projector.locator(".cs-top")).not_to_contain_text(SEEDS[1])

    assert list(
        Statement.objects.filter(activity=consensus).order_by("id").values_list("text", "status")
    ) == [
        (SEEDS[0], "visible"),
        (SEEDS[1], "hidden"),
        (SEEDS[2], "visible"),
        (ANA_PROPOSES, "visible"),
        (FACILITATOR_ADDS, "visible"),
    ]
    assert Analysis.objects.get(activity=consensus).pending is True  # no worker here

    # Closed: nothing more to answer or send, and the console takes no new statements.
    in_thread(lambda: services.close_activity(activity=consensus))
    expect(progress).to_have_text("3 of 4 answered · This activity is closed.")
    expect(card.get_by_role("button")).to_have_count(3)
    for button in card.get_by_role("button").all():
        expect(button).to_be_disabled()
    expect(ana.get_by_label("Your statement")).to_be_disabled()
    expect(ana.locator(".cs-left")).to_have_text("This activity is closed.")
    expect(box.locator("form.cs-add")).to_be_hidden()
    for context in (ana_context, projector_context, facilitator):
        context.close()


def test_the_analysis_on_the_console_the_projector_and_a_phone(
    answered_session, daphne_server, browser, page_problems
):
    session, consensus, (s1, s2, _s3) = answered_session
    result = Analysis.objects.get(activity=consensus).result
    groups = len(result["opinion_groups"])
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    box = console.locator(f'[data-results-for="{consensus.pk}"]')
    projector_context, projector = projector_page(browser, base, session, page_problems)

    # The console: common ground and divisive statements, opinion groups, the tables.
    analysis = box.locator(".cs-analysis")
    expect(analysis).to_contain_text("12 participants, 36 answers")
    ground = analysis.locator(".cs-sub").filter(has_text="Common ground")
    expect(ground.locator(".cs-ranked").first).to_contain_text(s1.text)
    expect(ground.locator(".cs-ranked").first).to_contain_text("100 % agree")
    divisive = analysis.locator(".cs-sub").filter(has_text="Divisive statements")
    expect(divisive.locator(".cs-ranked").first).to_contain_text(s2.text)
    expect(divisive.locator(".cs-ranked").first).to_contain_text("50 % agree · 50 % disagree")
    expect(analysis).to_contain_text(f"Opinion groups ({groups})")
    if groups:
        expect(analysis.locator(".cs-group").first).to_contain_text("Opinion group A")
    else:
        expect(analysis.locator(".cs-sub").filter(has_text="Opinion groups")).to_contain_text(
            "opinion"
        )
    tables = analysis.locator("details.cs-tables")
    expect(tables.locator("table")).not_to_be_visible()
    tables.locator("summary").click()
    by_group = tables.locator("table")
    expect(by_group).to_be_visible()  # its card stays open
    expect(by_group.locator("thead th")).to_have_text(
        ["Statement", "Industry: upstream (mining, processing)", "Civil society / NGO"]
    )
    row = by_group.locator("tbody tr").filter(has_text=s2.text)
    expect(row.locator("td")).to_have_text(["6 / 0 / 0", "0 / 6 / 0"])
    expect(box.locator(".cs-updating")).to_have_count(0)

    # The projector: the figures and the common ground first, fitting 1280 x 720.
    figures = projector.locator(".cs-figures li")
    expect(figures).to_have_text(
        ["3 statements", "12 participants", f"{groups} opinion group{'' if groups == 1 else 's'}"]
    )
    expect(projector.locator(".cs-screen-title")).to_have_text("Common ground")
    first = projector.locator(".cs-top .cs-ranked").first
    expect(first).to_contain_text(s1.text)
    expect(first).to_contain_text("100 % agree · 0 % disagree · 0 % pass")
    projector.wait_for_selector('#results[data-fit="1280x720"]:not([data-fitting])')
    size = projector.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 1280 and size[1] <= 720, size
    shown = len(result["common_ground"]["declared"][:5])
    assert projector.locator(".cs-top .cs-ranked:not([hidden])").count() == shown  # none cut

    # A participant on a 360 px phone: the statement to answer, the room's common
    # ground, and nothing wider than the screen.
    phone_context = browser.new_context(viewport={"width": 360, "height": 740})
    phone_context.add_cookies(ana_cookie(browser, base, session, page_problems))
    phone = phone_context.new_page()
    page_problems.watch(phone)
    phone.goto(f"{base}/s/{session.code}/")
    expect(phone.locator("body")).to_have_attribute("data-status", "live")
    expect(phone.locator(".cs-card .cs-statement")).to_have_text(s1.text)
    expect(phone.locator(".cs-results")).to_contain_text("Common ground so far")
    expect(phone.locator(".cs-results .cs-ranked").first).to_contain_text(s1.text)
    buttons = phone.locator(".cs-card button")
    expect(buttons).to_have_count(3)
    for n in range(3):
        box_ = buttons.nth(n).bounding_box()
        assert box_["x"] >= 0 and box_["x"] + box_["width"] <= 360, box_
        assert box_["height"] >= 44, box_
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360

    # A new analysis reaches the open pages without a reload.
    vote(phone.locator(".cs-card"), "Disagree").click()
    expect(phone.locator(".cs-progress")).to_have_text("1 of 3 answered")
    expect(box.locator(".cs-updating")).to_have_text("Updating…")
    in_thread(lambda: recompute_analysis.call(activity_id=consensus.pk))
    expect(analysis).to_contain_text("13 participants, 37 answers")
    expect(by_group).to_be_visible()  # still open after the redraws
    expect(box.locator(".cs-updating")).to_have_count(0)
    expect(projector.locator(".cs-figures li").nth(1)).to_have_text("13 participants")
    for context in (phone_context, projector_context, facilitator):
        context.close()


def ana_cookie(browser, base: str, session, problems) -> list[dict[str, Any]]:
    """The room cookie of a participant who joined through the join page (on a desktop
    window), for another browser context."""
    context, _page = join(browser, base, session.code, problems, "Ana")
    cookies = context.cookies()
    context.close()
    return cookies
