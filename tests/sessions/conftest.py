import asyncio
import contextlib

import pytest_asyncio
from channels.layers import channel_layers

from sessions import realtime


@pytest_asyncio.fixture
async def hub():
    """This test loop's RoomHub, closed after the test (overrides tests/conftest.py's).

    Two things differ from the shared fixture, both about running many event loops
    (one per test) in one process:

    - The channel layer is made afresh for each test. channels_redis keeps per-channel
      ``asyncio.Lock`` objects in the process-wide layer; a lock binds to the loop that
      first waits on it, and a cancelled ``acquire`` leaks its wait count, so the lock
      outlives its loop and the next test's hub fails with "bound to a different event
      loop" (production has one loop per process, so this is a harness matter).
    - ``RoomHub.close()`` cancels each task once and awaits it. On Python 3.11 a
      cancellation can be swallowed by ``asyncio.wait_for`` inside redis-py, and then
      ``close()`` waits forever (a product bug: see
      test_consumers.py::test_closing_the_hub_survives_a_swallowed_cancellation). While
      the product's ``close_hub()`` runs, this fixture repeats the cancellation so one
      hung teardown does not stall the whole suite.
    """
    channel_layers.backends.clear()
    hub = await realtime.get_hub()
    yield hub
    closing = asyncio.ensure_future(realtime.close_hub())
    for _ in range(40):
        done, _pending = await asyncio.wait({closing}, timeout=0.25)
        if done:
            closing.result()
            await hub.layer.wait_received()
            return
        for task in hub.tasks:
            task.cancel()
    raise AssertionError("the room hub did not close")


@pytest_asyncio.fixture
async def live(hub):
    """Open sockets to the room: ``await live.connect(code)`` / ``await live.join(...)``.

    Every socket opened is disconnected after the test, before the hub closes."""
    from channels.testing import WebsocketCommunicator

    from tests.sessions.live import ORIGIN, Client, application

    opened: list[WebsocketCommunicator] = []

    class Live:
        hub = None

        @staticmethod
        async def connect(code, *, cookie=None, origin=ORIGIN, expect=True):
            headers = [origin] if origin else []
            if cookie:
                headers.append((b"cookie", f"sessionid={cookie}".encode()))
            comm = WebsocketCommunicator(application, f"/ws/s/{code}/", headers=headers)
            opened.append(comm)
            connected, _ = await comm.connect()
            assert connected is expect
            return Client(comm)

        @classmethod
        async def join(cls, code, role="participant", *, token=None, cookie=None, last_seq=None):
            client = await cls.connect(code, cookie=cookie)
            hello = {"type": "hello", "role": role}
            if token is not None:
                hello["token"] = token
            if last_seq is not None:
                hello["last_seq"] = last_seq
            await client.send(hello)
            client.welcome = await client.receive()
            assert client.welcome["type"] == "welcome", client.welcome
            return client

    Live.hub = hub
    yield Live
    for comm in reversed(opened):
        with contextlib.suppress(Exception):
            await comm.disconnect()
