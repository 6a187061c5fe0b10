import asyncio
import os

import pytest
import pytest_asyncio
from django.conf import settings

from sessions.db import close_thread_connections
from sessions.hub import close_hub, get_hub
from tests.caches import clear_cache

# `make test` runs the suite on pytest-xdist workers. pytest-django gives each worker its
# own database; they share one Redis, where room groups are named by session id and
# would collide between the workers' databases. Each worker (and every server process it
# starts, which inherits the environment) therefore keeps to its own key prefixes. The
# settings were read before this module: the layer and the cache are built lazily, on
# first use, so setting them here still takes effect.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER and settings.REDIS_URL:
    os.environ["CHANNEL_PREFIX"] = f"asgi-{_WORKER}"
    os.environ["CACHE_KEY_PREFIX"] = f"consult-{_WORKER}"
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ["CHANNEL_PREFIX"]
    settings.CACHES["default"]["KEY_PREFIX"] = os.environ["CACHE_KEY_PREFIX"]


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


# How much longer than a plain test a test that starts servers or drives the browser
# takes, and what starting a module of them costs (servers, a browser, a world of data),
# counted in plain tests. Only the order of the modules depends on these guesses.
SLOW_TEST = 10
SLOW_MODULE = 60


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """On the test workers, the modules that cost most run first: pytest-xdist hands out
    whole modules (``--dist loadscope``) in the order collected (``make test`` passes
    ``--no-loadscope-reorder``), so the run does not end with one worker busy on a module
    of slow end-to-end tests while the other has nothing left to do. A module's cost is
    its number of tests, its browser and end-to-end tests counted as ``SLOW_TEST`` each
    and ``SLOW_MODULE`` more for its servers. Within a module the order is kept."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def cost(module: list) -> int:
        slow = sum(
            1 for i in module if i.get_closest_marker("browser") or i.get_closest_marker("e2e")
        )
        return len(module) + slow * (SLOW_TEST - 1) + (SLOW_MODULE if slow else 0)

    ordered = sorted(modules.values(), key=cost, reverse=True)  # stable: ties keep their order
    items[:] = [item for module in ordered for item in module]


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
def static_root():
    """The collected static files the server processes serve (read-only: shared by the
    workers, and by later runs while the static sources stay the same)."""
    from tests.servers import shared_static

    return shared_static()


@pytest.fixture(scope="module")
def module_daphne(django_db_setup, static_root):
    """One real Daphne process for a whole module, on the test database. Its tests' rows
    are flushed while it runs: each test closes its pages (and their sockets) first."""
    from tests.servers import DaphneProcess

    server = DaphneProcess(static_root=static_root).start()
    yield server
    server.stop()


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
def _site_language():
    """Each test starts in the site's language: a request through the test client (or
    an override left open) activates another language on this thread, and it would
    leak into the next test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts from nothing counted in the cache (Redis here, shared by every
    process of the test): only the cache's own keys go; the channel layer's stay."""
    clear_cache()
