# The browser fixtures of the frontend suite, for the polls' browser tests.
from tests.frontend.conftest import chromium  # noqa: F401
