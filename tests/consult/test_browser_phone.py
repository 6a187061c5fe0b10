"""A consultation on a phone, in the system Chromium at 375 x 740, against a real Daphne
process, a real mail worker process and a real SMTP server: a participant registers,
confirms the address from the mail, comments on a section; an organiser answers it on
the "you said, we did" page; the participant sees the answer and gets the mail, with
an unsubscribe link that works. No page may log an error or a CSP violation, and the
participant's pages never scroll sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from consult import selectors
from tests.consult.factories import make_consultation, make_process
from tests.factories import make_user
from tests.servers import DaphneProcess, WorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"
PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
COMMENT = "Add a collection target for used batteries by 2030."
ANSWER = "Agreed: milestone 2030 now has a 70% collection target."
EMAIL = "amara@example.org"


@pytest.fixture
def consultation(transactional_db):
    """An open consultation whose organiser has an account, made before the browser starts."""
    organiser = make_user(username="organiser", password=PASSWORD)
    return make_consultation(process=make_process(owner=organiser), title="Battery roadmap 2050")


@pytest.fixture
def servers(transactional_db, static_root, mailbox):
    """Daphne (requests only queue mail) and the mail worker (delivers to the mailbox)."""
    server = DaphneProcess(static_root=static_root).start()
    worker = WorkerProcess(
        interval=0.2,
        extra_env={
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mailbox.port),
            "SITE_URL": server.base_url,
        },
    ).start()
    yield server, worker
    worker.stop()
    server.stop()


def assert_no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width} px wide at a 375 px viewport"


def link_in(message, pattern: str) -> str:
    found = re.search(pattern, message.get_content())
    assert found, message.get_content()
    return found.group(0)


def test_register_comment_and_get_the_answer_by_mail_on_a_phone(
    consultation, servers, mailbox, browser, page_problems
):
    server, worker = servers
    base = server.base_url
    section = selectors.latest_version(consultation).texts.order_by("position")[0].section
    section_path = f"/c/{consultation.process.slug}/{consultation.slug}/s/{section.pk}/"

    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    page_problems.watch(page)

    # Sign up with the profile and the consent the form asks for.
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Username").fill("amara")
    page.get_by_label("Your name as others see it").fill("Amara K.")
    page.get_by_label("Stakeholder group").select_option("civil_society")
    page.get_by_label("Country").select_option("CD")
    page.get_by_label("Sector").select_option("mining")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    assert_no_sideways_scroll(page)
    page.get_by_label(re.compile("I accept the terms of use")).check()
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", name=re.compile("Verify Your Email"))).to_be_visible()

    # The worker delivers the confirmation; its link logs the person in.
    confirmation = mailbox.wait_for(1)[0]
    assert confirmation["To"] == EMAIL
    page.goto(link_in(confirmation, r"https?://\S+/accounts/confirm-email/\S+/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{base}/")  # the participants' landing page
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Comment on the first section.
    page.goto(base + section_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vision 2050")
    assert_no_sideways_scroll(page)
    page.get_by_label("Your comment").fill(COMMENT)
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_text("Your comment is published.")).to_be_visible()
    mine = page.locator("li.comment").filter(has_text=COMMENT)
    expect(mine).to_be_visible()
    expect(mine.locator(".disposition")).to_have_count(0)
    assert_no_sideways_scroll(page)

    # The organiser answers it where organisers answer every input.
    organiser_context = browser.new_context(**PHONE)
    desk = organiser_context.new_page()
    page_problems.watch(desk)
    desk.goto(f"{base}/accounts/login/")
    desk.get_by_label("Login").fill("organiser")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign In").click()
    expect(desk.get_by_role("button", name="Log out")).to_be_visible()
    desk.goto(f"{base}/c/{consultation.process.slug}/{consultation.slug}/you-said-we-did/")
    row = desk.locator("li.comment").filter(has_text=COMMENT)
    expect(row).to_contain_text("Not answered yet.")
    assert_no_sideways_scroll(desk)
    row.get_by_text("Answer", exact=True).click()
    row.get_by_label("Decision").select_option("accepted")
    row.get_by_label("Short answer").fill(ANSWER)
    row.get_by_role("button", name="Save answer").click()
    expect(desk.get_by_text("Answer saved.")).to_be_visible()
    expect(desk.locator("li.comment").filter(has_text=COMMENT)).to_contain_text(ANSWER)

    # The participant sees the answer under the comment...
    page.reload()
    answer = page.locator("li.comment").filter(has_text=COMMENT).locator(".disposition")
    expect(answer).to_contain_text("Accepted")
    expect(answer).to_contain_text(ANSWER)
    assert_no_sideways_scroll(page)

    # ... and receives it by mail, with a link to stop mail that works.
    answered = mailbox.wait_for(2)[1]
    assert answered["To"] == EMAIL
    assert answered["Subject"] == "Your input to Battery roadmap 2050 was answered: Accepted"
    body = answered.get_content()
    assert ANSWER in body and f"{base}{section_path}#comment-" in body
    unsubscribe = link_in(answered, rf"{re.escape(base)}/unsubscribe/\S+/")
    assert answered["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    page.goto(unsubscribe)
    page.get_by_role("button", name="Stop all emails").click()
    expect(page.get_by_text("Done: you will receive no more emails from us.")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert len(mailbox.messages) == 2
    assert "Traceback" not in worker.log()
