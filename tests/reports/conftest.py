# The browser fixtures of the other suites.
from tests.frontend.conftest import (  # noqa: F401
    browser,
    chromium,
    page_problems,
)
