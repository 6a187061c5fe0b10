import asyncio
import os

import pytest
import pytest_asyncio
from django.conf import settings

from sessions.db import close_thread_connections
from sessions.hub import close_hub, get_hub


def pytest_sessionstart(session):
    """Tests run against the real services; a missing one is a failure, never a skip."""
    if os.environ.get("ALLOW_EMBEDDED") == "1":
        return
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        problems.append("REDIS_URL is not set")
    if problems:
        raise pytest.UsageError("; ".join(problems) + " (run the suite with `make test`)")


@pytest.fixture(autouse=True, scope="session")
def _services_up():
    """Reach both servers before any test, whether or not the tests chosen use them."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        psycopg.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).ping()


@pytest.fixture(autouse=True, scope="session")
def _close_live_db_threads(django_db_setup):
    """Torn down before the test database is dropped: the live room's worker threads
    must not hold connections to it then."""
    yield
    from sessions.db import close_thread_connections

    close_thread_connections()


@pytest_asyncio.fixture
async def hub():
    """This test loop's RoomHub, closed after the test.

    Each test has its own event loop, and channels-redis binds its receiving machinery
    to the loop that first used it: every test gets fresh channel-layer instances."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    hub = await get_hub()
    yield hub
    await close_hub()
    await hub.layer.wait_received()
    channel_layers.backends.clear()
    # A broadcast cancelled with the hub may still run on its thread: let it finish
    # before the test's tables are flushed (else the flush can deadlock with it).
    await asyncio.to_thread(close_thread_connections)


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    from tests.servers import collect_static

    return collect_static(tmp_path_factory.mktemp("static"))


@pytest.fixture
def daphne_server(transactional_db, static_root):
    """A real Daphne process serving the test database; stopped before the tables are flushed."""
    from tests.servers import DaphneProcess

    server = DaphneProcess(static_root=static_root).start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(settings):
    """A real SMTP server on loopback, with the product's mail settings pointing at it:
    mail goes to the outbox (not pytest-django's locmem) and the worker delivers it here."""
    from tests.mailbox import Mailbox

    box = Mailbox().start()
    settings.EMAIL_BACKEND = "consult.mail.QueuedEmailBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = box.port
    yield box
    box.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits and lockouts count in the cache, which is Redis here and shared by
    every process (settings.CACHES): each test starts from nothing counted. Only the
    cache's own keys go; the channel layer's stay."""
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if not prefix or "Redis" not in settings.CACHES["default"]["BACKEND"]:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
