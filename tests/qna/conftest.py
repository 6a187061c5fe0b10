# The room sockets (WebsocketCommunicator) and the browser fixtures of the other suites.
from tests.frontend.conftest import (  # noqa: F401
    browser,
    organiser,
    organiser_client,
    page_problems,
)
from tests.sessions.conftest import live  # noqa: F401
