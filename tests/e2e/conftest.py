import pytest

from tests.servers import DaphneProcess


@pytest.fixture
def daphne_server_with(transactional_db, static_root):
    """Start real Daphne processes with extra environment (settings); all stopped after."""
    started: list[DaphneProcess] = []

    def start(**env: str) -> DaphneProcess:
        server = DaphneProcess(static_root=static_root, extra_env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
