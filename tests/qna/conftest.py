# The room sockets (WebsocketCommunicator) and the browser fixtures of the other suites.
from tests.frontend.conftest import browser, page_problems  # noqa: F401
from tests.sessions.conftest import live  # noqa: F401
