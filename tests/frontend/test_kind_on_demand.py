"""The live pages load the scripts and style sheets of the kinds on the session's agenda
only, and room.js loads a kind added later on demand: the registry's and the tags'
selection, what each page carries, and in the system Chromium against a real Daphne
process a participant, the console, the presenter view and the projector opened on a
poll that go on with a Q&A added afterwards, without reloading. No page may log an
error or a CSP violation."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.template import Context, Template
from django.templatetags.static import static
from django.urls import reverse
from playwright.sync_api import expect

from qna.models import Question
from sessions import services
from sessions.kinds import kind_choices, kind_scripts, kind_styles
from sessions.panels import panels
from tests import factories
from tests.frontend.test_browser import PASSWORD, join, open_console
from tests.threads import in_thread

ANA_ASKS = "How will battery recycling be financed?"
BEN_ASKS = "Who audits the supply chain?"

POLLS_SCRIPTS = ["polls/charts.js", "polls/polls.js"]


# --------------------------------------------------------------------------- registry


def test_the_registry_gives_the_named_kinds_files_with_their_requires_first():
    assert kind_scripts(kinds=["ranking"]) == POLLS_SCRIPTS
    assert kind_styles(kinds=["ranking"]) == ["polls/polls.css"]
    assert kind_scripts(kinds=["qna"]) == ["qna/qna.js"]
    assert kind_styles(kinds=["qna"]) == ["qna/qna.css"]
    # A script two kinds require, and a script two kinds share, come once.
    assert kind_scripts(kinds=["single_choice", "ranking", "dot_vote"]) == [
        *POLLS_SCRIPTS,
        "polls/vision.js",
    ]
    assert kind_styles(kinds=["single_choice", "ranking"]) == ["polls/polls.css"]


def test_the_registry_keeps_the_registration_order_whatever_order_kinds_are_named_in():
    everything = kind_scripts()
    chosen = kind_scripts(kinds=["qna", "ranking", "idea_board"])
    assert chosen == [
        p for p in everything if p in {*POLLS_SCRIPTS, "qna/qna.js", "boards/board.js"}
    ]
    assert kind_scripts(kinds=("ranking", "qna")) == kind_scripts(kinds={"qna", "ranking"})
    styles = kind_styles()
    assert kind_styles(kinds=["qna", "ranking"]) == [
        p for p in styles if p in {"polls/polls.css", "qna/qna.css"}
    ]


def test_without_kinds_the_registry_gives_every_kind_and_with_none_nothing():
    names = [name for name, _label in kind_choices()]
    assert kind_scripts() == kind_scripts(kinds=names)
    assert kind_styles() == kind_styles(kinds=names)
    assert {"qna/qna.js", "boards/board.js", "consensus/consensus.js", *POLLS_SCRIPTS} <= set(
        kind_scripts()
    )
    assert kind_scripts(kinds=[]) == [] and kind_styles(kinds=[]) == []
    # A name no kind is registered under (an app removed) adds nothing and breaks nothing.
    assert kind_scripts(kinds=["no_such_kind"]) == []
    assert kind_styles(kinds=["no_such_kind", "qna"]) == ["qna/qna.css"]


# --------------------------------------------------------------------------- tags


def render(source: str, **context) -> str:
    return Template("{% load live_kinds %}" + source).render(Context(context))


def script_paths(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)" defer></script>', html)


def style_paths(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)


def test_the_tags_render_the_given_kinds_files_and_the_panels():
    panel_scripts = [static(p.script) for p in panels() if p.script]
    panel_styles = [static(p.style) for p in panels() if p.style]
    html = render("{% kind_scripts page_kinds %}", page_kinds=["ranking"])
    assert script_paths(html) == [*(static(p) for p in POLLS_SCRIPTS), *panel_scripts]
    html = render("{% kind_styles page_kinds %}", page_kinds=["qna"])
    assert style_paths(html) == [static("qna/qna.css"), *panel_styles]
    # An empty agenda: no kind's files, the panels' still.
    assert script_paths(render("{% kind_scripts page_kinds %}", page_kinds=[])) == panel_scripts


def test_the_tags_without_kinds_or_without_the_variable_render_every_kind():
    everything = [
        *(static(p) for p in kind_scripts()),
        *(static(p.script) for p in panels() if p.script),
    ]
    assert script_paths(render("{% kind_scripts %}")) == everything
    assert script_paths(render("{% kind_scripts page_kinds %}")) == everything  # not in context
    styles = [*(static(p) for p in kind_styles()), *(static(p.style) for p in panels() if p.style)]
    assert style_paths(render("{% kind_styles %}")) == styles


def test_kind_assets_names_every_kinds_files_escaped_for_an_attribute():
    html = render('<i data-kind-assets="{% kind_assets %}"></i>')
    raw = re.fullmatch(r'<i data-kind-assets="([^"]*)"></i>', html).group(1)
    assets = json.loads(unescape(raw))
    assert set(assets) == {name for name, _label in kind_choices()}
    assert assets["ranking"] == {
        "scripts": [static(p) for p in POLLS_SCRIPTS],
        "style": static("polls/polls.css"),
    }
    assert assets["qna"] == {"scripts": [static("qna/qna.js")], "style": static("qna/qna.css")}
    assert assets["dot_vote"]["scripts"] == [static("polls/charts.js"), static("polls/vision.js")]


# --------------------------------------------------------------------------- pages


@pytest.fixture
def poll_session(db):
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery roadmap workshop")
    session = factories.make_session(event=event, title="Plenary")
    poll = factories.make_activity(
        session=session, kind="single_choice", title="Which minerals first?", open=True
    )
    return session, poll


def page_assets(html: str) -> tuple[list[str], list[str], dict]:
    """The page's kind scripts and style sheets, and its data-kind-assets."""
    found = re.search(r'data-kind-assets="([^"]*)"', html)
    assert found, "the page carries no data-kind-assets"
    return script_paths(html), style_paths(html), json.loads(unescape(found.group(1)))


