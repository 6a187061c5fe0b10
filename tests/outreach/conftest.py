# The browser fixtures of the other suites.
from tests.frontend.conftest import (  # noqa: F401
    browser,
    page_problems,
)
