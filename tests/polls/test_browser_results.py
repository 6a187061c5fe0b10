"""Poll results on the projector and the console (issue 16, "A projector that fits"), in
the system Chromium against one real Daphne process for the module: what there is to
answer before results are shown, the word cloud (sized by count, sorted, no two words
overlapping, readable), choices sorted by votes, the scale in its order, results per
stakeholder group side by side; and Q&A questions kept in the protocol's order. No page
may log an error or a CSP violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from qna.models import Question
from sessions import services
from sessions.models import Activity, Participant, Session
from tests import factories
from tests.frontend.conftest import PageProblems
from tests.frontend.test_browser import PASSWORD, log_in
from tests.threads import in_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENTS = "Zero-waste mines\nmilestone 2030: Half of batteries recycled\nFair wages"


# --------------------------------------------------------------------------- servers


class Pages:
    """New pages, each in its own browser context, watched for errors."""

    def __init__(self, chromium, base: str) -> None:
        self.chromium, self.base = chromium, base
        self.problems = PageProblems()
        self.contexts: list[Any] = []

    def new(self, **options: Any) -> Page:
        context = self.chromium.new_context(**options)
        self.contexts.append(context)
        page = context.new_page()
        self.problems.watch(page)
        return page

    def projector(self, session: Session) -> Page:
        page = self.new(viewport={"width": 1280, "height": 720})
        page.goto(f"{self.base}/s/{session.code}/screen")
        expect(page.locator("body")).to_have_attribute("data-status", "live")
        return page

    def console(self, session: Session) -> Page:
        page = log_in(self.new().context, self.base, self.problems)
        page.goto(f"{self.base}/console/{session.code}/")
        expect(page.locator("body")).to_have_attribute("data-status", "live")
        return page


@pytest.fixture
def pages(transactional_db, module_daphne, chromium) -> Iterator[Pages]:
    """The test's pages; all are closed after it, and it fails if any logged an error
    or a CSP violation."""
    pages = Pages(chromium, module_daphne.base_url)
    yield pages
    for context in pages.contexts:
        context.close()
    assert pages.problems.errors == []


# --------------------------------------------------------------------------- content


def workshop() -> Session:
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery roadmap workshop")
    return factories.make_session(event=event, title="Results")


def poll(session: Session, kind: str, title: str, **config: Any) -> Activity:
    return factories.make_activity(
        session=session,
        kind=kind,
        title=title,
        config={**factories.DEFAULT_CONFIGS[kind], **config},
    )


def voters(session: Session, groups: list[str]) -> list[Participant]:
    return [factories.make_participant(session=session, stakeholder_group=g) for g in groups]


def cast(activity: Activity, ballots: list[Any], groups: list[str] | None = None) -> None:
    people = voters(activity.session, groups or [""] * len(ballots))
    for person, data in zip(people, ballots, strict=True):
        services.perform_command(
            participant=person, activity_id=activity.pk, action="vote", data=data, key="k"
        )


def show(activity: Activity, *, reveal: bool = True) -> None:
    """Make the activity current (the one before it closes) and show its results."""
    services.open_activity(activity=activity)
    if reveal:
        services.reveal_results(activity=activity, revealed=True)


# Each word of the cloud: its text, count, font size, box and colour against the
# background it is drawn on (the first ancestor with one), as WCAG's contrast ratio.
CLOUD = """() => {
  function rgb(text) { return (text.match(/[\\d.]+/g) || []).map(Number); }
  function luminance(c) {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(node) {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  }
  return Array.from(document.querySelectorAll("#results ul.word-cloud > li:not([hidden])")).map(li => {
    const r = li.getBoundingClientRect();
    const a = luminance(rgb(getComputedStyle(li).color)), b = luminance(background(li));
    return {
      text: li.querySelector(".w-text").textContent,
      count: Number(li.dataset.count),
      size: parseFloat(getComputedStyle(li).fontSize),
      box: [r.left, r.top, r.right, r.bottom],
      contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
    };
  });
}"""


def overlapping(words: list[dict]) -> list[tuple[str, str]]:
    pairs = []
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            (al, at, ar, ab), (bl, bt, br, bb) = a["box"], b["box"]
            if al < br and bl < ar and at < bb and bt < ab:
                pairs.append((a["text"], b["text"]))
    return pairs


# --------------------------------------------------------------------------- tests


def test_the_projector_shows_what_to_answer_before_results(module_daphne, pages):
    def build():
        session = workshop()
        choice = poll(
            session, "single_choice", "Which first?", options=["Cobalt", "Lithium", "Nickel"]
        )
        rest = [
            poll(session, "scale", "How far?", min_label="Not at all", max_label="Fully"),
            poll(session, "word_cloud", "In a word?", max_entries=3),
            poll(session, "ranking", "In which order?"),
            factories.make_activity(
                session=session,
                kind="dot_vote",
                title="Our vision",
                config={"statements": STATEMENTS},
            ),
        ]
        show(choice, reveal=False)
        return session, choice, rest

    session, choice, (scale, cloud, ranking, dots) = in_thread(build)
    projector = pages.projector(session)
    results = projector.locator("#results")

    expect(projector.get_by_role("heading", name="Which first?")).to_be_visible()
    expect(results.locator("ul.options-preview li")).to_have_text(["Cobalt", "Lithium", "Nickel"])
    expect(projector.locator("#count")).to_have_text("0 votes")
    in_thread(lambda: cast(choice, [1]))
    expect(projector.locator("#count")).to_have_text("1 vote")
    expect(results.locator("ul.options-preview li")).to_have_count(3)  # still no result
    expect(results.locator("table")).to_have_count(0)

    in_thread(lambda: show(scale, reveal=False))
    expect(projector.get_by_role("heading", name="How far?")).to_be_visible()
    steps = results.locator("ol.scale-preview")
    expect(steps).to_have_attribute("aria-label", "A scale from 1 to 5")
    expect(steps.locator("li")).to_have_text(["1", "2", "3", "4", "5"])
    expect(results.locator(".ends span")).to_have_text(["1: Not at all", "5: Fully"])

    in_thread(lambda: show(cloud, reveal=False))
    expect(projector.get_by_role("heading", name="In a word?")).to_be_visible()
    expect(results.locator(".words-invite")).to_have_text(
        "Send up to 3 words or short phrases from your phone."
    )

    in_thread(lambda: show(ranking, reveal=False))
    expect(projector.get_by_role("heading", name="In which order?")).to_be_visible()
    expect(results.locator("ul.options-preview li")).to_have_text(
        ["Traceability", "Living wages", "Recycling"]
    )

    in_thread(lambda: show(dots, reveal=False))
    expect(projector.get_by_role("heading", name="Our vision")).to_be_visible()
    expect(results.locator("ul.vision-list li")).to_have_text(
        [
            "Vision Zero-waste mines",
            "Milestone 2030 Half of batteries recycled",
            "Vision Fair wages",
        ]
    )
    expect(projector.locator("#count")).to_have_text("0 voters")

    # Revealed: the statements give way to the results.
    in_thread(lambda: services.reveal_results(activity=dots, revealed=True))
    expect(results.locator("table.vision-tally tbody tr")).to_have_count(3)
    expect(results.locator("ul.vision-list")).to_have_count(0)


def test_the_word_cloud_sizes_words_by_count_sorted_and_without_overlap(module_daphne, pages):
    ballots = [
        ["traceability", "recycling", "living wages"],
        ["traceability", "recycling", "living wages"],
        ["traceability", "recycling", "living wages"],
        ["traceability", "recycling", "audits"],
        ["traceability", "audits", "circularity"],
        ["traceability", "due diligence"],
    ]

    def build():
        session = workshop()
        cloud = poll(session, "word_cloud", "In a word?", max_entries=3)
        show(cloud)
        cast(cloud, ballots)
        return session

    session = in_thread(build)
    projector = pages.projector(session)
    items = projector.locator("#results ul.word-cloud > li")
    # A list for screen readers, most frequent first, each word with its count.
    expect(projector.locator("#results ul.word-cloud")).to_have_attribute(
        "aria-label", "Entries, most frequent first"
    )
    expect(items).to_have_text(
        [
            "traceability (6 entries)",
            "recycling (4 entries)",
            "living wages (3 entries)",
            "audits (2 entries)",
            "circularity (1 entry)",
            "due diligence (1 entry)",
        ]
    )
    words = projector.evaluate(CLOUD)
    assert [(w["text"], w["count"]) for w in words] == [
        ("traceability", 6),
        ("recycling", 4),
        ("living wages", 3),
        ("audits", 2),
        ("circularity", 1),
        ("due diligence", 1),
    ]
    sizes = [w["size"] for w in words]
    # Larger counts are drawn larger (five steps on a log scale); equal counts alike.
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > sizes[1] > sizes[3] > sizes[4] == sizes[5]
    assert sizes[0] >= 2.5 * sizes[-1]
    assert overlapping(words) == []
    assert min(w["contrast"] for w in words) >= 4.5, words
    # The largest word sits in the middle: across the centre of the cloud.
    big = words[0]["box"]
    centre = (min(w["box"][0] for w in words) + max(w["box"][2] for w in words)) / 2
    assert big[0] < centre < big[2], words
    for width, height in ((1920, 1080), (375, 667)):
        projector.set_viewport_size({"width": width, "height": height})
        expect(items).to_have_count(6)
        resized = projector.evaluate(CLOUD)
        assert overlapping(resized) == [], (width, resized)
        assert all(w["box"][2] <= width for w in resized), (width, resized)


def test_a_long_word_cloud_is_cut_to_what_fits_with_the_rest_counted(module_daphne, pages):
    def build():
        session = workshop()
        cloud = poll(session, "word_cloud", "In a word?", max_entries=10, max_length=40)
        ballots = [
            [f"supply chain transparency number {10 * p + w}" for w in range(10)] for p in range(10)
        ]
        show(cloud)
        cast(cloud, ballots)
        return session

    session = in_thread(build)
    projector = pages.projector(session)
    more = projector.locator("#results p.more")
    expect(more).to_be_visible()
    expect(more).to_have_text(re.compile(r"^\+ \d+ more$"))
    shown = projector.locator("#results ul.word-cloud > li:not([hidden])")
    hidden_count = int(more.inner_text().split()[1])
    assert shown.count() + hidden_count == 100
    assert 0 < shown.count() < 100
    bottom = projector.evaluate(
        "() => document.querySelector('#results p.more').getBoundingClientRect().bottom"
    )
    assert bottom <= 720
    assert overlapping(projector.evaluate(CLOUD)) == []


def test_choices_are_sorted_by_votes_and_the_scale_keeps_its_order(module_daphne, pages):
    def build():
        session = workshop()
        single = poll(
            session, "single_choice", "Which first?", options=["Alpha", "Beta", "Gamma", "Delta"]
        )
        multiple = poll(session, "multiple_choice", "Which two?")  # Cobalt, Lithium, Tin, Gold
        scale = poll(session, "scale", "How far?")
        for activity, ballots in (
            (scale, [5, 5, 1]),
            (multiple, [[3, 1], [3], [3, 1], [0]]),
            (single, [1, 1, 3, 0, 1, 3]),
        ):
            show(activity)
            cast(activity, ballots)
        return session, single, multiple, scale

    session, single, multiple, scale = in_thread(build)
    projector = pages.projector(session)
    table = projector.locator("#results table.tally")
    # Most votes first, each option keeping its own label; ties in the options' order.
    expect(table.locator("tbody th")).to_have_text(["Beta", "Delta", "Alpha", "Gamma"])
    expect(table.locator("tbody td:nth-child(2)")).to_have_text(["3", "2", "1", "0"])
    expect(table.locator("tbody td:nth-child(3)")).to_have_text(["50 %", "33.3 %", "16.7 %", "0 %"])

    in_thread(lambda: show(multiple))
    expect(projector.get_by_role("heading", name="Which two?")).to_be_visible()
    expect(table.locator("tbody th")).to_have_text(["Gold", "Lithium", "Cobalt", "Tin"])
    expect(table.locator("tbody td:nth-child(2)")).to_have_text(["3", "2", "1", "0"])

    in_thread(lambda: show(scale))
    expect(projector.get_by_role("heading", name="How far?")).to_be_visible()
    expect(table.locator("caption")).to_have_text("Results (mean 3.67)")
    expect(table.locator("tbody th")).to_have_text(["1", "2", "3", "4", "5"])
    expect(table.locator("tbody td:nth-child(2)")).to_have_text(["1", "0", "0", "0", "2"])

    # The console lists the same order.
    console = pages.console(session)
    box = console.locator(f'[data-results-for="{single.pk}"]')
    expect(box.locator("tbody th")).to_have_text(["Beta", "Delta", "Alpha", "Gamma"])


def test_results_per_stakeholder_group_side_by_side(module_daphne, pages):
    def build():
        session = workshop()
        choice = poll(session, "single_choice", "Which first?", by_group=True)  # Yes, No, Not sure
        show(choice)
        cast(choice, [0, 0, 0, 1, 1, 1, 1], ["civil_society"] * 5 + ["research"] * 2)
        return session, choice

    session, choice = in_thread(build)
    projector = pages.projector(session)
    console = pages.console(session)

    for table in (
        projector.locator("#results table.by-group"),
        console.locator(f'[data-results-for="{choice.pk}"] table.by-group'),
    ):
        # One column per group that answered, beside the whole result.
        expect(table.locator("thead th")).to_have_text(
            ["Option", "Votes", "Share", "Civil society / NGO (5)", "Research / academia (2)"]
        )
        expect(table.locator("tbody th")).to_have_text(["No", "Yes", "Not sure"])
        expect(table.locator("tbody td:nth-child(2)")).to_have_text(["4", "3", "0"])
        # Each group's own shares, with its own bars, aligned with the options' rows.
        civil = table.locator("tbody td:nth-child(4)")
        expect(civil).to_have_text(["40 %", "60 %", "0 %"])
        expect(civil.locator(".bar")).to_have_count(3)
        # Two people of one group could be singled out: their figures are not shown.
        expect(table.locator("tbody td:nth-child(5)")).to_have_text(["fewer than 5"] * 3)
        expect(table.locator("tbody td.hidden-group .bar")).to_have_count(0)
    # The setting, on the console's form of each kind that has it.
    for kind in ("single_choice", "multiple_choice", "scale", "ranking"):
        box = console.locator(f'fieldset[data-kinds="{kind}"]')
        expect(box.get_by_label("Show results per stakeholder group")).to_have_attribute(
            "name", f"{kind}-by_group"
        )
    expect(console.locator('[name="word_cloud-by_group"]')).to_have_count(0)
    widths = projector.evaluate(
        """() => Array.from(document.querySelectorAll('#results tbody tr:first-child td.group .bar'))
            .map(b => b.getBoundingClientRect().width)"""
    )
    assert len(widths) == 1 and widths[0] > 0


def test_questions_approved_out_of_order_are_held_in_the_protocols_order(module_daphne, pages):
    """A question approved after a later one goes in at its place by id (docs/protocol.md,
    "Item data"), as a fresh snapshot would list it; the projector still draws them by
    votes."""

    def build():
        session = workshop()
        qna = services.add_activity(
            session=session, kind="qna", title="Ask us", config={"premoderate": True}
        )
        services.open_activity(activity=qna)
        services.reveal_results(activity=qna, revealed=True)
        return session, qna

    session, qna = in_thread(build)
    projector = pages.projector(session)
    expect(projector.get_by_role("heading", name="Ask us")).to_be_visible()

    def ask_and_approve():
        people = voters(session, ["", "", ""])
        for n, person in enumerate(people):
            services.perform_command(
                participant=person,
                activity_id=qna.pk,
                action="ask",
                data={"text": f"Question {n}", "anonymous": False},
                key="k",
            )
        ids = list(
            Question.objects.filter(activity=qna).order_by("id").values_list("id", flat=True)
        )
        for question in (ids[2], ids[0], ids[1]):  # later ones first
            services.moderate_activity(activity=qna, action="approve", data={"question": question})
        return ids

    ids = in_thread(ask_and_approve)
    expect(projector.locator("#results .qna-q")).to_have_count(3)
    held = projector.evaluate(
        "() => window.LiveRoom.room().activities[0].items.map(function (q) { return q.id; })"
    )
    assert held == sorted(ids)
