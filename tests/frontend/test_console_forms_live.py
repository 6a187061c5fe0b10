"""The console's "Add an activity" and "Attach results" forms in the system Chromium
against a real Daphne process: sent with fetch, the page updates in place (no reload,
the focus stays in the form, a refused form comes back with its errors) and no page logs
an error or a CSP violation (the page_problems fixture)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from consult.models import Evidence
from sessions.models import Activity
from tests import factories
from tests.consult.factories import make_consultation, make_process
from tests.evidence import section_of
from tests.frontend.test_browser import PASSWORD, open_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# The data is made by fixtures that come before the browser's: services broadcast
# through async_to_sync, which cannot run while Playwright's loop runs on this thread.


@pytest.fixture
def facilitator(transactional_db):
    return factories.make_user(organiser=True, username="facilitator", password=PASSWORD)


@pytest.fixture
def session(facilitator):
    """A session with one activity, of an event without a process."""
    event = factories.make_event(owner=facilitator, title="Mobility roadmap workshop")
    session = factories.make_session(event=event, title="Vision")
    factories.make_activity(session=session, title="Already there")
    return session


@pytest.fixture
def consulted(facilitator):
    """A session of a process's event with an open poll, and the process's consultation."""
    process = make_process(owner=facilitator)
    event = factories.make_event(owner=facilitator, process=process)
    session = factories.make_session(event=event, title="Vision")
    poll = factories.make_activity(session=session, title="Which metal first?", open=True)
    return session, poll, make_consultation(process=process)


def watch_navigations(console) -> list[str]:
    """Marks the page and returns the list its main frame's navigations go to."""
    console.evaluate("window.__marker = 'still here'")
    navigations: list[str] = []
    console.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == console.main_frame else None,
    )
    return navigations


def test_activities_are_added_in_a_row_and_a_refused_one_shows_its_errors(
    session, daphne_server, browser, page_problems
):
    page_problems.expect_errors(r"status of 400 \(Bad Request\)")  # the refused form
    context, console = open_console(browser, daphne_server.base_url, session, page_problems)
    console.set_viewport_size({"width": 1280, "height": 800})
    navigations = watch_navigations(console)
    form = console.locator("#add-activity")
    kind = form.get_by_label("Kind of activity")
    title = form.get_by_label(re.compile(r"^Question:?$"))
    submit = console.locator("#add-activity-submit")
    heading = console.locator("#agenda > li h3")

    # One added: announced, its card in the agenda and open, the form emptied, the focus
    # still on its button.
    title.fill("Which minerals first?")
    form.get_by_label("Options, one per line").locator("visible=true").fill("Lithium\nCobalt")
    submit.click()
    expect(console.locator("#announce")).to_have_text("Added: Which minerals first?")
    expect(heading).to_have_text(["Already there", "Which minerals first?"])
    added = Activity.objects.get(session=session, title="Which minerals first?")
    assert added.config == {"options": ["Lithium", "Cobalt"]}
    expect(console.locator(f"#more-{added.pk}")).to_have_attribute("open", "")
    expect(submit).to_be_focused()
    expect(title).to_have_value("")
    expect(kind).to_have_value("single_choice")

    # A second one in a row, of another kind, sent with Enter from the title: the kind
    # chosen stays, only the new card is open, the focus stays in the title.
    kind.select_option("word_cloud")
    title.fill("In a word?")
    title.press("Enter")
    expect(console.locator("#announce")).to_have_text("Added: In a word?")
    expect(heading).to_have_text(["Already there", "Which minerals first?", "In a word?"])
    cloud = Activity.objects.get(session=session, title="In a word?")
    assert cloud.kind == "word_cloud"
    expect(console.locator(f"#more-{cloud.pk}")).to_have_attribute("open", "")
    expect(console.locator("details.activity-more[open]")).to_have_count(1)
    expect(kind).to_have_value("word_cloud")
    expect(title).to_have_value("")
    expect(title).to_be_focused()

    # Refused: the server's form with the errors takes the place of the form, the first
    # field in error has the focus, and what was typed is kept.
    kind.select_option("single_choice")
    options = form.get_by_label("Options, one per line").locator("visible=true")
    options.fill("Only one")
    submit.click()
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(console.locator("#id_title_error")).to_have_text("This field is required.")
    expect(options).to_have_value("Only one")
    expect(kind).to_have_value("single_choice")
    # The kind's settings are checked once the title is right.
    title.fill("Which one first?")
    submit.click()
    expect(options).to_be_focused()
    expect(options).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("between 2 and 20 options")
    assert Activity.objects.filter(session=session).count() == 3
    expect(heading).to_have_count(3)

    # Corrected, it is added and the form is blank again, errors gone.
    options.fill("Recycling\nTraceability")
    submit.click()
    expect(console.locator("#announce")).to_have_text("Added: Which one first?")
    expect(heading).to_have_count(4)
    expect(form.locator(".errorlist")).to_have_count(0)
    expect(title).to_have_value("")
    expect(submit).to_be_focused()
    assert [a.title for a in Activity.objects.filter(session=session).order_by("position")] == [
        "Already there",
        "Which minerals first?",
        "In a word?",
        "Which one first?",
    ]

    assert console.evaluate("window.__marker") == "still here"
    assert navigations == []
    context.close()


def test_results_are_attached_to_a_section_in_place(
    consulted, daphne_server, browser, page_problems
):
    session, poll, consultation = consulted
    section = section_of(consultation)
    page_problems.expect_errors(r"status of 400 \(Bad Request\)")  # the refused section
    context, console = open_console(browser, daphne_server.base_url, session, page_problems)
    navigations = watch_navigations(console)
    card = console.locator(f"#activity-{poll.pk}")
    if card.locator("details[open]").count() == 0:
        card.locator("summary").click()
    choice = card.get_by_label("Attach results to a consultation section")
    attach = console.locator(f"#evidence-attach-{poll.pk}")

    choice.select_option(str(section.pk))
    attach.click()
    expect(console.locator("#announce")).to_have_text(
        f"Results of “Which metal first?” attached to the consultation “{consultation.title}”."
    )
    expect(card.locator(".activity-controls")).to_contain_text(
        f"Results attached to: {consultation.title}: Vision 2050"
    )
    expect(attach).to_be_focused()
    assert Evidence.objects.get().section == section

    # A section that has gone meanwhile (changed and sent at once, so that no refresh of
    # the card comes between): the server's refusal, shown in the live alert.
    choice.evaluate(
        """(select, id) => {
          select.options[1].value = id;
          select.selectedIndex = 1;
          select.form.requestSubmit(select.form.querySelector("button"));
        }""",
        "999999999",
    )
    expect(console.locator("#live-alert")).to_have_text("Choose a section of a consultation.")
    assert Evidence.objects.count() == 1

    assert console.evaluate("window.__marker") == "still here"
    assert navigations == []
    context.close()