def assert_loads_only_polls(html: str) -> None:
    scripts, styles, assets = page_assets(html)
    assert static("polls/polls.js") in scripts and static("polls/charts.js") in scripts
    assert static("polls/polls.css") in styles
    others = ("qna/", "boards/", "consensus/", "polls/vision")
    assert not [p for p in scripts + styles if any(o in p for o in others)], scripts + styles
    # room.js can load any other kind from the addresses on its element.
    assert assets["qna"]["scripts"] == [static("qna/qna.js")]
    assert re.search(r'<script src="[^"]*room[^"]*\.js" data-kind-assets="', html)


def test_every_live_page_loads_only_the_agendas_kinds(client, poll_session):
    session, _poll = poll_session
    client.post(reverse("frontend:join_code", args=[session.code]), {"display_name": "Ana"})
    assert_loads_only_polls(
        client.get(reverse("frontend:room", args=[session.code])).content.decode()
    )
    assert_loads_only_polls(
        client.get(reverse("frontend:screen", args=[session.code])).content.decode()
    )
    client.force_login(session.event.owner)
    for name in ("console", "present"):
        response = client.get(reverse(f"frontend:{name}", args=[session.code]))
        assert response.status_code == 200
        assert_loads_only_polls(response.content.decode())


def test_an_added_kind_is_on_the_page_from_the_next_load(client, poll_session):
    session, _poll = poll_session
    services.add_activity(session=session, kind="qna", title="Questions", config={})
    client.force_login(session.event.owner)
    html = client.get(reverse("frontend:console", args=[session.code])).content.decode()
    scripts, styles, _assets = page_assets(html)
    assert static("qna/qna.js") in scripts and static("qna/qna.css") in styles
    assert scripts.index(static("polls/polls.js")) < scripts.index(static("qna/qna.js"))


def test_an_empty_agenda_loads_no_kind(client, poll_session):
    session = factories.make_session(event=poll_session[0].event, title="Later")
    html = client.get(reverse("frontend:screen", args=[session.code])).content.decode()
    scripts, styles, assets = page_assets(html)
    assert not [p for p in scripts + styles if "/polls/" in p or "/qna/" in p]
    assert assets["single_choice"]["scripts"] == [static(p) for p in POLLS_SCRIPTS]


# --------------------------------------------------------------------------- browser

QNA_FILES = re.compile(r"/static/qna/qna[^/]*\.(js|css)$")
LOADED = "() => performance.getEntriesByType('resource').map(e => e.name)"


def qna_requests(page) -> list[str]:
    """The Q&A files this page has requested so far (the browser's own record)."""
    return [url for url in page.evaluate(LOADED) if QNA_FILES.search(url)]


def assert_no_qna_yet(page) -> None:
    expect(page.locator("body")).to_have_attribute("data-status", "live")
    assert qna_requests(page) == []
    expect(page.locator('script[src*="/qna/"], link[href*="/qna/"]')).to_have_count(0)


def assert_qna_loaded_once(page) -> None:
    expect(page.locator('script[src*="/qna/"]')).to_have_count(1)
    expect(page.locator('link[rel="stylesheet"][href*="/qna/"]')).to_have_count(1)
    assert sorted(url.rsplit(".", 1)[1] for url in qna_requests(page)) == ["css", "js"]


def question_item(page, text: str):
    return page.locator("li.qna-q").filter(has_text=text)


