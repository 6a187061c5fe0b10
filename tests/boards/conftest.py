# The live-room and browser fixtures of the other test packages, for the board's tests.
from tests.frontend.conftest import browser, page_problems  # noqa: F401
from tests.sessions.conftest import live  # noqa: F401
