# The browser fixtures of the frontend suite (one Chromium per module, error watching).
from tests.frontend.conftest import (  # noqa: F401
    browser,
    chromium,
    organiser,
    organiser_client,
    page_problems,
)
