# The browser fixtures of the frontend suite (system Chromium through Playwright).
from tests.frontend.conftest import browser, page_problems  # noqa: F401
