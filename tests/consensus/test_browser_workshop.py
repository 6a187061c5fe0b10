"""The workshop of issue 17 in the system Chromium, against a real Daphne process and a
real tasks worker (``db_worker``) sharing Redis and PostgreSQL:

- three participants of different stakeholder groups answer a live common-ground
  activity on their phones; the analysis, computed by the worker, reaches the
  facilitator's console without a reload; the facilitator promotes the top
  common-ground statement to a dot vote;
- the demo workshop's idea board (as ``make run`` loads it) is grouped into themes,
  which the facilitator accepts as clusters.

No page may log an error or a CSP violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from boards.models import Cluster, Note
from consensus.models import Analysis, Statement
from demo import board as demo_board
from demo import data as demo_data
from sessions import services
from sessions.models import Activity
from tests import factories
from tests.frontend.test_browser import PASSWORD, join, log_in
from tests.servers import TasksWorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENTS = [
    "Mining contracts should be published in full.",
    "Governments should ban exports of unprocessed ore.",
    "Recycled minerals should count towards due diligence targets.",
]
# Each participant's group and answers, statement by statement. Everyone agrees with
# the first statement: the common ground.
PEOPLE = [
    ("Amara", "community_labour", ["agree", "agree", "pass"]),
    ("Lucas", "industry_downstream", ["agree", "disagree", "agree"]),
    ("Ines", "policy", ["agree", "disagree", "disagree"]),
]


@pytest.fixture
def tasks_worker(transactional_db):
    worker = TasksWorkerProcess(interval=0.1).start()
    yield worker
    worker.stop()


@pytest.fixture
def workshop(transactional_db):
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery minerals forum")
    session = factories.make_session(event=event, title="Common ground")
    consensus = services.add_activity(
        session=session,
        kind="consensus",
        title="Where do we agree?",
        config={"statements": STATEMENTS},
        results_visibility="live",
    )
    services.open_activity(activity=consensus)
    dots = factories.make_activity(session=session, kind="dot_vote", title="Priorities")
    return session, consensus, dots


def answer_all(page, answers):
    card = page.locator(".cs-card")
    for text, vote in zip(STATEMENTS, answers, strict=True):
        expect(card.locator(".cs-statement")).to_have_text(text)
        card.get_by_role("button", name=vote.capitalize(), exact=False).first.click()
    expect(page.get_by_role("heading", name="You have answered every statement")).to_be_visible()


def test_three_groups_answer_and_the_top_common_ground_goes_to_a_dot_vote(
    workshop, daphne_server, tasks_worker, browser, page_problems
):
    session, consensus, dots = workshop
    base = daphne_server.base_url
    context = browser.new_context()
    console = log_in(context, base, page_problems)
    console.goto(f"{base}/console/{session.code}/")
    expect(console.locator("body")).to_have_attribute("data-status", "live")

    phones = []
    for name, group, answers in PEOPLE:
        phone_context, phone = join(browser, base, session.code, page_problems, name, group)
        phones.append(phone_context)
        answer_all(phone, answers)

    # The worker's analysis of all nine answers reaches the open console by itself.
    card = console.locator(f"#activity-{consensus.pk}")
    expect(card.get_by_text("3 participants, 9 answers", exact=False)).to_have_count(
        1, timeout=20_000
    )
    stored = Analysis.objects.get(activity=consensus)
    assert (stored.answers, stored.result["participants"]) == (9, 3)

    # The common-ground page ranks the statement everyone agreed with first and
    # promotes it to the dot vote.
    page = context.new_page()
    page_problems.watch(page)
    page.goto(f"{base}/console/{session.code}/activities/{consensus.pk}/common-ground")
    top = Statement.objects.get(activity=consensus, text=STATEMENTS[0])
    statement_pick = page.get_by_label("Statement", exact=True)
    expect(statement_pick).to_have_value(str(top.pk))  # common ground first
    page.get_by_label("Add to").select_option(label="Priorities")
    page.get_by_role("button", name="Promote").click()
    expect(
        page.get_by_text(f"“{STATEMENTS[0]}” is now a statement of “Priorities”.")
    ).to_be_visible()
    dots.refresh_from_db()
    assert dots.config["statements"][-1]["text"] == STATEMENTS[0]
    assert dots.config["statements"][-1]["source"] == {
        "activity": consensus.pk,
        "statement": top.pk,
    }
    for phone_context in phones:
        phone_context.close()
    context.close()


def test_the_demo_board_s_themes_become_clusters(daphne_server, browser, page_problems):
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    session = demo_data.load(owner=owner)
    assert demo_board.load(session=session) == len(demo_board.NOTES)
    board = Activity.objects.get(session=session, kind="idea_board")
    base = daphne_server.base_url
    context = browser.new_context()
    page = log_in(context, base, page_problems)
    page.goto(f"{base}/console/{session.code}/activities/{board.pk}/themes")
    boxes = page.get_by_label("Accept this theme as a cluster")
    expect(boxes.first).to_be_visible()
    count = boxes.count()
    assert count >= 3
    for i in range(count):
        boxes.nth(i).check()
    page.get_by_role("button", name="Accept as clusters").click()
    expect(page.get_by_text(f"{count} clusters created from the themes.")).to_be_visible()
    clusters = Cluster.objects.filter(activity=board)
    assert clusters.count() == count
    # Every note of the board is now in one of the clusters.
    assert not Note.objects.filter(activity=board, cluster__isnull=True).exists()
    context.close()
