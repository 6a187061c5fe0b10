import os
import re

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Report every Content-Security-Policy violation as a console error, so a page that
# tries to run inline code fails the test even where the browser only warns.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""

expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a whole module. Playwright's sync API keeps an event loop on this
    thread meanwhile: the tests' own database calls stay synchronous, and services that
    broadcast (through async_to_sync) run on a worker thread."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before
    connections.close_all()


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop on this thread; the test's own database
    # calls are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Database connections opened by the test while Playwright ran belong to its
        # context; close them here or they outlive the test database.
        connections.close_all()


class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by any page of a test."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.expected: list[re.Pattern] = []

    def expect_errors(self, pattern: str) -> None:
        """Errors matching ``pattern`` are part of the scenario (a server restart, say)."""
        self.expected.append(re.compile(pattern))

    def _console(self, message) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.expected):
            self.errors.append(message.text)

    def watch(self, page) -> None:
        page.add_init_script(REPORT_CSP)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def page_problems():
    problems = PageProblems()
    yield problems
    assert problems.errors == []


@pytest.fixture
def organiser():
    """An account that may run events (the "organise" permission)."""
    from tests import factories

    return factories.make_user(organiser=True)


@pytest.fixture
def organiser_client(client, organiser):
    """The test client, logged in as ``organiser``."""
    client.force_login(organiser)
    return client