@pytest.fixture
def live_poll(transactional_db):
    """An open single-choice poll, set up before the browser starts (services broadcast
    through async_to_sync, which cannot run while Playwright's loop runs on this thread)."""
    owner = factories.make_user(organiser=True, username="facilitator", password=PASSWORD)
    event = factories.make_event(owner=owner, title="Battery roadmap workshop")
    session = factories.make_session(event=event, title="Plenary")
    poll = factories.make_activity(
        session=session, kind="single_choice", title="Which minerals first?", open=True
    )
    return session, poll


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_qna_added_later_works_on_every_open_page_without_reloading(
    live_poll, daphne_server, browser, page_problems
):
    session, poll = live_poll
    base = daphne_server.base_url
    facilitator, console = open_console(browser, base, session, page_problems)
    presenter = facilitator.new_page()
    page_problems.watch(presenter)
    presenter.goto(f"{base}/console/{session.code}/present")
    projector_context = browser.new_context()
    projector = projector_context.new_page()
    page_problems.watch(projector)
    projector.goto(f"{base}/s/{session.code}/screen")
    ana_context, ana = join(browser, base, session.code, page_problems, "Ana")
    expect(ana.get_by_role("heading", name=poll.title)).to_be_visible()
    pages = (ana, console, presenter, projector)
    for page in pages:
        assert_no_qna_yet(page)
        page.evaluate("() => { window.notReloaded = true; }")

    # Ana's copy of the Q&A script is held back, to see what her page shows meanwhile.
    held = []

    def hold(route):
        held.append(route)

    ana.route(QNA_FILES, hold)
    qna = in_thread(
        lambda: services.add_activity(
            session=session, kind="qna", title="Questions for the panel", config={}
        )
    )
    # The facilitator's pages start loading the kind as soon as it is on the agenda;
    # participants see no draft, their page loads it when it opens.
    expect(console.locator('script[src*="/qna/"]')).to_have_count(1)
    expect(ana.locator('script[src*="/qna/"]')).to_have_count(0)
    in_thread(
        lambda: (
            services.open_activity(activity=qna),
            services.reveal_results(activity=qna, revealed=True),
        )
    )
    expect(ana.get_by_role("heading", name="Questions for the panel")).to_be_visible()
    expect(ana.locator("#stage .loading")).to_have_text("Loading…")
    expect(ana.get_by_label("Your question")).to_have_count(0)

    # Ben, who joins now, gets the Q&A with his page and asks while Ana's still loads;
    # Ana's page keeps the new question until her script is there.
    ben_context, ben = join(browser, base, session.code, page_problems, "Ben")
    ben.get_by_label("Your question").fill(BEN_ASKS)
    ben.get_by_role("button", name="Ask").click()
    expect(ben.locator("#confirmation")).to_have_text("Question sent. Thank you!")
    # Ana's page has had every event Ben's had when his question was acknowledged (more
    # may have come since: a tally, presence).
    seq = int(ben.locator("body").get_attribute("data-seq"))
    ana.wait_for_function("(seq) => Number(document.body.dataset.seq) >= seq", arg=seq)
    expect(ana.locator("#stage .loading")).to_have_text("Loading…")
    for route in held:
        route.continue_()
    ana.unroute(QNA_FILES)

    # Ana uses the Q&A on the page she had open.
    field = ana.get_by_label("Your question")
    expect(field).to_be_visible()
    expect(ana.locator("#stage .loading")).to_have_count(0)
    expect(question_item(ana, BEN_ASKS)).to_be_visible()
    field.fill(ANA_ASKS)
    ana.get_by_role("button", name="Ask").click()
    expect(ana.locator("#confirmation")).to_have_text("Question sent. Thank you!")
    expect(question_item(ana, ANA_ASKS)).to_contain_text("You")

    # The console, the presenter view and the projector draw it too.
    expect(
        question_item(console.locator(f'[data-results-for="{qna.pk}"]'), ANA_ASKS)
    ).to_be_visible()
    expect(question_item(presenter.locator("#current-results"), ANA_ASKS)).to_be_visible()
    expect(question_item(projector, ANA_ASKS)).to_contain_text("Ana")
    expect(question_item(projector, BEN_ASKS)).to_be_visible()
    for page in pages:
        assert_qna_loaded_once(page)
        assert page.evaluate("() => window.notReloaded") is True
    assert list(Question.objects.order_by("id").values_list("text", flat=True)) == [
        BEN_ASKS,
        ANA_ASKS,
    ]
    for context in (ana_context, ben_context, projector_context, facilitator):
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_kind_loaded_later_gets_the_script_it_requires_first(
    daphne_server, browser, page_problems
):
    session = factories.make_session(title="Panel")
    qna = in_thread(
        lambda: services.add_activity(session=session, kind="qna", title="Questions", config={})
    )
    in_thread(lambda: services.open_activity(activity=qna))
    base = daphne_server.base_url
    context, page = join(browser, base, session.code, page_problems, "Ana")
    expect(page.get_by_label("Your question")).to_be_visible()
    expect(page.locator('script[src*="/polls/"]')).to_have_count(0)

    ranking = in_thread(lambda: factories.make_activity(session=session, kind="ranking", open=True))
    expect(page.get_by_role("heading", name=ranking.title)).to_be_visible()
    expect(page.locator("ol.ranking li")).to_have_count(3)
    sources = page.locator("script[src]").evaluate_all("(nodes) => nodes.map(n => n.src)")
    polls = [s for s in sources if "/polls/" in s]
    assert [s.rsplit("/", 1)[1].split(".")[0] for s in polls] == ["charts", "polls"]
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#confirmation")).to_have_text("Vote recorded. Thank you!")
    context.close()
